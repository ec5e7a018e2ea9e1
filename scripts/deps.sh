#!/bin/sh
# Install the Debian packages lifeboat needs to build, run and test, if missing.
# Idempotent: with everything present it only asks dpkg and returns.
#   scripts/deps.sh            build + runtime + test packages
#   scripts/deps.sh shots      also what `make screenshots` needs (chromium)
#   scripts/deps.sh fuzz       also clang for libFuzzer
#   scripts/deps.sh hours      also libfaketime (make check-hours)
set -eu

PKGS="gcc make pkg-config libncurses-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev
libnotify-dev libinih-dev libssl-dev libcmocka-dev
restic rclone smartmontools openssl ca-certificates
tmux python3 systemd dbus-daemon dunst xvfb libnotify-bin procps util-linux pass gnupg"
case "${1:-}" in
shots) PKGS="$PKGS chromium fonts-dejavu-core" ;;
fuzz) PKGS="$PKGS clang libclang-rt-14-dev" ;;
hours) PKGS="$PKGS faketime" ;;
esac

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
    *" installed") ;;
    *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "deps: not root and no sudo: install these packages yourself:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
