"""Both engines apply the model's desired state in the lab, for real.

The central hosts, all six at once: on fresh containers, pyinfra
(deploys/site.py) deploys them and a second run changes nothing; then
Ansible (playbooks/site.yml) finds nothing to change on them (every file
byte-identical with its owner and mode, every package, user and service as
it would leave them), and later pyinfra finds nothing to change after
Ansible. (Ansible's own deploy of each role on a fresh host, and its second
run, are each role's molecule scenario.)
Then the services answer their protocols, check and dry runs show a change
without making it, and the checks catch a file edited by hand."""
from __future__ import annotations

import ipaddress
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import testinfra

from benchtools import run_quick
from conftest import REAL, edit, start_background
from labtools import BIN, ansible, lab_copy, pyinfra, pyinfra_changes, recap, remote
from gbtt.checks import check_applied
from gbtt.checks.common import check_common
from gbtt.checks.conference import check_conference
from gbtt.checks.media_relay import check_media_relay
from gbtt.checks.multipoint_bridge import check_multipoint_bridge
from gbtt.checks.sip_registrar import check_sip_registrar
from gbtt.checks.turn import check_turn
from gbtt.desired import host_state
from gbtt.hostinventory import lab_state
from gbtt.lab import lab as L
from gbtt.lab.podman import containers, podman, remove_container
from gbtt.paths import REPO

pytestmark = pytest.mark.lab
HOSTS = ["mcu-conf-01", "mcu-sip-01", "mcu-sip-02", "mcu-relay-01", "mcu-relay-02", "mcu-turn-01", "mcu-bridge-01"]  # the central MCU: group `central`
PROBE_FROM = "quy-nhon-pc"  # SIP comes from a bridge room
# the first fresh deploy's output, line by line with its time (labtools.pyinfra): a slow CI run shows its wait there
TIMELINES = REPO / "out" / "test-artifacts"
DEPLOYED = "/etc/ssh/sshd_config.d/gbtt.conf"  # written by the first deploy of any host (component common)


@pytest.fixture(scope="module")
def lab(province_lab):
    return province_lab


def fresh(lab, hosts):
    """The hosts as `gbtt lab up` makes them: recreated, unless no deploy has touched them yet (a lab
    just brought up, as in CI, where recreating them would only cost time)."""
    deployed = [h for h in hosts if podman("exec", lab.container(h), "test", "-e", DEPLOYED, check=False).returncode == 0]
    for host in deployed:
        remove_container(lab.container(host), stop_seconds=1)
    if deployed:
        L.up(lab, "small", log=lambda *_: None)


@pytest.fixture(scope="module")
def by_pyinfra(lab):
    """Fresh central hosts deployed by pyinfra, then a second run: (first, second). Meanwhile the rooms,
    whence the checks speak to the central hosts, get their `common` component (as every provisioned room
    has it): the province's CA, which the checks' TLS clients verify the centre with."""
    fresh(lab, HOSTS)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            rooms = pool.submit(pyinfra, "--limit", "rooms", "--data", "gbtt_only=common",
                                timeline=TIMELINES / "pyinfra-rooms-common.log")
            first = pyinfra("--limit", "central", timeline=TIMELINES / "pyinfra-central-fresh.log")
            assert rooms.result().returncode == 0, (rooms.result().stdout + rooms.result().stderr)[-3000:]
    finally:
        start_background()  # the session's background work waited for this deploy (conftest)
    second = pyinfra("--limit", "central") if first.returncode == 0 else first  # a no-op: it mostly waits
    return first, second


@pytest.fixture(scope="module")
def ansible_after_pyinfra(by_pyinfra):
    return ansible("--limit", "central")


@pytest.mark.parametrize("host", HOSTS)
def test_pyinfra_deploys_a_fresh_host_then_changes_nothing(by_pyinfra, host):
    first, second = by_pyinfra
    out = first.stdout + first.stderr
    assert first.returncode == 0 and re.search(rf"\[{host}\]\s+Success", out), out[-4000:]
    # every component's packages in the run's first step, on all five hosts at once; no component installs again
    first_op = re.search(r"--> Starting operation: (.+?)\s*\n((?:\s+\[.+\n)+)", out)
    assert first_op and first_op[1] == "packages of all the host's components" and host in first_op[2], out[:4000]
    assert not re.search(r"^\s+\w+ \| packages\s", out, re.M), out[-4000:]
    assert "Traceback" not in out, out[:4000]  # (gevent once printed ansible-core's expected getaddrinfo refusal)
    assert pyinfra_changes(second.stdout + second.stderr) == 0, second.stdout[-4000:]


@pytest.mark.parametrize("host", HOSTS)
def test_ansible_changes_nothing_after_pyinfra(ansible_after_pyinfra, host):
    """Both engines leave identical hosts: Ansible compares every file (content, owner, mode),
    package, user and service with what it would leave, and changes none."""
    run = ansible_after_pyinfra
    assert run.returncode == 0, run.stdout[-4000:]
    r = recap(run.stdout, host)
    assert r["ok"] > 0 and r["changed"] == 0 and r["failed"] == 0 and r["unreachable"] == 0, run.stdout[-4000:]


@pytest.mark.parametrize("host", HOSTS)
def test_common_state_holds(lab, host):
    check_common(remote(lab, host), host, lab=True)


def test_sip_registrar_answers(lab):
    address = lab_state(lab.state_dir)["hosts"]["mcu-sip-01"]
    check_sip_registrar(remote(lab, "mcu-sip-01"), "mcu-sip-01", lab=True, address=address,
                        peer=remote(lab, PROBE_FROM))


@pytest.mark.parametrize("relay", ["mcu-relay-01", "mcu-relay-02"])
def test_media_relay_answers_the_registrar(lab, relay):
    address = lab_state(lab.state_dir)["hosts"][relay]
    check_media_relay(remote(lab, relay), relay, lab=True, address=address, peer=remote(lab, "mcu-sip-01"))


def test_conference_answers_the_rooms(lab):
    address = lab_state(lab.state_dir)["hosts"]["mcu-conf-01"]
    check_conference(remote(lab, "mcu-conf-01"), "mcu-conf-01", lab=True, address=address,
                     peer=remote(lab, PROBE_FROM))


def test_bridge_answers_the_registrar(lab):
    address = lab_state(lab.state_dir)["hosts"]["mcu-bridge-01"]
    check_multipoint_bridge(remote(lab, "mcu-bridge-01"), "mcu-bridge-01", lab=True, address=address,
                            peer=remote(lab, "mcu-sip-01"))


def test_turn_grants_allocations(lab):
    address = lab_state(lab.state_dir)["hosts"]["mcu-turn-01"]
    check_turn(remote(lab, "mcu-turn-01"), "mcu-turn-01", lab=True, address=address, peer=remote(lab, "mcu-conf-01"))


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
    assert report.with_suffix(".docx").exists()  # its minutes (Art. 5.5); their content: tests/test_reports.py


def test_whole_lab_deployed_then_audit_all_ok(deployed_lab, tmp_path):
    a = ansible("--limit", "central")  # repairs the hand edits above
    assert a.returncode == 0, a.stdout[-4000:]
    p = pyinfra("--limit", "central")  # and pyinfra finds nothing to change after Ansible
    assert pyinfra_changes(p.stdout + p.stderr) == 0, (p.stdout + p.stderr)[-4000:]
    proc = subprocess.run([str(BIN / "gbtt"), "audit", "--out", str(tmp_path)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert re.search(r"^\d+ check\(s\) on 11 host\(s\): \d+ OK, 0 failed$", proc.stdout, re.M), proc.stdout


def test_the_other_engine_changes_nothing_on_rooms_and_routers(deployed_lab):
    """Parity beyond the central hosts: the room PC pyinfra provisioned, Ansible
    leaves as it is; the room PCs and the Linux router Ansible provisioned,
    pyinfra leaves as they are (every kind of Linux host of the model)."""
    from conftest import BY_PYINFRA

    a = ansible("--limit", BY_PYINFRA)
    assert a.returncode == 0 and recap(a.stdout, BY_PYINFRA)["changed"] == 0, a.stdout[-4000:]
    others = ["quy-nhon-pc", "vp-ubnd-pc", "r-an-lao"]
    p = pyinfra(*(arg for h in others for arg in ("--limit", h)))
    out = p.stdout + p.stderr
    assert p.returncode == 0 and all(re.search(rf"\[{h}\]\s+Connected", out) for h in others), out[-4000:]
    assert pyinfra_changes(out) == 0, out[-4000:]


def test_no_host_fetched_the_package_indexes_during_its_deploy(deployed_lab):
    """Every host of the provisioned lab installed its packages from the
    indexes its image carries (lab/image.recipe): in the package cache's log
    the lab's addresses fetched packages, and no index, since the lab's
    containers were made (hosts refreshing indexes together through it lost
    one of them for good)."""
    from gbtt.lab import aptcache

    assert aptcache.status().running
    since = min(int(c["Created"]) for c in containers(deployed_lab.label))
    lab_net = ipaddress.ip_network("198.18.0.0/15")
    fetched = {"dists": [], "pool": []}
    for line in (aptcache.CACHE_DIR / "log" / "apt-cacher.log").read_text().splitlines():
        when, direction, _size, client, path = line.split("|")[:5]
        if int(when) >= since and direction == "O" and ipaddress.ip_address(client) in lab_net:
            kind = "dists" if "/dists/" in path else "pool" if "/pool/" in path else None
            if kind:
                fetched[kind].append(f"{client} {path}")
    assert fetched["pool"], "no package went through the cache: its log is not where the lab's hosts are seen"
    assert fetched["dists"] == []


def test_engines_refuse_an_invalid_inventory(tmp_path):
    import shutil

    bad = tmp_path / "binh-dinh"
    shutil.copytree(REAL, bad)
    edit(bad / "hosts.yml", "max_registrations: 200", "max_registrations: 0")
    line = "hosts.mcu-sip-01.sip_registrar.max_registrations: 0 is below the minimum 1"
    a = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(bad / "gbtt.yml"), "playbooks/site.yml"],
                       capture_output=True, text=True, cwd=REPO, stdin=subprocess.DEVNULL)
    assert a.returncode != 0 and line in a.stdout + a.stderr
    p = subprocess.run([str(BIN / "pyinfra"), "-y", str(bad / "pyinfra.py"), str(REPO / "deploys" / "site.py")],
                       capture_output=True, text=True, cwd="/tmp", stdin=subprocess.DEVNULL)
    assert p.returncode != 0 and line in p.stdout + p.stderr


def test_a_knob_override_changes_the_file_in_both_engines(deployed_lab, tmp_path):
    """A knob set in the inventory's group_vars, then given at run time (-e,
    --data), changes the rendered file in both engines (shown by check and
    dry runs); a misspelt knob stops both, one line, nothing done."""
    lab = deployed_lab
    inv, ansible_inv, pyinfra_inv, env = lab_copy(tmp_path, REAL)
    (inv / "group_vars").mkdir()
    (inv / "group_vars" / "sip_registrar.yml").write_text("kamailio_max_expires: 1800\n")
    host = ("--limit", "mcu-sip-01")
    line = 'modparam("registrar", "max_expires", {})'
    for extra, want in (((), 1800), (("-e", "kamailio_max_expires=2400"), 2400)):
        a = ansible(*host, "--tags", "sip_registrar", "--check", "--diff", *extra, inventory=ansible_inv)
        assert a.returncode == 0 and f"+{line.format(want)}" in a.stdout, a.stdout[-3000:]
    for extra, want in (((), 1800), (("--data", "kamailio_max_expires=2400"), 2400)):
        p = pyinfra(*host, "--dry", "--diff", "--data", "gbtt_only=sip_registrar", *extra,
                    inventory=pyinfra_inv, env=env)
        out = p.stdout + p.stderr
        assert p.returncode == 0 and line.format(want) in out, out[-3000:]
    before = remote(lab, "mcu-sip-01").file("/etc/kamailio/kamailio.cfg").sha256sum
    a = ansible(*host, "-e", "kamailio_max_expire=60", inventory=ansible_inv)
    p = pyinfra(*host, "--data", "kamailio_max_expire=60", inventory=pyinfra_inv, env=env)
    for run in (a, p):
        out = run.stdout + run.stderr
        assert run.returncode != 0 and "unknown knob 'kamailio_max_expire' (did you mean 'kamailio_max_expires'?" in out
        assert not re.search(r'File ".*/(gbtt|deploys|plugins)/', out), out[-3000:]  # no traceback of ours
    assert remote(lab, "mcu-sip-01").file("/etc/kamailio/kamailio.cfg").sha256sum == before


def test_a_planned_change_deploys_to_the_hosts_plan_names_only(deployed_lab, tmp_path):
    """gbtt plan names the hosts an edit of one site changes; each engine's run
    with --limit to them (check and dry runs) reaches those hosts and no other."""
    from gbtt.plan import plan

    inv, ansible_inv, pyinfra_inv, env = lab_copy(tmp_path, REAL)
    git = ["git", "-C", str(inv), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "as deployed"], check=True)
    edit(inv / "sites" / "an-lao.yml", "uplink_mbps: 20", "uplink_mbps: 30")
    edit(inv / "network.yml", "{a: r-ttht, b: r-an-lao, bandwidth_mbps: 20,", "{a: r-ttht, b: r-an-lao, bandwidth_mbps: 30,")
    hosts = [p.host for p in plan(inv, lab=True)]
    assert hosts == ["r-an-lao"]
    limit = ",".join(hosts)
    a = ansible("--limit", limit, "--check", "--diff", inventory=ansible_inv)
    assert a.returncode == 0 and "+tc class add dev \"$dev\" parent 1: classid 1:1 htb rate 30mbit" in a.stdout, \
        a.stdout[-3000:]
    assert set(re.findall(r"^(\S+)\s+: ok=", a.stdout, re.M)) == set(hosts), a.stdout[-2000:]
    p = pyinfra("--limit", limit, "--dry", inventory=pyinfra_inv, env=env)
    out = p.stdout + p.stderr
    assert p.returncode == 0 and set(re.findall(r"\[(\S+)\]\s+Connected", out)) == set(hosts), out[-3000:]
    assert "file /usr/local/sbin/gbtt-tc" in out, out[-3000:]


def test_bench_deploy_quick(lab):
    """The deploy benchmark's quick run (the no-op of one central host, with each engine)."""
    out = run_quick("bench_deploy.py")
    assert re.search(r"^ansible\s+-\s+[\d.]+$", out, re.M) and re.search(r"^pyinfra\s+-\s+[\d.]+$", out, re.M), out
