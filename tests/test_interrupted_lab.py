"""A deploy interrupted at any point re-converges, in the lab: each engine is
killed (the whole process group, SIGKILL) in the middle of a run that changes
the registrar's configuration (a knob override: -e / --data), at the moment
the new kamailio.cfg lands on the host, before or after its restart; the
same run again leaves the host exactly in the desired state with Kamailio
running the new configuration. The worst point is also made on purpose (the
file as the model has it, Kamailio not restarted since): the next run
restarts it, whichever engine. Figures: time to re-converge."""
from __future__ import annotations

import hashlib
import os
import shlex
import signal
import subprocess
import time

import pytest

from conftest import REAL
from gbtt.checks import check_applied, gather
from gbtt.desired import host_state
from gbtt.desired.drift import drift, spec_of
from labtools import BIN, ansible, registered, remote

pytestmark = pytest.mark.lab
HOST, CFG = "mcu-sip-01", "/etc/kamailio/kamailio.cfg"
REPO = REAL.parent.parent


@pytest.fixture(scope="module")
def lab(deployed_lab):
    yield deployed_lab
    ansible("--limit", HOST, "--tags", "sip_registrar")  # back to the knobs of the inventory
    registered(deployed_lab)  # Kamailio restarted: the rooms register again now, for the modules after this one


def engine_command(engine: str, children: int) -> tuple[list[str], str]:
    if engine == "ansible":
        return ([str(BIN / "ansible-playbook"), "-i", "lab/ansible.gbtt.yml", "playbooks/site.yml", "--limit", HOST,
                 "--tags", "sip_registrar", "-e", f"kamailio_children={children}"], str(REPO))
    return ([str(BIN / "pyinfra"), "-y", str(REPO / "lab" / "pyinfra.py"), str(REPO / "deploys" / "site.py"),
             "--limit", HOST, "--data", "gbtt_only=sip_registrar", "--data", f"kamailio_children={children}"], "/tmp")


def desired(children: int):
    return host_state(REAL, HOST, lab=True, knobs={"kamailio_children": children}).components["sip_registrar"]


def sha(h) -> str:
    return h.check_output(f"sha256sum {CFG}").split()[0]


def converged(h, state) -> list[str]:
    return drift(gather(h, spec_of(state)), state).problems()


@pytest.mark.parametrize("engine", ["ansible", "pyinfra"])
def test_killed_as_the_new_configuration_lands_then_run_again(lab, engine):
    h = remote(lab, HOST)
    children = 6 if engine == "ansible" else 7
    state = desired(children)
    want = hashlib.sha256(next(f.content for f in state.files if f.path == CFG).encode()).hexdigest()
    assert sha(h) != want
    argv, cwd = engine_command(engine, children)
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while sha(h) != want and proc.poll() is None:
        assert time.monotonic() < deadline, "the run never wrote the new configuration"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    started = time.monotonic()
    again = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert converged(h, state) == [], f"{engine}: after the second run"
    check_applied(h, state)
    assert h.service("kamailio").is_running
    print(f"{engine}: re-converged in {elapsed:.1f} s after a kill as {CFG} landed")


@pytest.mark.parametrize("engine", ["ansible", "pyinfra"])
def test_a_file_written_without_its_restart_is_restarted_next_run(lab, engine):
    h = remote(lab, HOST)
    children = 8 if engine == "ansible" else 9
    state = desired(children)
    content = next(f.content for f in state.files if f.path == CFG)
    # as the killed run left it: the model's file in place (owner, mode), Kamailio still on the old one
    h.check_output(f"printf %s {shlex.quote(content)} > {CFG}.gbtt-test && chmod 0644 {CFG}.gbtt-test "
                   f"&& mv -f {CFG}.gbtt-test {CFG}")
    assert [p for p in converged(h, state) if "older configuration" in p] == [
        f"service kamailio runs an older configuration: {CFG} changed after it started"]
    argv, cwd = engine_command(engine, children)
    run = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert converged(h, state) == [], f"{engine} did not restart kamailio"
    assert h.service("kamailio").is_running

