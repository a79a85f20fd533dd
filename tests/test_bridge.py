"""The multipoint bridge's pieces that run without a network: the SDP it
reads and writes, and what the model gives it (meetings, rooms, codecs) and
the registrar (its route and account)."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from conftest import REAL
from gbtt.bridge import sdp
from gbtt.desired import host_state
from gbtt.desired.components.conference import meeting_numbers, meeting_room_id, rehearsal_room_id
from gbtt.inventory import load
from gbtt.meetings import meetings

BARESIP_G722 = """v=0\r
o=- 1 2 IN IP4 198.18.0.13\r
s=-\r
c=IN IP4 198.18.0.13\r
t=0 0\r
m=audio 30012 RTP/AVP 9 96 101\r
a=rtpmap:9 G722/8000\r
a=rtpmap:96 opus/48000/2\r
a=fmtp:96 useinbandfec=1\r
a=rtpmap:101 telephone-event/8000\r
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r
m=video 30014 RTP/AVP 100\r
a=rtpmap:100 VP8/90000\r
"""


def test_the_bridge_chooses_opus_over_g722_and_refuses_video_for_now():
    offer = sdp.parse(BARESIP_G722)
    audio = offer.audio()
    assert (audio.address, audio.port) == ("198.18.0.13", 30012)
    choice = sdp.choose(audio)
    assert (choice.codec, choice.payload_type, choice.audiolevel_ext) == ("opus", 96, 1)
    answer = sdp.answer(offer, choice, "198.18.0.11", 21010)
    lines = answer.split("\r\n")
    assert "c=IN IP4 198.18.0.11" in lines and "m=audio 21010 RTP/AVP 96" in lines
    assert "a=rtpmap:96 opus/48000/2" in lines and "a=fmtp:96 useinbandfec=1" in lines
    assert "m=video 0 RTP/AVP 100" in lines  # one answer line per offered line, in order (RFC 3264)
    assert [line[:7] for line in lines if line.startswith("m=")] == ["m=audio", "m=video"]


def test_static_payload_types_need_no_rtpmap_and_unmixable_offers_are_refused():
    g711 = sdp.parse("v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 8 0\r\n")
    assert sdp.choose(g711.audio()) == sdp.Choice("pcmu", 0, "PCMU/8000", None, None)
    g722_only = sdp.parse("v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n")
    assert sdp.choose(g722_only.audio()) is None
    with pytest.raises(ValueError):
        sdp.parse("v=0\r\nm=audio 4000 RTP/AVP 0\r\n")  # no address anywhere
    assert sdp.parse("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 0 RTP/AVP 0\r\n").audio() is None  # refused line


def test_the_model_gives_the_bridge_every_meeting_not_yet_over_with_its_sip_rooms():
    inv = load(REAL)
    now = dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc)
    state = host_state(REAL, "mcu-bridge-01", lab=True, now=now).components["multipoint_bridge"]
    config = json.loads(next(f.content for f in state.files if f.path == "/etc/gbtt/bridge/bridge.json"))
    upcoming = [m for m in meetings(inv) if m.end > now]
    rehearsal = str(rehearsal_room_id(inv))  # gbtt rehearse --rooms all: every SIP room system of the province
    assert upcoming and sorted(config["meetings"]) == sorted([rehearsal] + [str(meeting_room_id(inv, m)) for m in upcoming])
    every = [ep["id"] for sid in sorted(inv.sites) for ep in inv.sites[sid]["endpoints"] if ep["kind"] == "sip-room-system"]
    assert [r["id"] for r in config["meetings"][rehearsal]["rooms"]] == every and len(every) == 18
    assert config["meetings"][rehearsal]["start"] is None
    assert config["volume"] == 15  # the lab's steady tones enter the mix at 15 %: 13 of them do not clip
    m = config["meetings"][str(meeting_room_id(inv, upcoming[0]))]
    sip_rooms = [ep["id"] for sid in upcoming[0].rooms for ep in inv.sites[sid]["endpoints"]
                 if ep["kind"] == "sip-room-system"]
    assert [r["id"] for r in m["rooms"]] == sip_rooms
    assert config["sip"]["registrar"] == "198.18.0.12" and config["janus"]["url"] == "https://198.18.0.11:443/janus"
    assert config["janus"]["api_secret"] == inv.secrets()["janus_api_secret"]


def test_the_registrar_routes_meeting_numbers_to_the_bridge_and_knows_its_account():
    inv = load(REAL)
    state = host_state(REAL, "mcu-sip-01", lab=True).components["sip_registrar"]
    cfg = next(f.content for f in state.files if f.path == "/etc/kamailio/kamailio.cfg")
    pattern = meeting_numbers(inv)
    assert f'$rU =~ "{pattern}"' in cfg and '$du = "sip:198.18.0.15:5060";' in cfg
    assert all(re.match(pattern, str(meeting_room_id(inv, m))) for m in meetings(inv))
    assert not re.match(pattern, "5201") and not re.match(pattern, "quy-nhon-pc")
    passwords = next(f.content for f in state.files if f.path == "/etc/kamailio/gbtt-passwords.cfg")
    assert "$sht(sippw=>gbtt-bridge)" in passwords
