#ifndef LIFEBOAT_BACKEND_BASE_XALLOC_H
#define LIFEBOAT_BACKEND_BASE_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Allocation that never returns NULL: on exhaustion the registered hook runs
 * (the console restores the terminal there) and the process exits with 70.
 */

void xalloc_set_oom_hook(void (*hook)(void));

void *xmalloc(size_t n);                 /* new */
void *xcalloc(size_t count, size_t size); /* new, zeroed */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);            /* new; NULL in, NULL out */
char *xstrndup(const char *s, size_t n); /* new */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* new */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
