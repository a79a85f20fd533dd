"""Every role's molecule scenario, run in the background in a session that
selects tests/test_molecule.py, from the end of the lab's first fresh deploy
(tests/conftest.py), so that they overlap the lab modules that come
before it, below them in priority (tests/background.py); test_molecule,
the session's last module, waits for them. The scenarios have their own
containers on podman's default network: they share nothing with the lab but
the base image and the package cache, both made ready before they start."""
from __future__ import annotations

import os
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor

import background
from gbtt.lab import aptcache, wheelhouse
from gbtt.lab.image import ensure_image
from gbtt.lab.podman import podman
from gbtt.paths import LAB_DIR, REPO

# The longest scenario first, so that the last ones to start are short ones and the four end together:
# the bridge's, whose GStreamer stack is the most any role installs (its packages and what they pull in).
FIRST = ("multipoint_bridge",)
SCENARIOS = sorted((p.parent.parent.parent.name for p in (REPO / "roles").glob("*/molecule/default/molecule.yml")),
                   key=lambda role: (role not in FIRST, role))
PARALLEL = 4  # on 2 cores, in what the lab's own tests leave of them
_runs: dict[str, Future] = {}


def run_scenario(role: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CONTAINERS_CONF=str(LAB_DIR / "containers.conf"), ANSIBLE_FORCE_COLOR="0", NO_COLOR="1",
               PATH=f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}", MOLECULE_PODMAN_EXECUTABLE=str(background.PODMAN),
               # Mitogen's first interpreter in an instance this far down in priority answered later than Ansible's
               # default 10 s while the lab's first deploy filled both cores ("Connection timed out", 2 of 8 scenarios)
               ANSIBLE_TIMEOUT="180")
    return subprocess.run(["molecule", "test"], cwd=REPO / "roles" / role, capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL,  # Ansible refuses a stdin another process made non-blocking
                          preexec_fn=background.lowest_priority, timeout=1500)


def start() -> None:
    if _runs:
        return
    aptcache.ensure(log=lambda *_: None)
    wheelhouse.ensure(log=lambda *_: None)
    ensure_image(log=lambda *_: None)
    for role in SCENARIOS:  # an instance left by an interrupted run
        podman("rm", "-f", "-t", "1", f"gbtt-molecule-{role.replace('_', '-')}", check=False)
    pool = ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="molecule")
    _runs.update({role: pool.submit(run_scenario, role) for role in SCENARIOS})
    pool.shutdown(wait=False)


def results() -> dict[str, subprocess.CompletedProcess]:
    start()  # a no-op when the session started them
    return {role: future.result() for role, future in _runs.items()}
