#ifndef LIFEBOAT_BACKEND_BASE_LOG_H
#define LIFEBOAT_BACKEND_BASE_LOG_H

/*
 * The log file: $XDG_STATE_HOME/lifeboat/lifeboat.log (never the terminal).
 * Messages must never contain secrets; callers log names, not values.
 */

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Open (append) the log at path, or the default when path is NULL. 0 or -1. */
int log_open(const char *path);
void log_close(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
