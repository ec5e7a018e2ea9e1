/* The glyph table: one symbol, two spellings (UTF-8 and ASCII). */
#include "tui/glyph.h"

#include <ctype.h>
#include <stddef.h>

static const char *const utf8_forms[G_COUNT] = {
#define X(id, u, a) [G_##id] = u,
    GLYPHS(X)
#undef X
};

static const char *const ascii_forms[G_COUNT] = {
#define X(id, u, a) [G_##id] = a,
    GLYPHS(X)
#undef X
};

static bool use_utf8;

void glyph_set_utf8(bool utf8)
{
    use_utf8 = utf8;
}

bool glyph_utf8(void)
{
    return use_utf8;
}

const char *glyph_form(enum glyph g, bool utf8)
{
    if ((unsigned)g >= G_COUNT)
        return "?";
    return utf8 ? utf8_forms[g] : ascii_forms[g];
}

const char *glyph(enum glyph g)
{
    return glyph_form(g, use_utf8);
}

bool glyph_codeset_is_utf8(const char *codeset)
{
    const char *want = "utf8";
    const char *p = codeset;

    if (!p)
        return false;
    /* compare ignoring case and dashes: "UTF-8", "utf8", "UTF8" */
    for (; *p; p++) {
        if (*p == '-' || *p == '_')
            continue;
        if (!*want || tolower((unsigned char)*p) != *want)
            return false;
        want++;
    }
    return *want == '\0';
}
