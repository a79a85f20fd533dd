"""Every role with a molecule scenario passes it: the lab's image, podman
driver, systemd, converge, idempotence, testinfra verify. The scenarios run
in the background from the session's start (tests/molecule_runs.py), four
at a time, below the lab's tests in priority; this module, the session's
last, waits for them."""
from __future__ import annotations

import re

import pytest

import molecule_runs
from gbtt.components import COMPONENTS

pytestmark = pytest.mark.lab
SCENARIOS = molecule_runs.SCENARIOS


@pytest.fixture(scope="module")
def results():
    return molecule_runs.results()


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
