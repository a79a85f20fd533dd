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
from gbtt.checks.roomos_codec import ALL_WELL, codec_rows
from gbtt.desired import host_state
from gbtt.inventory import load
from gbtt.roomos import (MASK, RoomOSError, command_xml, from_xml, parse_commands, parse_phonebook, phonebook_plan,
                         plan, to_xml)
from labtools import ansible, recap
from roomos_double import RoomKitDouble
from vendor_names import ROOMOS_COMMANDS

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


def test_the_phone_book_changes_only_the_provinces_contacts():
    desired = [("Quy Nhơn (quy-nhon-pc)", "quy-nhon-pc@gbtt.example"), ("An Lão (an-lao-pc)", "an-lao-pc@gbtt.example")]
    current = [("c1", "Quy Nhơn (quy-nhon-pc)", "quy-nhon-pc@gbtt.example"),
               ("c2", "Old name", "an-lao-pc@gbtt.example"),  # renamed: deleted and added again
               ("c3", "Gone meeting", "5226120708002@gbtt.example"),
               ("c4", "Hội đồng nhân dân (a technician's)", "hdnd@other.example")]
    adds, deletes = phonebook_plan(desired, current, "gbtt.example")
    assert adds == [("An Lão (an-lao-pc)", "an-lao-pc@gbtt.example")]
    assert [c[0] for c in deletes] == ["c2", "c3"]
    assert phonebook_plan(desired, [("x", n, u) for n, u in desired], "gbtt.example") == ([], [])


def test_commands_become_the_guides_xml():
    root = ET.fromstring(command_xml("Phonebook Contact Add", Name="Sở TT&TT", Number="a@b", Protocol="SIP"))
    assert root.tag == "Command" and root.find("Phonebook/Contact/Add/Name").text == "Sở TT&TT"
    assert [c.tag for c in root.find("Phonebook/Contact/Add")] == ["Name", "Number", "Protocol"]


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
    files = {f.path: f.content for f in host_state(inv, CODEC).components["roomos_codec"].files}
    desired, phonebook = parse_commands(files["xConfiguration"]), parse_phonebook(files["Phonebook"])
    sip_password = desired["SIP Authentication Password"]
    assert ("Điểm cầu thành phố Quy Nhơn (quy-nhon-pc)", "quy-nhon-pc@gbtt.binhdinh.gov.vn") in phonebook
    assert not [n for n, number in phonebook if number.startswith(CODEC)]  # not itself
    double.add_contact(Name="Nhà riêng kỹ thuật viên", Number="0903123456", Protocol="Auto")  # a technician's
    double.add_contact(Name="Old meeting", Number="5226010101001@gbtt.binhdinh.gov.vn", Protocol="SIP")

    # the audit (Art. 5.5) reads the codec as the role does, and says what is not as the model
    [row] = codec_rows(inv, url_of=lambda h: double.url)
    assert (row["host"], row["component"], row["ok"]) == (CODEC, "roomos_codec", False)
    assert row["detail"].startswith("differs from the model: SIP URI, SIP DisplayName, ")
    assert f"phone book: {len(phonebook)} contact(s) missing, 1 not the model's" in row["detail"]
    assert row["detail"].endswith("SIP not registered (its password? the registrar?)")

    out = run(inv, double, "--check", "--diff")
    assert recap(out, CODEC)["changed"] == 1, out[-3000:]
    assert not double.writes  # check mode reads only
    assert '+xConfiguration Network 1 QoS Diffserv Audio: "46"' in out
    assert '-xConfiguration Network 1 QoS Diffserv Audio: "0"' in out
    assert sip_password not in out and MASK in out
    assert "-xCommand Phonebook Contact: Old meeting <5226010101001@gbtt.binhdinh.gov.vn>" in out
    assert "+xCommand Phonebook Contact: Điểm cầu thành phố Quy Nhơn (quy-nhon-pc) " \
           "<quy-nhon-pc@gbtt.binhdinh.gov.vn>" in out

    out = run(inv, double)
    assert recap(out, CODEC)["changed"] == 1, out[-3000:]
    assert {k: double.config[k] for k in desired} == desired  # the password too, and the codec registers
    assert double.registered() and sip_password not in out
    book = sorted((c["Name"], c["Number"]) for c in double.contacts.values())
    assert book == sorted([*phonebook, ("Nhà riêng kỹ thuật viên", "0903123456")])  # the technician's kept
    assert {c.get("Protocol") for c in double.contacts.values() if c["Number"] in dict(phonebook).values()} == {"SIP"}
    # every command sent is documented, with documented arguments only
    assert {path for path, _ in double.commands} == {"Phonebook Search", "Phonebook Contact Add",
                                                     "Phonebook Contact Delete"}
    for path, arguments in double.commands:
        assert set(arguments) <= ROOMOS_COMMANDS[path][0], (path, arguments)

    double.writes.clear()
    out = run(inv, double, "--diff")
    assert recap(out, CODEC)["changed"] == 0, out[-3000:]
    assert not double.writes
    assert codec_rows(inv, url_of=lambda h: double.url) == [
        {"host": CODEC, "component": "roomos_codec", "ok": True, "detail": ALL_WELL}]

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
    [row] = codec_rows(inv, url_of=lambda h: double.url)
    assert not row["ok"] and "not pinned" in row["detail"]


def test_a_wrong_account_and_an_unknown_setting_are_named(codec):
    inv, double = codec
    double.credentials = ("gbtt", "not-the-vaults")
    out = run(inv, double, "--check")
    assert "refused the API account (HTTP 401)" in out and recap(out, CODEC)["failed"] == 1
    double.credentials = ("gbtt", load(REAL).secrets()["codec_api_passwords"][CODEC])
    del double.config["Network 1 QoS Diffserv Signalling"]  # an older RoomOS, say
    out = run(inv, double)
    assert "the codec has no setting Network 1 QoS Diffserv Signalling" in out
    assert not double.writes  # nothing sent


def test_a_codec_taking_part_in_a_meeting_is_left_as_it_is(codec):
    inv, double = codec
    book_within_the_hour(inv, "hop-so-tttt", "Họp với Sở TT&TT", ["vp-ubnd", "so-tttt"])
    out = run(inv, double)
    assert recap(out, CODEC)["failed"] == 1
    assert "change freeze (Art. 7.5.b): so-tttt-codec takes part in 'Họp với Sở TT&TT'" in out
    assert "Refused: this run would change the codec's configuration" in out
    assert not double.writes
