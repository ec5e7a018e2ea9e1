#!/usr/bin/env python3
"""Proxmox VE + Proxmox Backup Server API simulator for lifeboat (stdlib only).

One process serves both APIs over HTTPS on 127.0.0.1 (two ports: PVE and PBS),
with state (guests, snapshots, backup jobs, a PBS datastore with weeks of
backups and verify states, tasks that progress over seconds and keep logs),
following shared/reference/proxmox-api.md field for field, quirks included
(section 8). See tests/sim/README for the interface; tests/sim/run starts it.

usage: sim.py --state-dir DIR [--pve-port N] [--pbs-port N] [--cert PEM --key PEM]
              [--pve-token-file F] [--pbs-token-file F] [--now EPOCH]
              [--auth-delay S] [--task-seconds S] [--pve-old-errors] [--foreground]
(--now defaults to $LIFEBOAT_NOW when that pins lifeboat's clock.)

On start it writes DIR/sim.env atomically (tmp + rename) with the lines
PVE_URL=, PBS_URL=, PVE_TOKEN_FILE=, PBS_TOKEN_FILE=, FINGERPRINT=, SIM_PID=,
STATE_DIR= and prints them on stdout.
"""
import argparse
import hashlib
import http.server
import json
import os
import random
import re
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

NODE = "pve"
PBS_NODE = "pbs"
PVE_TOKEN_ID = "lifeboat@pve!console"
PBS_TOKEN_ID = "lifeboat@pbs!console"
STORE = "usb-ssd"
PBS_STORAGE = "pbs-usb"  # the PVE storage that points at the PBS datastore
DAY = 86400
FAULT_MODES = ("none", "hang", "slow", "401", "403", "500", "truncated", "malformed", "wrongcert")

LOCK = threading.RLock()
STOP = threading.Event()


def log(msg):
    sys.stderr.write("sim: %s\n" % msg)
    sys.stderr.flush()


# ---------------------------------------------------------------- certificates, tokens


def make_cert(cert, key, cn):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
         "-days", "3650", "-subj", "/CN=%s" % cn, "-addext", "subjectAltName=DNS:%s" % cn],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cert_fingerprint(cert):
    der = ssl.PEM_cert_to_DER_cert(open(cert).read())
    h = hashlib.sha256(der).hexdigest().upper()
    return ":".join(h[i:i + 2] for i in range(0, 64, 2))


def write_secret(path, text):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.rename(tmp, path)


def read_token(path, sep):
    """'USER@REALM!ID=SECRET' (PVE) or 'USER@REALM!NAME:SECRET' (PBS): (id, secret)."""
    line = open(path).read().strip()
    bang = line.index("!")
    rest = line[bang:]
    i = min([p for p in (rest.find("="), rest.find(":")) if p >= 0])
    return line[:bang + i], rest[i + 1:]


# ---------------------------------------------------------------- UPIDs


class Pids:
    pid = 0x1A2B00
    pstart = 0x0456DEF0
    task_id = 0


def pve_upid(typ, vid, user, at=None):
    Pids.pid += 7
    now = int(time.time() if at is None else at)
    return ("UPID:%s:%08X:%08X:%08X:%s:%s:%s:" % (NODE, Pids.pid, Pids.pstart, now, typ, vid, user),
            Pids.pid, Pids.pstart, now)


def systemd_escape(s):
    out = []
    for i, ch in enumerate(s):
        if ch == "/":
            out.append("-")
        elif (ch.isascii() and (ch.isalnum() or ch == "_")) or (ch == "." and i > 0):
            out.append(ch)
        else:
            out.append("\\x%02x" % ord(ch))
    return "".join(out)


def pbs_upid(typ, wid, user, at=None):
    Pids.pid += 3
    Pids.task_id += 1
    now = int(time.time() if at is None else at)
    return ("UPID:%s:%08X:%08X:%08X:%08X:%s:%s:%s:" % (
        PBS_NODE, Pids.pid, Pids.pstart, Pids.task_id, now, typ, systemd_escape(wid), user),
        Pids.pid, Pids.pstart, now)


# ---------------------------------------------------------------- tasks


class Task:
    """A worker task: log lines appear over `duration` seconds, then the end state."""

    def __init__(self, product, typ, wid, user, lines, duration, error=None, effect=None,
                 at=None, warnings=0):
        self.product = product
        self.type = typ
        self.id = wid
        self.user = user
        if product == "pve":
            self.upid, self.pid, self.pstart, self.starttime = pve_upid(typ, wid, user, at)
        else:
            self.upid, self.pid, self.pstart, self.starttime = pbs_upid(typ, wid, user, at)
        self.t0 = time.time() if at is None else at
        self.lines = lines
        self.duration = duration
        self.error = error
        self.warnings = warnings  # an OK end with "WARNINGS: N"
        self.effect = effect
        self.job = None  # the PBS job (verify/prune/sync id) this task ran for
        self.done = False
        self.endtime = None
        self.history = at is not None  # ran before the simulator started (not lifeboat's)
        if self.history:
            self.done = True
            self.endtime = int(at + duration)

    def tick(self, now):
        if not self.done and now - self.t0 >= self.duration:
            self.done = True
            self.endtime = int(self.t0 + self.duration)
            if self.effect:
                err = self.effect()
                if err and not self.error:
                    self.error = err

    def status_text(self):
        if self.error:
            return self.error
        return "WARNINGS: %d" % self.warnings if self.warnings else "OK"

    def log(self):
        now = time.time()
        n = len(self.lines)
        if not self.done:
            n = int(len(self.lines) * min(1.0, (now - self.t0) / max(self.duration, 0.001)))
        out = list(self.lines[:n])
        if self.done:
            out.append("TASK ERROR: %s" % self.error if self.error else
                       "TASK WARNINGS: %d" % self.warnings if self.warnings else "TASK OK")
        return out


# ---------------------------------------------------------------- the homelab


def local_at(base, days_back, hh, mm):
    t = time.localtime(base - days_back * DAY)
    return int(time.mktime((t.tm_year, t.tm_mon, t.tm_mday, hh, mm, 0, 0, 0, -1)))


def guest_conf(g, src_vmid):
    """A guest's config as PVE keeps it (the MAC follows the guest it was made for)."""
    mac = "BC:24:11:00:%02X:%02X" % (src_vmid // 256 % 256, src_vmid % 256)
    disk = "local-lvm:vm-%d-disk-0,size=%dG" % (g["vmid"], g["maxdisk"] // 1073741824)
    if g["type"] == "qemu":
        return {"name": g["name"], "memory": str(g["maxmem"] // 1048576), "cores": g["maxcpu"],
                "sockets": 1, "ostype": "l26", "scsihw": "virtio-scsi-single", "scsi0": disk,
                "net0": "virtio=%s,bridge=vmbr0" % mac, "boot": "order=scsi0"}
    return {"hostname": g["name"], "memory": g["maxmem"] // 1048576, "cores": g["maxcpu"],
            "ostype": "debian", "rootfs": disk, "arch": "amd64",
            "net0": "name=eth0,bridge=vmbr0,hwaddr=%s,ip=dhcp,type=veth" % mac}


def conf_digest(conf):
    return hashlib.sha1(json.dumps(conf, sort_keys=True).encode()).hexdigest()


class Lab:
    def __init__(self, now, task_seconds):
        self.now = now
        self.ts = task_seconds
        self.prune_flip = set()  # "vm/100": the prune dry-run flips its newest decision
        self.tasks = []  # every task, oldest first
        self.fail_next = {}  # task type -> error text: the next task of that type fails
        self.warn_next = {}  # task type -> N: the next task of that type ends "WARNINGS: N"
        self.disk_failing = set()  # PBS disk names whose drive reports failing (/_sim/disk)
        g = self.guests = {}

        def guest(vmid, typ, name, status, mem, maxmem, maxdisk, template=0, tags=None):
            g[vmid] = {"vmid": vmid, "type": typ, "name": name, "status": status, "mem": mem,
                       "maxmem": maxmem, "maxdisk": maxdisk, "template": template, "tags": tags,
                       "uptime": 86400 * 12 + vmid if status == "running" else 0,
                       "lock": None, "snapshots": {}, "current_parent": None,
                       "cpu": 0.0123 * (vmid % 7) if status == "running" else 0,
                       "maxcpu": 2 if typ == "qemu" else 1}
            g[vmid]["conf"] = guest_conf(g[vmid], vmid)

        guest(100, "qemu", "pfsense", "running", 1073741824, 2147483648, 17179869184,
              tags="network;prod")
        guest(101, "qemu", "docker-srv", "running", 6012954214, 8589934592, 137438953472,
              tags="prod")
        guest(102, "lxc", "pihole", "running", 68157440, 536870912, 4294967296)
        guest(103, "lxc", "nextcloud", "running", 1288490188, 2147483648, 68719476736)
        guest(104, "qemu", "homeassistant", "running", 1825361100, 4294967296, 34359738368)
        guest(9000, "qemu", "drill-test", "stopped", 0, 1073741824, 8589934592, tags="drill")
        guest(8000, "qemu", "debian-12-template", "stopped", 0, 2147483648, 8589934592,
              template=1)

        def snap(vmid, name, age, desc="", vmstate=0):
            s = g[vmid]["snapshots"]
            parent = g[vmid]["current_parent"]
            s[name] = {"name": name, "description": desc, "snaptime": int(now - age),
                       "vmstate": vmstate, "parent": parent, "snapstate": None}
            g[vmid]["current_parent"] = name

        snap(100, "weekly", 6 * DAY + 3600, "weekly before updates")
        snap(100, "pre-upgrade", 2 * DAY + 5400, "before pfSense 2.7.2 upgrade", vmstate=1)
        snap(101, "before-compose-update", 20 * DAY, "compose stack before nextcloud 28")
        snap(103, "pre-nc28", 1 * DAY + 600, "")
        snap(9000, "drill-base", 2 * DAY, "clean state for rollback drills")

        self.jobs = [
            {"type": "vzdump", "id": "backup-83831498-c631", "schedule": "02:00",
             "storage": PBS_STORAGE, "vmid": "100,101,102,103", "enabled": 1, "mode": "snapshot",
             "notes-template": "{{guestname}}", "comment": "nightly to PBS on the USB SSD",
             "prune-backups": {"keep-daily": "5", "keep-weekly": "3", "keep-monthly": "2"},
             "repeat-missed": 1},
            {"type": "vzdump", "id": "backup-70025700-2302", "schedule": "sun 05:00",
             "storage": PBS_STORAGE, "vmid": "9000", "enabled": 0, "mode": "stop",
             "notes-template": "{{guestname}}"},
        ]

        # PBS: weeks of nightly backups as retention 5 daily / 3 weekly / 2 monthly leaves them
        # Day 0 is the latest nightly run that has finished: before 02:10 that is
        # yesterday's, so the lab looks the same whatever the hour it starts at.
        self.pbs_snaps = []
        # The nights kept are what the job's retention (PBS's prune algorithm, below)
        # leaves of two months of nightly runs, so a prune finds nothing to remove
        # whatever the date.
        night = now if local_at(now, 0, 2, 10) <= now else now - DAY
        nightly = [{"backup-time": local_at(night, d, 2, 0), "day": d} for d in range(62)]
        marks = prune_marks(nightly, {"keep-daily": 5, "keep-weekly": 3, "keep-monthly": 2})
        days = {n["day"] for n in nightly if marks[n["backup-time"]] == "keep"}
        for vmid in (100, 101, 102, 103):
            for d in sorted(days):
                t = local_at(night, d, 2, 0) + (vmid - 100) * 97
                if t > now:
                    continue
                self.add_pbs_snap(vmid, t, verified="ok" if d >= 1 else None)
        for vmid in (9000,):  # only in a disabled job: one old backup
            self.add_pbs_snap(vmid, local_at(now, 30, 5, 0), verified="ok")
        newest103 = max((s for s in self.pbs_snaps if s["backup-id"] == "103"),
                        key=lambda s: s["backup-time"])
        newest103["verification"] = self.verify_result("failed", "103")
        self.gc_last = int(now - 20 * 3600)
        self.total = 1000204886016  # 1 TB USB SSD
        self.add_history(night)

    # -- tasks nobody at lifeboat started: last night's backup job, PBS's own jobs
    def add_history(self, night):
        nightly = self.jobs[0]
        t0 = local_at(night, 0, 2, 0)
        vmids = [int(v) for v in nightly["vmid"].split(",")]
        lines = ["INFO: starting new backup job: vzdump %s --mode snapshot --storage %s "
                 "--notes-template '{{guestname}}' --prune-backups "
                 "'keep-daily=5,keep-monthly=2,keep-weekly=3' --quiet 1"
                 % (" ".join(map(str, vmids)), PBS_STORAGE)]
        pbs_runs = []
        for vmid in vmids:
            g = self.guests[vmid]
            vm = g["type"] == "qemu"
            bt = local_at(night, 0, 2, 0) + (vmid - 100) * 97
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(bt))
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(bt))
            lines += ["INFO: Starting Backup of VM %d (%s)" % (vmid, g["type"]),
                      "INFO: Backup started at %s" % when,
                      "INFO: status = %s" % g["status"],
                      "INFO: %s Name: %s" % ("VM" if vm else "CT", g["name"]),
                      "INFO: including mount point rootfs ('/') in backup" if not vm else
                      "INFO: include disk 'scsi0' 'local-lvm:vm-%d-disk-0' %dG"
                      % (vmid, g["maxdisk"] // 1073741824),
                      "INFO: backup mode: snapshot", "INFO: ionice priority: 7",
                      "INFO: creating Proxmox Backup Server archive '%s/%d/%s'"
                      % ("vm" if vm else "ct", vmid, stamp)]
            if vm:
                if vmid == 101:
                    lines += ["INFO: issuing guest-agent 'fs-freeze' command",
                              "WARN: guest-agent 'fs-freeze' command failed - got timeout",
                              "INFO: issuing guest-agent 'fs-thaw' command"]
                lines += ["INFO: started backup task '%s'" % uuid.UUID(int=vmid * 7919)]
                lines += ["INFO: %3d%% (%d.%d GiB of 16.0 GiB) in %ds, read: 1%02d.4 MiB/s, "
                          "write: 9%d.1 MiB/s" % (p, p // 7, p % 10, p // 5, p % 97, p % 10)
                          for p in range(5, 101, 5)]
                lines += ["INFO: backup is sparse: 9.1 GiB (57%) total zero data",
                          "INFO: backup was done incrementally, reused 14.8 GiB (92%)",
                          "INFO: transferred 16.0 GiB in %d seconds (128.4 MiB/s)" % (60 + vmid % 7)]
            else:
                lines += ["INFO: create storage snapshot 'vzdump'",
                          "INFO: starting archive upload of 'root.pxar.didx'",
                          "INFO: processed 1.%d GiB in %d seconds, uploaded 41.%d MiB"
                          % (vmid % 10, 40 + vmid % 9, vmid % 10),
                          "INFO: cleanup temporary 'vzdump' snapshot"]
            lines += ["INFO: adding notes to backup",
                      "INFO: prune older backups with retention: keep-daily=5, keep-monthly=2, "
                      "keep-weekly=3",
                      "INFO: pruned 0 backup(s)",
                      "INFO: Finished Backup of VM %d (00:01:%02d)" % (vmid, 20 + vmid % 30),
                      "INFO: Backup finished at %s" % time.strftime(
                          "%Y-%m-%d %H:%M:%S", time.localtime(bt + 80))]
            pbs_runs.append((vmid, bt, stamp))
        lines.append("INFO: Backup job finished successfully")
        self.start(Task("pve", "vzdump", "", "root@pam", lines, 3 * 97 + 90, at=t0, warnings=1))
        for vmid, bt, stamp in pbs_runs:
            kind = "vm" if self.guests[vmid]["type"] == "qemu" else "ct"
            self.start(Task("pbs", "backup", "%s:%s/%d" % (STORE, kind, vmid), "root@pam",
                            ["starting new backup on datastore '%s' from ::ffff:192.168.1.10: "
                             "\"%s/%d/%s\"" % (STORE, kind, vmid, stamp),
                             "backup finished successfully"], 80, at=bt))
        # the verify job that found 103's newest backup bad
        vt = local_at(night, 0, 2, 8)
        vlines = ["verify datastore %s" % STORE]
        for vmid, bt, stamp in pbs_runs:
            kind = "vm" if self.guests[vmid]["type"] == "qemu" else "ct"
            vlines.append("verify group %s:%s/%d (1 snapshots)" % (STORE, kind, vmid))
            vlines.append("  verify %s:%s/%d/%s" % (STORE, kind, vmid, stamp))
            if vmid == 103:
                vlines += ["  can't verify chunk, load failed - store '%s', unable to load "
                           "chunk '3f1a0c6d8e2b47a5c9d1e0f2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70'"
                           " - blob too small (0 bytes)." % STORE,
                           "  corrupt chunk renamed to \".chunks/3f1a/3f1a0c6d8e2b47a5c9d1e0f2a4"
                           "b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70.0.bad\"",
                           "  verified 1304.12/3071.80 MiB in 38.41 seconds, speed 33.95/79.97 "
                           "MiB/s (1 errors)",
                           "verify %s:ct/103/%s failed: chunks could not be verified" % (STORE, stamp)]
            else:
                vlines.append("  verified 812.%02d/2048.00 MiB in 21.%02d seconds, speed "
                              "38.10/96.02 MiB/s (0 errors)" % (vmid % 100, vmid % 100))
        vlines.append("Failed to verify the following snapshots/groups:")
        vlines.append("\t%s:ct/103/%s" % (STORE, pbs_runs[-1][2]))
        self.start(Task("pbs", "verificationjob", "%s:v-3f2a9c1e-77d0" % STORE, "root@pam",
                        vlines, 95, at=vt,
                        error="verification failed - please check the log for details"))
        self.tasks[-1].job = "v-3f2a9c1e-77d0"
        # PBS's own schedule: prune job and GC (the GC ends when the GC status says it did)
        self.start(Task("pbs", "prunejob", STORE, "root@pam",
                        ["prune job '%s'" % "default-usb-ssd-1a2b",
                         "Starting prune on %s" % STORE,
                         "retention options: --keep-daily 5 --keep-weekly 3 --keep-monthly 2",
                         "pruned 0 snapshots, kept %d" % len(self.pbs_snaps)],
                        3, at=local_at(night, 0, 0, 0)))
        self.tasks[-1].job = "default-usb-ssd-1a2b"  # a prune job's worker id is the store
        self.start(Task("pbs", "garbage_collection", STORE, "root@pam",
                        ["starting garbage collection on store %s" % STORE,
                         "Start GC phase1 (mark used chunks)",
                         "marked 100%% (%d of %d index files)" % (len(self.pbs_snaps) * 2,
                                                                 len(self.pbs_snaps) * 2),
                         "Start GC phase2 (sweep unused chunks)",
                         "Removed garbage: 1.27 GiB", "Removed chunks: 812",
                         "Pending removals: 0 B (in 0 chunks)"], 98, at=self.gc_last - 98))
        self.gc_upid = self.tasks[-1].upid
        self.tasks.sort(key=lambda t: t.starttime)

    # -- PBS snapshots
    def add_pbs_snap(self, vmid, t, verified=None):
        g = self.guests[vmid]
        vm = g["type"] == "qemu"
        if vm:
            disk = g["maxdisk"]
            files = [{"crypt-mode": "none", "filename": "qemu-server.conf.blob", "size": 487},
                     {"crypt-mode": "none", "filename": "drive-scsi0.img.fidx", "size": disk},
                     {"crypt-mode": "none", "filename": "index.json.blob", "size": 414},
                     {"filename": "client.log.blob"}]
        else:
            disk = g["maxdisk"] // 3 + (t % 1000) * 4096
            files = [{"crypt-mode": "none", "filename": "pct.conf.blob", "size": 312},
                     {"crypt-mode": "none", "filename": "root.pxar.didx", "size": disk},
                     {"crypt-mode": "none", "filename": "catalog.pcat1.didx", "size": 73128},
                     {"crypt-mode": "none", "filename": "index.json.blob", "size": 520},
                     {"filename": "client.log.blob"}]
        s = {"backup-type": "vm" if vm else "ct", "backup-id": str(vmid), "backup-time": int(t),
             "conf": dict(g["conf"]), "files": files, "owner": "root@pam", "comment": g["name"], "protected": False,
             "size": sum(f.get("size", 0) for f in files)}
        if verified:
            s["verification"] = self.verify_result(verified, str(vmid))
        self.pbs_snaps.append(s)
        return s

    def verify_result(self, state, vmid):
        upid = pbs_upid("verificationjob", "%s:v-3f2a9c1e-77d0" % STORE, "root@pam")[0]
        return {"state": state, "upid": upid}

    def used(self):
        return 412316860416 + sum(s["size"] for s in self.pbs_snaps) // 40

    # -- tasks
    def start(self, task):
        err = self.fail_next.pop(task.type, None)
        if err:  # /_sim/task-fail: the task runs, then ends in this error with no effect
            task.error = err
            task.effect = None
        warn = self.warn_next.pop(task.type, None)
        if warn and not task.error:  # /_sim/task-fail warnings=N: an OK end with warnings
            task.warnings = warn
        self.tasks.append(task)
        return task

    def tick(self):
        now = time.time()
        for t in self.tasks:
            t.tick(now)

    def find_task(self, upid):
        for t in self.tasks:
            if t.upid == upid:
                return t
        return None

    def covered(self):
        out = set()
        for j in self.jobs:  # disabled jobs count as covering (reference 8.14)
            if j.get("all"):
                out |= set(self.guests)
            for v in str(j.get("vmid", "")).split(","):
                if v.strip().isdigit():
                    out.add(int(v))
        return out


# ---------------------------------------------------------------- PBS prune (reference 6)


def prune_marks(snaps, keep):
    """snaps: list of dicts with backup-time, protected. Returns {backup-time: mark}."""
    order = sorted(snaps, key=lambda s: -s["backup-time"])
    marks = {}
    rules = [("keep-last", None), ("keep-hourly", "%Y/%m/%d/%H"), ("keep-daily", "%Y/%m/%d"),
             ("keep-weekly", "%G/%V"), ("keep-monthly", "%Y/%m"), ("keep-yearly", "%Y")]
    if not any(keep.get(k, 0) > 0 for k, _ in rules):
        return {s["backup-time"]: "keep" for s in order}

    def key(s, fmt):
        t = s["backup-time"]
        return str(t) if fmt is None else time.strftime(fmt, time.localtime(t))

    for name, fmt in rules:
        n = keep.get(name, 0)
        if n <= 0:
            continue
        covered = {key(s, fmt) for s in order if marks.get(s["backup-time"]) == "keep"}
        taken = set()
        for s in order:
            bt = s["backup-time"]
            if bt in marks:
                continue
            if s.get("protected"):
                marks[bt] = "protected"
                continue
            k = key(s, fmt)
            if k in covered:
                continue
            if k in taken:
                marks[bt] = "remove"
                continue
            if len(taken) >= n:
                break
            taken.add(k)
            marks[bt] = "keep"
    for s in order:
        marks.setdefault(s["backup-time"], "remove")
    return marks


# ---------------------------------------------------------------- API tokens and ACLs

PVE_SEED_ACL = [("/", "PVEAuditor"), ("/vms", "PVEVMAdmin"), ("/storage/" + PBS_STORAGE, "PVEDatastoreAdmin")]
PBS_SEED_ACL = [("/datastore/" + STORE, "DatastoreAdmin"), ("/system", "Audit")]
PVE_REGENERATE = (9, 1)  # libpve-access-control 9.1.0 (reference 3.13, 7)
PBS_REGENERATE = (3, 4)  # API types of April 2025 (reference 4.13)


def version_tuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:2])


class Access:
    """Tokens {userid: {name: {secret, comment, expire, enable, privsep}}} and
    ACL entries [{path, ugid, roleid, propagate}] of one product."""

    def __init__(self, product, version):
        self.product = product
        self.version = version
        self.users = {}
        self.acl = []
        self.regenerate = None  # None: from the version; True/False: forced (/_sim/version)

    def seed(self, token, paths):
        tid, secret = token
        user, _, name = tid.partition("!")
        self.users.setdefault(user, {})[name] = {"secret": secret, "comment": "lifeboat",
                                                 "expire": 0, "enable": True, "privsep": 1}
        for path, role in paths:
            self.acl.append({"path": path, "ugid": tid, "roleid": role, "propagate": 1})

    def regenerate_ok(self):
        if self.regenerate is not None:
            return self.regenerate
        want = PVE_REGENERATE if self.product == "pve" else PBS_REGENERATE
        return version_tuple(self.version) >= want

    def check(self, tid, secret):
        """None: unknown or wrong secret (401); else the token's record."""
        user, _, name = tid.partition("!")
        t = self.users.get(user, {}).get(name)
        if not t or t["secret"] != secret or not t["enable"]:
            return None
        if t["expire"] and t["expire"] <= time.time():
            return None
        return t

    def has_acl(self, tid):
        user, _, name = tid.partition("!")
        t = self.users.get(user, {}).get(name)
        if t and self.product == "pve" and not t["privsep"]:
            return True  # privsep=0: the user's privileges
        return any(e["ugid"] == tid for e in self.acl)


# ---------------------------------------------------------------- HTTP


class ApiError(Exception):
    def __init__(self, status, message, errors=None):
        Exception.__init__(self, message)
        self.status = status
        self.message = message
        self.errors = errors


class Hang(Exception):
    pass


class Sim:
    def __init__(self, args):
        self.args = args
        self.lab = Lab(args.now or time.time(), args.task_seconds)
        self.faults = []  # (server or None, prefix, mode, delay)
        self.requests = []
        self.pve_token = read_token(args.pve_token_file, "=")
        self.pbs_token = read_token(args.pbs_token_file, ":")
        self.fingerprint = cert_fingerprint(args.cert)
        # API tokens and ACLs of both products (reference 3.13, 4.13): the token of
        # the token file is there from the start with the ACL entries lifeboat needs
        self.lab.access = {"pve": Access("pve", args.pve_version), "pbs": Access("pbs", args.pbs_version)}
        self.lab.access["pve"].seed(self.pve_token, PVE_SEED_ACL)
        self.lab.access["pbs"].seed(self.pbs_token, PBS_SEED_ACL)

    def fault_for(self, server, path):
        for srv, prefix, mode, delay in reversed(self.faults):
            if srv and srv != server:
                continue
            api = path[len("/api2/json"):] if path.startswith("/api2/json") else path
            if not prefix or path.startswith(prefix) or api.startswith(prefix):
                return mode, delay
        return None, 0


# privileges each endpoint needs (reference 9), for the 403 paths
def pve_priv(method, path):
    if path.startswith("/cluster/backup") or path.startswith("/cluster/backup-info"):
        return "/", "Sys.Audit"
    if "/storage/" in path:
        return "/storage/" + PBS_STORAGE, "Datastore.Audit"
    m = re.match(r"/nodes/[^/]+/(qemu|lxc)/(\d+)/snapshot(/[^/]+)?(/rollback)?$", path)
    if m:
        if method == "GET":
            return "/vms/" + m.group(2), "VM.Audit"
        if m.group(4):
            return "/vms/" + m.group(2), "VM.Snapshot.Rollback"
        return "/vms/" + m.group(2), "VM.Snapshot"
    if path.endswith("/vzdump"):
        return "/vms", "VM.Backup"
    if method in ("POST", "DELETE") and re.match(r"/nodes/[^/]+/(qemu|lxc)", path):
        return "/vms", "VM.Allocate"
    if "/tasks" in path:
        return "/nodes/" + NODE, "Sys.Audit"
    return "/vms", "VM.Audit"


def pbs_priv(method, path):
    if path.startswith("/nodes/localhost/disks"):
        return "/system/disks", "Sys.Audit"
    if path.startswith("/nodes/localhost/tasks"):
        return "/system/tasks", "Sys.Audit"
    if path.endswith("/prune"):
        return "/datastore/" + STORE, "Datastore.Prune"
    if path.endswith("/verify"):
        return "/datastore/" + STORE, "Datastore.Verify"
    if path.endswith("/gc") and method == "POST":
        return "/datastore/" + STORE, "Datastore.Modify"
    return "/datastore/" + STORE, "Datastore.Audit"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pve-api-daemon/3.0"
    sim = None  # set on the class

    def log_message(self, fmt, *args):
        pass

    # -- plumbing
    def params(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if body:
            if ctype == "application/json":
                try:
                    obj = json.loads(body)
                    q = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in obj.items()}
                except ValueError:
                    raise ApiError(400, "unable to parse json body")
            else:
                q.update(dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)))
        return urllib.parse.unquote(url.path), q

    def send(self, status, body, ctype="application/json;charset=UTF-8", reason=None,
             truncate=False):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=0")
        self.end_headers()
        if truncate:
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(body)

    def pve_error(self, status, message, errors=None):
        body = {"data": None}
        if errors:
            body["errors"] = errors
        if not self.sim.args.pve_old_errors:
            body["message"] = message + "\n"
        self.send(status, json.dumps(body), reason=message.replace("\n", " "))

    def pbs_error(self, status, message):
        self.send(status, message)

    def error(self, status, message, errors=None):
        if self.server.product == "pve":
            self.pve_error(status, message, errors)
        else:
            self.pbs_error(status, message)

    def ok(self, data, **extra):
        body = {"data": data}
        body.update(extra)
        self.send(200, json.dumps(body))

    # -- auth
    def authorized(self):
        h = self.headers.get("Authorization") or ""
        prod = self.server.product
        scheme = "PVEAPIToken" if prod == "pve" else "PBSAPIToken"
        if not h.startswith(scheme) or len(h) <= len(scheme) or h[len(scheme)] not in "= ":
            return False
        val = h[len(scheme) + 1:]
        if prod == "pve":
            i = val.rfind("=")
            tid, secret = val[:i], val[i + 1:]
        else:
            i = val.find(":")
            tid, secret = val[:i], urllib.parse.unquote(val[i + 1:])
        if i <= 0:
            return False
        with LOCK:
            if not self.sim.lab.access[prod].check(tid, secret):
                return False
        self.token_id = tid
        return True

    def deny_auth(self):
        time.sleep(self.sim.args.auth_delay)
        if self.server.product == "pve":
            self.send(401, json.dumps({"data": None}), reason="Authentication failed!")
        else:
            self.pbs_error(401, "authentication failed")

    def deny_perm(self, method, api):
        if self.server.product == "pve":
            path, priv = pve_priv(method, api)
            self.pve_error(403, "Permission check failed (%s, %s)" % (path, priv))
        else:
            time.sleep(min(0.5, self.sim.args.auth_delay))
            self.pbs_error(403, "permission check failed")

    # -- dispatch
    def handle_any(self, method):
        sim = self.sim
        try:
            path, q = self.params()
        except ApiError as e:
            return self.error(e.status, e.message)
        with LOCK:
            sim.requests.append({"server": self.server.product, "method": method, "path": path,
                                 "auth": bool(self.headers.get("Authorization")),
                                 "time": time.time()})
            del sim.requests[:-2000]
        if path.startswith("/_sim/"):
            return self.control(method, path, q)
        if not path.startswith("/api2/json/"):
            return self.error(501 if self.server.product == "pve" else 404,
                              "Path '%s' not found." % path)
        api = path[len("/api2/json"):]
        mode, delay = sim.fault_for(self.server.product, path)
        if mode == "hang":
            end = time.time() + 600
            while time.time() < end and not STOP.is_set():
                time.sleep(0.1)
            self.close_connection = True
            return
        if mode == "slow":
            time.sleep(delay or 2.0)
        if mode == "401" or not self.authorized():
            return self.deny_auth()
        if mode == "403":
            return self.deny_perm(method, api)
        with LOCK:
            bare = not sim.lab.access[self.server.product].has_acl(self.token_id)
        if bare and api != "/version" and not api.startswith("/access/"):
            # a new token has no privileges of its own until ACL entries name it
            return self.deny_perm(method, api)
        if mode == "500":
            if self.server.product == "pve":
                return self.pve_error(500, "simulated failure: got timeout")
            return self.pbs_error(500, "simulated internal error")
        if mode == "malformed":
            return self.send(200, '{"data":[{"vmid":100,"name":"pfsense",<html>502 Bad Gateway')
        try:
            with LOCK:
                sim.lab.tick()
                route = PVE_ROUTES if self.server.product == "pve" else PBS_ROUTES
                for m, rx, fn in route:
                    if m != method:
                        continue
                    mm = re.fullmatch(rx, api)
                    if mm:
                        if api.startswith("/access/"):
                            q["_auth"] = self.token_id
                        result = fn(sim.lab, q, *mm.groups())
                        break
                else:
                    if self.server.product == "pve":
                        raise ApiError(501, "Method '%s %s' not implemented" % (method, path))
                    raise ApiError(404, "Path '%s' not found." % path)
        except ApiError as e:
            return self.error(e.status, e.message, e.errors)
        data, extra = result if isinstance(result, tuple) else (result, {})
        body = {"data": data}
        body.update(extra)
        self.send(200, json.dumps(body), truncate=(mode == "truncated"))

    def control(self, method, path, q):
        sim = self.sim
        with LOCK:
            if path == "/_sim/fault" and method == "POST":
                mode = q.get("mode", "none")
                if mode not in FAULT_MODES:
                    return self.send(400, "unknown mode '%s'\n" % mode, "text/plain")
                if mode == "none":
                    sim.faults = [f for f in sim.faults
                                  if q.get("path") and f[1] != q.get("path")] if q.get("path") else []
                else:
                    sim.faults.append((q.get("server") or None, q.get("path", ""), mode,
                                       float(q.get("delay", "0") or 0)))
                return self.send(200, "ok\n", "text/plain")
            if path == "/_sim/version" and method == "POST":
                srv = q.get("server", "")
                if srv not in ("pve", "pbs") or not re.fullmatch(r"\d+\.\d+(\.\d+)?", q.get("version", "")):
                    return self.send(400, "need server=pve|pbs and version=X.Y[.Z]\n", "text/plain")
                sim.lab.access[srv].version = q["version"]
                # regenerate=0: a 9.1 whose access-control package predates it (reference 3.13)
                sim.lab.access[srv].regenerate = (None if q.get("regenerate", "") == ""
                                                  else q["regenerate"] == "1")
                return self.send(200, "ok\n", "text/plain")
            if path == "/_sim/prune-flip" and method == "POST":
                if q.get("group"):
                    sim.lab.prune_flip.add(q["group"])
                else:
                    sim.lab.prune_flip.clear()
                return self.send(200, "ok\n", "text/plain")
            if path == "/_sim/disk" and method == "POST":
                if q.get("disk") not in ("sda", "nvme0n1") or q.get("state") not in ("ok", "failing"):
                    return self.send(400, "need disk=sda|nvme0n1 and state=ok|failing\n",
                                     "text/plain")
                (sim.lab.disk_failing.add if q["state"] == "failing"
                 else sim.lab.disk_failing.discard)(q["disk"])
                return self.send(200, "ok\n", "text/plain")
            if path == "/_sim/task-fail" and method == "POST":
                if not q.get("type"):
                    return self.send(400, "type is required\n", "text/plain")
                if (q.get("warnings") or "").isdigit() and int(q["warnings"]) > 0:
                    sim.lab.warn_next[q["type"]] = int(q["warnings"])
                else:
                    sim.lab.fail_next[q["type"]] = q.get("message") or "simulated task failure"
                return self.send(200, "ok\n", "text/plain")
            if path == "/_sim/guest" and method == "POST":
                g = sim.lab.guests.get(int(q.get("vmid", "0") or 0))
                if not g:
                    return self.send(404, "no such guest\n", "text/plain")
                if q.get("protection") is not None:
                    if q["protection"] in ("1", "true"):
                        g["conf"]["protection"] = 1
                    else:
                        g["conf"].pop("protection", None)
                if q.get("status") in ("running", "stopped"):
                    g["status"] = q["status"]
                    g["uptime"] = 1 if q["status"] == "running" else 0
                return self.send(200, "ok\n", "text/plain")
            if path == "/_sim/requests":
                if method == "DELETE":
                    sim.requests = []
                    return self.send(200, "ok\n", "text/plain")
                return self.send(200, json.dumps(sim.requests))
            if path == "/_sim/state":
                lab = sim.lab
                lab.tick()
                return self.send(200, json.dumps({
                    "guests": sorted(lab.guests), "tasks": len(lab.tasks),
                    "running": sum(1 for t in lab.tasks if not t.done),
                    "faults": [list(f) for f in sim.faults],
                    "versions": {p: a.version for p, a in lab.access.items()},
                    "tokens": {p: sorted("%s!%s" % (u, n) for u, ts in a.users.items() for n in ts)
                               for p, a in lab.access.items()},
                    "acl": {p: a.acl for p, a in lab.access.items()}}))
        return self.send(404, "no such control path\n", "text/plain")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")


# ---------------------------------------------------------------- PVE routes

def guest_or_500(lab, kind, vmid):
    vmid = int(vmid)
    g = lab.guests.get(vmid)
    if not g or g["type"] != kind:
        raise ApiError(500, "Configuration file 'nodes/%s/%s/%d.conf' does not exist" % (
            NODE, "qemu-server" if kind == "qemu" else "lxc", vmid))
    return g


def check_node(node):
    if node not in (NODE, "localhost"):
        raise ApiError(595, "no such cluster node '%s'" % node)


def pve_version(lab, q):
    v = lab.access["pve"].version
    return {"version": v, "release": ".".join(v.split(".")[:2]), "repoid": "ec5affc9e41f1d79",
            "console": "xtermjs"}


def pve_nodes(lab, q):
    return [{"node": NODE, "status": "online", "cpu": 0.0312520833333333, "maxcpu": 8,
             "mem": 21474836480, "maxmem": 67430035456, "disk": 18718420992,
             "maxdisk": 100861726720, "uptime": 1036800, "level": "",
             "ssl_fingerprint": Handler.sim.fingerprint, "id": "node/" + NODE, "type": "node"}]


def resource(g):
    r = {"id": "%s/%d" % (g["type"], g["vmid"]), "type": g["type"], "vmid": g["vmid"],
         "node": NODE, "name": g["name"], "status": g["status"], "template": g["template"],
         "cpu": g["cpu"], "maxcpu": g["maxcpu"], "mem": g["mem"], "maxmem": g["maxmem"],
         "disk": 0 if g["type"] == "qemu" else g["maxdisk"] // 4, "maxdisk": g["maxdisk"],
         "netin": 416956 * (g["status"] == "running"), "netout": 17330 * (g["status"] == "running"),
         "diskread": 6656, "diskwrite": 0, "uptime": g["uptime"]}
    if g["tags"]:
        r["tags"] = g["tags"]
    if g["lock"]:
        r["lock"] = g["lock"]
    return r


def pve_resources(lab, q):
    typ = q.get("type")
    out = []
    if typ in (None, "", "vm"):
        out += [resource(g) for g in lab.guests.values()]
    if typ in (None, "", "node"):
        n = pve_nodes(lab, q)[0]
        out.append({"id": "node/" + NODE, "type": "node", "node": NODE, "status": "online",
                    "cpu": n["cpu"], "maxcpu": n["maxcpu"], "mem": n["mem"],
                    "maxmem": n["maxmem"], "disk": n["disk"], "maxdisk": n["maxdisk"],
                    "uptime": n["uptime"], "level": ""})
    if typ in (None, "", "storage"):
        out.append({"id": "storage/%s/%s" % (NODE, PBS_STORAGE), "type": "storage",
                    "storage": PBS_STORAGE, "node": NODE, "status": "available",
                    "plugintype": "pbs", "content": "backup", "shared": 0,
                    "disk": lab.used(), "maxdisk": lab.total})
    random.shuffle(out)
    return out


def pve_guest_list(kind):
    def fn(lab, q, node):
        check_node(node)
        out = []
        for g in lab.guests.values():
            if g["type"] != kind:
                continue
            r = {k: v for k, v in resource(g).items() if k not in ("id", "node")}
            r["cpus"] = r.pop("maxcpu")
            if kind == "lxc":
                r["type"] = "lxc"
                r["vmid"] = str(g["vmid"])  # before PVE 8.2 the lxc list sent a string
                r["maxswap"] = 536870912
                r["swap"] = 0
            if g["status"] == "running":
                r["pid"] = 4076000 + g["vmid"]
            out.append(r)
        random.shuffle(out)
        return out
    return fn


def snapshot_list(lab, q, node, kind, vmid):
    check_node(node)
    g = guest_or_500(lab, kind, vmid)
    out = []
    for s in g["snapshots"].values():
        e = {"name": s["name"], "description": s["description"], "snaptime": s["snaptime"]}
        if kind == "qemu":
            e["vmstate"] = s["vmstate"]
        if s["parent"]:
            e["parent"] = s["parent"]
        if s["snapstate"]:
            e["snapstate"] = s["snapstate"]
        out.append(e)
    random.shuffle(out)  # Perl hash order
    cur = {"name": "current", "description": "You are here!",
           "running": 1 if g["status"] == "running" else 0,
           "digest": hashlib.sha1(json.dumps(sorted(g["snapshots"])).encode()).hexdigest()}
    if g["current_parent"]:
        cur["parent"] = g["current_parent"]
    out.append(cur)
    return out


SNAPNAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]+")


def token_user():
    return PVE_TOKEN_ID


def check_lock(g):
    if g["lock"]:
        raise ApiError(500, "VM %d is locked (%s)" % (g["vmid"], g["lock"]))


def disk_name(g):
    return "local-lvm:vm-%d-disk-0" % g["vmid"]


def snapshot_create(lab, q, node, kind, vmid):
    check_node(node)
    g = guest_or_500(lab, kind, vmid)
    name = q.get("snapname", "")
    if not SNAPNAME.fullmatch(name) or len(name) > 40:
        raise ApiError(400, "Parameter verification failed.",
                       {"snapname": "invalid format - invalid configuration ID '%s'" % name})
    if name == "current" or (kind == "qemu" and name.lower() == "pending"):
        raise ApiError(500, "invalid snapshot name '%s'" % name)
    if name in g["snapshots"]:
        raise ApiError(500, "snapshot name '%s' already used" % name)
    check_lock(g)
    vmstate = kind == "qemu" and q.get("vmstate") in ("1", "true", "yes", "on")
    if vmstate and g["status"] != "running":
        vmstate = False
    g["lock"] = "snapshot"
    g["snapshots"][name] = {"name": name, "description": q.get("description", ""),
                            "snaptime": int(time.time()), "vmstate": 1 if vmstate else 0,
                            "parent": g["current_parent"], "snapstate": "prepare"}

    def effect():
        s = g["snapshots"].get(name)
        g["lock"] = None
        if s:
            s["snapstate"] = None
            g["current_parent"] = name

    lines = []
    if vmstate:
        lines += ["saving VM state and RAM using storage 'local-lvm'",
                  "1.51 MiB in 0s", "completed saving the VM state in 1s, saved 412.56 MiB"]
    lines += ["snapshotting '%s' (%s)" % ("drive-scsi0" if kind == "qemu" else "rootfs", disk_name(g)),
              '  Logical volume "snap_vm-%d-disk-0_%s" created.' % (g["vmid"], name)]
    return lab.start(Task("pve", "qmsnapshot" if kind == "qemu" else "vzsnapshot", str(g["vmid"]),
                          token_user(), lines, lab.ts, effect=effect)).upid


def snapshot_rollback(lab, q, node, kind, vmid, name):
    check_node(node)
    g = guest_or_500(lab, kind, vmid)
    s = g["snapshots"].get(name)
    if not s:
        raise ApiError(500, "snapshot '%s' does not exist" % name)
    if s["snapstate"]:
        raise ApiError(500, "unable to rollback to incomplete snapshot (snapstate = %s)" % s["snapstate"])
    if g["template"]:
        raise ApiError(500, "you can't rollback if vm is a template")
    check_lock(g)
    g["lock"] = "rollback"

    def effect():
        g["lock"] = None
        g["current_parent"] = name
        if s["vmstate"] or q.get("start") in ("1", "true"):
            g["status"] = "running"
        elif kind == "qemu":
            g["status"] = "stopped"

    lines = ['  Logical volume "vm-%d-disk-0" successfully removed.' % g["vmid"],
             '  WARNING: You have not turned on protection against thin pools running out of space.',
             '  Logical volume "vm-%d-disk-0" created.' % g["vmid"]]
    return lab.start(Task("pve", "qmrollback" if kind == "qemu" else "vzrollback", str(g["vmid"]),
                          token_user(), lines, lab.ts, effect=effect)).upid


def snapshot_delete(lab, q, node, kind, vmid, name):
    check_node(node)
    g = guest_or_500(lab, kind, vmid)
    s = g["snapshots"].get(name)
    if not s:
        raise ApiError(500, "snapshot '%s' does not exist" % name)
    check_lock(g)
    g["lock"] = "snapshot-delete"
    s["snapstate"] = "delete"

    def effect():
        g["lock"] = None
        parent = s["parent"]
        g["snapshots"].pop(name, None)
        for o in g["snapshots"].values():
            if o["parent"] == name:
                o["parent"] = parent
        if g["current_parent"] == name:
            g["current_parent"] = parent

    lines = ['  Logical volume "snap_vm-%d-disk-0_%s" successfully removed.' % (g["vmid"], name)]
    return lab.start(Task("pve", "qmdelsnapshot" if kind == "qemu" else "vzdelsnapshot",
                          str(g["vmid"]), token_user(), lines, lab.ts, effect=effect)).upid


def snapshot_dir(lab, q, node, kind, vmid, name):
    g = guest_or_500(lab, kind, vmid)
    if name not in g["snapshots"]:
        raise ApiError(500, "snapshot '%s' does not exist" % name)
    return [{"cmd": "rollback"}, {"cmd": "config"}]


def prune_text_to_obj(s):
    out = {}
    for part in s.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()  # PVE sends these values as strings
    return out


def cluster_backup(lab, q):
    out = []
    now = time.time()
    for j in lab.jobs:
        e = dict(j)
        nr = next_run(j["schedule"], now)
        if nr:
            e["next-run"] = nr
        out.append(e)
    return out


def next_run(schedule, now):
    """Enough of the calendar grammar for the simulator's own jobs: '[wday] HH:MM'."""
    m = re.fullmatch(r"(?:(mon|tue|wed|thu|fri|sat|sun)\s+)?(\d{1,2}):(\d{2})", schedule.strip())
    if not m:
        return None
    wd = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for d in range(0, 9):
        t = local_at(now, -d, int(m.group(2)), int(m.group(3)))
        if t <= now:
            continue
        if m.group(1) and time.localtime(t).tm_wday != wd.index(m.group(1)):
            continue
        return t
    return None


def not_backed_up(lab, q):
    cov = lab.covered()
    out = []
    for g in sorted(lab.guests.values(), key=lambda g: g["vmid"]):
        if g["vmid"] not in cov:  # templates are not filtered out (reference 3.6)
            out.append({"vmid": g["vmid"], "type": g["type"], "name": g["name"]})
    return out


def vzdump(lab, q, node):
    check_node(node)
    ids = [int(v) for v in re.split(r"[,;\s]+", q.get("vmid", "")) if v.isdigit()]
    if q.get("all") in ("1", "true"):
        excl = {int(v) for v in re.split(r"[,;\s]+", q.get("exclude", "")) if v.isdigit()}
        ids = [v for v in lab.guests if v not in excl and not lab.guests[v]["template"]]
    if not ids:
        raise ApiError(400, "Parameter verification failed.",
                       {"vmid": "property is missing and it is not optional"})
    local = [v for v in ids if v in lab.guests]
    if not local:
        return "OK"  # quirk: every guest lives on another node
    storage = q.get("storage", PBS_STORAGE)
    lines = ["starting new backup job: vzdump %s --storage %s --mode %s" % (
        " ".join(map(str, ids)), storage, q.get("mode", "snapshot"))]
    stamp = int(time.time())
    # /_sim/task-fail type=vzdump: the first guest fails as VZDump.pm says it (3.7), the
    # others are backed up, the job ends "job errors"; warnings=N: a WARN line per warning
    failed = lab.fail_next.pop("vzdump", None)
    warn = lab.warn_next.pop("vzdump", None)
    done = list(local)
    for v in local:
        g = lab.guests[v]
        kind = "vm" if g["type"] == "qemu" else "ct"
        if failed and v == local[0]:
            done.remove(v)
            lines += ["Starting Backup of VM %d (%s)" % (v, g["type"]),
                      "Backup started at %s" % time.strftime("%Y-%m-%d %H:%M:%S")]
            lines.append("ERROR: Backup of VM %d failed - %s" % (v, failed))
            continue
        if warn and v == local[0]:
            lines += ["WARN: guest agent not running: fs-freeze skipped (%d)" % (i + 1)
                      for i in range(warn)]
        lines += ["Starting Backup of VM %d (%s)" % (v, g["type"]),
                  "Backup started at %s" % time.strftime("%Y-%m-%d %H:%M:%S"),
                  "status = %s" % g["status"],
                  "creating Proxmox Backup Server archive '%s/%d/%s'" % (
                      kind, v, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))),
                  "backup was done incrementally, reused 31.50 GiB (98%)",
                  "Finished Backup of VM %d (00:00:%02d)" % (v, int(lab.ts * 2))]
    if not failed:
        lines.append("Backup job finished successfully")

    def effect():
        for v in done:
            if v in lab.guests:
                s = lab.add_pbs_snap(v, stamp)
                s["comment"] = lab.guests[v]["name"]

    task = Task("pve", "vzdump", str(local[0]) if len(local) == 1 else "", token_user(),
                [l if l.startswith(("ERROR: ", "WARN: ")) else "INFO: " + l for l in lines],
                lab.ts * 2, effect=effect, warnings=warn or 0)
    if failed:
        task.error = "job errors"
    return lab.start(task).upid


def pve_storages(lab, q, node):
    check_node(node)
    used = lab.used()
    return [
        {"storage": "local", "type": "dir", "content": "iso,vztmpl,backup", "active": 1,
         "enabled": 1, "shared": 0, "total": 100861726720, "used": 18718420992,
         "avail": 82143305728, "used_fraction": 0.185585},
        {"storage": "local-lvm", "type": "lvmthin", "content": "images,rootdir", "active": 1,
         "enabled": 1, "shared": 0, "total": 1888581828608, "used": 402334572134,
         "avail": 1486247256474, "used_fraction": 0.213034},
        {"storage": PBS_STORAGE, "type": "pbs", "content": "backup", "active": 1, "enabled": 1,
         "shared": 1, "total": lab.total, "used": used, "avail": lab.total - used,
         "used_fraction": used / lab.total},
    ]


def volid(s):
    return "%s:backup/%s/%s/%s" % (PBS_STORAGE, s["backup-type"], s["backup-id"],
                                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s["backup-time"])))


def storage_content(lab, q, node, storage):
    check_node(node)
    if storage != PBS_STORAGE:
        if storage in ("local", "local-lvm"):
            return []
        raise ApiError(500, "storage '%s' does not exist" % storage)
    out = []
    for s in lab.pbs_snaps:
        if q.get("vmid") and q["vmid"] != s["backup-id"]:
            continue
        e = {"volid": volid(s), "format": "pbs-" + s["backup-type"], "content": "backup",
             "subtype": "qemu" if s["backup-type"] == "vm" else "lxc",
             "vmid": int(s["backup-id"]), "ctime": s["backup-time"], "size": s.get("size", 1)}
        if s.get("comment"):
            e["notes"] = s["comment"].split("\n")[0]
        if s.get("protected"):
            e["protected"] = 1
        if "verification" in s:
            e["verification"] = s["verification"]
        out.append(e)
    random.shuffle(out)
    return out


def find_backup(lab, archive):
    m = re.fullmatch(r"([^:]+):backup/(vm|ct)/(\d+)/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", archive or "")
    if not m or m.group(1) != PBS_STORAGE:
        return None
    for s in lab.pbs_snaps:
        if (s["backup-type"], s["backup-id"]) == (m.group(2), m.group(3)) and \
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s["backup-time"])) == m.group(4):
            return s
    return None


def restore(kind):
    def fn(lab, q, node):
        check_node(node)
        archive = q.get("archive") if kind == "qemu" else q.get("ostemplate")
        if not archive or (kind == "lxc" and q.get("restore") not in ("1", "true")):
            raise ApiError(501, "simulator: only restores from a backup are implemented")
        try:
            vmid = int(q.get("vmid", ""))
        except ValueError:
            raise ApiError(400, "Parameter verification failed.",
                           {"vmid": "property is missing and it is not optional"})
        if vmid < 100:
            raise ApiError(400, "Parameter verification failed.",
                           {"vmid": "value must have a minimum value of 100"})
        src = find_backup(lab, archive)
        if not src:
            raise ApiError(500, "unable to restore VM %d - can't find archive '%s'" % (vmid, archive))
        force = q.get("force") in ("1", "true")
        if vmid in lab.guests:
            if not force:
                raise ApiError(500, "unable to restore VM %d - VM %d already exists on node '%s'" % (
                    vmid, vmid, NODE))
            if lab.guests[vmid]["status"] == "running":
                raise ApiError(500, "unable to restore VM %d - VM %d is running" % (vmid, vmid))
            if lab.guests[vmid].get("conf", {}).get("protection") in (1, "1"):
                raise ApiError(500, "unable to restore VM %d - protection mode enabled" % vmid)
        if q.get("storage") and q["storage"] != "local-lvm":
            raise ApiError(500, "unable to restore VM %d - storage '%s' does not support content-type 'images'" % (vmid, q["storage"])
                           if q["storage"] in ("local", PBS_STORAGE) else
                           "unable to restore VM %d - storage '%s' does not exist" % (vmid, q["storage"]))
        orig = lab.guests.get(int(src["backup-id"]))
        name = orig["name"] if orig else "restored-%s" % src["backup-id"]
        gtype = "qemu" if src["backup-type"] == "vm" else "lxc"
        if gtype != kind:
            raise ApiError(500, "unable to restore VM %d - archive is not a %s backup" % (vmid, kind))

        def effect():
            lab.guests[vmid] = {"vmid": vmid, "type": kind, "name": name,
                                "status": "running" if q.get("start") in ("1", "true") else "stopped",
                                "mem": 0, "maxmem": orig["maxmem"] if orig else 1073741824,
                                "maxdisk": orig["maxdisk"] if orig else 8589934592,
                                "template": 0, "tags": None, "uptime": 0, "lock": None,
                                "snapshots": {}, "current_parent": None, "cpu": 0,
                                "maxcpu": orig["maxcpu"] if orig else 1}
            conf = dict(src.get("conf") or guest_conf(lab.guests[vmid], vmid))
            for k in ("scsi0", "rootfs"):
                if k in conf:
                    conf[k] = re.sub(r"vm-\d+-disk", "vm-%d-disk" % vmid, conf[k])
                    if q.get("storage"):  # the disks go to the storage asked for
                        conf[k] = re.sub(r"^[^:]+:", q["storage"] + ":", conf[k])
            lab.guests[vmid]["conf"] = conf

        lines = ["restore %s backup '%s'" % (kind, archive),
                 "new volume ID is 'local-lvm:vm-%d-disk-0'" % vmid,
                 "restore-scsi0: transferred 8.00 GiB of 32.00 GiB (25.00%)",
                 "restore-scsi0: transferred 32.00 GiB of 32.00 GiB (100.00%)",
                 "rescan volumes..."]
        return lab.start(Task("pve", "qmrestore" if kind == "qemu" else "vzrestore", str(vmid),
                              token_user(), lines, lab.ts * 1.5, effect=effect)).upid
    return fn


def destroy(kind):
    def fn(lab, q, node, vmid):
        check_node(node)
        g = guest_or_500(lab, kind, vmid)
        if g["status"] == "running" and not (kind == "lxc" and q.get("force") in ("1", "true")):
            raise ApiError(500, "VM %d is running - destroy failed" % g["vmid"])
        check_lock(g)
        g["lock"] = "destroyed"

        def effect():
            lab.guests.pop(g["vmid"], None)
            if q.get("purge") in ("1", "true"):
                for j in lab.jobs:
                    ids = [v for v in str(j.get("vmid", "")).split(",") if v and v != str(g["vmid"])]
                    j["vmid"] = ",".join(ids)

        lines = ['  Logical volume "vm-%d-disk-0" successfully removed.' % g["vmid"],
                 "purging VM %d from related configurations.." % g["vmid"]]
        return lab.start(Task("pve", "qmdestroy" if kind == "qemu" else "vzdestroy",
                              str(g["vmid"]), token_user(), lines, lab.ts, effect=effect)).upid
    return fn


def guest_config(lab, q, node, kind, vmid):
    check_node(node)
    g = guest_or_500(lab, kind, vmid)
    conf = dict(g.get("conf") or guest_conf(g, g["vmid"]))
    if g["current_parent"]:
        conf["parent"] = g["current_parent"]
    conf["digest"] = conf_digest(conf)
    return conf


def extract_config(lab, q, node):
    check_node(node)
    s = find_backup(lab, q.get("volume"))
    if not s:
        raise ApiError(500, "unable to parse volume ID '%s'" % q.get("volume", ""))
    conf = s.get("conf") or {}
    return "".join("%s: %s\n" % (k, v) for k, v in conf.items())


def power(action):
    def fn(lab, q, node, kind, vmid):
        check_node(node)
        g = guest_or_500(lab, kind, vmid)
        check_lock(g)
        if action == "start" and g["status"] == "running":
            raise ApiError(500, "VM %d already running" % g["vmid"])

        def effect():
            g["status"] = "running" if action == "start" else "stopped"
            g["uptime"] = 1 if action == "start" else 0

        lines = ["%s VM %d" % (action, g["vmid"])]
        typ = ("qm" if kind == "qemu" else "vz") + action
        return lab.start(Task("pve", typ, str(g["vmid"]), token_user(), lines, lab.ts,
                              effect=effect)).upid
    return fn


def nextid(lab, q):
    if q.get("vmid"):
        v = int(q["vmid"])
        if v in lab.guests:
            raise ApiError(400, "Parameter verification failed.",
                           {"vmid": "VM %d already exists" % v})
        return str(v)
    v = 100
    while v in lab.guests:
        v += 1
    return str(v)  # declared integer, serialized as a string


def pve_task_item(t):
    user, _, tok = t.user.partition("!")
    e = {"upid": t.upid, "node": NODE, "pid": t.pid, "pstart": t.pstart,
         "starttime": t.starttime, "type": t.type, "id": t.id, "user": user}
    if tok:
        e["tokenid"] = tok
    return e


def pve_task_of(lab, node, upid):
    check_node(node)
    t = lab.find_task(upid)
    if not t or t.product != "pve":
        raise ApiError(500, "unable to parse worker upid '%s'" % upid
                       if not upid.startswith("UPID:") else "no such task")
    return t


def pve_tasks(lab, q, node):
    check_node(node)
    src = q.get("source", "archive")
    out = []
    for t in reversed(lab.tasks):
        if t.product != "pve":
            continue
        if src == "archive" and not t.done:
            continue
        if src == "active" and t.done:
            continue
        if q.get("vmid") and t.id != q["vmid"]:
            continue
        if q.get("typefilter") and t.type != q["typefilter"]:
            continue
        e = pve_task_item(t)
        if t.done:
            e["endtime"] = t.endtime
            e["status"] = t.status_text()
        else:
            e["status"] = "RUNNING"
        out.append(e)
    start = int(q.get("start", 0) or 0)
    limit = int(q.get("limit", 50) or 0)
    page = out[start:start + limit] if limit else out[start:]
    return (page, {"total": len(out)} if out else {})


def cluster_tasks(lab, q):
    """/cluster/tasks: the recent tasks of every node, running ones included (no paging)."""
    out = []
    for t in reversed(lab.tasks):
        if t.product != "pve":
            continue
        e = pve_task_item(t)
        if t.done:
            e["endtime"] = t.endtime
            e["status"] = t.status_text()
        out.append(e)
    return out


def pve_task_status(lab, q, node, upid):
    t = pve_task_of(lab, node, upid)
    e = pve_task_item(t)
    e["status"] = "stopped" if t.done else "running"
    if t.done:
        e["exitstatus"] = t.status_text()
    return e


def pve_task_log(lab, q, node, upid):
    t = pve_task_of(lab, node, upid)
    lines = t.log()
    start = int(q.get("start", 0) or 0)  # PVE: lines to skip
    limit = int(q.get("limit", 50) or 0)
    if not lines:
        return ([{"n": 1, "t": "no content"}], {"total": 1})
    sel = lines[start:start + limit] if limit else lines[start:]
    return ([{"n": start + i + 1, "t": s} for i, s in enumerate(sel)], {"total": len(lines)})


def pve_task_stop(lab, q, node, upid):
    t = pve_task_of(lab, node, upid)
    if not t.done:
        t.error = "interrupted by signal"
        t.effect = None
        t.duration = 0
        t.tick(time.time())
    return None


N = r"([A-Za-z0-9][A-Za-z0-9-]*)"
K = r"(qemu|lxc)"
PVE_ROUTES = [
    ("GET", r"/version", pve_version),
    ("GET", r"/nodes", pve_nodes),
    ("GET", r"/cluster/resources", pve_resources),
    ("GET", r"/nodes/%s/qemu" % N, pve_guest_list("qemu")),
    ("GET", r"/nodes/%s/lxc" % N, pve_guest_list("lxc")),
    ("GET", r"/nodes/%s/%s/(\d+)/snapshot" % (N, K), snapshot_list),
    ("POST", r"/nodes/%s/%s/(\d+)/snapshot" % (N, K), snapshot_create),
    ("GET", r"/nodes/%s/%s/(\d+)/snapshot/([^/]+)" % (N, K), snapshot_dir),
    ("POST", r"/nodes/%s/%s/(\d+)/snapshot/([^/]+)/rollback" % (N, K), snapshot_rollback),
    ("DELETE", r"/nodes/%s/%s/(\d+)/snapshot/([^/]+)" % (N, K), snapshot_delete),
    ("GET", r"/cluster/backup", cluster_backup),
    ("GET", r"/cluster/backup-info/not-backed-up", not_backed_up),
    ("POST", r"/nodes/%s/vzdump" % N, vzdump),
    ("GET", r"/nodes/%s/storage" % N, pve_storages),
    ("GET", r"/nodes/%s/storage/([^/]+)/content" % N, storage_content),
    ("POST", r"/nodes/%s/qemu" % N, restore("qemu")),
    ("POST", r"/nodes/%s/lxc" % N, restore("lxc")),
    ("DELETE", r"/nodes/%s/qemu/(\d+)" % N, destroy("qemu")),
    ("DELETE", r"/nodes/%s/lxc/(\d+)" % N, destroy("lxc")),
    ("GET", r"/cluster/nextid", nextid),
    ("GET", r"/nodes/%s/%s/(\d+)/config" % (N, K), guest_config),
    ("GET", r"/nodes/%s/vzdump/extractconfig" % N, extract_config),
    ("POST", r"/nodes/%s/%s/(\d+)/status/start" % (N, K), power("start")),
    ("POST", r"/nodes/%s/%s/(\d+)/status/stop" % (N, K), power("stop")),
    ("POST", r"/nodes/%s/%s/(\d+)/status/shutdown" % (N, K), power("shutdown")),
    ("GET", r"/cluster/tasks", cluster_tasks),
    ("GET", r"/nodes/%s/tasks" % N, pve_tasks),
    ("GET", r"/nodes/%s/tasks/([^/]+)/status" % N, pve_task_status),
    ("GET", r"/nodes/%s/tasks/([^/]+)/log" % N, pve_task_log),
    ("DELETE", r"/nodes/%s/tasks/([^/]+)" % N, pve_task_stop),
]


# ---------------------------------------------------------------- PBS routes


def store_or_400(store):
    if store != STORE:
        raise ApiError(400, "no such datastore '%s'" % store)


def pbs_version(lab, q):
    v = lab.access["pbs"].version.split(".")
    return {"version": ".".join(v[:2]), "release": v[2] if len(v) > 2 else "0",
            "repoid": "9a8b1c4c3b6a7e2f"}


def pbs_datastores(lab, q):
    return [{"store": STORE, "comment": None}]


def pbs_status(lab, q, store):
    store_or_400(store)
    used = lab.used()
    out = {"total": lab.total, "used": used, "avail": lab.total - used}
    if q.get("verbose") in ("1", "true"):
        vm = [s for s in lab.pbs_snaps if s["backup-type"] == "vm"]
        ct = [s for s in lab.pbs_snaps if s["backup-type"] == "ct"]
        out["counts"] = {
            "vm": {"groups": len({s["backup-id"] for s in vm}), "snapshots": len(vm)} if vm else None,
            "ct": {"groups": len({s["backup-id"] for s in ct}), "snapshots": len(ct)} if ct else None,
            "host": None, "other": None}
    return out


def usage_history(lab):
    now = int(lab.now)
    delta = 43200  # one point per 12 h over 30 days
    start = now - 60 * delta
    used = lab.used()
    hist = [round((used - (60 - i) * 1.2e9) / lab.total, 6) for i in range(60)]
    hist[3] = None  # the RRD has gaps
    return start, delta, hist


def pbs_usage(lab, q):
    start, delta, hist = usage_history(lab)
    used = lab.used()
    pts = [(start + i * delta, h) for i, h in enumerate(hist) if h is not None]
    e = {"store": STORE, "total": lab.total, "used": used, "avail": lab.total - used,
         "history": hist, "history-start": start, "history-delta": delta}
    if len(pts) >= 7:
        n = len(pts)
        mx = sum(p[0] for p in pts) / n
        my = sum(p[1] for p in pts) / n
        sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
        sxx = sum((p[0] - mx) ** 2 for p in pts)
        a = sxy / sxx if sxx else 0
        b = my - a * mx
        e["estimated-full-date"] = int((1.0 - b) / a) if a else 0
    return [e]


def pbs_groups(lab, q, store):
    store_or_400(store)
    groups = {}
    for s in lab.pbs_snaps:
        groups.setdefault((s["backup-type"], s["backup-id"]), []).append(s)
    out = []
    for (bt, bid), snaps in groups.items():
        last = max(snaps, key=lambda s: s["backup-time"])
        out.append({"backup-type": bt, "backup-id": bid, "last-backup": last["backup-time"],
                    "backup-count": len(snaps), "files": [f["filename"] for f in last["files"]],
                    "owner": last["owner"], "comment": last.get("comment", "")})
    random.shuffle(out)
    return out


def pbs_snapshots(lab, q, store):
    store_or_400(store)
    out = [s for s in lab.pbs_snaps
           if (not q.get("backup-type") or s["backup-type"] == q["backup-type"])
           and (not q.get("backup-id") or s["backup-id"] == q["backup-id"])]
    out = list(out)
    random.shuffle(out)
    return out


def gc_status(lab, store):
    # like the job states: the newest GC task of the store, its end state once it ended
    runs = sorted((t for t in lab.tasks if t.product == "pbs" and t.type == "garbage_collection"
                   and t.id == store), key=lambda t: t.starttime)
    done = [t for t in runs if t.done]
    upid = runs[-1].upid if runs else pbs_upid("garbage_collection", STORE, "root@pam")[0]
    state = done[-1].status_text() if done else "OK"
    ended = done[-1].endtime if done else lab.gc_last
    return {"store": store, "schedule": "daily", "next-run": next_run("00:00", time.time()),
            "last-run-state": state, "last-run-endtime": ended, "duration": 98,
            "upid": upid, "index-file-count": len(lab.pbs_snaps) * 2,
            "index-data-bytes": sum(s["size"] for s in lab.pbs_snaps), "disk-bytes": lab.used(),
            "disk-chunks": 190211, "removed-bytes": 2113212, "removed-chunks": 3,
            "pending-bytes": 0, "pending-chunks": 0, "removed-bad": 0, "still-bad": 0}


def pbs_gc(lab, q, store):
    store_or_400(store)
    return gc_status(lab, store)


def pbs_gc_all(lab, q):
    return [gc_status(lab, STORE)]


def pbs_gc_start(lab, q, store):
    store_or_400(store)
    for t in lab.tasks:
        if t.type == "garbage_collection" and not t.done:
            raise ApiError(400, "unable to start garbage collection job on datastore %s - "
                           "garbage collection already running" % store)
    lines = ["starting garbage collection on store %s" % store, "Start GC phase1 (mark used chunks)",
             "marked 100% (412 of 412 index files)", "Start GC phase2 (sweep unused chunks)",
             "Removed garbage: 2.01 MiB", "Removed chunks: 3"]

    def effect():
        lab.gc_last = int(time.time())

    return lab.start(Task("pbs", "garbage_collection", store, PBS_TOKEN_ID, lines, lab.ts,
                          effect=effect)).upid


PBS_JOBS = {
    "verify": [{"id": "v-3f2a9c1e-77d0", "store": STORE, "schedule": "daily",
                "ignore-verified": True, "outdated-after": 30, "comment": "verify new backups"}],
    "prune": [{"id": "default-usb-ssd-1a2b", "store": STORE, "schedule": "daily",
               "keep-daily": 5, "keep-weekly": 3, "keep-monthly": 2}],
    "sync": [],
}


def pbs_job_config(kind):
    def fn(lab, q):
        return (PBS_JOBS[kind], {"digest": hashlib.sha256(
            json.dumps(PBS_JOBS[kind]).encode()).hexdigest()})
    return fn


def pbs_job_state(kind):
    def fn(lab, q):
        out = []
        for j in PBS_JOBS[kind]:
            if q.get("store") and j["store"] != q["store"]:
                continue
            e = dict(j)
            # PBS keeps each job's last run in its job state file: the newest task of
            # the job, whoever started it (last night's scheduled run included)
            last = sorted((t for t in lab.tasks if t.product == "pbs" and t.job == j["id"]),
                          key=lambda t: t.starttime)
            e["next-run"] = next_run("00:00", time.time())
            if last:  # a job that never ran has no last-run fields
                t = last[-1]
                e["last-run-upid"] = t.upid
                if t.done:
                    e["last-run-state"] = t.status_text()
                    e["last-run-endtime"] = t.endtime
            out.append(e)
        return out
    return fn


def pbs_job_run(kind):
    def fn(lab, q, jid):
        jobs = [j for j in PBS_JOBS[kind] if j["id"] == jid]
        if not jobs:
            raise ApiError(400, "no such %s job '%s'" % (kind, jid))
        typ = {"verify": "verificationjob", "prune": "prunejob", "sync": "syncjob"}[kind]
        lines = ["Starting datastore %s job '%s'" % (kind, jid), "%s job finished" % kind]

        def effect():
            if kind == "verify":
                for s in lab.pbs_snaps:
                    if "verification" not in s:
                        s["verification"] = lab.verify_result("ok", s["backup-id"])
                # ignore-verified skips only the good ones: a failed snapshot (its bad chunk
                # renamed away) fails again, as PBS's verify job does
                if any(s.get("verification", {}).get("state") == "failed" for s in lab.pbs_snaps):
                    return "verification failed - please check the log for details"
            return None

        # a prune job's worker id is its store (PBS prune_job.rs); verify: store:job-id
        wid = STORE if kind == "prune" else "%s:%s" % (STORE, jid)
        t = Task("pbs", typ, wid, PBS_TOKEN_ID, lines, lab.ts, effect=effect)
        t.job = jid
        return lab.start(t).upid
    return fn


def pbs_prune(lab, q, store):
    store_or_400(store)
    bt, bid = q.get("backup-type"), q.get("backup-id")
    if not bt or not bid:
        raise ApiError(400, "parameter verification errors\n\nparameter 'backup-type': "
                       "parameter is missing and it is not optional")
    keep = {}
    for k in ("keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly",
              "keep-yearly"):
        if k in q:
            try:
                v = int(q[k])
            except ValueError:
                raise ApiError(400, "parameter verification errors\n\nparameter '%s': "
                               "value '%s' is not an integer" % (k, q[k]))
            if v < 1:
                raise ApiError(400, "parameter verification errors\n\nparameter '%s': "
                               "value must have a minimum value of 1 (got %d)" % (k, v))
            keep[k] = v
    group = [s for s in lab.pbs_snaps if (s["backup-type"], s["backup-id"]) == (bt, bid)]
    marks = prune_marks(group, keep)
    out = []
    for s in sorted(group, key=lambda s: s["backup-time"]):  # oldest first
        m = marks[s["backup-time"]]
        out.append({"backup-type": bt, "backup-id": bid, "backup-time": s["backup-time"],
                    "keep": m != "remove", "protected": bool(s.get("protected"))})
    if q.get("dry-run") in ("1", "true") and out and "%s/%s" % (bt, bid) in lab.prune_flip:
        out[-1]["keep"] = not out[-1]["keep"]  # a server that disagrees (tests)
    if q.get("dry-run") not in ("1", "true"):
        drop = {s["backup-time"] for s in group if marks[s["backup-time"]] == "remove"}
        lab.pbs_snaps = [s for s in lab.pbs_snaps
                         if not ((s["backup-type"], s["backup-id"]) == (bt, bid)
                                 and s["backup-time"] in drop)]
    return out


def pbs_verify(lab, q, store):
    store_or_400(store)
    bt, bid, btime = q.get("backup-type"), q.get("backup-id"), q.get("backup-time")
    if bt and bid and btime:
        typ, wid = "verify_snapshot", "%s:%s/%s/%08X" % (store, bt, bid, int(btime))
    elif bt and bid:
        typ, wid = "verify_group", "%s:%s/%s" % (store, bt, bid)
    else:
        typ, wid = "verify", store
    sel = [s for s in lab.pbs_snaps if (not bt or s["backup-type"] == bt)
           and (not bid or s["backup-id"] == bid)
           and (not btime or s["backup-time"] == int(btime))]

    def effect():
        bad = False
        for s in sel:
            state = s.get("verification", {}).get("state")
            if state != "failed":
                s["verification"] = {"state": "ok", "upid": task.upid}
            else:
                bad = True
        return "verification failed - please check the log for details" if bad else None

    lines = ["verify %s:%s/%s/%s" % (store, s["backup-type"], s["backup-id"],
                                     time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s["backup-time"])))
             for s in sel]
    task = lab.start(Task("pbs", typ, wid, PBS_TOKEN_ID, lines, lab.ts, effect=effect))
    return task.upid


def pbs_task_item(t):
    e = {"upid": t.upid, "node": "localhost", "pid": t.pid, "pstart": t.pstart,
         "starttime": t.starttime, "worker_type": t.type, "worker_id": t.id or None,
         "user": t.user}
    if t.done:
        e["endtime"] = t.endtime
        e["status"] = t.status_text()
    return e


def pbs_task_of(lab, upid):
    t = lab.find_task(upid)
    if not t or t.product != "pbs":
        raise ApiError(400, "unable to parse UPID '%s'" % upid if not upid.startswith("UPID:")
                       else "task '%s' does not exist" % upid)
    return t


def pbs_tasks(lab, q, node):
    out = []
    for t in reversed(lab.tasks):
        if t.product != "pbs":
            continue
        if q.get("running") in ("1", "true") and t.done:
            continue
        if q.get("typefilter") and q["typefilter"] not in t.type:
            continue
        out.append(pbs_task_item(t))
    start = int(q.get("start", 0) or 0)
    limit = int(q.get("limit", 50) or 0)
    page = out[start:start + limit] if limit else out[start:]
    total = start + len(page) + (1 if limit and len(page) == limit else 0)
    return (page, {"total": total})


def pbs_task_status(lab, q, node, upid):
    t = pbs_task_of(lab, upid)
    user, _, tok = t.user.partition("!")
    e = {"upid": t.upid, "node": PBS_NODE, "pid": t.pid, "pstart": t.pstart,
         "starttime": t.starttime, "type": t.type, "id": t.id, "user": user,
         "status": "stopped" if t.done else "running"}
    if tok:
        e["tokenid"] = tok
    if t.done:
        e["exitstatus"] = t.status_text()
    return e


def pbs_task_log(lab, q, node, upid):
    t = pbs_task_of(lab, upid)
    lines = t.log()
    start = max(1, int(q.get("start", 0) or 0))  # PBS: first line number (1-based)
    limit = int(q.get("limit", 50) or 0)
    sel = [(i + 1, s) for i, s in enumerate(lines) if i + 1 >= start]
    if limit:
        sel = sel[:limit]
    extra = {"total": len(lines), "success": 1}
    if q.get("test-status") in ("1", "true"):
        extra["active"] = not t.done
    return ([{"n": n, "t": s} for n, s in sel], extra)


def pbs_disks(lab, q, node):
    out = [
        {"name": "nvme0n1", "used": "partitions", "disk-type": "ssd", "status": "passed",
         "wearout": 97, "vendor": None, "model": "Samsung SSD 980 500GB",
         "serial": "S64DNF0R123456A", "wwn": "eui.0025385a11b2c3d4", "devpath": "/dev/nvme0n1",
         "rpm": None, "size": 500107862016, "gpt": True},
        {"name": "sda", "used": "filesystem", "disk-type": "ssd", "status": "passed",
         "wearout": 99, "vendor": "Samsung ", "model": "PSSD T7", "serial": "S5SXNG0R123456",
         "wwn": None, "devpath": "/dev/sda", "rpm": None, "size": lab.total, "gpt": True},
        # the offsite rotation disk behind a USB bridge: PBS's smartctl (no -d sat) reads nothing
        {"name": "sdb", "used": "filesystem", "disk-type": "usb", "status": "unknown",
         "wearout": None, "vendor": "SanDisk ", "model": "pSSD", "serial": "06c9f4c44",
         "wwn": None, "devpath": "/dev/sdb", "rpm": None, "size": 1000204886016, "gpt": True},
    ]
    for d in out:
        if d["name"] in lab.disk_failing:
            d["status"] = "failed"
    return out


def ata_attr(aid, name, flags, norm, worst, thresh, raw):
    """One ATA attribute as PBS's tools/disks/smart.rs builds it from smartctl -j: id a
    number, normalized/worst/threshold f64, value (compatibility) = raw = raw.string."""
    return {"id": aid, "name": name, "flags": flags, "normalized": float(norm),
            "worst": float(worst), "threshold": float(thresh), "value": raw, "raw": raw}


def pbs_smart(lab, q, node):
    """GET /nodes/localhost/disks/smart (reference 4.12). sda: a Samsung SATA SSD (the
    attribute table of the 860 EVO capture in shared/reference/smartctl, younger: 177
    Wear_Leveling_Count normalized 99 = the list's wearout); nvme0n1: the NVMe health log
    (the Crucial P2 capture's keys; 100 - percentage_used = wearout 97); sdb: PBS's
    smartctl without -d sat reads nothing through the USB bridge."""
    disk = q.get("disk", "")
    if disk not in ("sda", "sdb", "nvme0n1"):
        raise ApiError(400, "no such disk '%s'" % disk)
    failing = disk in lab.disk_failing
    health = q.get("healthonly") in ("1", "true")
    if disk == "sdb":  # smartctl without -d sat behind the bridge: no SMART data
        return {"status": "unknown", "wearout": None, "attributes": []}
    if disk == "nvme0n1":
        log = {"available_spare": 100, "available_spare_threshold": 10, "controller_busy_time": 1675,
               "critical_comp_time": 0, "critical_warning": 4 if failing else 0,
               "data_units_read": 4932757, "data_units_written": 1002900,
               "host_reads": 38087906, "host_writes": 29940645,
               "media_errors": 7 if failing else 0, "num_err_log_entries": 1,
               "percentage_used": 3, "power_cycles": 8, "power_on_hours": 10147,
               "temperature": 41, "unsafe_shutdowns": 5, "warning_temp_time": 0}
        attrs = [{"name": k, "value": str(v), "raw": str(v)} for k, v in sorted(log.items())]
        return {"status": "failed" if failing else "passed", "wearout": 97,
                "attributes": [] if health else attrs}
    attrs = [
        ata_attr(5, "Reallocated_Sector_Ct", "PO--CK", 5 if failing else 100,
                 5 if failing else 100, 10, "1975" if failing else "0"),
        ata_attr(9, "Power_On_Hours", "-O--CK", 99, 99, 0, "2871"),
        ata_attr(12, "Power_Cycle_Count", "-O--CK", 99, 99, 0, "41"),
        ata_attr(177, "Wear_Leveling_Count", "PO--C-", 99, 99, 0, "9"),
        ata_attr(179, "Used_Rsvd_Blk_Cnt_Tot", "PO--C-", 100, 100, 10, "0"),
        ata_attr(181, "Program_Fail_Cnt_Total", "-O--CK", 100, 100, 10, "0"),
        ata_attr(182, "Erase_Fail_Count_Total", "-O--CK", 100, 100, 10, "0"),
        ata_attr(183, "Runtime_Bad_Block", "PO--C-", 100, 100, 10, "0"),
        ata_attr(187, "Uncorrectable_Error_Cnt", "-O--CK", 100, 100, 0, "0"),
        ata_attr(190, "Airflow_Temperature_Cel", "-O--CK", 63, 52, 0, "37 (Min/Max 21/48)"),
        ata_attr(195, "ECC_Error_Rate", "-O-RC-", 200, 200, 0, "0"),
        ata_attr(199, "CRC_Error_Count", "-OSRCK", 100, 100, 0, "0"),
        ata_attr(235, "POR_Recovery_Count", "-O--C-", 99, 99, 0, "3"),
        ata_attr(241, "Total_LBAs_Written", "-O--CK", 99, 99, 0, "6477777014"),
    ]
    return {"status": "failed" if failing else "passed", "wearout": 99,
            "attributes": [] if health else attrs}


S = r"([A-Za-z0-9_][A-Za-z0-9._\-]*)"
PBS_ROUTES = [
    ("GET", r"/version", pbs_version),
    ("GET", r"/admin/datastore", pbs_datastores),
    ("GET", r"/admin/datastore/%s/status" % S, pbs_status),
    ("GET", r"/status/datastore-usage", pbs_usage),
    ("GET", r"/admin/datastore/%s/groups" % S, pbs_groups),
    ("GET", r"/admin/datastore/%s/snapshots" % S, pbs_snapshots),
    ("GET", r"/admin/datastore/%s/gc" % S, pbs_gc),
    ("POST", r"/admin/datastore/%s/gc" % S, pbs_gc_start),
    ("GET", r"/admin/gc", pbs_gc_all),
    ("POST", r"/admin/datastore/%s/prune" % S, pbs_prune),
    ("POST", r"/admin/datastore/%s/verify" % S, pbs_verify),
    ("GET", r"/config/verify", pbs_job_config("verify")),
    ("GET", r"/config/prune", pbs_job_config("prune")),
    ("GET", r"/config/sync", pbs_job_config("sync")),
    ("GET", r"/admin/verify", pbs_job_state("verify")),
    ("GET", r"/admin/prune", pbs_job_state("prune")),
    ("GET", r"/admin/sync", pbs_job_state("sync")),
    ("POST", r"/admin/verify/%s/run" % S, pbs_job_run("verify")),
    ("POST", r"/admin/prune/%s/run" % S, pbs_job_run("prune")),
    ("GET", r"/nodes/(localhost)/tasks", pbs_tasks),
    ("GET", r"/nodes/(localhost)/tasks/([^/]+)/status", pbs_task_status),
    ("GET", r"/nodes/(localhost)/tasks/([^/]+)/log", pbs_task_log),
    ("GET", r"/nodes/(localhost)/disks/list", pbs_disks),
    ("GET", r"/nodes/(localhost)/disks/smart", pbs_smart),
]


# ---------------------------------------------------------------- tokens and ACLs (both products)


def token_self(lab, prod, q, userid):
    """A token may manage the tokens of its own user (the sim's stand-in for
    User.Modify / Permissions.Modify); anything else is 403."""
    if q.get("_auth", "").partition("!")[0] != userid:
        raise ApiError(403, "Permission check failed (/access/users/%s, User.Modify)" % userid
                       if prod == "pve" else "permission check failed")
    return lab.access[prod].users.setdefault(userid, {})


def bool_param(v, default):
    if v is None or v == "":
        return default
    return v.lower() in ("1", "true", "yes", "on")


def token_routes(prod):
    pve = prod == "pve"

    def info(t):
        e = {"comment": t["comment"], "expire": t["expire"]}
        if pve:
            e["privsep"] = t["privsep"]
        else:
            e["enable"] = t["enable"]
        return e

    def get(lab, q, userid, name):
        toks = token_self(lab, prod, q, userid)
        if name not in toks:
            raise ApiError(500 if pve else 404, "no such token '%s' for user '%s'" % (name, userid))
        e = info(toks[name])
        if not pve:
            e["tokenid"] = "%s!%s" % (userid, name)
        return e

    def lst(lab, q, userid):
        toks = token_self(lab, prod, q, userid)
        out = []
        for name in sorted(toks, key=lambda _: random.random()):
            e = info(toks[name])
            if pve:
                e["tokenid"] = name
            else:
                e["tokenid"] = "%s!%s" % (userid, name)
                e["token-name"] = name
            out.append(e)
        return out

    def create(lab, q, userid, name):
        toks = token_self(lab, prod, q, userid)
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9.\-_]+" if pve else r"[A-Za-z0-9_][A-Za-z0-9._\-]*", name):
            raise ApiError(400, "invalid token name '%s'" % name)
        if name in toks:
            if pve:
                raise ApiError(500, "Token already exists.")
            raise ApiError(400, "token '%s' for user '%s' already exists." % (name, userid))
        t = toks[name] = {"secret": str(uuid.uuid4()), "comment": q.get("comment", ""),
                          "expire": int(q.get("expire") or 0),
                          "enable": bool_param(q.get("enable"), True),
                          "privsep": int(bool_param(q.get("privsep"), True))}
        full = "%s!%s" % (userid, name)
        if pve:
            return {"full-tokenid": full, "info": info(t), "value": t["secret"]}
        return {"tokenid": full, "value": t["secret"]}

    def update(lab, q, userid, name):
        toks = token_self(lab, prod, q, userid)
        acc = lab.access[prod]
        if "regenerate" in q and not acc.regenerate_ok():
            msg = "property is not defined in schema and the schema does not allow additional properties"
            if pve:
                raise ApiError(400, "Parameter verification failed.", {"regenerate": msg})
            raise ApiError(400, "parameter verification errors\n\nparameter 'regenerate': "
                           "schema does not allow additional properties.")
        if name not in toks:
            raise ApiError(500 if pve else 404, "no such token '%s' for user '%s'" % (name, userid))
        t = toks[name]
        if "comment" in q:
            t["comment"] = q["comment"]
        if "expire" in q:
            t["expire"] = int(q["expire"] or 0)
        if pve and "privsep" in q:
            t["privsep"] = int(bool_param(q["privsep"], True))
        if not pve and "enable" in q:
            t["enable"] = bool_param(q["enable"], True)
        full = "%s!%s" % (userid, name)
        if bool_param(q.get("regenerate"), False):
            t["secret"] = str(uuid.uuid4())  # the old secret stops working at once, ACLs kept
            if pve:
                return {"full-tokenid": full, "info": info(t), "value": t["secret"]}
            return {"tokenid": full, "value": t["secret"]}
        return info(t) if pve else None

    def delete(lab, q, userid, name):
        toks = token_self(lab, prod, q, userid)
        if name not in toks:
            raise ApiError(500 if pve else 404, "no such token '%s' for user '%s'" % (name, userid))
        del toks[name]
        full = "%s!%s" % (userid, name)
        acc = lab.access[prod]
        acc.acl = [e for e in acc.acl if e["ugid"] != full]  # its ACL entries go with it
        return None

    def acl_get(lab, q):
        out = []
        for e in lab.access[prod].acl:
            if not pve and q.get("path") and (e["path"] != q["path"] if bool_param(q.get("exact"), False)
                                              else not e["path"].startswith(q["path"])):
                continue
            if pve:
                out.append({"path": e["path"], "type": "token" if "!" in e["ugid"] else "user",
                            "ugid": e["ugid"], "roleid": e["roleid"], "propagate": e["propagate"]})
            else:
                out.append({"path": e["path"], "ugid": e["ugid"], "ugid_type": "user",
                            "roleid": e["roleid"], "propagate": bool(e["propagate"])})
        return out

    def acl_put(lab, q):
        acc = lab.access[prod]
        path = q.get("path", "")
        if not path.startswith("/"):
            raise ApiError(400, "invalid ACL path '%s'" % path)
        if pve:
            roles = [r for r in q.get("roles", "").split(",") if r]
            ugids = [u for u in q.get("tokens", "").split(",") + q.get("users", "").split(",") if u]
        else:
            roles = [q["role"]] if q.get("role") else []
            ugids = [q["auth-id"]] if q.get("auth-id") else []
        if not roles or not ugids:
            raise ApiError(400, "missing role or user/token")
        for u in ugids:
            if "!" in u:
                user, _, name = u.partition("!")
                if name not in acc.users.get(user, {}):
                    raise ApiError(400 if pve else 400, "no such token '%s'" % u)
        prop = int(bool_param(q.get("propagate"), True))
        for u in ugids:
            for r in roles:
                acc.acl = [e for e in acc.acl if not (e["path"] == path and e["ugid"] == u
                                                      and e["roleid"] == r)]
                if not bool_param(q.get("delete"), False):
                    acc.acl.append({"path": path, "ugid": u, "roleid": r, "propagate": prop})
        return None

    U = r"([^/]+)"
    T = r"([A-Za-z0-9_][A-Za-z0-9._\-]*)"
    return [
        ("GET", r"/access/users/%s/token" % U, lst),
        ("GET", r"/access/users/%s/token/%s" % (U, T), get),
        ("POST", r"/access/users/%s/token/%s" % (U, T), create),
        ("PUT", r"/access/users/%s/token/%s" % (U, T), update),
        ("DELETE", r"/access/users/%s/token/%s" % (U, T), delete),
        ("GET", r"/access/acl", acl_get),
        ("PUT", r"/access/acl", acl_put),
    ]


PVE_ROUTES += token_routes("pve")
PBS_ROUTES += token_routes("pbs")


# ---------------------------------------------------------------- servers


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, product, sim, good, wrong):
        self.product = product
        self.sim = sim
        self.good = good
        self.wrong = wrong
        http.server.HTTPServer.__init__(self, addr, Handler)

    def finish_request(self, request, client_address):
        """TLS handshake per connection (in the connection's thread), with the
        certificate the current fault mode asks for."""
        wrong = any(f[2] == "wrongcert" and (not f[0] or f[0] == self.product)
                    for f in self.sim.faults)
        ctx = self.wrong if wrong else self.good
        request.settimeout(30)
        try:
            tls = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        tls.settimeout(None)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--pve-port", type=int, default=0)
    ap.add_argument("--pbs-port", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--pve-token-file")
    ap.add_argument("--pbs-token-file")
    ap.add_argument("--now", type=float, default=0)
    ap.add_argument("--auth-delay", type=float, default=3.0)
    ap.add_argument("--task-seconds", type=float, default=2.0)
    ap.add_argument("--pve-old-errors", action="store_true")
    ap.add_argument("--pve-version", default="8.1.4")  # token regenerate from 9.1
    ap.add_argument("--pbs-version", default="3.2.4")  # token regenerate from 3.4
    args = ap.parse_args()
    if not args.now and os.environ.get("LIFEBOAT_NOW"):
        # lifeboat's clock is pinned (make screenshots): build the lab around the same
        # moment, or the console reads last night's tasks as being in the future
        args.now = float(os.environ["LIFEBOAT_NOW"])

    d = os.path.abspath(args.state_dir)
    os.makedirs(d, mode=0o700, exist_ok=True)
    if not args.cert:
        args.cert, args.key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        if not os.path.exists(args.cert):
            make_cert(args.cert, args.key, "pve.lifeboat.test")
    wcert, wkey = os.path.join(d, "wrong-cert.pem"), os.path.join(d, "wrong-key.pem")
    if not os.path.exists(wcert):
        make_cert(wcert, wkey, "impostor.lifeboat.test")
    if not args.pve_token_file:
        args.pve_token_file = os.path.join(d, "pve.token")
        if not os.path.exists(args.pve_token_file):
            write_secret(args.pve_token_file, "%s=%s\n" % (PVE_TOKEN_ID, uuid.uuid4()))
    if not args.pbs_token_file:
        args.pbs_token_file = os.path.join(d, "pbs.token")
        if not os.path.exists(args.pbs_token_file):
            write_secret(args.pbs_token_file, "%s:%s\n" % (PBS_TOKEN_ID, uuid.uuid4()))

    def context(cert, key):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        return ctx

    sim = Sim(args)
    Handler.sim = sim
    good, wrong = context(args.cert, args.key), context(wcert, wkey)
    servers = {}
    for product, port in (("pve", args.pve_port), ("pbs", args.pbs_port)):
        srv = Server(("127.0.0.1", port), product, sim, good, wrong)
        servers[product] = srv
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()

    def ticker():
        while not STOP.is_set():
            time.sleep(0.2)  # not STOP.wait(): a sleep also works under libfaketime
            with LOCK:
                sim.lab.tick()

    threading.Thread(target=ticker, daemon=True).start()

    env = ("PVE_URL=https://127.0.0.1:%d\nPBS_URL=https://127.0.0.1:%d\n"
           "PVE_TOKEN_FILE=%s\nPBS_TOKEN_FILE=%s\nFINGERPRINT=%s\nSIM_PID=%d\nSTATE_DIR=%s\n" % (
               servers["pve"].server_address[1], servers["pbs"].server_address[1],
               os.path.abspath(args.pve_token_file), os.path.abspath(args.pbs_token_file),
               sim.fingerprint, os.getpid(), d))
    tmp = os.path.join(d, "sim.env.tmp")
    with open(tmp, "w") as f:
        f.write(env)
    os.rename(tmp, os.path.join(d, "sim.env"))
    sys.stdout.write(env)
    sys.stdout.flush()

    import signal
    signal.signal(signal.SIGTERM, lambda *a: STOP.set())
    signal.signal(signal.SIGINT, lambda *a: STOP.set())
    while not STOP.is_set():
        time.sleep(0.2)
    for srv in servers.values():
        srv.shutdown()
        srv.server_close()
    try:
        os.unlink(os.path.join(d, "sim.env"))
    except OSError:
        pass


if __name__ == "__main__":
    main()
