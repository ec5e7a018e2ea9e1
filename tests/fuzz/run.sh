#!/bin/sh
# tests/fuzz/run.sh — build every tests/fuzz/fuzz_*.c as a libFuzzer binary and run each
# for a bounded time (make fuzz).
#
# Each target names what it needs in its header comment, one line each:
#   fuzz-sources: backend/x.c backend/y.c   backend sources besides backend/base/*.c
#   fuzz-pkgs: jansson                      pkg-config packages
#   fuzz-seeds: tests/fixtures/x            seed corpus directory (read only)
# Environment: FUZZ_SECONDS (default 60) per target, BUILD (default build),
# CC (default clang), FUZZ_TARGETS to pick targets by name (e.g. "fuzz_smart").
# Output in $BUILD/fuzz/: binaries, a writable corpus per target, crash artifacts.
# Exit status: 0 when every target built and ran without a finding.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
secs=${FUZZ_SECONDS:-60}
out=${BUILD:-build}/fuzz
cc=${CC:-clang}
case "$cc" in *clang*) ;; *) cc=clang ;; esac
mkdir -p "$out"
failed=0 ran=0

field() { sed -n "s/^[ *]*$1:[ ]*//p" "$2" | head -n 1; }

for src in tests/fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .c)
    if [ -n "${FUZZ_TARGETS:-}" ]; then
        case " $FUZZ_TARGETS " in *" $name "*) ;; *) continue ;; esac
    fi
    sources=$(field fuzz-sources "$src")
    pkgs=$(field fuzz-pkgs "$src")
    seeds=$(field fuzz-seeds "$src")
    pkgflags=""
    if [ -n "$pkgs" ]; then
        # shellcheck disable=SC2086
        pkgflags=$(pkg-config --cflags --libs $pkgs) || { echo "FAIL: $name (pkg-config $pkgs)"; failed=$((failed + 1)); continue; }
    fi
    echo "fuzz: building $name"
    # shellcheck disable=SC2086
    if ! "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -std=c11 -D_GNU_SOURCE -I. -o "$out/$name" "$src" $sources backend/base/*.c \
        $pkgflags -lm; then
        echo "FAIL: $name (build)"
        failed=$((failed + 1))
        continue
    fi
    corpus=$out/corpus-$name
    mkdir -p "$corpus"
    echo "fuzz: running $name for ${secs}s (seeds: ${seeds:-none})"
    # shellcheck disable=SC2086
    if "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/$name-" "$corpus" ${seeds:+"$seeds"} >"$out/$name.log" 2>&1; then
        echo "PASS: $name ($(grep -c . "$out/$name.log") log lines, $(ls "$corpus" | wc -l) corpus files)"
    else
        echo "FAIL: $name (see $out/$name.log)"
        tail -n 40 "$out/$name.log"
        failed=$((failed + 1))
    fi
    ran=$((ran + 1))
done
echo "fuzz: $ran target(s) run, $failed failed"
[ "$failed" -eq 0 ]
