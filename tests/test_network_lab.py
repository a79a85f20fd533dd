"""The network roles proved in the lab (small profile): An Lão's room
reaches the centre through its Linux edge router r-an-lao (the lab's static
routes), which the model provisions (FRR, nftables, tc). During a real
preflight call a capture on the router shows SIP leaving as CS5, audio as
EF, video as AF41; a packet from the room to a port the ACL does not allow
is dropped and counted, while the room and the centre still reach each
other on everything they need; check mode shows a change without making it."""
from __future__ import annotations

import re
import threading

import pytest

from conftest import REAL
from gbtt.checks import run_probe
from gbtt.checks.linux_router import check_linux_router
from gbtt.hostinventory import lab_state
from gbtt.preflight import preflight
from labtools import ansible, pyinfra, remote

pytestmark = pytest.mark.lab
ROUTER, ROOM = "r-an-lao", "an-lao-pc"
NFT = "/etc/nftables.d/gbtt-router.nft"
EF, AF41, CS5 = 46, 34, 40


@pytest.fixture(scope="module")
def lab(deployed_lab):
    return deployed_lab


def test_the_router_is_provisioned_as_the_model_says(lab):
    check_linux_router(remote(lab, ROUTER), ROUTER, lab=True, address=lab_state(lab.state_dir)["hosts"][ROUTER])
    # the other engine, in a dry run, would change none of the files or services Ansible left
    dry = pyinfra("--limit", ROUTER, "--dry")
    out = dry.stdout + dry.stderr
    assert dry.returncode == 0 and re.search(rf"\[{ROUTER}\]\s+Ready", out), out[-3000:]
    assert not re.search(r"\| (file|service|directory|system user) .*\d+ \(", out), out[-3000:]
    routes = remote(lab, ROOM).check_output("ip route")
    assert "198.18.0.0/24 via 198.18.255.29" in routes  # the centre through the router


def test_a_call_through_the_router_carries_its_classes(lab):
    captured = {}

    def capture():
        captured.update(run_probe(remote(lab, ROUTER), "capture", "eth0", 12, "5060,5061",
                                  "20000-20999,30000-30999"))

    sniffer = threading.Thread(target=capture)
    sniffer.start()
    results, _, _ = preflight(REAL, lab=True, sites=["an-lao"])
    sniffer.join()
    assert results[0]["ok"], results[0]
    sip, rtp = captured["sip"], captured["rtp"]
    assert sip and set(sip) == {str(CS5)}, sip  # JSON keys: DSCP values
    assert rtp["9"] and set(rtp["9"]) == {str(EF)}, rtp  # G.722: audio
    assert rtp["100"] and set(rtp["100"]) == {str(AF41)}, rtp  # VP8: video
    assert rtp["9"][str(EF)] > 100 and rtp["100"][str(AF41)] > 100  # both ways, for seconds


def drops(router) -> int:
    line = router.check_output("nft list chain inet gbtt_router rooms_to_centre | grep 'refused: not a GBTT'")
    return int(line.split("packets ")[1].split()[0])


def test_the_acl_drops_and_counts_what_the_rooms_may_not_open(lab):
    router, room = remote(lab, ROUTER), remote(lab, ROOM)
    before = drops(router)
    out = room.check_output("python3 -c \"import errno, socket\n"
                            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                            "[s.sendto(b'x', ('198.18.0.12', 9999)) for _ in range(5)]\n"
                            "t = socket.socket(); t.settimeout(2)\n"
                            "print(errno.errorcode.get(t.connect_ex(('198.18.0.12', 22)), 'connected'))\"")
    # SSH to the centre from a room: no answer at all (dropped), neither connected nor refused
    assert out.strip() in ("EAGAIN", "EWOULDBLOCK", "ETIMEDOUT"), out
    assert drops(router) >= before + 6
    # and everything the room needs still passes: registered, a full call both ways
    results, _, _ = preflight(REAL, lab=True, sites=["an-lao"])
    assert results[0]["ok"], results[0]


def test_check_mode_shows_the_routers_change_without_making_it(lab):
    router = remote(lab, ROUTER)
    router.check_output(f"sed -i 's/counter drop comment/drop comment/' {NFT}")
    edited = router.file(NFT).sha256sum
    run = ansible("--limit", ROUTER, "--tags", "linux_router", "--check", "--diff")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "+\t\tcounter drop comment" in run.stdout and "-\t\tdrop comment" in run.stdout
    assert router.file(NFT).sha256sum == edited
    fixed = ansible("--limit", ROUTER, "--tags", "linux_router")
    assert fixed.returncode == 0 and router.file(NFT).sha256sum != edited
