"""The WebRTC room PCs of a meeting (browsers), through the conference
server's Janus. Their sound needs nothing of the bridge: a browser joins the
meeting's AudioBridge room itself, where Janus mixes it with the SIP rooms
(each hears every other, not itself). Their pictures:

- the composed picture goes into the meeting's VideoRoom as a *remote
  publisher* (Janus 1.1's `add_remote_publisher`: plain RTP in, on a port
  pair of `remote_ports`; the stream is known by its SSRC, 1000 for the
  first), so each browser subscribes to it like to any publisher. It stays
  there between meetings, on the same ports (kept in the bridge's state
  file): Janus 1.1.2 does not close a removed remote publisher's sockets
  (50 removals took every port of the range), so the bridge adds one per
  meeting and Janus's life, and never removes it;
- each browser's own picture, published in the VideoRoom, is forwarded by
  Janus to a port of the bridge (`rtp_forward`, with an RTCP port, so that the
  bridge's key frame requests reach the browser) and takes a tile of the
  canvas like a SIP room's.

A thread per meeting looks at the VideoRoom and the AudioBridge room every
second while the meeting runs on the bridge (from `start` to `end`): a
browser that publishes gets its tile, one that leaves loses it."""
from __future__ import annotations

import logging
import threading
import time

from .janus_client import JanusError

log = logging.getLogger("gbtt-bridge.web")

PUBLISHER = 1  # the bridge's composed picture: its publisher id in every meeting's VideoRoom
DISPLAY = "gbtt-bridge"
REMOTE_SSRC = 1000  # Janus 1.1: a remote publisher's stream n is the RTP stream with SSRC 1000 + 10 n
OUT_PT = 96  # any dynamic payload type: Janus gives each subscriber its own
LOOK_SECONDS = 1.0
CANVAS = "(conference server)"  # the composer's leg that carries the canvas to Janus (it has no tile)
# a browser in the VideoRoom but not (or no longer) in the sound's room: joining, or leaving
STATE_PICTURE_ONLY = "picture only"


class WebRooms:
    """One meeting's WebRTC room PCs."""

    def __init__(self, bridge, number: str):
        self.bridge, self.number = bridge, number
        self.meeting = bridge.meetings[number]
        self.rooms = {r["id"]: r for r in self.meeting.get("web_rooms", [])}
        cfg = bridge.cfg["janus"]
        self.address, self.ports = cfg["address"], cfg["remote_ports"]
        self.handles: dict[str, int] = {}  # plugin -> the handle of its requests
        self.canvas = None  # the composer's leg towards Janus
        self.pictures: dict[str, dict] = {}  # room -> {"publisher", "leg", "stream_id"}
        self.present: dict[str, dict] = {}  # room -> what Janus says of it: since, audio participant, publisher
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None
        self.composer = None  # the meeting's compositor (gbtt_bridge.video.Composer), the bridge's
        self.lock = threading.Lock()  # the end of the meeting against the thread taking the compositor

    # -- the meeting's life on the bridge ----------------------------------------------
    def open(self) -> None:
        if not self.rooms or self.thread is not None:
            return
        if self.bridge.ports is not None:
            self._composer()  # made here, in the bridge's loop, before the thread adds to it
        self.thread = threading.Thread(target=self._run, name=f"web-{self.number}", daemon=True)
        self.thread.start()

    def end(self) -> list[str]:
        """The meeting ends (in the bridge's loop, at once, before the bridge lets go of its compositor):
        the thread told to stop; the browsers in it."""
        with self.lock:
            self.stopped.set()
        return sorted(list(self.present))

    def _composer(self):
        """The meeting's compositor while it runs; once it ended, the one it had (which the bridge closes
        after this thread's last round), never a new one."""
        with self.lock:
            if not self.stopped.is_set():
                self.composer = self.bridge.composer(self.number)
            return self.composer

    def finish(self) -> None:
        """After `end`, away from the bridge's loop: the thread's last round awaited, every browser out of
        Janus's rooms, the forwards and handles let go. The meeting's compositor is the bridge's to close,
        with the composed picture's leg and the browsers' (the picture stays published in the VideoRoom,
        idle, for the meeting's next start)."""
        if self.thread is not None:
            self.thread.join(60)
        self.kick_all()
        self._forget(composed=False)

    def _forget(self, composed: bool = True) -> None:
        """Nothing of this meeting's web side left on the bridge: Janus's handles and, unless the
        compositor goes as a whole (`composed` False), the composer's legs."""
        for room in list(self.pictures):
            self._drop_picture(room, forwarded=room in self.present, composed=composed)
        if self.canvas is not None and composed:
            self.bridge.drop_video(self.number, CANVAS)
        self.canvas = None
        for handle in self.handles.values():
            self.bridge.janus.detach(handle)
        self.handles.clear()
        self.present.clear()

    def _run(self) -> None:
        while not self.stopped.is_set():
            for step in (self._attach, self._publish, self._look):  # the browsers are seen even without a picture
                try:
                    step()
                except (OSError, JanusError) as exc:
                    log.warning("%s web rooms: %s", self.number, exc)
                    if "session" in str(exc) or "handle" in str(exc):  # Janus restarted: all again, from the start
                        self._forget()
                    break
            self.stopped.wait(LOOK_SECONDS)

    def _attach(self) -> None:
        for plugin in ("videoroom", "audiobridge"):
            if plugin not in self.handles:
                self.handles[plugin] = self.bridge.janus.attach(f"janus.plugin.{plugin}")

    def _ask(self, body: dict, plugin: str = "videoroom") -> dict:
        return self.bridge.janus.request(self.handles[plugin], {"room": self.meeting["room"],
                                                                "secret": self.meeting["secret"], **body})

    # -- the composed picture into the VideoRoom ---------------------------------------------
    def video(self) -> dict:
        """What the browsers receive: the largest of their pictures, in their codec (SDP name)."""
        return max((r["video"] for r in self.rooms.values()), key=lambda v: v["width"] * v["height"])

    def _publish(self) -> None:
        if self.canvas is not None or self.bridge.ports is None:
            return
        video = self.video()
        low, high = self.ports
        stream = {"type": "video", "mindex": 0, "mid": "0", "codec": video["codec"].lower()}
        known = self.bridge.picture_ports.get(self.number)
        ports = ([known] if known else []) + [p for p in range(low + low % 2, high, 2) if p != known]
        for port in ports:
            try:
                data = self._ask({"request": "add_remote_publisher", "id": PUBLISHER, "display": DISPLAY,
                                  "iface": self.address, "port": port, "rtcp_port": port + 1, "streams": [stream]})
                target = (data.get("ip") or self.address, data["port"], data["rtcp_port"])
                break
            except JanusError as exc:
                if "already exists" in str(exc) and port == known:  # published by this bridge before: still there
                    target = (self.address, port, port + 1)
                    break
                if "already exists" in str(exc):  # its ports forgotten (the state file lost): published again
                    self._ask({"request": "remove_remote_publisher", "id": PUBLISHER})
                    continue
                if "socket" not in str(exc):
                    raise
        else:
            raise OSError(f"no free port pair for the composed picture on Janus in {low}-{high}")
        if self.bridge.picture_ports.get(self.number) != target[1]:
            self.bridge.picture_ports[self.number] = target[1]
            self.bridge.save_state()
        composer = self._composer()
        if composer is None:
            return
        self.canvas = composer.add(CANVAS, video["codec"], OUT_PT, video, target,
                                                            ssrc=REMOTE_SSRC)
        log.info("%s: the composed picture published in the VideoRoom (%s %dx%d, to %s:%d)", self.number,
                 video["codec"], video["width"], video["height"], target[0], target[1])

    # -- the browsers -------------------------------------------------------------------------
    def _look(self) -> None:
        videoroom = self._ask({"request": "listparticipants"}).get("participants", [])
        sound = self._ask({"request": "listparticipants"}, "audiobridge").get("participants", [])
        now = time.time()
        seen = {}
        for p in sound:
            if p.get("display") in self.rooms:
                seen.setdefault(p["display"], {})["audio"] = p["id"]
                seen[p["display"]]["muted"] = p.get("muted")
        for p in videoroom:
            if p.get("display") in self.rooms and p.get("publisher") and not p.get("remote"):
                seen.setdefault(p["display"], {})["publisher"] = p["id"]
        for room, what in seen.items():
            self.present[room] = {**what, "since": self.present.get(room, {}).get("since", now)}
        # a picture that went goes from the canvas before its room from `present`: the central engineer
        # (`rows`, another thread) never sees a room absent with its tile still there
        for room in list(self.pictures):
            if seen.get(room, {}).get("publisher") != self.pictures[room]["publisher"]:
                self._drop_picture(room, forwarded=room in seen)
        for room in [r for r in self.present if r not in seen]:
            log.info("%s %s: left", self.number, room)
            del self.present[room]
        for room, what in self.present.items():
            if what.get("publisher") and room not in self.pictures:
                self._take_picture(room, what["publisher"])

    def _take_picture(self, room: str, publisher: int) -> None:
        """The browser's picture forwarded by Janus into the room's tile (RTCP both ways: key frames)."""
        video, entry = self.rooms[room]["video"], {"publisher": publisher}

        def forward(port: int) -> tuple[str, int, int]:
            self._ask({"request": "rtp_forward", "publisher_id": publisher, "host": self.bridge.cfg["sip"]["address"],
                       "video_port": port, "video_rtcp_port": port + 1, "video_pt": OUT_PT})
            listing = self._ask({"request": "listforwarders"})
            for pub in listing.get("publishers", []):
                for f in pub.get("forwarders", []) if pub.get("publisher_id") == publisher else []:
                    if f.get("port") == port and f.get("type") == "video":
                        entry["stream_id"] = f["stream_id"]
                        return self.address, 0, f.get("local_rtcp_port") or 0
            raise JanusError(f"rtp_forward of {room}: Janus lists no forwarder to port {port}")

        composer = self._composer() if self.bridge.ports is not None else None
        if composer is None:
            return
        entry["leg"] = composer.add(room, video["codec"], OUT_PT, video, forward, send=False)
        self.pictures[room] = entry
        log.info("%s %s: the browser's picture in (publisher %s)", self.number, room, publisher)

    def _drop_picture(self, room: str, forwarded: bool, composed: bool = True) -> None:
        """`forwarded`: Janus still has the room (its forward to stop)."""
        entry = self.pictures.pop(room)
        if entry.get("stream_id") and forwarded:
            try:
                self._ask({"request": "stop_rtp_forward", "publisher_id": entry["publisher"],
                           "stream_id": entry["stream_id"]})
            except (OSError, JanusError) as exc:
                log.info("%s %s: stop forwarding: %s", self.number, room, exc)
        if composed:
            self.bridge.drop_video(self.number, room)

    # -- what the central engineer sees and does ------------------------------------------------
    def rows(self) -> list[dict]:
        out = []
        for room, spec in sorted(self.rooms.items()):
            what = self.present.get(room)
            leg = self.pictures.get(room, {}).get("leg")
            out.append({"room": room, "display": spec["name"], "direction": "web",
                        "state": STATE_PICTURE_ONLY if what and "audio" not in what else
                                 "connected" if what else "absent",
                        "codec": "opus" if what and "audio" in what else None, "participant": (what or {}).get("audio"),
                        "since": round(what["since"], 3) if what else None,
                        "connected": round(what["since"], 3) if what else None, "reason": "",
                        "muted": (what or {}).get("muted"), "talking": None,
                        **(leg.row() if leg is not None else {})})
        return out

    def kick_all(self) -> None:
        """The meeting ends: every browser out of its rooms."""
        for room in sorted(self.present):
            try:
                self.moderate(room, "drop")
            except (OSError, JanusError) as exc:
                log.warning("%s %s: %s", self.number, room, exc)

    def moderate(self, room: str, verb: str) -> None:
        """mute, unmute (its sound in the AudioBridge room) or drop (out of both rooms)."""
        what = self.present.get(room)
        if not what:
            raise KeyError(f"{room} is not in meeting {self.number}")
        if verb in ("mute", "unmute") and "audio" in what:
            self._ask({"request": verb, "id": what["audio"]}, "audiobridge")
        elif verb == "drop":
            if "audio" in what:
                self._ask({"request": "kick", "id": what["audio"]}, "audiobridge")
            if "publisher" in what:
                self._ask({"request": "kick", "id": what["publisher"]})
