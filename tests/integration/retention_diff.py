#!/usr/bin/env python3
"""Differential test of `lifeboat retention plan --engine restic` against real
`restic forget --dry-run --json` (helper of retention_diff.sh; stdlib only).

Builds ONE repository with `restic backup --time` over a random history
(several snapshots a day, gaps of weeks, backups made under different TZ so the
stored offsets differ, three host/paths groups, some tagged), then applies many
random policies to it with restic (dry run: the repo never changes) and with
lifeboat, and compares per snapshot: kept or not, and the exact reason strings.

Usage: retention_diff.py WORKDIR   (env: LIFEBOAT, RETENTION_SEED, RETENTION_POLICIES,
                                    RETENTION_SNAPSHOTS)
Prints PASS:/FAIL:/SKIP: lines; FAIL lines name the policy and the snapshot.
"""
import concurrent.futures
import datetime
import json
import os
import random
import subprocess
import sys
import time

WORK = sys.argv[1]
LIFEBOAT = os.environ["LIFEBOAT"]
SEED = int(os.environ.get("RETENTION_SEED") or random.SystemRandom().randrange(1 << 30))
N_POLICIES = int(os.environ.get("RETENTION_POLICIES") or 28)
N_SNAPS = int(os.environ.get("RETENTION_SNAPSHOTS") or 64)
RNG = random.Random(SEED)
TZS = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin",
       "Pacific/Auckland", "America/Los_Angeles"]

ENV = dict(os.environ)
ENV.update({
    "RESTIC_REPOSITORY": os.path.join(WORK, "repo"),
    "RESTIC_PASSWORD_FILE": os.path.join(WORK, "pw"),
    "RESTIC_CACHE_DIR": os.path.join(WORK, "cache"),
    "RESTIC_PROGRESS_FPS": "1",
})
ENV.pop("RESTIC_PASSWORD", None)


def out(kind, msg):
    print(f"{kind}: {msg}", flush=True)


def restic(args, env=None, check=True):
    p = subprocess.run(["restic"] + args, env=env or ENV, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise SystemExit(f"FAIL: restic {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def make_history():
    """Local wall-clock times, newest about a week ago; clusters and gaps."""
    now = datetime.datetime.now()
    t = now - datetime.timedelta(days=RNG.randint(500, 800))
    times = []
    while len(times) < N_SNAPS:
        r = RNG.random()
        if r < 0.55:      # several a day
            t += datetime.timedelta(minutes=RNG.randint(20, 400))
        elif r < 0.85:    # next days
            t += datetime.timedelta(days=RNG.randint(1, 3), minutes=RNG.randint(0, 1439))
        else:             # a gap of weeks
            t += datetime.timedelta(weeks=RNG.randint(2, 9), minutes=RNG.randint(0, 1439))
        t = t.replace(second=RNG.randint(0, 59))
        times.append(t)
    # squeeze into the past: the last one about 7 days ago
    shift = times[-1] - (now - datetime.timedelta(days=7))
    if shift > datetime.timedelta(0):
        times = [x - shift for x in times]
    return times


def build_repo():
    os.makedirs(os.path.join(WORK, "src", "a"), exist_ok=True)
    os.makedirs(os.path.join(WORK, "src", "b"), exist_ok=True)
    for d in ("a", "b"):
        with open(os.path.join(WORK, "src", d, "f"), "w") as f:
            f.write(d + "\n")
    with open(os.path.join(WORK, "pw"), "w") as f:
        f.write("retention-diff\n")
    restic(["init", "-q"])
    groups = [("h1", "a"), ("h1", "b"), ("h2", "a")]
    jobs = []
    for t in make_history():
        host, path = RNG.choice(groups)
        tz = RNG.choice(TZS)
        args = ["backup", "-q", "--host", host, "--time", t.strftime("%Y-%m-%d %H:%M:%S")]
        if RNG.random() < 0.15:
            args += ["--tag", RNG.choice(["keep", "manual", "keep,manual"])]
        args.append(os.path.join(WORK, "src", path))
        env = dict(ENV)
        env["TZ"] = tz
        jobs.append((args, env))
    running = []
    for args, env in jobs:  # three at a time (backup takes a shared lock; much of it is waiting)
        running.append(subprocess.Popen(["restic"] + args, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True))
        if len(running) >= 3:
            p = running.pop(0)
            if p.wait() != 0:
                raise SystemExit(f"FAIL: restic backup: {p.stderr.read().strip()}")
    for p in running:
        if p.wait() != 0:
            raise SystemExit(f"FAIL: restic backup: {p.stderr.read().strip()}")


def random_duration():
    parts = []
    for unit, hi in (("y", 2), ("m", 14), ("d", 60), ("h", 72)):
        if RNG.random() < 0.35:
            parts.append(f"{RNG.randint(1, hi)}{unit}")
    return "".join(parts) or f"{RNG.randint(1, 40)}d"


def random_policy():
    pol = []
    for flag, hi in (("--keep-last", 6), ("--keep-hourly", 30), ("--keep-daily", 20),
                     ("--keep-weekly", 12), ("--keep-monthly", 14), ("--keep-yearly", 3)):
        if RNG.random() < 0.4:
            pol += [flag, str(RNG.randint(1, hi))]
    if RNG.random() < 0.2:
        pol += ["--keep-within", random_duration()]
    for w in ("hourly", "daily", "weekly", "monthly", "yearly"):
        if RNG.random() < 0.1:
            pol += [f"--keep-within-{w}", random_duration()]
    if RNG.random() < 0.15:
        pol += ["--keep-tag", RNG.choice(["keep", "manual", "keep,manual", "nothing"])]
    if RNG.random() < 0.04:
        pol += [RNG.choice(["--keep-daily", "--keep-weekly"]), "-1"]  # 0.14: rule off, policy set
    if not pol:
        pol = ["--keep-daily", str(RNG.randint(1, 9))]
    return pol


def restic_plan(pol):
    p = restic(["forget", "--dry-run", "--no-lock", "--json"] + pol)
    res = {}
    if not p.stdout.strip():
        return res
    for g in json.loads(p.stdout):
        keep = g.get("keep") or []
        reasons = g.get("reasons") or []
        for i, sn in enumerate(keep):
            res[sn["short_id"]] = (True, reasons[i]["matches"] if i < len(reasons) else None)
        for sn in g.get("remove") or []:
            res[sn["short_id"]] = (False, [])
    return res


def lifeboat_plan(pol, snapfile):
    p = subprocess.run([LIFEBOAT, "retention", "plan", "--engine", "restic", "--input", snapfile,
                        "--json"] + pol, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return None, p.stderr.strip()
    try:
        arr = json.loads(p.stdout)
    except ValueError as e:
        return None, f"bad JSON: {e}"
    return {o["id"]: (o["keep"], o["matches"]) for o in arr}, p.stderr.strip()


T0 = time.monotonic()


def main():
    out("INFO", f"seed {SEED} (RETENTION_SEED={SEED} reproduces it)")
    build_repo()
    snaps = json.loads(restic(["snapshots", "--json", "--no-lock"]).stdout)
    snapfile = os.path.join(WORK, "snapshots.json")
    with open(snapfile, "w") as f:
        json.dump(snaps, f)
    offsets = {s["time"][19:].lstrip(".0123456789") for s in snaps}
    out("INFO", f"{len(snaps)} snapshots, stored offsets {sorted(offsets)}")
    if len(offsets) < 3:
        out("FAIL", "history did not get snapshots with different UTC offsets")

    t_built = time.monotonic()
    policies = [random_policy() for _ in range(N_POLICIES)]

    def both(pol):
        return restic_plan(pol), lifeboat_plan(pol, snapfile)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:  # two cores
        results = list(ex.map(both, policies))

    agree_policies = 0
    compared = 0
    for pol, (want, (got, err)) in zip(policies, results):
        name = " ".join(pol)
        if got is None:
            out("FAIL", f"policy [{name}]: lifeboat failed: {err}")
            continue
        if not want:
            out("SKIP", f"policy [{name}]: restic printed no plan")
            agree_policies += 1
            continue
        bad = 0
        for s in snaps:
            sid = s["short_id"]
            w = want.get(sid)
            g = got.get(sid)
            compared += 1
            if w is None or g is None:
                out("FAIL", f"policy [{name}] snapshot {sid} {s['time']} host {s['hostname']}: "
                    f"missing ({'restic' if w is None else 'lifeboat'})")
                bad += 1
            elif w[0] != g[0] or (w[0] and w[1] != g[1]):
                out("FAIL", f"policy [{name}] snapshot {sid} {s['time']} host {s['hostname']} "
                    f"paths {s['paths']}: restic keep={w[0]} {w[1]}, lifeboat keep={g[0]} {g[1]}")
                bad += 1
        if not bad:
            agree_policies += 1
    out("INFO", f"{agree_policies}/{N_POLICIES} policies agree on all snapshots "
        f"({compared} snapshot decisions compared); repo built in {t_built - T0:.1f} s, "
        f"policies compared in {time.monotonic() - t_built:.1f} s")
    if agree_policies == N_POLICIES:
        out("PASS", f"retention plan agrees with restic forget on {N_POLICIES} random policies "
            f"x {len(snaps)} snapshots")


if __name__ == "__main__":
    main()
