"""gbtt-bridge: the SIP side of the multipoint bridge (sippy), run by systemd
on the bridge host:

    python3 -m gbtt_bridge.service /etc/gbtt/bridge/bridge.json

Every room of a meeting is one *leg*: a SIP dialog with the room (through
the registrar, media anchored on the relay), one plain-RTP participant of
the meeting's Janus AudioBridge room, which mixes (each room hears the others,
not itself), its sound's level on the way (gbtt_bridge.voice: who speaks),
and its pictures to and from the meeting's compositor (gbtt_bridge.video:
GStreamer; a grid of every room, or the speaker large). A room calls
`sip:<meeting number>@<domain>` (the bridge answers
with Janus's RTP address for the codec it chose), or the bridge calls the
room when the central engineer starts the meeting (without an offer: the
room offers in its 200 OK and the bridge answers in the ACK). The central
engineer's commands come over a loopback socket (gbtt_bridge.control).

The centre keeps its rooms connected: while a meeting runs (from `start` to
`end`, kept in the state file, so a restarted bridge carries on), a room
whose call ends without the engineer dropping it (it hung up, its link
failed) is called again every `redial_seconds` for up to `redial_for_seconds`;
after a restart every room of every running meeting is called again so. The
bridge calls through the first registrar of its list; one that sends no answer
at all within `registrar_timeout` seconds is left for the next, and the room
called through that one at once (Art. 7.3.c: the centre keeps two). A
bridge that systemd stops (a restart, a deploy) hangs up every call first,
so that the rooms are free when it calls again; after a crash the rooms' old
calls end on their own RTP timeout, and the bridge calls until they answer."""
from __future__ import annotations

import faulthandler
import json
import logging
import os
import resource
import signal
import socketserver
import sys
import threading
import time

from sippy.CCEvents import CCEventConnect, CCEventDisconnect, CCEventFail, CCEventPreConnect, CCEventTry
from sippy.Core.EventDispatcher import ED2
from sippy.MsgBody import MsgBody
from sippy.SipConf import SipConf
from sippy.SipLogger import SipLogger
from sippy.SipTransactionManager import SipTransactionManager
from sippy.Time.Timeout import Timeout
from sippy.UA import UA

from . import sdp
from .tiles import LAYOUTS
from .janus_client import Janus, JanusError
from .speakers import Speakers
from .web import WebRooms

STOP_GRACE_SECONDS = 0.5  # from SIGTERM to the exit: the rooms' BYEs sent, most answered
PIN_SEPARATOR = "*"  # sip:<meeting number>*<PIN>@<domain> (gbtt.desired.components.conference)

log = logging.getLogger("gbtt-bridge")


class Leg:
    """One room in one meeting."""

    def __init__(self, meeting: str, room: str, display: str, direction: str):
        self.meeting, self.room, self.display, self.direction = meeting, room, display, direction
        self.ua = None
        self.handle: int | None = None
        self.participant: int | None = None
        self.codec: str | None = None
        self.video = None  # gbtt_bridge.video.VideoLeg
        self.voice = None  # gbtt_bridge.voice.Voice
        self.muted = False
        self.state = "calling"
        self.since = time.time()
        self.connected: float | None = None
        self.reason = ""
        self.lost: float | None = None  # when the room was lost, while the bridge calls it again
        self.registrar: int | None = None  # the registrar a dial-out went through (its index), shown as `via`
        self.via: str | None = None
        self.tried = 0  # registrars tried for this call

    def joined(self) -> None:
        self.state, self.connected = "connected", time.time()

    def row(self) -> dict:
        sip = {"call_id": str(self.ua.cId), "bridge_tag": str(self.ua.lTag)} if self.ua is not None and \
            getattr(self.ua, "cId", None) is not None else {}
        return {"room": self.room, "display": self.display, "direction": self.direction, "state": self.state,
                "codec": self.codec, "participant": self.participant, "since": round(self.since, 3),
                "connected": round(self.connected, 3) if self.connected else None, "reason": self.reason, "via": self.via, **sip,
                **(self.video.row() if self.video is not None else {})}


# Ends of a call that are the central engineer's doing: the room is not called again
ENGINEER = ("dropped by the central engineer", "the meeting was ended", "redialled by the central engineer",
            "the room called again")


class MediaRefused(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.status = (code, reason)


class DialUA(UA):
    """sippy's UA for the bridge's calls, telling a registrar that sent nothing at all back within
    `no_reply_time` (its host or Kamailio down) from one that answered, even with a refusal."""
    unanswered = False

    def no_reply_expires(self):
        self.unanswered = True
        super().no_reply_expires()


class DialOut(CCEventTry):
    """An INVITE from the bridge's own account (the registrar authenticates it like any room)."""
    domain = None

    def onUacSetupComplete(self, uac):
        uac.lUri.getUrl().host = self.domain


class Bridge:
    def __init__(self, config: dict):
        self.cfg = config
        self.meetings: dict[str, dict] = config["meetings"]
        self.layouts: dict[str, str] = {}  # the central engineer's layout of a meeting, until it ends
        self.legs: dict[tuple[str, str], Leg] = {}
        self.janus = Janus(config["janus"]["url"], config["janus"]["api_secret"], config["janus"].get("cafile"),
                           on_event=self.janus_event)
        self.sip = None  # sippy's global_config
        self.composers: dict = {}  # meeting number -> gbtt_bridge.video.Composer
        self.speakers: dict[str, Speakers] = {}  # meeting number -> who speaks in it
        self.web: dict[str, WebRooms] = {}  # meeting number -> its WebRTC room PCs, from start to end
        self.ports = None  # the media ports (gbtt_bridge.gst.Ports), once GStreamer is started
        self.started: set[str] = set()  # the meetings running, started by the central engineer (the state file)
        self.picture_ports: dict[str, int] = {}  # meeting -> Janus's port of its composed picture (the state file)
        self.state_lock = threading.Lock()  # the state file is written from the bridge's loop and the web threads
        redial = config.get("redial", {})
        self.redial_seconds, self.redial_for = redial.get("seconds", 3), redial.get("for_seconds", 120)
        self.stopping = False
        self.registrar = 0  # the registrar the bridge calls through: its index in the configuration's list

    # -- the meetings running, kept across restarts ---------------------------------------
    def load_state(self) -> None:
        path = self.cfg.get("state_file")
        try:
            with open(path, encoding="utf-8") as f:
                state = json.load(f)
            self.started = {n for n in state.get("running", []) if n in self.meetings}
            self.picture_ports = {n: int(p) for n, p in state.get("picture_ports", {}).items() if n in self.meetings}
        except (OSError, ValueError, TypeError, AttributeError):
            self.started, self.picture_ports = set(), {}

    def save_state(self) -> None:
        path = self.cfg.get("state_file")
        if not path:
            return
        try:
            with self.state_lock:
                with open(path + ".new", "w", encoding="utf-8") as f:
                    json.dump({"running": sorted(self.started), "picture_ports": dict(self.picture_ports)}, f)
                os.replace(path + ".new", path)
        except OSError as exc:
            log.error("state file %s: %s", path, exc)

    def resume(self) -> None:
        """After a restart: every room of every meeting running is called again (the web side opened)."""
        for number in sorted(self.started):
            log.info("%s: running before the restart, its rooms called again", number)
            now = time.time()
            for room in self.meetings[number]["rooms"]:
                self.dial(number, room).lost = now
            if self.meetings[number].get("web_rooms"):
                self.web.setdefault(number, WebRooms(self, number)).open()

    def call_again(self, leg: "Leg") -> None:
        """A room lost from a running meeting: called again in a moment, unless it is back or given up."""
        if self.stopping or leg.meeting not in self.started or leg.reason in ENGINEER or (leg.connected is None and leg.lost is None):
            return
        lost = leg.lost or time.time()
        if time.time() - lost > self.redial_for:
            log.warning("%s %s: not back after %d s, no longer called", leg.meeting, leg.room, self.redial_for)
            return

        def again() -> None:
            current = self.legs.get((leg.meeting, leg.room))
            if leg.meeting in self.started and (current is None or current is leg or current.state == "ended"):
                room = next(r for r in self.meetings[leg.meeting]["rooms"] if r["id"] == leg.room)
                self.dial(leg.meeting, room).lost = lost
        log.info("%s %s: lost (%s), called again in %g s", leg.meeting, leg.room, leg.reason, self.redial_seconds)
        Timeout(again, self.redial_seconds)

    def stop(self) -> None:
        """SIGTERM (systemd stops the bridge): every call hung up, the state file kept (a restarted bridge
        calls the running meetings' rooms again at once), the loop left once the BYEs are out."""
        log.info("stopping: %d call(s) hung up", sum(leg.state != "ended" for leg in self.legs.values()))
        self.stopping = True
        for leg in list(self.legs.values()):
            self.hang_up(leg, "the bridge stopped")
        Timeout(ED2.breakLoop, STOP_GRACE_SECONDS)

    # -- sound levels and pictures (GStreamer) -----------------------------------------
    def start_media(self) -> None:
        from . import gst  # GStreamer: only where the bridge runs
        gst.start_main_loop()
        low, high = self.cfg["media_ports"]
        self.ports = gst.Ports(self.cfg["sip"]["address"], low, high)

    def layout(self, number: str) -> str:
        return self.layouts.get(number) or self.meetings[number].get("layout", "grid")

    def speakers_of(self, number: str):
        if number not in self.speakers:
            def on_speaker(room: str) -> None:
                log.info("%s %s: speaks", number, room)
                if number in self.composers:
                    self.composers[number].spoke(room)
            self.speakers[number] = Speakers(self.cfg["voice"], on_speaker)
        return self.speakers[number]

    def listen(self, leg: Leg, choice, audio) -> None:
        """The room's sound through the bridge to Janus, its level measured (who speaks): `leg.voice`; left
        None when the bridge has no decoder for the codec (then the room's sound goes to Janus directly)."""
        decode = self.cfg.get("voice", {}).get("codecs", {}).get(choice.codec)
        if self.ports is None or not decode:
            return
        from .voice import Voice
        name, clock = choice.rtpmap.split("/")[:2]
        caps = f"application/x-rtp,media=audio,clock-rate={clock},encoding-name={name.upper()},payload={choice.payload_type}"
        speakers = self.speakers_of(leg.meeting)

        def on_level(db: float) -> None:
            speakers.level(leg.room, db, leg.muted)
        try:
            leg.voice = Voice(leg.room, self.ports, decode, caps, (audio.address, audio.port, audio.rtcp_port), on_level)
        except OSError as exc:
            log.error("%s %s: no level measured: %s", leg.meeting, leg.room, exc)

    def composer(self, number: str):
        if number not in self.composers:
            from .video import Composer
            meeting = self.meetings[number]
            videos = [r["video"] for r in meeting["rooms"] + meeting.get("web_rooms", [])]
            width, height = max(v["width"] for v in videos), max(v["height"] for v in videos)
            self.composers[number] = Composer(number, width, height, max(v["fps"] for v in videos),
                                              self.layout(number), self.cfg["video"]["codecs"], self.ports)
        return self.composers[number]

    def picture(self, leg: Leg, meeting: dict, offer: sdp.Offer):
        """The room's video into the meeting's compositor: (choice, address, port) for the answer, or None
        (the line is refused) when the room offers no video or no codec the bridge encodes."""
        media = offer.video()
        if media is None or self.ports is None:
            return None
        room = next((r for r in meeting["rooms"] if r["id"] == leg.room), None)
        mine = room["video"] if room else max((r["video"] for r in meeting["rooms"]), key=lambda v: v["width"])
        choice = sdp.choose_video(media, [mine["codec"], *(c for c in self.cfg["video"]["codecs"] if c != mine["codec"])])
        if choice is None:
            log.info("%s %s: no video codec in common, audio only", leg.meeting, leg.room)
            return None
        try:
            leg.video = self.composer(leg.meeting).add(leg.room, choice.codec, choice.payload_type, mine,
                                                       (media.address, media.port, media.rtcp_port))
        except Exception as exc:  # noqa: BLE001 (GStreamer's errors too: a picture's failure never costs the sound)
            log.error("%s %s: video refused: %s", leg.meeting, leg.room, exc)
            return None
        return choice, self.cfg["sip"]["address"], leg.video.ports[0]

    def drop_picture(self, leg: Leg) -> None:
        composer = self.composers.get(leg.meeting)
        if leg.video is None or composer is None:
            return
        if composer.legs.get(leg.room) is leg.video:
            self.drop_video(leg.meeting, leg.room)
        leg.video = None

    def drop_video(self, number: str, room: str) -> None:
        """A room's pictures out of the meeting's compositor, closed once nobody is left in it."""
        composer = self.composers.get(number)
        if composer is None:
            return
        composer.remove(room)
        if not composer.legs:
            composer.close()
            self.composers.pop(number, None)

    # -- Janus ----------------------------------------------------------------
    def janus_event(self, event: dict) -> None:
        data = event.get("plugindata", {}).get("data", {})
        if data.get("audiobridge") == "talking" or data.get("audiobridge") == "stopped-talking":
            log.debug("talking %s", data)

    def join(self, leg: Leg, meeting: dict, rtp: dict) -> dict:
        leg.handle = self.janus.attach()
        body = {"request": "join", "room": meeting["room"], "display": leg.display, "codec": leg.codec, "rtp": rtp,
                "volume": self.cfg.get("volume", 100)}
        if self.cfg.get("prebuffer"):  # Janus's jitter buffer for the room (its default, 6 packets, adds 120 ms)
            body["prebuffer"] = self.cfg["prebuffer"]
        if meeting.get("pin"):
            body["pin"] = meeting["pin"]
        data = self.janus.request(leg.handle, body)
        leg.participant = data.get("id")
        if "rtp" not in data:
            raise JanusError("join: Janus gave no RTP address (is the room open to plain-RTP participants?)")
        return data["rtp"]

    def leave(self, leg: Leg, reason: str) -> None:
        was = leg.state
        if leg.state != "ended":
            log.info("%s %s: ended (%s)", leg.meeting, leg.room, reason)
        leg.state, leg.reason = "ended", reason
        self.drop_picture(leg)
        if leg.voice is not None:
            voice, leg.voice = leg.voice, None
            voice.close()
            self.speakers_of(leg.meeting).forget(leg.room)
        if leg.handle is not None:
            handle, leg.handle = leg.handle, None
            self.janus.detach(handle)
        if was != "ended":
            self.call_again(leg)

    # -- SIP: requests outside a dialog -------------------------------------------
    def recv_request(self, req, sip_t):
        if req.getHFBody("to").getTag() is not None:
            return req.genResponse(481, "Call Leg/Transaction Does Not Exist"), None, None
        if req.getMethod() == "INVITE":
            ua = UA(self.sip, event_cb=self.dial_in_event)
            return ua.recvRequest(req, sip_t)
        if req.getMethod() == "OPTIONS":
            return req.genResponse(200, "OK"), None, None
        return req.genResponse(501, "Not Implemented"), None, None

    def admitted(self, meeting: dict, caller: str, pin: str) -> tuple[str | None, tuple[int, str]]:
        """The caller's display name if it may join `meeting` (else None, and the refusal): a room of the
        meeting by its SIP identity (the registrar authenticated it), anyone else with the meeting's PIN
        (dialled as <number>*<PIN>); a wrong PIN is refused whoever gives it."""
        if pin and pin != meeting.get("pin"):
            return None, (403, "Wrong PIN")
        for room in meeting["rooms"]:
            if room["id"] == caller:
                return room["name"], (200, "OK")
        if caller in self.cfg.get("guests", []) or (pin and pin == meeting.get("pin")):
            return caller, (200, "OK")
        return None, (403, "Not A Room Of This Meeting")

    def dial_in_event(self, event, ua):
        if isinstance(event, CCEventTry):
            self.answer(event, ua)
            return
        self.dialog_event(event, ua)

    def answer(self, event, ua) -> None:
        _cid, caller, dialled, body, _auth, _name = event.getData()
        number, _, pin = dialled.partition(PIN_SEPARATOR)
        meeting = self.meetings.get(number)
        if meeting is None:
            log.info("call from %s to %s: no such meeting", caller, number)
            ua.recvEvent(CCEventFail((404, "No Such Meeting")))
            return
        display, refusal = self.admitted(meeting, caller, pin)
        if display is None:
            log.warning("call from %s to %s: refused (%s)", caller, number, refusal[1])
            ua.recvEvent(CCEventFail(refusal))
            return
        old = self.legs.get((number, caller))
        if old is not None and old.state != "ended":
            self.hang_up(old, "the room called again")
        leg = Leg(number, caller, display, "in")
        leg.ua = ua
        self.legs[(number, caller)] = leg
        try:
            answer = self.mix(leg, meeting, body)
        except MediaRefused as exc:
            ua.recvEvent(CCEventFail(exc.status))
            return
        ua.recvEvent(CCEventConnect((200, "OK", MsgBody(answer))))
        leg.joined()
        log.info("%s %s: joined (dial-in, %s)", number, caller, leg.codec)

    def mix(self, leg: Leg, meeting: dict, body) -> str:
        """The room's offer into the meeting's mixer: the answer to send (MediaRefused if it cannot be mixed)."""
        try:
            offer = sdp.parse(str(body) if body is not None else "")
        except ValueError as exc:
            self.leave(leg, f"offer: {exc}")
            raise MediaRefused(488, f"Not Acceptable Here ({exc})") from None
        audio = offer.audio()
        choice = sdp.choose(audio) if audio else None
        if choice is None:
            self.leave(leg, f"offer: no codec the bridge mixes ({', '.join(sdp.MIXABLE)})")
            raise MediaRefused(488, "Not Acceptable Here")
        leg.codec = choice.codec
        self.listen(leg, choice, audio)
        # Janus sends the room's mix-minus to the room itself, or to the bridge's port facing it
        to = (audio.address, audio.port) if leg.voice is None else (self.cfg["sip"]["address"], leg.voice.janus_side)
        rtp = {"ip": to[0], "port": to[1], "payload_type": choice.payload_type, "fec": choice.codec == "opus"}
        if choice.audiolevel_ext:
            rtp["audiolevel_ext"] = choice.audiolevel_ext
        try:
            janus = self.join(leg, meeting, rtp)
        except (OSError, JanusError) as exc:
            log.error("%s %s: the mixer refused: %s", leg.meeting, leg.room, exc)
            self.leave(leg, f"mixer: {exc}")
            raise MediaRefused(503, "Mixer Unavailable") from None
        if leg.voice is not None:
            try:
                leg.voice.start(janus["ip"], janus["port"])
            except Exception as exc:  # noqa: BLE001 (GStreamer's errors: the room gets no sound, said and refused)
                log.error("%s %s: the sound relay failed: %s", leg.meeting, leg.room, exc)
                self.leave(leg, f"sound relay: {exc}")
                raise MediaRefused(503, "Mixer Unavailable") from None
            address, port = self.cfg["sip"]["address"], leg.voice.port
        else:
            address, port = janus["ip"], janus["port"]
        return sdp.answer(offer, choice, address, port, self.picture(leg, meeting, offer))

    def dialog_event(self, event, ua):
        leg = next((leg for leg in self.legs.values() if leg.ua is ua), None)
        if leg is None:
            return
        if isinstance(event, CCEventDisconnect) and getattr(leg.ua, "unanswered", False) and leg.state == "calling":
            self.registrar_silent(leg)
        elif isinstance(event, CCEventPreConnect) and leg.direction == "out":
            self.answered(leg, event)
        elif isinstance(event, CCEventConnect) and leg.direction == "out" and leg.state != "connected":
            self.hang_up(leg, "the room answered without an offer")
        elif isinstance(event, (CCEventDisconnect, CCEventFail)):
            data = event.getData()
            reason = f"{data[0]} {data[1]}" if isinstance(event, CCEventFail) and data else "hung up"
            self.leave(leg, reason)

    # -- the bridge calls the rooms (Art. 2.3) ---------------------------------------
    def dial(self, number: str, room: dict, tried: int = 0) -> Leg:
        """An INVITE without an offer: the room offers in its 200 OK, the bridge answers in the ACK
        (RFC 3261 13.2.1), once Janus has the room's address (Janus 1.1.2 takes it at join only).
        Through the registrar in use; while another is left to try, this one must answer at once."""
        meeting = self.meetings[number]
        leg = Leg(number, room["id"], room["name"], "out")
        self.legs[(number, room["id"])] = leg
        sip = self.cfg["sip"]
        registrars = sip["registrars"]
        address, port = registrars[self.registrar]
        leg.registrar, leg.via, leg.tried = self.registrar, f"{address}:{port}", tried + 1
        leg.ua = DialUA(self.sip, event_cb=self.dialog_event, username=sip["user"], password=sip["password"],
                        nh_address=(address, port))
        if leg.tried < len(registrars):
            leg.ua.no_reply_time = sip["registrar_timeout"]
        event = DialOut((None, sip["user"], room["id"], None, None, meeting["title"][:60]))
        event.domain = sip["domain"]
        leg.ua.recvEvent(event)
        log.info("%s %s: calling", number, room["id"])
        return leg

    def registrar_silent(self, leg: Leg) -> None:
        """No answer at all from the registrar a call went through: the calls go through the next one from
        now on (Art. 7.3.c), and this room is called through it at once."""
        registrars = self.cfg["sip"]["registrars"]
        if self.registrar == leg.registrar:
            self.registrar = (leg.registrar + 1) % len(registrars)
            log.warning("registrar %s sent no answer in %g s: calls go through %s:%d from now on", leg.via,
                        self.cfg["sip"]["registrar_timeout"], *registrars[self.registrar])
        leg.state, leg.reason = "ended", f"registrar {leg.via} did not answer"
        if self.legs.get((leg.meeting, leg.room)) is leg:
            room = next(r for r in self.meetings[leg.meeting]["rooms"] if r["id"] == leg.room)
            self.dial(leg.meeting, room, tried=leg.tried).lost = leg.lost

    def answered(self, leg: Leg, event) -> None:
        body = event.getData()[2]
        try:
            answer = self.mix(leg, self.meetings[leg.meeting], body)
        except MediaRefused as exc:
            log.error("%s %s: the room's offer: %s", leg.meeting, leg.room, exc.status[1])
            self.hang_up(leg, f"{exc.status[0]} {exc.status[1]}")
            return
        leg.ua.recvEvent(CCEventConnect((200, "OK", MsgBody(answer))))
        leg.joined()
        log.info("%s %s: joined (dial-out, %s)", leg.meeting, leg.room, leg.codec)

    def hang_up(self, leg: Leg, reason: str) -> None:
        if leg.ua is not None and leg.state != "ended":
            leg.ua.recvEvent(CCEventDisconnect())
        self.leave(leg, reason)

    def end(self, number: str) -> list[str]:
        """The meeting ends: its rooms' BYEs sent and its browsers told to go, here in the loop; its media
        (the rooms' sound pipelines, the compositor, Janus's handles and forwards) torn down afterwards in a
        thread of its own (`teardown`), which the engineer's answer does not wait for: GStreamer's pipelines
        stopping and Janus's answers on a loaded host took over 30 s, the control client's patience."""
        self.started.discard(number)
        self.save_state()
        self.layouts.pop(number, None)  # the next time, as booked
        legs = [leg for leg in self.legs.values() if leg.meeting == number and leg.state != "ended"]
        media = []
        for leg in legs:
            if leg.ua is not None:
                leg.ua.recvEvent(CCEventDisconnect())
            leg.state, leg.reason = "ended", "the meeting was ended"
            media.append((leg.room, leg.voice, leg.handle))
            leg.voice = leg.video = leg.handle = None  # the leg's own end (a BYE crossing ours) finds none
        web = self.web.pop(number, None)
        browsers = web.end() if web is not None else []
        composer = self.composers.pop(number, None)  # a new start of the meeting composes afresh
        self.speakers.pop(number, None)
        threading.Thread(target=self.teardown, args=(number, media, web, composer), name=f"end-{number}",
                         daemon=True).start()
        ended = [leg.room for leg in legs] + browsers
        log.info("%s: ended by the central engineer (%s)", number, ", ".join(ended) or "nobody in it")
        return ended

    def teardown(self, number: str, media: list, web, composer) -> None:
        """An ended meeting's media let go (see `end`): the browsers kicked, each room's sound pipeline
        stopped and Janus handle detached, the compositor stopped; how long it took in the log."""
        began = time.monotonic()
        if web is not None:
            web.finish()
        for room, voice, handle in media:
            if voice is not None:
                voice.close()
            if handle is not None:
                self.janus.detach(handle)
        if composer is not None:
            composer.close()
        took = time.monotonic() - began
        (log.warning if took > 5 else log.info)("%s: its media let go in %.1f s", number, took)

    # -- the central engineer's commands (Art. 7.5.a) --------------------------------
    def _leg(self, number: str, room: str) -> Leg:
        leg = self.legs.get((number, room))
        if leg is None or leg.state == "ended":
            raise KeyError(f"{room} is not in meeting {number}")
        return leg

    def _meeting(self, number: str) -> dict:
        if number not in self.meetings:
            raise KeyError(f"no meeting {number} on the bridge")
        return self.meetings[number]

    def command(self, request: dict) -> dict:
        verb = request.get("verb")
        number = str(request.get("meeting", ""))
        if verb == "meetings":
            return {"meetings": [{"number": n, "title": m["title"], "start": m["start"], "end": m["end"],
                                  "rooms": [r["id"] for r in m["rooms"]]} for n, m in sorted(self.meetings.items())]}
        meeting = self._meeting(number)
        if verb == "list":
            participants = {}
            if any(leg.handle for leg in self.legs.values() if leg.meeting == number):
                handle = next(leg.handle for leg in self.legs.values() if leg.meeting == number and leg.handle)
                listing = self.janus.request(handle, {"request": "listparticipants", "room": meeting["room"]})
                participants = {p["id"]: p for p in listing.get("participants", [])}
            legs = []
            for leg in self.legs.values():
                if leg.meeting != number:
                    continue
                row = leg.row()
                p = participants.get(leg.participant, {})
                row.update(muted=p.get("muted"), talking=None)
                if leg.voice is not None and leg.state == "connected":
                    row.update(self.speakers_of(number).state(leg.room))
                legs.append(row)
            if number in self.web:
                legs += self.web[number].rows()
            speaker = self.speakers[number].speaker if number in self.speakers else None
            return {"meeting": number, "title": meeting["title"], "layout": self.layout(number),
                    "speaker": speaker, "legs": legs}
        if verb == "start":  # every room of the meeting not in it yet (or only those named)
            self.started.add(number)
            self.save_state()
            dialled = []
            only = set(request.get("rooms") or [r["id"] for r in meeting["rooms"]])
            for room in (r for r in meeting["rooms"] if r["id"] in only):
                leg = self.legs.get((number, room["id"]))
                if leg is None or leg.state == "ended":
                    dialled.append(self.dial(number, room).room)
            if meeting.get("web_rooms"):  # the browsers join by themselves: the bridge shows them its picture
                self.web.setdefault(number, WebRooms(self, number)).open()
            return {"dialled": dialled}
        if verb in ("mute", "unmute", "drop") and number in self.web and request.get("room") in self.web[number].rooms:
            self.web[number].moderate(request["room"], verb)
            log.info("%s %s: %s by the central engineer (browser)", number, request["room"], verb)
            return {"room": request["room"], verb: True}
        if verb in ("mute", "unmute"):
            leg = self._leg(number, request["room"])
            self.janus.request(leg.handle, {"request": "configure", "muted": verb == "mute"})
            leg.muted = verb == "mute"
            log.info("%s %s: %sd by the central engineer", number, leg.room, verb)
            return {"room": leg.room, verb: True}
        if verb == "drop":
            leg = self._leg(number, request["room"])
            self.hang_up(leg, "dropped by the central engineer")
            return {"dropped": leg.room}
        if verb == "redial":
            room = next((r for r in meeting["rooms"] if r["id"] == request["room"]), None)
            if any(r["id"] == request["room"] for r in meeting.get("web_rooms", [])):
                raise KeyError(f"{request['room']} is a browser: it joins by itself, from its link (gbtt meeting link)")
            if room is None:
                raise KeyError(f"{request['room']} is not a room of meeting {number}")
            old = self.legs.get((number, room["id"]))
            if old is not None and old.state != "ended":
                self.hang_up(old, "redialled by the central engineer")
            return {"dialled": [self.dial(number, room).room]}
        if verb == "layout":
            kind = request.get("layout")
            if kind not in LAYOUTS:
                raise KeyError(f"layout {kind!r}: allowed {', '.join(LAYOUTS)}")
            self.layouts[number] = kind
            if number in self.composers:
                self.composers[number].set_layout(kind)
            log.info("%s: layout %s, set by the central engineer", number, kind)
            return {"layout": kind}
        if verb == "snapshot":
            if number not in self.composers:
                raise KeyError(f"meeting {number} has no picture (no room with video in it)")
            return {"picture": self.composers[number].snapshot()}
        if verb == "end":
            return {"ended": self.end(number)}
        raise KeyError(f"unknown command {verb!r}")


class Control(socketserver.ThreadingTCPServer):
    """One JSON request per line on loopback; each runs in sippy's loop (ED2.callFromThreadSync)."""
    allow_reuse_address = True
    daemon_threads = True


def control_handler(bridge: Bridge):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            for line in self.rfile:
                try:
                    request = json.loads(line)
                    reply = {"ok": True, **ED2.callFromThreadSync(bridge.command, request)}
                except (KeyError, ValueError, OSError, JanusError) as exc:
                    reply = {"ok": False, "error": str(exc).strip("'\"")}
                except Exception as exc:  # noqa: BLE001 (a bug answers the engineer, and is logged whole)
                    log.exception("control: %s", line.strip()[:200])
                    reply = {"ok": False, "error": f"the bridge failed: {type(exc).__name__}: {exc}"}
                self.wfile.write(json.dumps(reply).encode() + b"\n")
    return Handler


# File descriptors per media port pair in use (measured in the full lab, 2026-12-01: 14 legs of 3 pairs
# each held 464 descriptors: their sockets, and GStreamer's pipelines, buses and threads)
DESCRIPTORS_PER_PAIR = 11


def open_files_for(media_ports: list[int] | None) -> None:
    """The soft limit of open files raised towards what the whole media port range needs, as far as the
    hard limit allows (Debian's services start with 1024, which two meetings of 15 rooms pass); said in the
    journal, with a warning where the hard limit is below the need."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low, high = media_ports or (0, 0)
    need = (high - low + 1) // 2 * DESCRIPTORS_PER_PAIR + 256
    if soft < need:
        soft = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    (log.info if soft >= need else log.warning)(
        "open files: up to %d (the media ports %d-%d need about %d)", soft, low, high, need)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    with open(argv[0], encoding="utf-8") as f:
        config = json.load(f)
    open_files_for(config.get("media_ports"))
    # `systemctl kill -s USR1 gbtt-bridge`: every thread's stack in the journal (a bridge that seems stuck)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    bridge = Bridge(config)
    bridge.janus.start()
    if config.get("media_ports"):
        bridge.start_media()
    sip = config["sip"]
    SipConf.my_uaname = "GBTT multipoint bridge"
    SipConf.my_address, SipConf.my_port = sip["address"], sip["port"]
    bridge.sip = {"_sip_address": sip["address"], "_sip_port": sip["port"], "_sip_logger": SipLogger("gbtt-bridge")}
    bridge.sip["_sip_tm"] = SipTransactionManager(bridge.sip, bridge.recv_request)
    control = Control(("127.0.0.1", config["control_port"]), control_handler(bridge))
    threading.Thread(target=control.serve_forever, name="control", daemon=True).start()
    log.info("listening for SIP on %s:%s, %d meeting(s)", sip["address"], sip["port"], len(bridge.meetings))
    bridge.load_state()
    Timeout(bridge.resume, 1)  # once Janus's session is up
    ED2.regSignal(signal.SIGTERM, bridge.stop)
    try:
        ED2.loop()
    finally:
        bridge.janus.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
