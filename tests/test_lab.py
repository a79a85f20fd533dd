"""The podman lab, for real: `gbtt lab up --profile small` creates the hosts
(systemd as PID 1, sshd with the lab key, Python, the inventory's hostname),
both engines reach every host over SSH through the lab overlay, `up` again is
harmless and resumes a damaged lab, and `down` leaves nothing behind but the
cached base image.  Runs the real Bình Định lab: it ends with the lab down."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from benchtools import run_quick
from conftest import REAL, edit
from gbtt.hostinventory import lab_state
from gbtt.lab import lab as L
from gbtt.lab.podman import containers, exists, podman
from gbtt.paths import REPO

pytestmark = pytest.mark.lab

SMALL = {"mcu-conf-01", "mcu-sip-01", "mcu-sip-02", "mcu-relay-01", "mcu-relay-02", "mcu-turn-01", "mcu-bridge-01", "vp-ubnd-pc", "quy-nhon-pc", "an-lao-pc", "r-an-lao"}
VENV_BIN = REPO / ".venv" / "bin"


def gbtt(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "gbtt", *args], capture_output=True, text=True, cwd=REPO,
                          stdin=subprocess.DEVNULL)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def lab():
    lab = L.open_lab(REAL)
    gbtt("lab", "up", "--profile", "small")
    yield lab
    L.down(lab, log=lambda *_: None)


def ids(lab):
    """Host -> container id (the lab's services, such as its time server, have no host label)."""
    return {c["Labels"]["gbtt.host"]: c["Id"] for c in containers(lab.label) if "gbtt.host" in c["Labels"]}


def test_up_creates_the_profile_hosts(lab):
    state = lab_state(lab.state_dir)
    assert set(state["hosts"]) == SMALL
    assert set(ids(lab)) == SMALL
    assert state["hosts"]["quy-nhon-pc"] == "198.18.11.11"  # 10.52.11.11 mapped onto 198.18.0.0/15
    assert state["hosts"]["mcu-sip-01"] == "198.18.0.12"


@pytest.mark.parametrize("host", sorted(SMALL))
def test_host_runs_systemd_sshd_python_with_its_hostname(lab, host):
    address = lab_state(lab.state_dir)["hosts"][host]
    cmd = "hostname; ps -p 1 -o comm=; systemctl is-active ssh; python3 -c 'print(1+1)'"
    out = subprocess.run(L.ssh_command(lab, address, cmd), capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [host, "systemd", "active", "2"]


def test_host_keys_differ_between_hosts(lab):
    state = lab_state(lab.state_dir)["hosts"]
    keys = {subprocess.run(L.ssh_command(lab, state[h], "cat /etc/ssh/ssh_host_ed25519_key.pub"),
                           capture_output=True, text=True).stdout.split()[1] for h in ("mcu-sip-01", "an-lao-pc")}
    assert len(keys) == 2


def test_status_shows_every_host_answering(lab):
    proc = gbtt("lab", "status")
    for host in SMALL:
        assert any(line.startswith(host) and " yes " in line for line in proc.stdout.splitlines()), proc.stdout
    assert f"{len(SMALL)} host(s), {len(SMALL)} answering over SSH" in proc.stdout


def test_ansible_reaches_every_host_over_ssh(lab):
    proc = subprocess.run([str(VENV_BIN / "ansible"), "-i", "lab/ansible.gbtt.yml", "all", "-m", "ping"],
                          capture_output=True, text=True, cwd=REPO,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {line.split(" | ")[0] for line in proc.stdout.splitlines() if "| SUCCESS" in line} == SMALL


def test_ansible_lab_groups_by_role_and_site(lab):
    proc = subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", "lab/ansible.gbtt.yml", "--list"],
                          capture_output=True, text=True, cwd=REPO,
                          stdin=subprocess.DEVNULL)
    data = json.loads(proc.stdout)
    assert data["sip_registrar"]["hosts"] == ["mcu-sip-01", "mcu-sip-02"]
    assert set(data["site_an_lao"]["hosts"]) == {"an-lao-pc", "r-an-lao"}
    address = data["_meta"]["hostvars"]["mcu-sip-01"]["ansible_host"]
    if isinstance(address, dict):  # ansible-core 2.19 marks inventory values as unsafe in --list
        address = address["__ansible_unsafe"]
    assert address == "198.18.0.12"


def test_pyinfra_reaches_every_host_over_ssh(lab):
    proc = subprocess.run([str(VENV_BIN / "pyinfra"), "-y", str(REPO / "lab" / "pyinfra.py"), "exec", "--", "hostname"],
                          capture_output=True, text=True, cwd="/tmp",
                          stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for host in SMALL:
        assert f"[{host}] {host}" in " ".join(out.split())


def test_up_again_is_harmless(lab):
    before = ids(lab)
    gbtt("lab", "up", "--profile", "small")
    assert ids(lab) == before


def test_up_resumes_a_damaged_lab(lab):
    podman("rm", "-f", lab.container("mcu-turn-01"))
    podman("stop", "-t", "1", lab.container("an-lao-pc"))
    proc = gbtt("lab", "status", check=False)
    assert proc.returncode == 1
    gbtt("lab", "up", "--profile", "small")
    assert gbtt("lab", "status").returncode == 0


def test_a_changed_host_key_is_refused_everywhere_naming_the_host(lab):
    """SSH trust: the lab records each host's key from its container, and both
    engines and gbtt known-hosts refuse a host whose key changed, naming it;
    `lab up` (which reads the keys from the containers again) trusts it anew."""
    host = "r-an-lao"
    address = lab_state(lab.state_dir)["hosts"][host]
    assert f"{address} ssh-ed25519 " in lab.known_hosts.read_text()
    podman("exec", lab.container(host), "sh", "-c",
           "rm -f /etc/ssh/ssh_host_*; ssh-keygen -A >/dev/null; systemctl restart ssh")
    fresh = dict(os.environ, ANSIBLE_SSH_CONTROL_PATH_DIR=str(lab.state_dir / "cp-test"))  # no earlier connection
    a = subprocess.run([str(VENV_BIN / "ansible"), "-i", "lab/ansible.gbtt.yml", host, "-m", "ping"],
                       capture_output=True, text=True, cwd=REPO, env=fresh,
                       stdin=subprocess.DEVNULL)
    assert a.returncode != 0 and f"{host} | UNREACHABLE!" in a.stdout and "HOST IDENTIFICATION HAS CHANGED" in a.stdout
    p = subprocess.run([str(VENV_BIN / "pyinfra"), "-y", str(REPO / "lab" / "pyinfra.py"), "exec", "--limit", host,
                        "--", "true"], capture_output=True, text=True, cwd="/tmp", stdin=subprocess.DEVNULL)
    assert f"[{host}]" in p.stdout + p.stderr and f"Host key for {address} does not match" in p.stdout + p.stderr
    k = gbtt("known-hosts", "collect", "--lab", "--host", host, check=False)
    assert k.returncode == 1 and f"{host} ({address}): its SSH host key changed: pinned SHA256:" in k.stdout
    gbtt("lab", "up", "--profile", "small")
    a = subprocess.run([str(VENV_BIN / "ansible"), "-i", "lab/ansible.gbtt.yml", host, "-m", "ping"],
                       capture_output=True, text=True, cwd=REPO, env=fresh,
                       stdin=subprocess.DEVNULL)
    assert a.returncode == 0, a.stdout
    assert gbtt("known-hosts", "collect", "--lab", "--host", host).stdout.startswith(f"{host} ({address}): unchanged")


def test_invalid_inventory_creates_nothing(tmp_path):
    import shutil

    bad = tmp_path / "tinh-loi"
    shutil.copytree(REAL, bad)
    edit(bad / "hosts.yml", "address: 10.52.0.12", "address: 10.52.0.11")
    proc = gbtt("lab", "--inventory", str(bad), "up", "--profile", "small", check=False)
    assert proc.returncode == 1
    assert "hosts.mcu-sip-01.address: address 10.52.0.11 is already used" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not containers("gbtt.lab=tinh-loi") and not exists("network", "gbtt-tinh-loi")


def test_down_removes_what_it_made_and_nothing_else(lab):
    podman("network", "create", "--label", "test=unrelated", "gbtt-test-unrelated")  # podman picks a free subnet
    try:
        gbtt("lab", "down")
        assert containers(lab.label) == []
        assert not exists("network", lab.network)
        assert not lab.state_dir.exists()
        assert exists("network", "gbtt-test-unrelated")
        assert exists("image", L.ensure_image(log=lambda *_: None))  # the cached base image stays
    finally:
        podman("network", "rm", "gbtt-test-unrelated", check=False)


def test_bench_lab_quick():
    """The lab benchmark's quick run (small profile, then down), after the lab tests took theirs down."""
    out = run_quick("bench_lab.py")
    assert re.search(r"^lab up --profile small, image cached:\s+[\d.]+ s", out, re.M), out
    assert re.search(rf"^hosts: {len(SMALL)}, answering over SSH: {len(SMALL)}$", out, re.M), out
