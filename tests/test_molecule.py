"""Every role with a molecule scenario passes it: the lab's image, podman
driver, systemd, converge, idempotence, testinfra verify.  The scenarios run
four at a time (they mostly wait on apt and systemd)."""
from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from gbtt.components import COMPONENTS
from gbtt.lab import aptcache
from gbtt.lab.image import ensure_image
from gbtt.paths import LAB_DIR, REPO

pytestmark = pytest.mark.lab
SCENARIOS = sorted(p.parent.parent.parent.name for p in (REPO / "roles").glob("*/molecule/default/molecule.yml"))
PARALLEL = 4


def run_scenario(role: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CONTAINERS_CONF=str(LAB_DIR / "containers.conf"), ANSIBLE_FORCE_COLOR="0", NO_COLOR="1",
               PATH=f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}")
    return subprocess.run(["molecule", "test"], cwd=REPO / "roles" / role, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def results():
    aptcache.ensure(log=lambda *_: None)
    ensure_image(log=lambda *_: None)
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return dict(zip(SCENARIOS, pool.map(run_scenario, SCENARIOS)))


def test_every_component_role_has_a_scenario():
    linux = {name for name, c in COMPONENTS.items() if c.linux}  # vendor gear does not run in the lab
    assert linux <= set(SCENARIOS), f"roles without a molecule scenario: {sorted(linux - set(SCENARIOS))}"


@pytest.mark.parametrize("role", SCENARIOS)
def test_molecule_scenario(results, role):
    proc = results[role]
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    for step in ("converge", "idempotence", "verify"):
        assert re.search(rf"{step}\W+Executed: Successful", out), f"molecule {step} did not succeed:\n{out[-3000:]}"
    assert re.search(r"\b[1-9]\d* passed\b", out), f"testinfra ran no test:\n{out[-3000:]}"
