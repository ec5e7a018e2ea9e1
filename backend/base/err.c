#include "backend/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/base/str.h"

static const char *const code_texts[] = {
#define X(name, text) text,
    LB_ERRORS(X)
#undef X
};

const char *lb_code_text(enum lb_code code)
{
    if ((unsigned)code >= sizeof(code_texts) / sizeof(code_texts[0]))
        return "error";
    return code_texts[code];
}

int lb_err_set(struct lb_err *err, enum lb_code code, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code == LB_EOK ? 0 : -(int)code;
}

void lb_err_prefix(struct lb_err *err, const char *fmt, ...)
{
    char old[LB_ERR_MSG_MAX];
    va_list ap;
    int n;

    if (!err)
        return;
    memcpy(old, err->msg, sizeof(old));
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 2 >= sizeof(err->msg))
        return;
    memcpy(err->msg + n, ": ", 2);
    str_copy(err->msg + n + 2, sizeof(err->msg) - (size_t)n - 2, old);
}

void lb_err_clear(struct lb_err *err)
{
    if (err) {
        err->code = LB_EOK;
        err->msg[0] = '\0';
    }
}
