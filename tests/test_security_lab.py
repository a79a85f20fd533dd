"""The registrar under attack, in the lab (small profile), from a bridge
room's address as an attacker inside the dedicated network would: a
password-guessing run is refused after the knob's number of wrong guesses
(the rest of the run meets silence) and logged, while another room, from its
own address, registers and passes the pre-meeting check; a flood of requests
from one address is cut down to Kamailio's pike rate. The bans are lifted
afterwards (`kamcmd htable.flush authfail`; pike forgets a quiet source)."""
from __future__ import annotations

import time

import pytest

from conftest import REAL
from gbtt.checks import run_probe
from gbtt.desired.model import host_knobs
from gbtt.hostinventory import lab_state
from gbtt.inventory import load
from gbtt.preflight import preflight
from labtools import on_every_registrar, registered, remote

pytestmark = pytest.mark.lab
KNOBS = host_knobs(REAL, "mcu-sip-01", "sip_registrar")


@pytest.fixture(scope="module")
def lab(deployed_lab):
    registered(deployed_lab)
    yield deployed_lab
    on_every_registrar(deployed_lab, "kamcmd htable.flush authfail")
    registered(deployed_lab)  # a room blocked for a while may have missed its registration


@pytest.fixture(scope="module")
def registrar(lab):
    return lab_state(lab.state_dir)["hosts"]["mcu-sip-01"]


def test_password_guessing_is_refused_while_another_room_registers_and_passes(lab, registrar):
    inv = load(REAL)
    domain, limit = inv.province["sip_domain"], KNOBS["kamailio_auth_fail_limit"]
    sip = remote(lab, "mcu-sip-01")
    attacker = remote(lab, "quy-nhon-pc")
    try:
        run = run_probe(attacker, "sip", "guess", registrar, KNOBS["kamailio_sip_port"], "udp", domain, "an-lao-pc",
                        limit * 4)
        assert run["answered"] == limit and run["first_silence"] == limit, run  # then nothing more is answered
        # refused as a source: even its own room's right password meets silence now
        own = run_probe(attacker, "sip", "register", registrar, KNOBS["kamailio_sip_port"], "udp", domain,
                        "quy-nhon-pc", inv.secrets()["sip_passwords"]["quy-nhon-pc"])
        assert own["outcome"] == "timeout", own
        # another room, from its own address, is not affected
        room = run_probe(remote(lab, "an-lao-pc"), "sip", "register", registrar, KNOBS["kamailio_sip_port"], "udp",
                         domain, "an-lao-pc", inv.secrets()["sip_passwords"]["an-lao-pc"])
        assert room["status"] == 200, room
        results, _, _ = preflight(REAL, lab=True, sites=["an-lao"])
        assert all(r["ok"] for r in results), results
        log = sip.check_output("journalctl -u kamailio --since -5min --no-pager -o cat")
        assert f"failed authentications (last as an-lao-pc): refused for {KNOBS['kamailio_auth_ban_seconds']} s" in log
    finally:
        sip.run("kamcmd htable.flush authfail")
    again = run_probe(attacker, "sip", "register", registrar, KNOBS["kamailio_sip_port"], "udp", domain,
                      "quy-nhon-pc", inv.secrets()["sip_passwords"]["quy-nhon-pc"])
    assert again["status"] == 200, again  # the ban lifted: the room registers again


def test_a_flood_from_one_address_is_cut_to_the_pike_rate(lab, registrar):
    flooder = remote(lab, "vp-ubnd-pc")
    run = run_probe(flooder, "sip", "flood", registrar, KNOBS["kamailio_sip_port"], 400)  # 400 back to back
    assert run["send_seconds"] < KNOBS["kamailio_pike_seconds"], run  # all within one sampling time
    assert 0 < run["answered"] <= 2 * KNOBS["kamailio_pike_requests"], run  # about the pike rate, not 400
    assert "flood from" in remote(lab, "mcu-sip-01").check_output(
        "journalctl -u kamailio --since -2min --no-pager -o cat")
    deadline = time.monotonic() + 30  # a quiet source is forgotten
    while run_probe(flooder, "sip", "options", registrar, KNOBS["kamailio_sip_port"], "udp").get("status") != 200:
        assert time.monotonic() < deadline, "the flooding address stays blocked after it went quiet"
        time.sleep(2)
