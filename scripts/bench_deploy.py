#!/usr/bin/env python3
"""Benchmark of provisioning the central hosts (issue: central MCU) with each
engine, measured in one run on the lab:

* fresh containers, Ansible first deploy, then an Ansible no-op re-deploy;
* fresh containers again, pyinfra first deploy, then a pyinfra no-op re-deploy.

Prints wall times and the pyinfra/Ansible ratios.  Targets: the no-op
re-deploy of all central hosts under 20 s with pyinfra, Ansible within 2x.

    .venv/bin/python scripts/bench_deploy.py [--quick]

--quick: the no-op re-deploy of one central host (the TURN server) that the
lab already runs, with each engine; no fresh containers (the tests' run).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gbtt.desired.model import components_for  # noqa: E402
from gbtt.hostinventory import managed_hosts  # noqa: E402
from gbtt.lab import lab as L  # noqa: E402
from gbtt.lab.podman import podman  # noqa: E402
from gbtt.validate import load_valid  # noqa: E402

BIN = REPO / ".venv" / "bin"


def central_hosts() -> list[str]:
    from gbtt.desired.components import BUILDERS

    inv = load_valid(REPO / "inventory" / "binh-dinh")
    return [h.name for h in managed_hosts(inv) if "central" in h.groups
            and all(c in BUILDERS for c in components_for(h))]


def timed(cmd: list[str], cwd, hosts: list[str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SystemExit((proc.stdout + proc.stderr)[-3000:])
    out = proc.stdout + proc.stderr
    missing = [h for h in hosts if h not in out]
    if missing:
        raise SystemExit(f"{' '.join(cmd[:1])} did not reach {missing}")
    return time.perf_counter() - t


def fresh(lab, hosts):
    for h in hosts:
        podman("rm", "-f", "-t", "1", lab.container(h))
    L.up(lab, "small", log=lambda *_: None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="no-op of the TURN host only (the tests' run)")
    args = ap.parse_args()
    lab = L.open_lab()
    hosts = ["mcu-turn-01"] if args.quick else central_hosts()
    limit = hosts[0] if args.quick else "central"  # a host, or the group: pyinfra's --limit takes one pattern
    ansible = [str(BIN / "ansible-playbook"), "-i", "lab/ansible.gbtt.yml", "playbooks/site.yml", "--limit", limit]
    pyinfra = [str(BIN / "pyinfra"), "-y", str(REPO / "lab" / "pyinfra.py"), str(REPO / "deploys" / "site.py"),
               "--limit", limit]
    if args.quick:  # the lab's host as it is: a no-op each
        a_first = p_first = None
        a_noop, p_noop = timed(ansible, REPO, hosts), timed(pyinfra, "/tmp", hosts)
    else:
        fresh(lab, hosts)
        a_first, a_noop = timed(ansible, REPO, hosts), timed(ansible, REPO, hosts)
        fresh(lab, hosts)
        p_first, p_noop = timed(pyinfra, "/tmp", hosts), timed(pyinfra, "/tmp", hosts)
    show = lambda s: "-" if s is None else f"{s:.1f}"  # noqa: E731
    print(f"hosts: {', '.join(hosts)}")
    print(f"{'engine':<8} {'first deploy s':>15} {'no-op re-deploy s':>18}")
    print(f"{'ansible':<8} {show(a_first):>15} {show(a_noop):>18}")
    print(f"{'pyinfra':<8} {show(p_first):>15} {show(p_noop):>18}")
    ratio = f"first {p_first / a_first:.2f}, " if a_first else ""
    print(f"pyinfra/ansible: {ratio}no-op {p_noop / a_noop:.2f} (Ansible no-op is {a_noop / p_noop:.1f}x pyinfra's)")


if __name__ == "__main__":
    main()
