#!/bin/sh
# lint: banned functions (curl's list plus anything that blocks the loop).
set -u
cd "$(dirname "$0")/.."
bad=0
banned='strcpy|strcat|sprintf|vsprintf|strtok|strtok_r|atoi|atol|atoll|gets|sscanf|sleep|usleep|system|popen|curl_easy_perform|tmpnam|mktemp'
for f in $(find backend tui cli -name '*.[ch]' | sort); do
    # strip // and /* */ one-line comments and string literals before matching
    hits=$(sed -e 's|/\*.*\*/||g' -e 's|//.*||' -e 's|"[^"]*"|""|g' "$f" |
        grep -nE "(^|[^_a-zA-Z0-9.>])($banned)[[:space:]]*\(" || true)
    if [ -n "$hits" ]; then
        echo "lint: $f: banned function:"; echo "$hits" | sed 's/^/    /'
        bad=1
    fi
done
[ $bad -eq 0 ] && echo "lint: ok"
exit $bad
