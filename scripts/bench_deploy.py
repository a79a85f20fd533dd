#!/usr/bin/env python3
"""Benchmark of converging and checking the lab with both engines, in one run
(issue: one round trip per host).  On the lab's Linux hosts (the full
profile: 20 hosts; --profile small: 8):

* floor: one round trip to every host (`pyinfra ... exec -- true`);
* fresh containers, Ansible's first deploy, its no-op, then pyinfra after it
  (changes counted) and pyinfra's no-op;
* fresh containers again, pyinfra's first deploy, then Ansible after it
  (changes counted);
* `gbtt audit` of every host; `gbtt plan` after editing one site (local).

Prints the figures and the targets: pyinfra no-op <= 5x the floor, Ansible
no-op <= 2.5x pyinfra's, zero changes in either after the other, audit of
20 hosts < 20 s.

    .venv/bin/python scripts/bench_deploy.py [--profile full|small] [--quick]

--quick: the lab as it is (the tests' run): floor and the no-op of one central
host (the TURN server) with each engine, its audit, and the plan; no fresh
containers, nothing deployed.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gbtt.lab import lab as L  # noqa: E402
from gbtt.lab.podman import podman  # noqa: E402

BIN = REPO / ".venv" / "bin"
QUICK_HOST = "mcu-turn-01"


def run(cmd: list[str], cwd, hosts: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}\n{out[-3000:]}")
    missing = [h for h in hosts if h not in out]
    if missing:
        raise SystemExit(f"{' '.join(cmd[:1])} did not reach {missing}")
    return wall, out


def ansible_changes(out: str) -> int:
    return sum(int(n) for n in re.findall(r"^\S+\s+: ok=\d+\s+changed=(\d+)", out, re.M))


def pyinfra_changes(out: str) -> int:
    m = re.search(r"Grand total\s+\S+\s+(\S+)", out)
    return 0 if not m or m.group(1) == "-" else int(m.group(1))


def fresh(lab, hosts: list[str], profile: str) -> None:
    for h in hosts:
        podman("rm", "-f", "-t", "1", lab.container(h))
    L.up(lab, profile, log=lambda *_: None)


def plan_after_editing_one_site() -> tuple[float, list[str]]:
    """gbtt plan in a scratch git copy of the inventory, an-lao's uplink raised."""
    with tempfile.TemporaryDirectory() as tmp:
        inv = Path(tmp) / "binh-dinh"
        shutil.copytree(REPO / "inventory" / "binh-dinh", inv)
        git = ["git", "-C", str(inv), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
        subprocess.run([*git[:3], "init", "-q"], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "bench"], check=True)
        for name, old, new in (("sites/an-lao.yml", "uplink_mbps: 20", "uplink_mbps: 30"),
                               ("network.yml", "b: r-an-lao, bandwidth_mbps: 20", "b: r-an-lao, bandwidth_mbps: 30")):
            path = inv / name
            path.write_text(path.read_text().replace(old, new, 1))
        t = time.perf_counter()
        proc = subprocess.run([str(BIN / "gbtt"), "plan", "--inventory", str(inv), "--no-diff"], capture_output=True,
                              text=True, check=True)
        wall = time.perf_counter() - t
    m = re.search(r"host\(s\) change against HEAD: (.*)$", proc.stdout, re.M)
    return wall, m.group(1).split(", ") if m else []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", choices=["full", "small"], default="full")
    ap.add_argument("--quick", action="store_true", help="the lab as it is, one host's no-op (the tests' run)")
    args = ap.parse_args()
    lab = L.open_lab()
    if args.quick:
        hosts = [QUICK_HOST]
    else:
        L.up(lab, args.profile, log=lambda *_: None)
        hosts = [h["host"] for h in L.status(lab)]
    limit = ["--limit", QUICK_HOST] if args.quick else []
    ansible = [str(BIN / "ansible-playbook"), "-i", "lab/ansible.gbtt.yml", "playbooks/site.yml", *limit]
    pyinfra = [str(BIN / "pyinfra"), "-y", str(REPO / "lab" / "pyinfra.py"), str(REPO / "deploys" / "site.py"), *limit]
    floor, _ = run([str(BIN / "pyinfra"), "-y", str(REPO / "lab" / "pyinfra.py"), "exec", *limit, "--", "true"],
                   "/tmp", hosts)
    a_first = p_first = p_after_a = a_after_p = None
    if args.quick:  # the lab's host as it is: a no-op each
        a_noop, _ = run(ansible, REPO, hosts)
        p_noop, _ = run(pyinfra, "/tmp", hosts)
    else:
        fresh(lab, hosts, args.profile)
        a_first, _ = run(ansible, REPO, hosts)
        a_noop, _ = run(ansible, REPO, hosts)
        p_after_a = pyinfra_changes(run(pyinfra, "/tmp", hosts)[1])
        p_noop, _ = run(pyinfra, "/tmp", hosts)
        fresh(lab, hosts, args.profile)
        p_first, _ = run(pyinfra, "/tmp", hosts)
        a_after_p = ansible_changes(run(ansible, REPO, hosts)[1])
    t = time.perf_counter()
    audit = subprocess.run([str(BIN / "gbtt"), "audit", "--out", tempfile.mkdtemp(prefix="gbtt-bench-audit-")],
                           capture_output=True, text=True, cwd=REPO)
    audit_s = time.perf_counter() - t
    audited = re.search(r"^(\d+) check\(s\) on (\d+) host\(s\): (\d+) OK, (\d+) failed", audit.stdout, re.M)
    plan_s, planned = plan_after_editing_one_site()

    show = lambda s: "-" if s is None else f"{s:.1f}"  # noqa: E731
    print(f"hosts: {len(hosts)} ({'quick: ' + QUICK_HOST if args.quick else 'profile ' + args.profile})")
    print(f"floor (one round trip to every host): {floor:.1f} s")
    print(f"{'engine':<8} {'first deploy s':>15} {'no-op re-deploy s':>18}")
    print(f"{'ansible':<8} {show(a_first):>15} {show(a_noop):>18}")
    print(f"{'pyinfra':<8} {show(p_first):>15} {show(p_noop):>18}")
    print(f"pyinfra no-op / floor: {p_noop / floor:.1f}x (target <= 5); "
          f"Ansible no-op / pyinfra no-op: {a_noop / p_noop:.1f}x (target <= 2.5)")
    if not args.quick:
        print(f"changes: pyinfra after Ansible {p_after_a}, Ansible after pyinfra {a_after_p} (target 0 and 0)")
    print(f"gbtt audit: {audit_s:.1f} s, " + (f"{audited.group(1)} checks on {audited.group(2)} hosts, "
                                              f"{audited.group(4)} failed" if audited else "no summary line")
          + (" (target < 20 s for 20 hosts)" if not args.quick else ""))
    print(f"gbtt plan after editing one site: {plan_s:.1f} s, names {', '.join(planned) or 'no host'}")


if __name__ == "__main__":
    main()
