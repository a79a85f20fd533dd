"""The installs are pinned: the virtualenv that scripts/setup.sh made holds
exactly the packages and versions of constraints.txt (scripts/update-lock.sh
regenerates it) and of the multipoint bridge's hash-pinned requirements (its
tests import it), so the same commit installs the same Ansible, pyinfra and
Mitogen next month."""
from __future__ import annotations

import re
import subprocess

from gbtt.paths import REPO

LOCK = REPO / "constraints.txt"
BRIDGE = REPO / "gbtt/bridge/requirements.txt"


def pins(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)(\s+--hash=\S+)*$", line.strip())
        if m:
            out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return out


def test_the_virtualenv_is_the_lock():
    frozen = subprocess.run([str(REPO / ".venv/bin/pip"), "freeze", "--all", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    installed = {k: v for k, v in pins(frozen).items() if k not in ("setuptools", "wheel")}
    locked = pins(LOCK.read_text().splitlines())
    bridge = pins(BRIDGE.read_text().splitlines())
    assert all(locked.get(k, v) == v for k, v in bridge.items()), "the bridge's pins and the lock disagree"
    locked |= bridge
    assert installed == locked, (f"not in the lock: {sorted(set(installed.items()) - set(locked.items()))}; "
                                 f"locked but not installed: {sorted(set(locked.items()) - set(installed.items()))}")


def test_the_lock_pins_the_tested_engines():
    locked = pins(LOCK.read_text().splitlines())
    assert locked["ansible-core"].startswith("2.19.")  # Debian 12's python3 (3.11) and Mitogen 0.3.x
    assert "mitogen" in locked and "pyinfra" in locked and "pytest-testinfra" in locked

