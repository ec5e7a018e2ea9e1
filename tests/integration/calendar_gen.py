#!/usr/bin/env python3
"""Differential test of `lifeboat calendar` against `systemd-analyze calendar`.

Generates a few hundred systemd calendar expressions from a seeded generator
(every syntax feature, plus broken variants), then for each time zone and base
time runs ONE systemd-analyze and ONE lifeboat over all of them and compares:
  - systemd accepts  -> lifeboat prints the same local times (Next elapse / Iter. #N)
  - systemd rejects  -> lifeboat rejects too
Prints "PASS: ..." / "FAIL: ..." lines for tests/lib.sh-style reporting and a
summary line. Usage: calendar_gen.py LIFEBOAT [--seed N] [--count N] [--list]
"""
import os
import random
import re
import subprocess
import sys

ZONES = {
    "UTC": ["2026-01-01 00:00:00", "2028-02-28 22:59:59", "2026-12-31 23:59:30"],
    # spring forward (01:30 CET), first and second pass of the repeated 02:xx hour
    "Europe/Berlin": ["2026-01-01 00:00:00", "2027-02-27 13:45:07",
                      "2026-03-29 00:30:00", "2026-10-25 00:20:00", "2026-10-25 01:40:00",
                      "2026-03-28 12:00:00"],
    "America/New_York": ["2026-01-01 00:00:00", "2028-02-28 22:59:59",
                         "2026-03-08 06:30:00", "2026-11-01 05:20:00", "2026-11-01 06:10:00"],
    "Australia/Sydney": ["2026-12-31 23:59:30", "2026-10-03 15:30:00",
                         "2026-04-04 15:20:00", "2026-04-04 16:10:00"],
    "Asia/Kolkata": ["2026-01-01 00:00:00", "2026-06-15 12:00:00", "2028-02-28 22:59:59"],
}
ITER = 7

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
FULL = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Expressions aimed at DST edges and month ends; always included.
FIXED = [
    "*-*-* 02:30:00", "*-*-* *:30:00", "*:00/15", "*:*:0/20", "minutely", "hourly", "daily",
    "weekly", "monthly", "yearly", "annually", "quarterly", "semiannually", "semi-annually",
    "bi-annually", "anually", "*-*-* 01..03:0/20:0/30", "Sun *-*-* 02:00..59/7",
    "*-*-* 1..4:15,45", "*-*-* 02,03:*:00", "*-*-* 2:59:59", "*-*-* 3:00", "*-*~1",
    "*-02~1", "*-*~1..3", "*-*~7/2", "*-*-29,30,31 12:00", "*-02-29", "Mon *-02-29",
    "Sat *-1..7 15:00", "Mon..Fri 02:30", "mon,wed,fri 22:00", "*-*-* 0/6:00",
    "*:*:0/0.5", "*-*-* 10:00:1.25", "*:0/5:07.5", "2026-*-* 0/7:0", "12-25", "26-03-29 2:30",
    "*-*-* 02:30 Europe/Berlin", "*-*-* 02:30 America/New_York", "daily Asia/Kolkata",
    "*:00 Australia/Sydney", "hourly UTC", "daily utc", "Mon..Fri 9:00 Etc/UTC",
    "@1798761600", "Mon 25:00", "*/5", "*:*/5", "*:30/30", "5", "Fri..Mon", "*-*-* 24:00",
    "1,*:00", "Mo 1:00", "*-*-* 1:2:3.1234567", "*:*:0.5..1", "daily Mars/Base",
    "2021-02-29", " daily", "daily ", "Mon  12:00", "Mon,", "Mon-Fri", "Monday..Tue 0:0",
]


def pick_day(r):
    i = r.randrange(7)
    name = r.choice([DAYS[i], FULL[i]])
    return i, r.choice([name, name.lower(), name.upper()]) if r.random() < 0.3 else name


def gen_weekdays(r):
    items = []
    for _ in range(r.choice([1, 1, 2, 3])):
        if r.random() < 0.4:
            a, na = pick_day(r)
            b, nb = pick_day(r)
            if a > b and r.random() < 0.8:
                a, b, na, nb = b, a, nb, na
            items.append(na + r.choice(["..", "..", "-"]) + nb)
        else:
            items.append(pick_day(r)[1])
    s = ",".join(items)
    if r.random() < 0.05:
        s += ","
    return s


def comp(r, lo, hi, width=1, star=0.3):
    """One chain of a field with values lo..hi."""
    if r.random() < star:
        return "*"
    parts = []
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        x = r.random()
        a = r.randint(lo, hi)
        if x < 0.5:
            parts.append(str(a).zfill(width) if r.random() < 0.5 else str(a))
        elif x < 0.7:
            b = r.randint(a, hi)
            parts.append("%d..%d" % (a, b))
        elif x < 0.88:
            a = r.randint(lo, lo + (hi - lo) // 3)
            parts.append("%d/%d" % (a, r.randint(1, max(1, (hi - lo) // 2))))
        else:
            b = r.randint(a, hi)
            parts.append("%d..%d/%d" % (a, b, r.randint(1, max(1, (b - a) or 1))))
    return ",".join(parts)


def gen_date(r):
    x = r.random()
    if x < 0.12:  # end of month
        return "%s-%s~%s" % (r.choice(["*", "*", "2026", "2027..2029"]), comp(r, 1, 12),
                             r.choice(["1", "2", "3", "1..3", "7/2", "1,15", "4..10/3", "28"]))
    month = comp(r, 1, 12)
    day = comp(r, 1, 31, 2) if r.random() < 0.8 else r.choice(["29", "30", "31", "28..31"])
    if x < 0.5:
        return "%s-%s" % (month, day)
    year = r.choice(["*", "*", "*", "2026", "2027", "26", "2026..2030", "2026/2", "2028,2032",
                     "2029..2031/2", "27"])
    return "%s-%s-%s" % (year, month, day)


def gen_time(r):
    h = comp(r, 0, 23, 2, star=0.25)
    m = comp(r, 0, 59, 2, star=0.2)
    if r.random() < 0.45:
        return "%s:%s" % (h, m)
    x = r.random()
    if x < 0.6:
        s = comp(r, 0, 59, 2, star=0.3)
    elif x < 0.8:
        s = r.choice(["1.5", "0/0.5", "2.25", "10.000001", "0..30/7.5", "59.999999"])
    else:
        s = r.choice(["0", "00", "30", "15,45"])
    return "%s:%s:%s" % (h, m, s)


BREAK = [
    lambda s: s.replace("1", "61", 1), lambda s: s.replace(":", ":60,", 1),
    lambda s: "24:00" if ":" not in s else s.replace(":", "4:", 1),
    lambda s: s + "x", lambda s: s.replace("-", "-13-", 1), lambda s: "Mox " + s,
    lambda s: s.replace("..", "...", 1), lambda s: s.replace("/", "/0", 1),
    lambda s: s.replace(":", "", 1), lambda s: s.replace(" ", "  ", 1), lambda s: s + " ",
    lambda s: "2200-" + s if "-" not in s else s, lambda s: s.replace("*", "*/2", 1),
    lambda s: s.replace(",", ",,", 1), lambda s: "Fri..Mon " + s, lambda s: s + ":00:00",
    lambda s: "~" + s, lambda s: s.replace("~", "~29", 1), lambda s: "1969-01-01 " + s,
]


def gen(r):
    x = r.random()
    if x < 0.04:
        return "@%d" % r.randint(1767225600, 1893456000)
    if x < 0.10:
        s = r.choice(["minutely", "hourly", "daily", "weekly", "monthly", "yearly", "quarterly",
                      "semiannually", "Daily", "WEEKLY"])
    else:
        parts = []
        if r.random() < 0.35:
            parts.append(gen_weekdays(r))
        if r.random() < 0.6:
            parts.append(gen_date(r))
        if r.random() < 0.85 or not parts:
            parts.append(gen_time(r))
        s = " ".join(parts)
    if r.random() < 0.12:
        s += " " + r.choice(["UTC", "utc", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
                             "Australia/Sydney", "Etc/UTC", "Europe/London", "Mars/Base"])
    if r.random() < 0.15:
        s = r.choice(BREAK)(s)
    return s


def expressions(seed, n):
    r = random.Random(seed)
    seen, out = set(), []
    for e in FIXED + [gen(r) for _ in range(n * 3)]:
        if e.strip() not in seen and "\n" not in e:
            seen.add(e.strip())
            out.append(e)
        if len(out) >= n + len(FIXED):
            break
    return out


STAMP = re.compile(r"^\s*(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")


def run_systemd(zone, base, exprs):
    env = dict(os.environ, TZ=zone, LC_ALL="C")
    p = subprocess.run(["systemd-analyze", "calendar", "--base-time=%s UTC" % base,
                        "--iterations=%d" % ITER, "--"] + exprs,
                       env=env, capture_output=True, text=True)
    # "Original form:" is printed only when it differs from "Normalized form:"
    res, cur, orig = {}, None, None
    for line in p.stdout.splitlines():
        if line.startswith("  Original form: "):
            orig = line[len("  Original form: "):]
            continue
        if line.startswith("Normalized form: "):
            cur = orig if orig is not None else line[len("Normalized form: "):]
            orig = None
            res[cur] = []
            continue
        m = STAMP.match(line)
        if m and cur is not None:
            res[cur].append(m.group(1))
    rejected = set(re.findall(r"Failed to parse calendar specification '(.*)': ", p.stderr))
    # systemd 252 sometimes loops at a DST change ("Infinite loop in calendar
    # calculation") and gives no answer at all: nothing to compare against.
    gave_up = set(re.findall(r"Failed to determine next elapse for '(.*)': ", p.stderr))
    return res, rejected, gave_up


def run_lifeboat(lifeboat, zone, base, exprs):
    env = dict(os.environ, TZ=zone, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", ""))
    p = subprocess.run([lifeboat, "calendar", "--count", str(ITER), "--from", base + " UTC"]
                       + exprs, env=env, capture_output=True, text=True)
    res, err, cur = {}, {}, None
    for line in p.stdout.splitlines():
        if line.startswith("# error: ") and cur is not None:
            err[cur] = line[len("# error: "):]
        elif line.startswith("# "):
            cur = line[2:]
            res[cur] = []
        elif line and cur is not None:
            res[cur].append(line)
    crashed = p.returncode not in (0, 1, 64) or "Sanitizer" in p.stderr
    return res, err, crashed, p.stderr


def main():
    args = sys.argv[1:]
    lifeboat = args[0]
    seed = int(os.environ.get("CAL_SEED", "4"))
    n = int(os.environ.get("CAL_COUNT", "300"))
    exprs = expressions(seed, n)
    if "--list" in args:
        print("\n".join(exprs))
        return 0
    # lifeboat options start with "--": keep expressions that do not, as systemd would see them
    exprs = [e for e in exprs if not e.startswith("-")]
    total = agree = rejected_both = fails = skipped = 0
    shown = 0
    for zone, bases in ZONES.items():
        for base in bases:
            sd, sd_rej, gave_up = run_systemd(zone, base, exprs)
            lb, lb_err, crashed, lb_stderr = run_lifeboat(lifeboat, zone, base, exprs)
            group_fail = 0
            if crashed:
                print("FAIL: calendar diff TZ=%s base '%s UTC': lifeboat crashed:\n%s"
                      % (zone, base, lb_stderr[-2000:]))
                fails += 1
                continue
            for e in exprs:
                if e in gave_up:
                    skipped += 1
                    continue
                total += 1
                why = None
                # systemd-analyze prints the "Original form" stripped of blanks
                if e.strip() in sd and e not in sd_rej:
                    if e in lb_err:
                        why = "systemd accepts, lifeboat rejects: %s" % lb_err[e]
                    elif lb.get(e) != sd[e.strip()]:
                        why = "systemd %s, lifeboat %s" % (sd[e.strip()], lb.get(e))
                elif e in sd_rej:
                    if e not in lb_err:
                        why = "systemd rejects, lifeboat accepts: %s" % lb.get(e)
                    else:
                        rejected_both += 1
                else:
                    why = "systemd printed nothing for it"
                if why:
                    group_fail += 1
                    fails += 1
                    if shown < 60:
                        print("FAIL: calendar diff '%s' TZ=%s base '%s UTC': %s"
                              % (e, zone, base, why))
                        shown += 1
                else:
                    agree += 1
            for e in sorted(gave_up):
                print("note: systemd 252 gives no answer for '%s' (TZ=%s, base %s UTC); "
                      "skipped" % (e, zone, base))
            if not group_fail:
                print("PASS: calendar diff TZ=%s base '%s UTC' (%d expressions)"
                      % (zone, base, len(exprs)))
    print("calendar diff: %d cases (%d expressions x %d zone/base pairs), %d agree "
          "(%d rejected by both), %d differ, %d skipped (systemd gave up); seed %d"
          % (total, len(exprs), sum(len(b) for b in ZONES.values()), agree, rejected_both,
             fails, skipped, seed))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
