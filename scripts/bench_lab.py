#!/usr/bin/env python3
"""Benchmark of the lab (issue: lab): `gbtt lab up --profile full`

* from nothing (no base image: mmdebstrap + podman import + containers), with --cold;
* with the base image cached (containers only);

printing wall time, the peak RSS of the `gbtt lab up` process, the memory of
every container at idle (podman stats) and the machine's used memory before
and after.  Target: full lab up < 3 min with the image cached, < 3 GB.

    .venv/bin/python scripts/bench_lab.py [--cold] [--quick]

--quick: the small profile, and the lab taken down after (the tests' run).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gbtt.lab import lab as L  # noqa: E402
from gbtt.lab.image import tag  # noqa: E402
from gbtt.lab.podman import exists, podman  # noqa: E402


def used_mib() -> float:
    fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    kib = lambda k: int(fields[k].split()[0])  # noqa: E731
    return (kib("MemTotal") - kib("MemAvailable")) / 1024


def timed_up(profile: str) -> tuple[float, float]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "gbtt", "lab", "up", "--profile", profile], cwd=REPO,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cold", action="store_true", help="also measure from nothing (removes the cached base image)")
    ap.add_argument("--quick", action="store_true", help="small profile, lab down after (the tests' run)")
    args = ap.parse_args()
    profile = "small" if args.quick else "full"
    lab = L.open_lab()
    L.down(lab, log=lambda *_: None)
    if args.cold:
        if exists("image", tag()):
            podman("rmi", "-f", tag())
        before = used_mib()
        wall, rss = timed_up(profile)
        print(f"lab up --profile {profile}, from nothing:      {wall:6.1f} s  (gbtt process peak RSS {rss:.0f} MiB)")
        L.down(lab, log=lambda *_: None)
    before = used_mib()
    wall, rss = timed_up(profile)
    time.sleep(2 if args.quick else 10)  # let systemd settle: idle figures
    rows = L.status(lab)
    after = used_mib()
    mem = sorted(r["memory"] / 2**20 for r in rows)
    print(f"lab up --profile {profile}, image cached:      {wall:6.1f} s  (gbtt process peak RSS {rss:.0f} MiB)")
    print(f"hosts: {len(rows)}, answering over SSH: {sum(r['ssh'] for r in rows)}")
    print(f"memory per container at idle: min {mem[0]:.1f} MiB, median {mem[len(mem) // 2]:.1f} MiB, max {mem[-1]:.1f} MiB; "
          f"sum {sum(mem):.0f} MiB")
    print(f"machine memory in use: {before:.0f} MiB before, {after:.0f} MiB with the lab up (+{after - before:.0f} MiB)")
    if args.quick:
        L.down(lab, log=lambda *_: None)


if __name__ == "__main__":
    main()
