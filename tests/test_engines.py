"""Both engines apply the model's desired state in the lab, for real.

The central hosts, all four at once: on fresh containers, Ansible
(playbooks/site.yml) deploys them and a second run changes nothing; on
fresh containers again, pyinfra (deploys/site.py) does the same; the
managed files the two leave are byte-identical (content, owner, mode).
Then the services answer their protocols, check and dry runs show a change
without making it, and the checks catch a file edited by hand."""
from __future__ import annotations

import re
import subprocess

import pytest
import testinfra

from benchtools import run_quick
from conftest import REAL, edit
from labtools import BIN, ansible, pyinfra, pyinfra_changes, recap, remote
from gbtt.checks import check_applied
from gbtt.checks.common import check_common
from gbtt.checks.conference import check_conference
from gbtt.checks.media_relay import check_media_relay
from gbtt.checks.sip_registrar import check_sip_registrar
from gbtt.checks.turn import check_turn
from gbtt.desired import host_state
from gbtt.hostinventory import lab_state
from gbtt.lab import lab as L
from gbtt.lab.podman import podman
from gbtt.paths import REPO

pytestmark = pytest.mark.lab
HOSTS = ["mcu-conf-01", "mcu-sip-01", "mcu-relay-01", "mcu-turn-01"]  # the central MCU: group `central`
PROBE_FROM = "quy-nhon-pc"  # SIP comes from a bridge room


@pytest.fixture(scope="module")
def lab(province_lab):
    return province_lab


def fresh(lab, hosts):
    for host in hosts:
        podman("rm", "-f", "-t", "1", lab.container(host))
    L.up(lab, "small", log=lambda *_: None)


def snapshot(lab, host) -> dict:
    h = remote(lab, host)
    state = host_state(REAL, host, lab=True)
    return {f.path: (h.file(f.path).sha256sum, h.file(f.path).user, h.file(f.path).group, h.file(f.path).mode)
            for c in state.components.values() for f in c.files}


@pytest.fixture(scope="module")
def by_ansible(lab):
    """Fresh central hosts deployed by Ansible, then a second run: (first, second, snapshots)."""
    fresh(lab, HOSTS)
    first = ansible("--limit", "central")
    second = ansible("--limit", "central") if first.returncode == 0 else first
    return first, second, {h: snapshot(lab, h) for h in HOSTS} if first.returncode == 0 else {}


@pytest.fixture(scope="module")
def by_pyinfra(lab, by_ansible):
    """The same hosts fresh again, deployed by pyinfra, then a second run."""
    fresh(lab, HOSTS)
    first = pyinfra("--limit", "central")
    second = pyinfra("--limit", "central") if first.returncode == 0 else first
    return first, second, {h: snapshot(lab, h) for h in HOSTS} if first.returncode == 0 else {}


@pytest.mark.parametrize("host", HOSTS)
def test_ansible_deploys_a_fresh_host_then_changes_nothing(by_ansible, host):
    first, second, _ = by_ansible
    assert first.returncode == 0, first.stdout[-4000:]
    assert recap(first.stdout, host)["failed"] == 0 and recap(first.stdout, host)["changed"] > 0
    assert recap(second.stdout, host)["changed"] == 0, second.stdout[-4000:]


@pytest.mark.parametrize("host", HOSTS)
def test_pyinfra_deploys_a_fresh_host_then_changes_nothing(by_pyinfra, host):
    first, second, _ = by_pyinfra
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    assert pyinfra_changes(second.stdout + second.stderr) == 0, second.stdout[-4000:]


@pytest.mark.parametrize("host", HOSTS)
def test_both_engines_leave_identical_files(by_ansible, by_pyinfra, host):
    assert by_ansible[2][host] == by_pyinfra[2][host]


@pytest.mark.parametrize("host", HOSTS)
def test_common_state_holds(lab, host):
    check_common(remote(lab, host), host, lab=True)


def test_sip_registrar_answers(lab):
    address = lab_state(lab.state_dir)["hosts"]["mcu-sip-01"]
    check_sip_registrar(remote(lab, "mcu-sip-01"), "mcu-sip-01", lab=True, address=address,
                        peer=remote(lab, PROBE_FROM))


def test_media_relay_answers_the_registrar(lab):
    address = lab_state(lab.state_dir)["hosts"]["mcu-relay-01"]
    check_media_relay(remote(lab, "mcu-relay-01"), "mcu-relay-01", lab=True, address=address,
                      peer=remote(lab, "mcu-sip-01"))


def test_conference_answers_the_rooms(lab):
    address = lab_state(lab.state_dir)["hosts"]["mcu-conf-01"]
    check_conference(remote(lab, "mcu-conf-01"), "mcu-conf-01", lab=True, address=address,
                     peer=remote(lab, PROBE_FROM))


def test_turn_grants_allocations(lab):
    address = lab_state(lab.state_dir)["hosts"]["mcu-turn-01"]
    check_turn(remote(lab, "mcu-turn-01"), "mcu-turn-01", lab=True, address=address)


def test_firewall_keeps_sip_to_the_rooms(lab):
    from gbtt.checks import run_probe

    address = lab_state(lab.state_dir)["hosts"]["mcu-sip-01"]
    # the lab's controller is a management address, not a room: SIP from it is dropped
    local = testinfra.get_host("local://")
    dropped = run_probe(local, "sip", "options", address, 5060, "udp")
    assert dropped["outcome"] == "timeout", dropped  # dropped silently: not refused, not answered
    assert run_probe(remote(lab, PROBE_FROM), "sip", "options", address, 5060, "udp")["status"] == 200


def test_check_and_dry_runs_show_a_change_without_making_it(lab):
    h = remote(lab, "mcu-sip-01")
    h.run("sed -i 's/^makestep .*/makestep 9 9/' /etc/chrony/chrony.conf")
    a = ansible("--limit", "mcu-sip-01", "--check", "--diff")
    assert a.returncode == 0, a.stdout[-3000:]
    assert "-makestep 9 9" in a.stdout and "+makestep 1.0 3" in a.stdout
    p = pyinfra("--limit", "mcu-sip-01", "--dry", "--diff")
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-3000:]
    assert "makestep 9 9" in out and "makestep 1.0 3" in out
    assert "makestep 9 9" in h.file("/etc/chrony/chrony.conf").content_string  # nothing was touched


def test_diffs_never_show_secrets(lab):
    h = remote(lab, "mcu-sip-01")
    h.run("sed -i 's/= \"/= \"x/' /etc/kamailio/gbtt-passwords.cfg")
    from gbtt.inventory import load

    secrets = load(REAL).secrets()["sip_passwords"].values()
    a = ansible("--limit", "mcu-sip-01", "--check", "--diff", "--tags", "sip_registrar")
    p = pyinfra("--limit", "mcu-sip-01", "--dry", "--diff", "--data", "gbtt_only=sip_registrar")
    assert recap(a.stdout, "mcu-sip-01")["changed"] >= 1  # the change is reported, hidden (no_log)
    assert "gbtt-passwords.cfg" in p.stdout + p.stderr
    for out in (a.stdout + a.stderr, p.stdout + p.stderr):
        assert not any(pw in out for pw in secrets)


def test_checks_detect_a_hand_edited_file(lab):
    state = host_state(REAL, "mcu-sip-01", lab=True)
    with pytest.raises(AssertionError, match="/etc/chrony/chrony.conf differs from what the model renders"):
        check_applied(remote(lab, "mcu-sip-01"), state.components["common"])


def test_audit_names_the_hand_edited_files(lab, tmp_path):
    from gbtt.audit import audit

    rows, report = audit(REAL, lab=True, out_dir=tmp_path)
    failed = {(r["host"], r["component"]): r["detail"] for r in rows if not r["ok"]}
    assert failed[("mcu-sip-01", "common")] == "/etc/chrony/chrony.conf differs from what the model renders"
    assert "gbtt-passwords.cfg differs" in failed[("mcu-sip-01", "sip_registrar")]
    assert ("mcu-relay-01", "media_relay") not in failed and ("mcu-conf-01", "conference") not in failed
    assert report.exists() and report.name.startswith("audit-lab-")


def test_whole_lab_deployed_then_audit_all_ok(deployed_lab, tmp_path):
    a = ansible("--limit", "central")  # repairs the hand edits above
    assert a.returncode == 0, a.stdout[-4000:]
    proc = subprocess.run([str(BIN / "gbtt"), "audit", "--out", str(tmp_path)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert re.search(r"^\d+ check\(s\) on 8 host\(s\): \d+ OK, 0 failed$", proc.stdout, re.M), proc.stdout


def test_engines_refuse_an_invalid_inventory(tmp_path):
    import shutil

    bad = tmp_path / "binh-dinh"
    shutil.copytree(REAL, bad)
    edit(bad / "hosts.yml", "max_registrations: 200", "max_registrations: 0")
    line = "hosts.mcu-sip-01.sip_registrar.max_registrations: 0 is below the minimum 1"
    a = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(bad / "gbtt.yml"), "playbooks/site.yml"],
                       capture_output=True, text=True, cwd=REPO)
    assert a.returncode != 0 and line in a.stdout + a.stderr
    p = subprocess.run([str(BIN / "pyinfra"), "-y", str(bad / "pyinfra.py"), str(REPO / "deploys" / "site.py")],
                       capture_output=True, text=True, cwd="/tmp")
    assert p.returncode != 0 and line in p.stdout + p.stderr


def test_bench_deploy_quick(lab):
    """The deploy benchmark's quick run (one central host, both engines, from fresh)."""
    out = run_quick("bench_deploy.py")
    assert re.search(r"^ansible\s+[\d.]+\s+[\d.]+$", out, re.M) and re.search(r"^pyinfra\s+[\d.]+\s+[\d.]+$", out, re.M)
