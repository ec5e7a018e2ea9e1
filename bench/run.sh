#!/bin/sh
# make bench: build every bench/bench_*.c against the plain (-O2) backend and run it.
# Results are written by hand into bench/RESULTS.md with the machine they ran on.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
make --no-print-directory BUILD="$BUILD" VARIANT=plain "$BUILD/plain/libbackend.a" >/dev/null
mkdir -p "$BUILD/bench"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
for src in bench/bench_*.c; do
    [ -e "$src" ] || continue
    bin=$BUILD/bench/$(basename "$src" .c)
    # shellcheck disable=SC2046
    cc -std=c11 -D_GNU_SOURCE -I. -O2 -g -o "$bin" "$src" "$BUILD/plain/libbackend.a" \
        $(pkg-config --cflags --libs jansson sqlite3 libcurl openssl inih) -lm
    echo "== $bin"
    "$bin"
done
# shell benches (bench/bench_*.sh) run the plain lifeboat binary
make --no-print-directory BUILD="$BUILD" VARIANT=plain variant-bin >/dev/null
for sh in bench/bench_*.sh; do
    [ -e "$sh" ] || continue
    echo "== $sh"
    LIFEBOAT="$BUILD/plain/lifeboat" sh "$sh"
done
