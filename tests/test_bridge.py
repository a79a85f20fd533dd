"""The multipoint bridge's pieces that run without a network: the SDP it
reads and writes, and what the model gives it (meetings, rooms, codecs) and
the registrar (its route and account)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import REAL
from gbtt.bridge import sdp
from gbtt.desired import host_state
from gbtt.desired.components.conference import PIN_SEPARATOR, meeting_numbers, meeting_room_id, rehearsal_room_id
from gbtt.inventory import load
from gbtt.meeting import MeetingError, meeting_number
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


BARESIP_H264 = """v=0\r
c=IN IP4 198.18.0.13\r
m=audio 30012 RTP/AVP 96\r
a=rtpmap:96 opus/48000/2\r
m=video 30014 RTP/AVP 96 97\r
a=rtpmap:96 H264/90000\r
a=fmtp:96 packetization-mode=0;profile-level-id=42002a\r
a=rtpmap:97 H264/90000\r
a=fmtp:97 packetization-mode=1;profile-level-id=42002a\r
a=rtcp:30021\r
"""


def test_the_bridge_chooses_opus_over_g722_and_refuses_video_it_was_not_given():
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


def test_the_bridge_answers_video_with_the_compositor_port_and_key_frame_feedback():
    offer = sdp.parse(BARESIP_G722)
    video = sdp.choose_video(offer.video(), ["H264", "VP8"])
    assert video == sdp.VideoChoice("VP8", 100, "VP8/90000", None)
    answer = sdp.answer(offer, sdp.choose(offer.audio()), "198.18.0.11", 21010, (video, "198.18.0.15", 30002))
    lines = answer.split("\r\n")
    at = lines.index("m=video 30002 RTP/AVP 100")
    assert lines[at + 1:at + 6] == ["c=IN IP4 198.18.0.15", "a=rtpmap:100 VP8/90000", "a=rtcp-fb:100 nack pli",
                                    "a=rtcp-fb:100 ccm fir", "a=sendrecv"]
    # H.264: the payload type in packetization mode 1 (the payloader fragments), its fmtp echoed; RTCP's port
    h264 = sdp.parse(BARESIP_H264)
    assert (h264.video().rtcp_port, h264.audio().rtcp_port) == (30021, 30013)
    choice = sdp.choose_video(h264.video(), ["H264"])
    assert (choice.payload_type, choice.fmtp) == (97, "packetization-mode=1;profile-level-id=42002a")
    assert sdp.choose_video(h264.video(), ["VP8"]) is None


def test_tiles_grid_and_speaker_layouts_keep_the_aspect_inside_the_canvas():
    from gbtt.bridge.tiles import grid, layout, speaker
    for n in range(1, 14):
        tiles = grid(n, 480, 270)
        assert len(tiles) == n
        for t in tiles:
            assert 0 <= t.x and t.x + t.width <= 480 and 0 <= t.y and t.y + t.height <= 270
            assert abs(t.width / t.height - 480 / 270) < 0.05 and t.width % 2 == 0 and t.x % 2 == 0
        # no two tiles overlap
        for i, a in enumerate(tiles):
            for b in tiles[i + 1:]:
                assert a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y or b.y + b.height <= a.y
    assert grid(1, 480, 270) == [(0, 0, 480, 270)]
    assert [t.width for t in grid(13, 480, 270)] == [120] * 13  # 4 columns, 4 rows
    assert grid(3, 480, 270)[2].x == 120  # the last row centred
    big, *small = speaker(13, 480, 270)
    assert (big.width, big.height) == (360, 202) and sum(t is not None for t in small) == 7
    rooms = ["a", "b", "c"]
    assert layout("speaker", rooms, 480, 270, ["c", "a"])["c"] == big
    assert layout("grid", rooms, 480, 270, ["c"])["a"].x == 0
    with pytest.raises(ValueError):
        layout("mosaic", rooms, 480, 270)


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
    assert config["sip"]["registrars"] == [["198.18.0.112", 5060], ["198.18.0.117", 5060]] and config["janus"]["url"] == "https://198.18.0.11:443/janus"
    assert config["janus"]["api_secret"] == inv.secrets()["janus_api_secret"]


def test_the_registrar_routes_meeting_numbers_to_the_bridge_and_knows_its_account():
    inv = load(REAL)
    state = host_state(REAL, "mcu-sip-01", lab=True).components["sip_registrar"]
    cfg = next(f.content for f in state.files if f.path == "/etc/kamailio/kamailio.cfg")
    pattern = meeting_numbers(inv)
    assert f'$rU =~ "{pattern}"' in cfg and '$du = "sip:198.18.0.15:5060";' in cfg
    assert all(re.match(pattern, str(meeting_room_id(inv, m))) for m in meetings(inv))
    assert not re.match(pattern, "5201") and not re.match(pattern, "quy-nhon-pc")
    number = meeting_room_id(inv, meetings(inv)[0])
    assert re.match(pattern, f"{number}*123456") and not re.match(pattern, f"{number}*12") \
        and not re.match(pattern, f"{number}#123456")  # a PIN dialled with the number
    # the bridge's program runs without gbtt's package (and sippy is not installed here): its own copy agrees
    program = (Path(sdp.__file__).parent / "service.py").read_text()
    assert f'PIN_SEPARATOR = "{PIN_SEPARATOR}"' in program
    passwords = next(f.content for f in state.files if f.path == "/etc/kamailio/gbtt-passwords.cfg")
    assert "$sht(sippw=>gbtt-bridge)" in passwords


def test_the_floor_goes_to_the_room_that_speaks_and_stays_while_it_speaks():
    from gbtt.bridge.speakers import Speakers
    floor = []
    knobs = {"talk_db": -40, "talk_ms": 300, "quiet_ms": 1000, "hold_ms": 2000, "margin_db": 6}
    s = Speakers(knobs, floor.append)

    def feed(t0: float, t1: float, levels: dict, muted=()):
        t = t0
        while t < t1:
            for room, db in levels.items():
                s.level(room, db, room in muted, now=t)
            t = round(t + 0.1, 3)

    feed(0, 0.25, {"a": -20, "b": -90})
    assert s.talking == set() and floor == []  # not yet talk_ms
    feed(0.3, 1.0, {"a": -20, "b": -90})
    assert s.talking == {"a"} and floor == ["a"]
    # b speaks as loud as a: a keeps the floor (not out-spoken by margin_db)
    feed(1.0, 4.0, {"a": -20, "b": -19})
    assert s.talking == {"a", "b"} and floor == ["a"] and s.state("b") == {"talking": True, "level_db": -19}
    # b louder by 6 dB once a has held the floor for hold_ms: b takes it
    feed(4.0, 4.5, {"a": -30, "b": -19})
    assert floor == ["a", "b"]
    # b falls silent: it still speaks for quiet_ms (a pause), then a, still speaking, takes the floor
    feed(4.5, 5.2, {"a": -30, "b": -90})
    assert floor == ["a", "b"] and "b" in s.talking
    feed(5.2, 6.0, {"a": -30, "b": -90})
    assert floor == ["a", "b", "a"] and s.talking == {"a"}
    # a muted by the central engineer stops speaking at once, whatever it sends
    feed(6.0, 6.5, {"a": -10, "b": -90}, muted={"a"})
    assert s.talking == set()
    s.forget("a")
    assert s.speaker is None and s.state("a")["level_db"] == -127.0


def test_ending_a_meeting_answers_at_once_and_lets_its_media_go_afterwards():
    """`end` runs in the bridge's SIP loop, where the engineer's answer waits: the rooms' BYEs go and the
    meeting is over there; stopping the sound pipelines, the compositor and the browsers' Janus side (slow on
    a loaded host: over 30 s once in CI) comes after, in a thread, and misses nothing."""
    import threading

    from sippy.CCEvents import CCEventDisconnect

    from gbtt.bridge.service import Bridge, Leg
    from gbtt.bridge.web import WebRooms

    number, release, closed = "5226120708002", threading.Event(), []
    video = {"codec": "VP8", "width": 640, "height": 360, "fps": 15}
    config = {"meetings": {number: {"title": "Giao ban", "start": "", "end": "", "room": 4242, "secret": "s",
                                    "rooms": [{"id": r, "name": r, "video": video} for r in ("an-lao-pc", "quy-nhon-pc")],
                                    "web_rooms": [{"id": "vp-ubnd-web", "name": "VP UBND", "video": video}]}},
              "janus": {"url": "http://127.0.0.1:9/janus", "api_secret": "x", "address": "127.0.0.1",
                        "remote_ports": [20000, 20010]}}

    class Janus:  # what the bridge asked of Janus
        def __init__(self):
            self.asked, self.detached = [], []

        def request(self, handle, body):
            self.asked.append((handle, body["request"], body.get("id")))
            return {}

        def detach(self, handle):
            self.detached.append(handle)

    class Voice:  # a sound pipeline that stops only when the test lets it
        def __init__(self, room):
            self.room = room

        def close(self):
            release.wait(10)
            closed.append(self.room)

    class Composer:
        legs = {}

        def close(self):
            closed.append("compositor")

    class UA:
        def __init__(self):
            self.events = []

        def recvEvent(self, event):  # noqa: N802 (sippy's name)
            self.events.append(event)

    bridge = Bridge(config)
    bridge.janus = Janus()
    bridge.started.add(number)
    for handle, room in enumerate(("an-lao-pc", "quy-nhon-pc"), 1):
        leg = bridge.legs[(number, room)] = Leg(number, room, room, "out")
        leg.ua, leg.voice, leg.handle = UA(), Voice(room), handle
        leg.joined()
    bridge.composers[number] = Composer()
    web = bridge.web[number] = WebRooms(bridge, number)
    web.handles = {"videoroom": 11, "audiobridge": 12}
    web.present = {"vp-ubnd-web": {"audio": 21, "publisher": 22, "since": 0}}

    assert bridge.command({"verb": "end", "meeting": number}) == {"ended": ["an-lao-pc", "quy-nhon-pc", "vp-ubnd-web"]}
    assert closed == []  # answered while the first pipeline still stops
    legs = [bridge.legs[(number, r)] for r in ("an-lao-pc", "quy-nhon-pc")]
    assert all(leg.state == "ended" and leg.reason == "the meeting was ended" for leg in legs)
    assert all([type(e) for e in leg.ua.events] == [CCEventDisconnect] for leg in legs)  # the BYE, once
    assert number not in bridge.started and number not in bridge.composers and number not in bridge.web
    bridge.leave(legs[0], "hung up")  # the room's own BYE crossing the bridge's: nothing left to let go twice

    release.set()
    teardown = next(t for t in threading.enumerate() if t.name == f"end-{number}")
    teardown.join(10)
    assert not teardown.is_alive()
    assert closed == ["an-lao-pc", "quy-nhon-pc", "compositor"]
    assert (12, "kick", 21) in bridge.janus.asked and (11, "kick", 22) in bridge.janus.asked  # the browser
    assert sorted(bridge.janus.detached) == [1, 2, 11, 12]


def test_the_engineer_names_a_booking_its_number_next_or_the_standing_rehearsal_room():
    """`gbtt meeting list` shows the bridge's standing rehearsal room (5299); show, start and end take it."""
    inv = load(REAL)
    first = sorted(meetings(inv), key=lambda m: m.start)[0]
    assert meeting_number(inv, first.id) == meeting_number(inv, str(meeting_room_id(inv, first))) \
        == str(meeting_room_id(inv, first))
    assert meeting_number(inv, str(rehearsal_room_id(inv))) == "5299"
    with pytest.raises(MeetingError, match=r"no booked meeting '5298' .*; or the rehearsal room, 5299$"):
        meeting_number(inv, "5298")

