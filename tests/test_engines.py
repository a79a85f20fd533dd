"""Both engines apply the model's desired state in the lab, for real:
Ansible (playbooks/site.yml) and pyinfra (deploys/site.py) configure hosts
over SSH; a second run changes nothing; two fresh hosts playing the same
model host end with byte-identical managed files, one per engine; check/diff
modes show a change without making it; testinfra checks pass, and fail when
a managed file is edited by hand."""
from __future__ import annotations

import json
import re
import subprocess
import textwrap

import pytest
import testinfra

from conftest import REAL
from gbtt.checks import check_applied
from gbtt.checks.common import check_common
from gbtt.desired import host_state
from gbtt.hostinventory import lab_state
from gbtt.lab import lab as L
from gbtt.paths import REPO

pytestmark = pytest.mark.lab
BIN = REPO / ".venv" / "bin"
PARITY = {"parity-ansible": "198.19.250.1", "parity-pyinfra": "198.19.250.2"}
MODEL_HOST = "mcu-sip-01"


@pytest.fixture(scope="module")
def lab():
    lab = L.open_lab(REAL)
    L.up(lab, "small", log=lambda *_: None)
    image = L.ensure_image(log=lambda *_: None)
    current = {c["Names"][0]: c for c in L.containers(lab.label)}
    for name, address in PARITY.items():
        L.ensure_container(lab, L.LabHost(name, address, "parity", []), image, current)
    L.wait_for_ssh(lab, [L.LabHost(n, a, "parity", []) for n, a in PARITY.items()])
    yield lab
    L.down(lab, log=lambda *_: None)


def ansible(*args, env=None):
    return subprocess.run([str(BIN / "ansible-playbook"), *args], capture_output=True, text=True, cwd=REPO,
                          env=env)


def recap(out: str, host: str) -> dict:
    m = re.search(rf"^{re.escape(host)}\s+: (.*)$", out, re.M)
    assert m, out[-3000:]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))}


def pyinfra(inventory, *args):
    yes = [] if "--dry" in args else ["-y"]  # -y would skip the change detection that --dry prints
    return subprocess.run([str(BIN / "pyinfra"), *yes, str(inventory), str(REPO / "deploys" / "site.py"), *args],
                          capture_output=True, text=True, cwd="/tmp", stdin=subprocess.DEVNULL)


def pyinfra_changes(out: str) -> int:
    m = re.search(r"Grand total\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)", out)
    assert m, out[-3000:]
    assert m.group(3) == "-", f"pyinfra reported errors:\n{out[-3000:]}"
    return 0 if m.group(2) == "-" else int(m.group(2))


def remote(lab, name):
    return testinfra.get_host(f"ssh://{name}", ssh_config=str(lab.state_dir / "ssh_config"))


@pytest.fixture(scope="module")
def parity_inventories(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parity")
    common = {"ansible_user": "root", "ansible_ssh_private_key_file": str(lab.key), "gbtt_host": MODEL_HOST,
              "gbtt_inventory": str(REAL), "gbtt_lab": True}
    ans = tmp / "ansible.yml"
    ans.write_text(json.dumps({"all": {"hosts": {"parity-ansible": {"ansible_host": PARITY["parity-ansible"], **common}}}}))
    play = tmp / "play.yml"
    play.write_text("- hosts: all\n  gather_facts: false\n  roles: [common]\n")
    pyi = tmp / "pyinfra_inventory.py"
    pyi.write_text(textwrap.dedent(f"""
        hosts = [("parity-pyinfra", {{"ssh_hostname": "{PARITY['parity-pyinfra']}", "ssh_user": "root",
                   "ssh_key": "{lab.key}", "ssh_strict_host_key_checking": "no", "ssh_known_hosts_file": "/dev/null",
                   "gbtt_host": "{MODEL_HOST}", "gbtt_inventory": "{REAL}", "gbtt_lab": True}})]
    """))
    # the ssh_config of the lab knows the lab hosts; add the two parity hosts for testinfra
    with open(lab.state_dir / "ssh_config", "a") as fh:
        for name, address in PARITY.items():
            fh.write(f"Host {name}\n  HostName {address}\n  User root\n  IdentityFile {lab.key}\n"
                     "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n")
    env = dict(__import__("os").environ, ANSIBLE_INVENTORY_ENABLED="yaml")
    return {"ansible": (ans, play, env), "pyinfra": pyi}


def test_ansible_applies_then_changes_nothing(lab):
    first = ansible("-i", "lab/ansible.gbtt.yml", "playbooks/site.yml", "--limit", MODEL_HOST)
    assert first.returncode == 0, first.stdout[-3000:]
    assert recap(first.stdout, MODEL_HOST)["failed"] == 0
    second = ansible("-i", "lab/ansible.gbtt.yml", "playbooks/site.yml", "--limit", MODEL_HOST)
    assert recap(second.stdout, MODEL_HOST)["changed"] == 0, second.stdout[-3000:]
    check_common(remote(lab, MODEL_HOST), MODEL_HOST, lab=True)


def test_pyinfra_applies_then_changes_nothing(lab):
    inventory = REPO / "lab" / "pyinfra.py"
    first = pyinfra(inventory, "--limit", "mcu-relay-01")
    assert first.returncode == 0, first.stderr[-3000:]
    second = pyinfra(inventory, "--limit", "mcu-relay-01")
    assert pyinfra_changes(second.stdout + second.stderr) == 0
    check_common(remote(lab, "mcu-relay-01"), "mcu-relay-01", lab=True)


def test_both_engines_leave_identical_files(lab, parity_inventories):
    ans, play, env = parity_inventories["ansible"]
    a = ansible("-i", str(ans), str(play), env=env)
    assert a.returncode == 0, a.stdout[-3000:]
    p = pyinfra(parity_inventories["pyinfra"])
    assert p.returncode == 0, p.stderr[-3000:]
    state = host_state(REAL, MODEL_HOST, lab=True)
    paths = [f.path for c in state.components.values() for f in c.files]
    sums = {}
    for name in PARITY:
        h = remote(lab, name)
        sums[name] = {path: (h.file(path).sha256sum, h.file(path).mode, h.file(path).user) for path in paths}
    assert sums["parity-ansible"] == sums["parity-pyinfra"]
    for name in PARITY:
        check_applied(remote(lab, name), state.components["common"])


def test_check_and_dry_runs_show_a_change_without_making_it(lab, parity_inventories):
    for name in PARITY:
        remote(lab, name).run("sed -i 's/^makestep .*/makestep 9 9/' /etc/chrony/chrony.conf")
    ans, play, env = parity_inventories["ansible"]
    a = ansible("-i", str(ans), str(play), "--check", "--diff", env=env)
    assert a.returncode == 0
    assert "-makestep 9 9" in a.stdout and "+makestep 1.0 3" in a.stdout
    p = pyinfra(parity_inventories["pyinfra"], "--dry", "--diff")
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-3000:]
    assert "makestep 9 9" in out and "makestep 1.0 3" in out
    for name in PARITY:  # nothing was touched
        assert "makestep 9 9" in remote(lab, name).file("/etc/chrony/chrony.conf").content_string


def test_checks_detect_a_hand_edited_file(lab):
    h = remote(lab, "parity-ansible")
    state = host_state(REAL, MODEL_HOST, lab=True)
    with pytest.raises(AssertionError, match="/etc/chrony/chrony.conf differs from what the model renders"):
        check_applied(h, state.components["common"])


def test_playbook_refuses_an_invalid_inventory(tmp_path):
    import shutil

    from conftest import edit

    bad = tmp_path / "binh-dinh"
    shutil.copytree(REAL, bad)
    edit(bad / "hosts.yml", "max_registrations: 200", "max_registrations: 0")
    a = ansible("-i", str(bad / "gbtt.yml"), "playbooks/site.yml")
    assert a.returncode != 0
    assert "hosts.mcu-sip-01.sip_registrar.max_registrations: 0 is below the minimum 1" in a.stdout + a.stderr
    p = pyinfra(bad / "pyinfra.py")
    assert p.returncode != 0
    assert "hosts.mcu-sip-01.sip_registrar.max_registrations: 0 is below the minimum 1" in p.stdout + p.stderr


def test_lab_state_untouched_by_parity_hosts(lab):
    assert set(PARITY).isdisjoint(lab_state(lab.state_dir)["hosts"])
