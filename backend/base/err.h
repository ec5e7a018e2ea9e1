#ifndef LIFEBOAT_BACKEND_BASE_ERR_H
#define LIFEBOAT_BACKEND_BASE_ERR_H

/*
 * Errors: functions return 0 or a negative LB_E* code and fill a struct lb_err
 * once, at the level that knows the cause, in git's style:
 *   "cannot read snapshots of 'usb-ssd': repository is locked"
 * A caller that adds context uses lb_err_prefix().
 */

#define LB_ERRORS(X)                                                                               \
    X(OK, "ok")                                                                                    \
    X(FAIL, "failed")                                                                              \
    X(USAGE, "usage error")                                                                        \
    X(CONFIG, "configuration error")                                                               \
    X(IO, "input/output error")                                                                    \
    X(NOTFOUND, "not found")                                                                       \
    X(PERM, "permission denied")                                                                   \
    X(PARSE, "malformed data")                                                                     \
    X(TIMEOUT, "timed out")                                                                        \
    X(CANCELLED, "cancelled")                                                                      \
    X(LOCKED, "locked")                                                                            \
    X(AUTH, "wrong password or credentials")                                                       \
    X(NOREPO, "repository does not exist")                                                         \
    X(UNREACHABLE, "unreachable")                                                                  \
    X(TLS, "TLS verification failed")                                                              \
    X(TOOBIG, "too large")                                                                         \
    X(NOSPACE, "no space left")                                                                    \
    X(MISSING_TOOL, "program not installed")                                                       \
    X(BUSY, "busy")

enum lb_code {
#define X(name, text) LB_E##name,
    LB_ERRORS(X)
#undef X
};

#define LB_ERR_MSG_MAX 512

struct lb_err {
    enum lb_code code;
    char msg[LB_ERR_MSG_MAX];
};

/* Fill err (may be NULL) and return -code. */
int lb_err_set(struct lb_err *err, enum lb_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Put "prefix: " before the message already in err. */
void lb_err_prefix(struct lb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lb_err_clear(struct lb_err *err);
/* Static name of a code ("locked"). */
const char *lb_code_text(enum lb_code code);

#endif
