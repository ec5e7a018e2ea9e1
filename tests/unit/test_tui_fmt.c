/* What the Overview says about a repo: age colours, state wording, redaction, glyphs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "backend/app.h"
#include "backend/config.h"
#include "tui/fmt.h"
#include "tui/glyph.h"

#define NOW  ((time_t)1795000000)
#define HOUR 3600

static char cfg_name[] = "usb-ssd";
static char cfg_url[] = "/mnt/usb/restic";
static struct repo_cfg cfg = { .name = cfg_name, .url = cfg_url, .tier = TIER_LOCAL };

static struct repo_view fresh_view(void)
{
    struct repo_view rv;

    memset(&rv, 0, sizeof(rv));
    rv.cfg = &cfg;
    rv.state = REPO_OK;
    rv.rpo = 26 * HOUR;
    rv.newest = NOW - 4 * HOUR;
    rv.oldest = NOW - 40 * 24 * HOUR;
    rv.snapshot_count = 12;
    rv.fetched_at = NOW - 120;
    return rv;
}

static void test_age_colour_follows_rpo(void **state)
{
    struct repo_view rv = fresh_view();
    char buf[64];

    (void)state;
    glyph_set_utf8(false);
    /* within the RPO: fresh */
    assert_int_equal(fmt_age_el(app_repo_health(&rv, NOW)), EL_AGE_FRESH);
    assert_string_equal(fmt_newest(&rv, app_repo_health(&rv, NOW), NOW, buf, sizeof(buf)), "4h ok");
    /* a missed night: stale */
    rv.newest = NOW - 30 * HOUR;
    assert_int_equal(fmt_age_el(app_repo_health(&rv, NOW)), EL_AGE_STALE);
    assert_string_equal(fmt_newest(&rv, app_repo_health(&rv, NOW), NOW, buf, sizeof(buf)), "30h !");
    /* far beyond it: critical */
    rv.newest = NOW - 9 * 24 * HOUR;
    assert_int_equal(fmt_age_el(app_repo_health(&rv, NOW)), EL_AGE_CRIT);
    assert_string_equal(fmt_newest(&rv, app_repo_health(&rv, NOW), NOW, buf, sizeof(buf)), "9d x");
    /* no snapshot at all */
    rv.newest = 0;
    assert_string_equal(fmt_newest(&rv, app_repo_health(&rv, NOW), NOW, buf, sizeof(buf)),
                        "none x");
    /* nothing known yet */
    rv.state = REPO_UNKNOWN;
    assert_int_equal(fmt_age_el(app_repo_health(&rv, NOW)), EL_STATUS_UNKNOWN);
    assert_string_equal(fmt_newest(&rv, app_repo_health(&rv, NOW), NOW, buf, sizeof(buf)), "?");
    assert_int_equal(fmt_status_el(HEALTH_WARN), EL_STATUS_WARN);
    assert_int_equal(fmt_status_el(HEALTH_CRIT), EL_STATUS_CRIT);
}

static void test_state_wording(void **state)
{
    struct repo_view rv = fresh_view();
    enum theme_el el;
    char buf[160];

    (void)state;
    glyph_set_utf8(false);
    assert_string_equal(fmt_state(&rv, NOW, 0, buf, sizeof(buf), &el), "ok");
    assert_int_equal(el, EL_STATUS_OK);

    rv.refreshing = true;
    rv.refresh_started_ms = 10000;
    assert_string_equal(fmt_state(&rv, NOW, 22500, buf, sizeof(buf), &el), "refreshing * 12s");
    assert_int_equal(el, EL_SPINNER);
    rv.refreshing = false;

    rv.state = REPO_ERROR;
    rv.error.code = LB_ELOCKED;
    snprintf(rv.error.msg, sizeof(rv.error.msg),
             "cannot read repo 'usb-ssd': repository is locked");
    rv.lock_count = 1;
    rv.oldest_lock = NOW - 2 * HOUR;
    snprintf(rv.lock_holder, sizeof(rv.lock_holder), "root@pve pid 123");
    assert_string_equal(fmt_state(&rv, NOW, 0, buf, sizeof(buf), &el),
                        "locked by root@pve pid 123 for 2h");
    assert_int_equal(el, EL_STATUS_CRIT);
    rv.lock_count = 0;
    rv.lock_holder[0] = '\0';
    assert_string_equal(fmt_state(&rv, NOW, 0, buf, sizeof(buf), &el), "repository is locked");

    rv.error.code = LB_EAUTH;
    assert_string_equal(fmt_state(&rv, NOW, 0, buf, sizeof(buf), &el), "wrong password");
    rv.error.code = LB_EUNREACHABLE;
    assert_string_equal(fmt_state(&rv, NOW, 0, buf, sizeof(buf), &el), "unreachable");
    rv.error.code = LB_EFAIL;
    snprintf(rv.error.msg, sizeof(rv.error.msg), "cannot read repo 'x': \x1b[2Jboom");
    fmt_state(&rv, NOW, 0, buf, sizeof(buf), &el);
    assert_null(strchr(buf, '\x1b'));

    rv = fresh_view();
    rv.lock_count = 2;
    assert_string_equal(fmt_state(&rv, NOW, 0, buf, sizeof(buf), &el), "ok, 2 locks");
    assert_int_equal(el, EL_STATUS_WARN);
}

static void test_checked_marks_cache(void **state)
{
    struct repo_view rv = fresh_view();
    char buf[64];

    (void)state;
    assert_string_equal(fmt_checked(&rv, NOW, buf, sizeof(buf)), "2m");
    rv.from_cache = true;
    rv.fetched_at = NOW - 5 * HOUR;
    assert_string_equal(fmt_checked(&rv, NOW, buf, sizeof(buf)), "5h cached");
    rv.fetched_at = 0;
    assert_string_equal(fmt_checked(&rv, NOW, buf, sizeof(buf)), "never");
}

static void test_url_redaction(void **state)
{
    char buf[256];

    (void)state;
    assert_string_equal(
        fmt_redact_url("rest:https://backup:s3cret@nas:8000/repo", buf, sizeof(buf)),
        "rest:https://backup:***@nas:8000/repo");
    assert_string_equal(fmt_redact_url("sftp://user@host//srv/restic", buf, sizeof(buf)),
                        "sftp://user@host//srv/restic");
    assert_string_equal(fmt_redact_url("/mnt/usb-ssd/restic", buf, sizeof(buf)),
                        "/mnt/usb-ssd/restic");
    assert_string_equal(fmt_redact_url("s3:https://s3.example.com/bucket/a@b", buf, sizeof(buf)),
                        "s3:https://s3.example.com/bucket/a@b");
    assert_null(strstr(fmt_redact_url("rest:http://u:pw@h/x", buf, sizeof(buf)), "pw"));
}

static void test_keep(void **state)
{
    struct keep_policy k = { 0 };
    char buf[128];

    (void)state;
    assert_string_equal(fmt_keep(&k, buf, sizeof(buf)), "not set");
    k.daily = 5;
    k.weekly = 3;
    k.monthly = 2;
    assert_string_equal(fmt_keep(&k, buf, sizeof(buf)), "daily=5 weekly=3 monthly=2");
    k.yearly = -1;
    assert_string_equal(fmt_keep(&k, buf, sizeof(buf)),
                        "daily=5 weekly=3 monthly=2 yearly=unlimited");
}

static void test_glyph_table(void **state)
{
    (void)state;
    assert_true(glyph_codeset_is_utf8("UTF-8"));
    assert_true(glyph_codeset_is_utf8("utf8"));
    assert_false(glyph_codeset_is_utf8("ANSI_X3.4-1968"));
    assert_false(glyph_codeset_is_utf8("UTF-16"));
    assert_false(glyph_codeset_is_utf8(NULL));
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        skip();
    for (int g = 0; g < G_COUNT; g++) {
        const char *a = glyph_form((enum glyph)g, false);
        const char *u = glyph_form((enum glyph)g, true);
        wchar_t wc[8];

        /* every glyph has a plain ASCII spelling... */
        assert_true(*a);
        for (const char *p = a; *p; p++)
            assert_true(*p >= 0x20 && *p < 0x7f);
        /* ...and a valid UTF-8 one whose every character is one column wide ("°C") */
        assert_true(mbstowcs(wc, u, 8) != (size_t)-1);
        for (size_t i = 0; i < wcslen(wc); i++)
            assert_int_equal(wcwidth(wc[i]), 1);
    }
    glyph_set_utf8(true);
    assert_string_equal(glyph(G_OK), "\u2713");
    glyph_set_utf8(false);
    assert_string_equal(glyph(G_OK), "ok");
    assert_string_equal(glyph(G_HLINE), "-");
    setlocale(LC_CTYPE, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age_colour_follows_rpo),
        cmocka_unit_test(test_state_wording),
        cmocka_unit_test(test_checked_marks_cache),
        cmocka_unit_test(test_url_redaction),
        cmocka_unit_test(test_keep),
        cmocka_unit_test(test_glyph_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
