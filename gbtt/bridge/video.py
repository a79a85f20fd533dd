"""The meetings' pictures: one GStreamer pipeline per meeting on the bridge
host (python3-gst-1.0 from Debian), composing the rooms' video into one
canvas and encoding it once per codec, size and payload type, whatever the
number of rooms receiving it:

    room ─ udpsrc ─┐                         ┌─ depay ─ decoder ─ compositor pad (its tile)
    room ─ RTCP ───┴ rtpbin (a session each) ┤               black live background ─┘ │
    room ◀ udpsink ◀─ session ◀── tee ◀─ payloader ◀─ encoder ◀─ scale ◀─ tee (canvas) ◀┘

Each room has its own RTP session (rtpbin): its RTCP reports, and its key
frame requests: a room's (PLI/FIR) reaches the encoder of its picture through
the session; a room whose pictures cannot be decoded yet is asked for one by
the bridge itself (RTCP PLI), every second until one comes. RTP and RTCP go
out from the ports they come in on (the relay latches on them). The depayloader, decoder and encoder of each
codec come from gbtt's codec table through the bridge's configuration."""
from __future__ import annotations

import logging
import struct
import threading

from .gst import Handlers, Ports, force_key_unit, make, receiver, sender  # first: it asks for GStreamer 1.0
from .tiles import layout

from gi.repository import Gio, GLib, GObject, Gst  # noqa: E402 (isort: skip)

log = logging.getLogger("gbtt-bridge.video")


PLI_SENDER_SSRC = 0x67627474  # "gbtt": the bridge's own key frame requests


class Output:
    """The canvas encoded once for one codec, size and payload type; each room receiving it has a tee pad."""

    def __init__(self, composer: "Composer", key: tuple, chain: str):
        self.key, self.composer = key, composer
        self.bin = Gst.parse_bin_from_description(chain, True)
        self.tee = make("tee", allow_not_linked=True)
        pipe = composer.pipe
        pipe.add(self.bin)
        pipe.add(self.tee)
        self.bin.link(self.tee)
        # playing before the canvas flows into it: a buffer pushed into an element not yet playing comes back
        # "flushing", and the compositor's task would stop for good
        self.tee.sync_state_with_parent()
        self.bin.sync_state_with_parent()
        self.canvas_pad = composer.canvas.request_pad_simple("src_%u")
        self.canvas_pad.link(self.bin.get_static_pad("sink"))
        self.users = 0

    def key_frame(self) -> None:
        """Ask the encoder for a key frame (a room joined)."""
        self.tee.get_static_pad("sink").push_event(force_key_unit())

    def close(self) -> None:
        self.composer.canvas.release_request_pad(self.canvas_pad)
        for element in (self.bin, self.tee):
            element.set_state(Gst.State.NULL)
            self.composer.pipe.remove(element)


class VideoLeg:
    """One room's pictures in one meeting: its RTP session, its tile, the output it receives."""

    def __init__(self, room: str, session: int, ports: tuple[int, Gio.Socket, Gio.Socket], output: Output | None,
                 remote: tuple[str, int, int]):
        self.room, self.session, self.ports, self.output = room, session, ports, output
        self.remote = remote  # the room's (the relay's) address, RTP and RTCP ports
        self.ssrc: int | None = None  # the room's, once its RTP arrived
        self.elements: list[Gst.Element] = []
        self.rtpbin_pads: list[Gst.Pad] = []
        self.tee_pad: Gst.Pad | None = None
        self.decoder: Gst.Bin | None = None
        self.mixer_pad: Gst.Pad | None = None
        self.frames = 0  # pictures decoded from the room
        self.key_requests = 0  # key frames asked of the room (PLI) before its first picture
        self.size: tuple[int, int] | None = None

    def row(self) -> dict:
        return {"video_port": self.ports[0], "video_frames_in": self.frames, "video_key_requests": self.key_requests,
                "video_size_in": f"{self.size[0]}x{self.size[1]}" if self.size else None,
                "video_out": "{}/{}x{}".format(*self.output.key[:3]) if self.output is not None else None}

    def ask_key_frame(self) -> None:
        """An RTCP picture loss indication (RFC 4585 6.3.1, reduced size: RFC 5506) to the room, from the
        leg's RTCP port: the room's encoder answers with a key frame."""
        if self.ssrc is None:
            return
        pli = struct.pack("!BBHII", 0x80 | 1, 206, 2, PLI_SENDER_SSRC, self.ssrc)
        host, _port, rtcp_port = self.remote
        self.ports[2].send_to(Gio.InetSocketAddress.new_from_string(host, rtcp_port), pli, None)
        self.key_requests += 1


class Composer:
    """One meeting's canvas: its rooms' tiles, its outputs (one per codec/size/payload type)."""

    def __init__(self, number: str, width: int, height: int, fps: int, kind: str, codecs: dict, ports: Ports):
        self.number, self.width, self.height, self.fps, self.kind = number, width, height, fps, kind
        self.codecs, self.ports = codecs, ports
        self.legs: dict[str, VideoLeg] = {}
        self.sessions: dict[int, VideoLeg] = {}  # rtpbin's session number -> its leg (read without the lock)
        self.order: list[str] = []  # the rooms with a tile, in the order they came
        self.speakers: list[str] = []  # latest first
        self.outputs: dict[tuple, Output] = {}
        self.session = 0
        self.lock = threading.RLock()
        self.handlers = Handlers()
        self.pipe = Gst.Pipeline.new(f"meeting-{number}")
        # its base time fixed before any element is added (each gets it when added): going to PLAYING, a
        # pipeline hands every element the clock at once but its base time only just before that element's own
        # change, and a live compositor that has the clock with base time 0 composes ahead as fast as it can
        # (measured: 17 to 35 s of pictures within 3 ms, about one meeting start in 30 to 130), then waits as
        # long for the clock: no picture for the first half-minute of the meeting
        clock = Gst.SystemClock.obtain()
        self.pipe.use_clock(clock)
        self.pipe.set_start_time(Gst.CLOCK_TIME_NONE)
        self.pipe.set_base_time(clock.get_time())
        raw = f"video/x-raw,width={width},height={height},framerate={fps}/1"
        background = Gst.parse_bin_from_description(
            f'videotestsrc is-live=true pattern=black ! capsfilter caps="{raw},format=I420"', True)
        compositor = Gst.ElementFactory.find("compositor")
        if compositor is None:
            raise OSError("GStreamer element compositor is not installed")
        # live whatever its inputs say, so that a room whose pictures cannot be decoded yet never holds the
        # others' (force-live is a construct-only property)
        self.mixer = GObject.new(compositor.load().get_element_type(), force_live=True)
        Gst.util_set_object_arg(self.mixer, "background", "black")
        self.mixer.set_property("min-upstream-latency", 300 * Gst.MSECOND)  # the rooms' jitter buffers, known ahead
        self.mixer.set_property("max-threads", 1)
        self.canvas = make("tee", allow_not_linked=True)
        caps = make("capsfilter", caps=Gst.Caps.from_string(raw))
        self.rtpbin = make("rtpbin", latency=100, do_retransmission=False)
        # AVPF's timing (RFC 4585): a key frame request leaves at once, not at the next regular report (~5 s)
        Gst.util_set_object_arg(self.rtpbin, "rtp-profile", "avpf")
        self.handlers.connect(self.rtpbin, "pad-added", self._pad_added)
        for element in (background, self.mixer, caps, self.canvas, self.rtpbin):
            self.pipe.add(element)
        background.link(self.mixer)
        self.mixer.link(caps)
        caps.link(self.canvas)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        self.handlers.connect(bus, "message::error", self._error)
        self.handlers.connect(bus, "message::warning", self._error)
        # rooms come and go: the pipeline's latency is worked out again whenever one changes it
        self.handlers.connect(bus, "message::latency", lambda *_: self.pipe.recalculate_latency())
        self.pipe.set_state(Gst.State.PLAYING)
        # playing before any room is added: an element added while the pipeline changes state can be left behind
        _change, state, _pending = self.pipe.get_state(5 * Gst.SECOND)
        if state != Gst.State.PLAYING:
            self.pipe.set_state(Gst.State.NULL)
            raise OSError(f"meeting {number}: the compositor's pipeline did not start ({state.value_nick})")
        self.timer = GLib.timeout_add(1000, self._ask_key_frames)

    def _ask_key_frames(self) -> bool:
        """A room whose RTP arrives but whose pictures cannot be decoded yet (its key frame was lost, or sent
        before the bridge listened) is asked for one, every second until a picture comes (PLI)."""
        for leg in list(self.sessions.values()):
            if leg.ssrc is not None and leg.frames == 0:
                try:
                    leg.ask_key_frame()
                except GLib.Error as exc:
                    log.warning("%s %s: key frame request: %s", self.number, leg.room, exc.message)
        return True

    def _error(self, _bus, message) -> None:
        err, debug = message.parse_error() if message.type == Gst.MessageType.ERROR else message.parse_warning()
        log.warning("%s video: %s (%s)", self.number, err.message, (debug or "").splitlines()[0:1])

    # -- rooms ------------------------------------------------------------------------
    def output(self, codec: str, width: int, height: int, pt: int, kbps: int, ssrc: int | None = None) -> Output:
        key = (codec, width, height, pt, ssrc)
        if key not in self.outputs:
            chain = self.codecs[codec]["encode"].format(bps=kbps * 1000, kbps=kbps, gop=self.fps * 2, pt=pt)
            if ssrc is not None:  # the payloader ends every chain (gbtt.codecs)
                chain += f" ssrc={ssrc}"
            self.outputs[key] = Output(self, key, f"queue max-size-buffers=2 leaky=downstream ! videoscale ! "
                                                  f"videoconvert ! video/x-raw,width={width},height={height},"
                                                  f"format=I420 ! {chain}")
            log.info("%s video: encoding %s %dx%d (payload type %d, %d kbps)", self.number, codec, width, height,
                     pt, kbps)
        return self.outputs[key]

    def add(self, room: str, codec: str, pt: int, video: dict, remote, send: bool = True,
            ssrc: int | None = None) -> VideoLeg:
        """A room's video: its pictures into its tile, the canvas out to it at its own size. Returns the leg
        (its local port is the answer's). `remote`: the far end's (address, RTP port, RTCP port), or a function
        of the leg's own port giving them (Janus is told the bridge's port first); `send` False: pictures in
        only (a browser's, forwarded by Janus); `ssrc`: the canvas goes out with this SSRC (Janus's remote
        publisher knows its stream by it)."""
        self.remove(room)
        taken = self.ports.take()
        if callable(remote):
            try:
                remote = remote(taken[0])
            except Exception:
                self.ports.give(taken)
                raise
        with self.lock:
            port, rtp, rtcp = taken
            out = self.output(codec, video["width"], video["height"], pt, video["kbps"], ssrc) if send else None
            if out is not None:
                out.users += 1
            n = self.session
            self.session += 1
            leg = VideoLeg(room, n, taken, out, remote)
            self.legs[room] = leg
            self.sessions[n] = leg
            caps = (f"application/x-rtp,media=video,clock-rate=90000,encoding-name={codec},payload={pt},"
                    "rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true")
            host, rtp_port, rtcp_port = remote
            src, rtcp_src, rtcp_sink = receiver(rtp, caps), receiver(rtcp), sender(rtcp, host, rtcp_port)
            leg.elements = [src, rtcp_src, rtcp_sink]
            names = ["recv_rtp_sink", "recv_rtcp_sink", "send_rtcp_src"]
            if out is not None:
                sink, queue = sender(rtp, host, rtp_port), make("queue", max_size_buffers=20, leaky=2)
                leg.elements += [sink, queue]
                names.append("send_rtp_sink")
            for element in leg.elements:
                self.pipe.add(element)
            pads = [self.rtpbin.request_pad_simple(f"{name}_{n}") for name in names]
            leg.rtpbin_pads = pads
            src.get_static_pad("src").link(pads[0])
            rtcp_src.get_static_pad("src").link(pads[1])
            pads[2].link(rtcp_sink.get_static_pad("sink"))
            if out is not None:
                queue.get_static_pad("src").link(pads[3])
                self.rtpbin.get_static_pad(f"send_rtp_src_{n}").link(sink.get_static_pad("sink"))
            # its pictures: decoded into a compositor pad, unseen until its RTP arrives and it is placed
            leg.decoder = Gst.parse_bin_from_description(
                f"{self.codecs[codec]['decode']} ! videoconvert ! queue max-size-buffers=3 leaky=downstream", True)
            self.pipe.add(leg.decoder)
            leg.mixer_pad = self.mixer.request_pad_simple("sink_%u")
            leg.mixer_pad.set_property("alpha", 0.0)
            leg.decoder.get_static_pad("src").link(leg.mixer_pad)
            self.handlers.probe(leg.decoder.get_static_pad("src"), Gst.PadProbeType.BUFFER, self._count, leg)
        for element in [leg.decoder, *leg.elements]:
            element.sync_state_with_parent()
        if out is not None:
            with self.lock:  # the picture flows to the room once every element on its way plays (see Output)
                leg.tee_pad = out.tee.request_pad_simple("src_%u")
                leg.tee_pad.link(queue.get_static_pad("sink"))
            out.key_frame()
        log.info("%s %s: video on port %d%s", self.number, room, port,
                 f", {codec} {video['width']}x{video['height']} out" if out is not None else " (in only)")
        return leg

    def _pad_added(self, _rtpbin, pad: Gst.Pad) -> None:
        """A room's RTP has arrived (recv_rtp_src_<session>_<ssrc>_<pt>): into the room's decoder, made in add().
        Runs in a streaming thread, inside rtpbin's own locks: it only links (no state change, which could wait
        for a thread that waits for this one) and never takes the composer's lock; the layout is redone on
        GLib's thread."""
        name = pad.get_name()
        if not name.startswith("recv_rtp_src_"):
            return
        leg = self.sessions.get(int(name.split("_")[3]))
        if leg is None:
            return
        sink = leg.decoder.get_static_pad("sink")
        if sink.is_linked():
            log.info("%s %s: a second RTP stream (SSRC %s) ignored", self.number, leg.room, name.split("_")[4])
            return
        leg.ssrc = int(name.split("_")[4])
        pad.link(sink)
        GLib.idle_add(self._shown, leg)

    def _shown(self, leg: VideoLeg) -> bool:
        with self.lock:
            if self.legs.get(leg.room) is leg and leg.room not in self.order:
                self.order.append(leg.room)
                self._place()
        return False

    @staticmethod
    def _count(pad: Gst.Pad, _info, leg: VideoLeg):
        leg.frames += 1
        if leg.size is None:
            caps = pad.get_current_caps()
            if caps:
                s = caps.get_structure(0)
                leg.size = (s.get_value("width"), s.get_value("height"))
        return Gst.PadProbeReturn.OK

    def remove(self, room: str) -> None:
        """A room's video out of the meeting. The lock is never held while an element stops (stopping waits
        for its streaming thread)."""
        with self.lock:
            leg = self.legs.pop(room, None)
            if leg is None:
                return
            self.sessions.pop(leg.session, None)
            out = leg.output
            closing = None
            if out is not None:
                out.users -= 1
                closing = out if not out.users else None
            if closing is not None:
                del self.outputs[out.key]
            if room in self.order:
                self.order.remove(room)
            self._place()
        if leg.tee_pad is not None:
            out.tee.release_request_pad(leg.tee_pad)
        if leg.decoder is not None:  # its probe refers to the leg, which holds the decoder
            self.handlers.release(leg.decoder.get_static_pad("src"))
        for element in leg.elements + ([leg.decoder] if leg.decoder else []):
            element.set_state(Gst.State.NULL)
            self.pipe.remove(element)
        if leg.mixer_pad is not None:
            self.mixer.release_request_pad(leg.mixer_pad)
        for pad in leg.rtpbin_pads:
            self.rtpbin.release_request_pad(pad)
        self.ports.give(leg.ports)
        if closing is not None:
            closing.close()
        log.info("%s %s: video removed", self.number, room)

    # -- the layout ---------------------------------------------------------------------
    def _place(self) -> None:
        tiles = layout(self.kind, self.order, self.width, self.height, self.speakers)
        for room, tile in tiles.items():
            pad = self.legs[room].mixer_pad if room in self.legs else None
            if pad is None:
                continue
            if tile is None:
                pad.set_property("alpha", 0.0)
                continue
            for key, value in (("xpos", tile.x), ("ypos", tile.y), ("width", tile.width), ("height", tile.height),
                               ("alpha", 1.0)):
                pad.set_property(key, value)

    def set_layout(self, kind: str) -> None:
        with self.lock:
            layout(kind, [], self.width, self.height)  # ValueError if unknown
            self.kind = kind
            self._place()

    def spoke(self, room: str) -> None:
        """A room started speaking: it goes large in the speaker layout."""
        with self.lock:
            if self.speakers[:1] == [room]:
                return
            self.speakers = [room] + [r for r in self.speakers if r != room]
            if self.kind == "speaker":
                self._place()

    def snapshot(self, timeout: float = 3.0) -> dict:
        """One picture of the canvas, as numbers: each room's tile and its mean brightness (luma, 16 is black
        in I420), and the background's, so that a rehearsal sees every room in the picture."""
        taken, frame = threading.Event(), {}
        stride = (self.width + 3) // 4 * 4  # GStreamer's I420: the luma rows rounded up to 4 bytes

        def grab(_pad, info):
            ok, mapped = info.get_buffer().map(Gst.MapFlags.READ)
            if ok:
                frame["luma"] = bytes(mapped.data[:stride * self.height])
                info.get_buffer().unmap(mapped)
            taken.set()
            return Gst.PadProbeReturn.REMOVE

        self.canvas.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, grab)
        if not taken.wait(timeout) or "luma" not in frame:
            raise OSError(f"the compositor produced no picture in {timeout:g} s ({self.timing()})")
        luma = frame["luma"]

        def mean(x: int, y: int, w: int, h: int) -> float:
            total = sum(sum(luma[row * stride + x:row * stride + x + w]) for row in range(y, y + h))
            return round(total / max(1, w * h), 1)

        with self.lock:
            tiles = layout(self.kind, self.order, self.width, self.height, self.speakers)
        out = {room: {**tile._asdict(), "luma": mean(*tile)} for room, tile in tiles.items() if tile is not None}
        # the background: the pixels no tile covers, measured (not inferred from the whole: four tiles of a
        # 2x2 grid leave a strip of two rows, where any inference is all error)
        rest_sum = rest_n = 0
        for y in range(self.height):
            row = luma[y * stride:y * stride + self.width]
            covered = [(t["x"], t["width"]) for t in out.values() if t["y"] <= y < t["y"] + t["height"]]
            rest_sum += sum(row) - sum(sum(row[x:x + w]) for x, w in covered)
            rest_n += self.width - sum(w for _, w in covered)
        return {"layout": self.kind, "width": self.width, "height": self.height, "tiles": out,
                "hidden": [room for room, tile in tiles.items() if tile is None],
                "background_luma": round(rest_sum / rest_n, 1) if rest_n else None, "background_pixels": rest_n}

    def timing(self) -> str:
        """Where the canvas stands against the clock: the pipeline's state, its running time, the last
        picture composed and the latency the compositor waits for (a picture is late by that much)."""
        _change, state, pending = self.pipe.get_state(0)
        clock = self.pipe.get_clock()
        running = clock.get_time() - self.pipe.get_base_time() if clock is not None else None
        ok, composed = self.mixer.get_static_pad("src").query_position(Gst.Format.TIME)
        query = Gst.Query.new_latency()
        least = query.parse_latency()[1] if self.mixer.get_static_pad("src").query(query) else None

        def seconds(t):
            return "?" if t is None or t == Gst.CLOCK_TIME_NONE else f"{t / Gst.SECOND:.2f} s"
        return (f"pipeline {state.value_nick}, pending {pending.value_nick}, running {seconds(running)}, "
                f"composed up to {seconds(composed if ok else None)}, latency {seconds(least)}")

    def close(self) -> None:
        for room in list(self.legs):
            self.remove(room)
        GLib.source_remove(self.timer)
        self.pipe.set_state(Gst.State.NULL)
        self.pipe.get_bus().remove_signal_watch()
        self.handlers.release()
