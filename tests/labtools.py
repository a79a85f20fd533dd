"""Driving the lab from tests: SSH to its hosts, and both engines' runs with
what they report."""
from __future__ import annotations

import re
import subprocess

import testinfra

from gbtt.paths import REPO

BIN = REPO / ".venv" / "bin"


def remote(lab, name):
    return testinfra.get_host(f"ssh://{name}", ssh_config=str(lab.state_dir / "ssh_config"))


def ansible(*args, inventory="lab/ansible.gbtt.yml", env=None):
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "playbooks/site.yml", *args],
                          capture_output=True, text=True, cwd=REPO, env=env, stdin=subprocess.DEVNULL)


def recap(out: str, host: str) -> dict:
    m = re.search(rf"^{re.escape(host)}\s+: (.*)$", out, re.M)
    assert m, out[-3000:]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))}


def pyinfra(*args, inventory=REPO / "lab" / "pyinfra.py", env=None):
    yes = [] if "--dry" in args else ["-y"]  # -y would skip the change detection that --dry prints
    return subprocess.run([str(BIN / "pyinfra"), *yes, str(inventory), str(REPO / "deploys" / "site.py"), *args],
                          capture_output=True, text=True, cwd="/tmp", stdin=subprocess.DEVNULL, env=env)


def pyinfra_changes(out: str) -> int:
    m = re.search(r"Grand total\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)", out)
    assert m, out[-3000:]
    assert m.group(3) == "-", f"pyinfra reported errors:\n{out[-3000:]}"
    return 0 if m.group(2) == "-" else int(m.group(2))
