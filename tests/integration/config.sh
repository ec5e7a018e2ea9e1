#!/bin/sh
# `lifeboat config check`: a complete config passes (exit 0) with a summary that
# never shows a secret; a missing local repo warns (exit 1); bad configs fail
# with exit 78 and every problem as FILE:LINE in one run; the permission rule
# on the config and its secret files; the config search path; usage errors.
. "$(dirname "$0")/../lib.sh"

F=$TOP/tests/fixtures/config
C=$T_TMP/conf
mkdir -p "$C"

# The full fixture with its secret files (0600) and real restic repos next to it.
cp "$F/full.conf" "$C/lifeboat.conf"
chmod 600 "$C/lifeboat.conf"
for s in pve.token pbs.token cloud.env gotify.token smtp.auth; do
    secret_file "$C/$s" "SECRET-$s-do-not-print"
done
secret_file "$C/restic-usb.pass" "SECRET-restic-password"
if command -v restic >/dev/null; then
    RESTIC_PASSWORD_FILE=$C/restic-usb.pass restic -q -r "$C/repos/usb-ssd" init >/dev/null
else # the check only looks for the repository's config file
    mkdir -p "$C/repos/usb-ssd" && : >"$C/repos/usb-ssd/config"
fi
cp -a "$C/repos/usb-ssd" "$C/repos/os-ssd"

run "$LIFEBOAT" -c "$C/lifeboat.conf" config check
# its Proxmox endpoints are placeholders (token files not in the token form): two warnings
expect_rc "full config: config check exits 1 (the Proxmox endpoints warn)" 1
expect_out "full config: the pve token file is checked" "warning  pve main: PVE 'main': the PVE token file $C/pve.token is not one line USER@REALM!TOKENID=SECRET"
expect_out "full config: says it is ok" "$C/lifeboat.conf: ok (3 repos, 2 jobs, 1 pve, 1 pbs, 1 disk)"
expect_out "full config: lists the offsite repo with its url" "cloud        offsite  s3:https://s3.example.com/bucket/restic"
expect_out "full config: names the password file, not the password" "password from file $C/restic-usb.pass"
expect_out "full config: a password command is named as such" "password from a command"
expect_out "full config: lists each job with its schedule" "weekly       Sun 04:30        copy usb-ssd -> cloud; copy os-ssd -> cloud; check cloud (reading 1/52 of the data); check usb-ssd"
expect_out "full config: pve with its pinned fingerprint" "pve main         https://proxmox-srv:8006, certificate fingerprint pinned"
expect_out "full config: pbs without fingerprint uses system CAs" "pbs docker-srv   https://127.0.0.1:8007, datastore usb-ssd, certificate checked against system CAs"
expect_out "full config: the disk" "usb-ssd      /dev/disk/by-id/usb-Samsung_SSD_T7_S5SXNG0R123456, type sat,12, mount /mnt/usb-ssd, fill warn 75% crit 92%"
expect_out "full config: local repo found" "ok       repo usb-ssd: $C/repos/usb-ssd is there"
expect_no_out "full config: no secret is printed" "SECRET-"
expect_no_out "full config: the password command itself is not printed" "bw get password"

# A local repo whose disk is not mounted: a warning, exit 1.
mv "$C/repos/usb-ssd" "$C/repos/usb-ssd.away"
run "$LIFEBOAT" -c "$C/lifeboat.conf" config check
expect_rc "unmounted repo: exit 1" 1
expect_out "unmounted repo: says what is missing and why" "warning  repo usb-ssd: $C/repos/usb-ssd is missing: is the disk mounted?"
expect_out "unmounted repo: counts the warning (and the two Proxmox ones)" "3 warnings"
mkdir "$C/repos/usb-ssd"
run "$LIFEBOAT" -c "$C/lifeboat.conf" config check
expect_rc "empty directory instead of a repo: exit 1" 1
expect_out "empty directory: says there is no repository" "holds no restic repository"
rmdir "$C/repos/usb-ssd" && mv "$C/repos/usb-ssd.away" "$C/repos/usb-ssd"

# Many problems: all reported in one run, in line order, exit 78.
B=$T_TMP/broken
mkdir -p "$B"
cp "$F/broken.conf" "$B/lifeboat.conf"
chmod 600 "$B/lifeboat.conf"
secret_file "$B/usb.pass" "SECRET-usb"
run "$LIFEBOAT" -c "$B/lifeboat.conf" config check
expect_rc "broken config: exit 78" 78
expect_out "broken config: bad duration" "$B/lifeboat.conf:3: [console] refresh: 'soon' is not a duration (use e.g. 90s, 15m, 26h, 8d)"
expect_out "broken config: corrupt header" "$B/lifeboat.conf:6: '[repo' is not a section header"
expect_out "broken config: both password sources" "$B/lifeboat.conf:12: [repo usb-ssd] has both password_file (line 11) and password_command (line 12): keep one"
expect_out "broken config: bad keep rule" "$B/lifeboat.conf:13: [repo usb-ssd] keep: 'dayly=5' is not a rule (use last, hourly, daily, weekly, monthly, yearly, within)"
expect_out "broken config: undefined repo in a job" "$B/lifeboat.conf:18: [job daily] repos: no repo 'offsite' is defined"
expect_out "broken config: line without =" "$B/lifeboat.conf:20: 'novalue' is not a KEY = VALUE line"
expect_out "broken config: bad percent" "$B/lifeboat.conf:25: [disk usb-ssd] fill_crit: 'lots' is not a percentage"
expect_out "broken config: unknown section" "$B/lifeboat.conf:27: unknown section [backup x]"
expect_out "broken config: duplicate section" "$B/lifeboat.conf:30: duplicate section [job daily] (first on line 16)"
n=$(printf '%s\n' "$T_OUT" | grep -c "^$B/lifeboat.conf:[0-9]*: ")
if [ "$n" -eq 11 ]; then pass "broken config: all 11 problems in one run"; else
    fail "broken config: all 11 problems in one run (got $n)"; printf '%s\n' "$T_OUT" | sed 's/^/    | /'; fi
check "broken config: problems come in line order" sh -c \
    'printf "%s\n" "$1" | sed -n "s|^$2:\([0-9]*\): .*|\1|p" | sort -n -c' - "$T_OUT" "$B/lifeboat.conf"
expect_no_out "broken config: no summary on failure" ": ok ("

# The permission rule.
chmod 640 "$C/lifeboat.conf"
run "$LIFEBOAT" -c "$C/lifeboat.conf" config check
expect_rc "group-readable config: exit 78" 78
expect_out "group-readable config: names the fix" "$C/lifeboat.conf: $C/lifeboat.conf is readable by its group (mode 0640): run chmod 600 $C/lifeboat.conf"
chmod 600 "$C/lifeboat.conf"
chmod 644 "$C/pbs.token"
rm "$C/smtp.auth"
run "$LIFEBOAT" -c "$C/lifeboat.conf" config check
expect_rc "readable token, missing auth file: exit 78" 78
expect_out "world-readable token: names the file and the chmod" "$C/lifeboat.conf:23: [pbs docker-srv] token_file: $C/pbs.token is readable by others (mode 0644): run chmod 600 $C/pbs.token"
expect_out "missing secret file: named with its line" "$C/lifeboat.conf:80: [alerts] smtp.auth_file: $C/smtp.auth does not exist"
expect_no_out "bad secret files: the secret is not printed" "SECRET-"
chmod 600 "$C/pbs.token"
secret_file "$C/smtp.auth" "SECRET-smtp"

# Where the config is looked for.
run "$LIFEBOAT" -c "$T_TMP/nowhere.conf" config check
expect_rc "missing config: exit 78" 78
expect_out "missing config: names the path tried" "$T_TMP/nowhere.conf: no such config file"
expect_out "missing config: points at the example and the demo" "docs/lifeboat.conf.example"
expect_out "missing config: mentions lifeboat demo" "lifeboat demo"
LIFEBOAT_CONFIG=$C/lifeboat.conf run "$LIFEBOAT" config check
expect_rc "\$LIFEBOAT_CONFIG is read (Proxmox placeholders warn)" 1
expect_out "\$LIFEBOAT_CONFIG is read: its summary" "$C/lifeboat.conf: ok"
run "$LIFEBOAT" config check
expect_rc "no config anywhere: exit 78" 78
expect_out "no config anywhere: names the user's config path" "$XDG_CONFIG_HOME/lifeboat/lifeboat.conf: no such config file"
mkdir -p "$XDG_CONFIG_HOME/lifeboat"
cp "$C/lifeboat.conf" "$XDG_CONFIG_HOME/lifeboat/lifeboat.conf"
chmod 600 "$XDG_CONFIG_HOME/lifeboat/lifeboat.conf"
for s in pve.token pbs.token cloud.env gotify.token smtp.auth restic-usb.pass; do
    cp -p "$C/$s" "$XDG_CONFIG_HOME/lifeboat/$s"
done
run "$LIFEBOAT" config check
expect_rc "XDG config: found, relative paths resolve next to it (missing repos warn)" 1
expect_out "XDG config: relative repo path resolved against its directory" "$XDG_CONFIG_HOME/lifeboat/repos/os-ssd is missing"

# Usage.
run "$LIFEBOAT" -c "$C/lifeboat.conf" config
expect_rc "config without subcommand: usage error" 64
run "$LIFEBOAT" -c "$C/lifeboat.conf" config frob
expect_rc "unknown config subcommand: usage error" 64
expect_out "unknown config subcommand: named" "unknown subcommand 'frob'"

done_testing
