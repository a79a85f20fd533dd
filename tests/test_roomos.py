"""Cisco Room Kit codecs configured through RoomOS's HTTP API (component
`roomos_codec`): the model's xConfiguration lines as the XML the guide
documents, the diff against what the codec reads back, and the real
`ansible-playbook` run of the role, in check mode and for real, against a
stand-in for the codec's API (tests/roomos_double.py: no RoomOS codec runs
here)."""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from conftest import REAL, book_within_the_hour, edit
from gbtt.desired import host_state
from gbtt.inventory import load
from gbtt.roomos import MASK, RoomOSError, from_xml, parse_commands, plan, to_xml
from labtools import ansible, recap
from roomos_double import RoomKitDouble

CODEC = "so-tttt-codec"


def test_terminal_lines_become_the_guides_xml():
    settings = parse_commands('xConfiguration SIP Proxy 1 Address: "10.52.0.12:5060"\n'
                              'xConfiguration Network 1 QoS Mode: Diffserv\n'
                              'xConfiguration Network 1 QoS Diffserv Audio: 46\n'
                              'xConfiguration SIP DisplayName: "Sở TT&TT"\n')
    root = ET.fromstring(to_xml(settings))
    assert root.tag == "Configuration"
    assert root.find("SIP/Proxy[@item='1']/Address").text == "10.52.0.12:5060"
    [network] = root.findall("Network")  # one element per item, every setting of item 1 inside it
    assert network.get("item") == "1" and network.find("QoS/Mode").text == "Diffserv"
    assert network.find("QoS/Diffserv/Audio").text == "46"
    assert from_xml(to_xml(settings)) == settings  # and back, '&' included


def test_only_commands_are_accepted():
    with pytest.raises(RoomOSError, match="line 2: not an xConfiguration command"):
        parse_commands("xConfiguration SIP URI: a@b\n# a comment the codec's shell would refuse\n")


def test_the_password_is_sent_only_when_it_may_be_wrong():
    desired = {"SIP URI": "a@b", "SIP Authentication Password": "s3cret-s3cret", "Network 1 QoS Mode": "Diffserv"}
    same = {"SIP URI": "a@b", "Network 1 QoS Mode": "Diffserv"}
    assert plan(desired, same, registered=True).changes == {}
    assert plan(desired, same, registered=False).changes == {"SIP Authentication Password": "s3cret-s3cret"}
    moved = plan(desired, {**same, "SIP URI": "old@b"}, registered=True)  # its section changes: sent with it
    assert moved.changes == {"SIP URI": "a@b", "SIP Authentication Password": "s3cret-s3cret"}
    assert "s3cret" not in str(moved.diff) and MASK in moved.diff["after"]
    qos = plan(desired, {**same, "Network 1 QoS Mode": "Off"}, registered=True)
    assert qos.changes == {"Network 1 QoS Mode": "Diffserv"}
    assert qos.diff["before"] == 'xConfiguration Network 1 QoS Mode: "Off"\n'


@pytest.fixture
def codec(tmp_path):
    """The inventory with the so-tttt codec's certificate pinned to the stand-in's, and the stand-in."""
    inv = tmp_path / "binh-dinh"
    shutil.copytree(REAL, inv)
    secrets = load(REAL).secrets()
    double = RoomKitDouble(tmp_path, "gbtt", secrets["codec_api_passwords"][CODEC], secrets["sip_passwords"][CODEC])
    edit(inv / "sites/so-tttt.yml", "    platform: cisco-room-kit\n",
         f"    platform: cisco-room-kit\n    api_certificate_sha256: {double.fingerprint}\n")
    yield inv, double
    double.close()


def run(inv, double, *args):
    proc = ansible("--limit", CODEC, "--tags", "roomos_codec", "-e", f"gbtt_api_url={double.url}", *args,
                   inventory=inv / "gbtt.yml")
    return proc.stdout + proc.stderr


def test_the_role_shows_the_diff_then_sets_the_codec_then_changes_nothing(codec):
    inv, double = codec
    desired = parse_commands(host_state(inv, CODEC).components["roomos_codec"].files[0].content)
    sip_password = desired["SIP Authentication Password"]

    out = run(inv, double, "--check", "--diff")
    assert recap(out, CODEC)["changed"] == 1, out[-3000:]
    assert not [r for r in double.requests if r[0] == "POST"]  # check mode reads only
    assert '+xConfiguration Network 1 QoS Diffserv Audio: "46"' in out
    assert '-xConfiguration Network 1 QoS Diffserv Audio: "0"' in out
    assert sip_password not in out and MASK in out

    out = run(inv, double)
    assert recap(out, CODEC)["changed"] == 1, out[-3000:]
    assert {k: double.config[k] for k in desired} == desired  # the password too, and the codec registers
    assert double.registered() and sip_password not in out

    double.requests.clear()
    out = run(inv, double, "--diff")
    assert recap(out, CODEC)["changed"] == 0, out[-3000:]
    assert [r for r in double.requests if r[0] == "POST"] == []

    double.config["Network 1 QoS Diffserv Video"] = "0"  # changed by hand on the codec
    out = run(inv, double, "--check", "--diff")
    assert recap(out, CODEC)["changed"] == 1
    assert re.findall(r"^[+-]xConfiguration .*$", out, re.M) == [
        '-xConfiguration Network 1 QoS Diffserv Video: "0"', '+xConfiguration Network 1 QoS Diffserv Video: "34"']


def test_a_codec_not_pinned_or_answering_with_another_certificate_is_refused(codec):
    inv, double = codec
    pinned = double.fingerprint
    edit(inv / "sites/so-tttt.yml", pinned, "ab" * 32)
    out = run(inv, double, "--check")
    assert recap(out, CODEC)["failed"] == 1
    assert f"certificate SHA-256 {pinned} is not the one pinned in the inventory" in out
    assert not double.requests  # not even the account was sent
    edit(inv / "sites/so-tttt.yml", f"    api_certificate_sha256: {'ab' * 32}\n", "")
    out = run(inv, double, "--check")
    assert "no api_certificate_sha256 for this codec" in out and recap(out, CODEC)["failed"] == 1


def test_a_wrong_account_and_an_unknown_setting_are_named(codec):
    inv, double = codec
    double.credentials = ("gbtt", "not-the-vaults")
    out = run(inv, double, "--check")
    assert "refused the API account (HTTP 401)" in out and recap(out, CODEC)["failed"] == 1
    double.credentials = ("gbtt", load(REAL).secrets()["codec_api_passwords"][CODEC])
    del double.config["Network 1 QoS Diffserv Signalling"]  # an older RoomOS, say
    out = run(inv, double)
    assert "the codec has no setting Network 1 QoS Diffserv Signalling" in out
    assert not [r for r in double.requests if r[0] == "POST"]  # nothing sent


def test_a_codec_taking_part_in_a_meeting_is_left_as_it_is(codec):
    inv, double = codec
    book_within_the_hour(inv, "hop-so-tttt", "Họp với Sở TT&TT", ["vp-ubnd", "so-tttt"])
    out = run(inv, double)
    assert recap(out, CODEC)["failed"] == 1
    assert "change freeze (Art. 7.5.b): so-tttt-codec takes part in 'Họp với Sở TT&TT'" in out
    assert "Refused: this run would change the codec's configuration" in out
    assert not [r for r in double.requests if r[0] == "POST"]
