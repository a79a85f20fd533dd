"""Driving the lab from tests: SSH to its hosts, and both engines' runs with
what they report."""
from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
from pathlib import Path

import testinfra

from gbtt.paths import REPO

BIN = REPO / ".venv" / "bin"
# A deploy the tests run that has not ended in this time is killed and fails its test (the slowest, pyinfra's
# fresh deploy of the seven central hosts, takes about 4 minutes in a CI run).
DEPLOY_SECONDS = 1200


def remote(lab, name):
    return testinfra.get_host(f"ssh://{name}", ssh_config=str(lab.state_dir / "ssh_config"))


def ansible(*args, inventory="lab/ansible.gbtt.yml", env=None):
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "playbooks/site.yml", *args],
                          capture_output=True, text=True, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                          timeout=DEPLOY_SECONDS)


def recap(out: str, host: str) -> dict:
    m = re.search(rf"^{re.escape(host)}\s+: (.*)$", out, re.M)
    assert m, out[-3000:]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))}


def pyinfra(*args, inventory=REPO / "lab" / "pyinfra.py", env=None, timeline: Path | None = None):
    """`timeline`: also write each line of the run's output to this file as it comes, after the seconds
    since the start (a passing test prints nothing of its runs: this is where a slow one shows its wait)."""
    yes = [] if "--dry" in args else ["-y"]  # -y would skip the change detection that --dry prints
    cmd = [str(BIN / "pyinfra"), *yes, str(inventory), str(REPO / "deploys" / "site.py"), *args]
    start = time.monotonic()
    if timeline is not None:
        timeline.parent.mkdir(parents=True, exist_ok=True)
    with (timeline.open("w", encoding="utf-8") if timeline else contextlib.nullcontext()) as log, subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/tmp", stdin=subprocess.DEVNULL,
            env=env) as proc:
        def read(stream, lines):
            for line in stream:
                lines.append(line)
                if log:
                    log.write(f"{time.monotonic() - start:7.1f} {line}")
                    log.flush()

        out, err = [], []
        readers = [threading.Thread(target=read, args=pair) for pair in ((proc.stdout, out), (proc.stderr, err))]
        for reader in readers:
            reader.start()
        try:
            proc.wait(timeout=DEPLOY_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            for reader in readers:
                reader.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, "".join(out), "".join(err))


def pyinfra_changes(out: str) -> int:
    m = re.search(r"Grand total\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", out)  # all "-": no operation at all
    assert m, out[-3000:]
    assert m.group(3) == "-", f"pyinfra reported errors:\n{out[-3000:]}"
    return 0 if m.group(2) == "-" else int(m.group(2))


def lab_copy(tmp_path, source):
    """A copy of the inventory `source` reached in the lab (named as the real one:
    the same lab), with the entries of both engines into it: (inventory
    directory, Ansible's inventory file, pyinfra's inventory file, pyinfra's env)."""
    import os
    import shutil

    inv = tmp_path / "binh-dinh"
    shutil.copytree(source, inv)
    (tmp_path / "lab.gbtt.yml").write_text("plugin: gbtt\nsource: binh-dinh\noverlay: lab\n")
    (tmp_path / "pyinfra_lab.py").write_text("from gbtt.hostinventory import pyinfra_groups\n"
                                             f"globals().update(pyinfra_groups({str(inv)!r}, overlay='lab'))\n")
    return inv, tmp_path / "lab.gbtt.yml", tmp_path / "pyinfra_lab.py", dict(os.environ, PYTHONPATH=str(REPO))


ROOMS = ("an-lao-pc", "quy-nhon-pc", "vp-ubnd-pc")  # the small lab's room systems
REGISTRARS = ("mcu-sip-01", "mcu-sip-02")  # every room registers with both


def wait_held(lab, addresses, by, seconds: float) -> None:
    """Waits until the hosts `by` hold every one of `addresses` between them (keepalived moves a service
    address to the host that takes the service over)."""
    addresses = set(addresses)
    deadline = time.monotonic() + seconds
    while True:
        held = {h: {a.split("/")[0] for a in remote(lab, h).check_output("ip -o -4 addr show").split()} & addresses
                for h in by}
        if set().union(*held.values()) == addresses:
            return
        assert time.monotonic() < deadline, f"{sorted(addresses)} not all held by {list(by)} in {seconds:g} s: {held}"
        time.sleep(0.1)


def on_every_registrar(lab, command: str) -> None:
    """`command` on each registrar's host (a room's failed authentications count at each)."""
    for registrar in REGISTRARS:
        remote(lab, registrar).run(command)


def registered(lab, rooms=ROOMS, seconds: float = 30) -> None:
    """Every room bound at every registrar. Kamailio keeps its bindings in memory: after a restart a room
    is unreachable through it until it registers again (baresip_register_interval), so a room not bound
    is made to register now (its baresip restarted)."""
    import time

    registrars = [remote(lab, r) for r in REGISTRARS]
    kicked = {}  # room -> when it was made to register
    deadline = time.monotonic() + seconds
    while True:
        missing = [r for r in rooms for sip in registrars
                   if "Contact" not in sip.run(f"kamcmd ul.lookup location {r}").stdout]
        if not missing:
            return
        assert time.monotonic() < deadline, f"not registered: {missing}"
        # again after a while: a registrar just back takes its SIP address back a moment after it starts
        # (gbtt.service_addresses), and a room that registered before that is bound at the other one
        for r in {r for r in missing if time.monotonic() - kicked.get(r, -60) > 8}:
            remote(lab, r).run("systemctl restart gbtt-baresip")
            kicked[r] = time.monotonic()
        time.sleep(1)
