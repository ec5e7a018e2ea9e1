#!/bin/sh
# check-deps: the layering and single-owner rules of STYLE.md, as a grep over the sources.
set -u
cd "$(dirname "$0")/.."
bad=0
src() { find backend tui cli -name '*.[ch]' 2>/dev/null | sort; }

# only_in PATTERN OWNER... : PATTERN may appear only in the OWNER files.
# code FILE: the file without comments and string literals.
code() { sed -e 's|/\*.*\*/||g' -e 's|//.*||' -e '/^[[:space:]]*\*/d' -e '/^[[:space:]]*\/\*/d' \
    -e 's|"[^"]*"|""|g' "$1"; }

only_in() {
    pat=$1; shift
    for f in $(src); do
        case "$pat" in
        '#include'*) code=$(cat "$f") ;;
        *) code=$(code "$f") ;;
        esac
        printf '%s\n' "$code" | grep -qE "$pat" || continue
        ok=0
        for o in "$@"; do [ "$f" = "$o" ] && ok=1; done
        if [ $ok -eq 0 ]; then
            echo "check-deps: $f: uses '$pat' (only $* may)"
            printf '%s\n' "$code" | grep -nE "$pat" | head -3
            bad=1
        fi
    done
}

only_in '#include <curl/' backend/http.c
only_in '#include <sqlite3\.h>' backend/store.c
only_in '#include <libnotify/' backend/alert.c
only_in '#include <(n?curses|ncursesw/)' tui/provide_curses.h
only_in '#include <openssl/' backend/http.c
only_in '(^|[^_a-z])(fork|vfork|execvp?e?|execl[pe]?|waitpid|kill)\(' backend/spawn.c
only_in '(^|[^_a-z.>])(poll|sigaction)\(' backend/loop.c

for f in $(find backend -name '*.[ch]'); do
    if grep -nE '#include "(tui|cli)/|curses' "$f" >/dev/null; then
        echo "check-deps: $f: the backend must not include tui/, cli/ or curses"; bad=1
    fi
done
for f in $(find backend/base -name '*.[ch]'); do
    if grep -nE '#include "backend/[a-z_]+\.h"' "$f" >/dev/null; then
        echo "check-deps: $f: base/ may include only libc and other base/ headers"; bad=1
    fi
done
for f in $(find tui -name '*.[ch]'); do
    if grep -nE '#include <jansson\.h>|#include "cli/' "$f" >/dev/null; then
        echo "check-deps: $f: the console must not parse JSON or include cli/"; bad=1
    fi
done
[ $bad -eq 0 ] && echo "check-deps: ok"
exit $bad
