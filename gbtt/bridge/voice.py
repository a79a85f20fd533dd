"""Who speaks: each room's sound passes through the bridge on its way to
Janus AudioBridge (which mixes, but tells nothing of who speaks for plain-RTP
participants), and GStreamer measures its level on the way:

    room ─▶ udpsrc ─ tee ─▶ udpsink ─▶ Janus (the mix)
                      └─ depay ─ decoder ─ level (every 100 ms) ─ fakesink
    room ◀─ udpsink ◀──────────── udpsrc ◀─ Janus (the room's mix-minus)

(RTCP both ways alike.) The packets are forwarded as they are, from the ports
they arrive on: no buffering, no decoding on the path. Who speaks, from the
levels: gbtt_bridge.speakers."""
from __future__ import annotations

import logging

from .gst import Handlers, Ports, make, receiver, sender  # first: it asks for GStreamer 1.0

from gi.repository import Gst  # noqa: E402 (isort: skip)

log = logging.getLogger("gbtt-bridge.voice")


class Voice:
    """One room's sound relayed to and from Janus, and its level."""

    def __init__(self, room: str, ports: Ports, decode: str, caps: str, room_addr: tuple[str, int, int],
                 on_level):
        """`on_level(db)`: the room's level, every 100 ms."""
        self.room, self.ports, self.on_level = room, ports, on_level
        self.pipe = None
        self.handlers = Handlers()
        self.outer = ports.take()  # facing the room (through the relay)
        try:
            self.inner = ports.take()  # facing Janus
        except OSError:
            ports.give(self.outer)
            raise
        self.decode, self.caps, self.room_addr = decode, caps, room_addr

    @property
    def port(self) -> int:
        return self.outer[0]

    @property
    def janus_side(self) -> int:
        return self.inner[0]

    def start(self, janus_ip: str, janus_port: int) -> None:
        """Forward both ways once Janus has given its address for this participant."""
        (_, out_rtp, out_rtcp), (_, in_rtp, in_rtcp) = self.outer, self.inner
        room_ip, room_port, room_rtcp = self.room_addr
        self.pipe = Gst.Pipeline.new(f"voice-{self.room}")
        from_room, to_janus = receiver(out_rtp, self.caps), sender(in_rtp, janus_ip, janus_port)
        tee = make("tee")
        q_fwd = make("queue", max_size_buffers=50, leaky=2)
        q_level = make("queue", max_size_buffers=50, leaky=2)
        measure = Gst.parse_bin_from_description(
            f"{self.decode} ! audioconvert ! level interval={100 * Gst.MSECOND} post-messages=true ! "
            "fakesink sync=false async=false", True)
        from_janus, to_room = receiver(in_rtp), sender(out_rtp, room_ip, room_port)
        rtcp_in, rtcp_to_janus = receiver(out_rtcp), sender(in_rtcp, janus_ip, janus_port + 1)
        rtcp_back, rtcp_to_room = receiver(in_rtcp), sender(out_rtcp, room_ip, room_rtcp)
        for element in (from_room, tee, q_fwd, to_janus, q_level, measure, from_janus, to_room, rtcp_in,
                        rtcp_to_janus, rtcp_back, rtcp_to_room):
            self.pipe.add(element)
        from_room.link(tee)
        tee.link(q_fwd)
        q_fwd.link(to_janus)
        tee.link(q_level)
        q_level.link(measure)
        from_janus.link(to_room)
        rtcp_in.link(rtcp_to_janus)
        rtcp_back.link(rtcp_to_room)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        self.handlers.connect(bus, "message::element", self._message)
        self.handlers.connect(bus, "message::error", self._error)
        self.pipe.set_state(Gst.State.PLAYING)

    def _message(self, _bus, message) -> None:
        s = message.get_structure()
        if s is None or s.get_name() != "level":
            return
        rms = s.get_value("rms")
        if rms:
            self.on_level(max(rms))

    def _error(self, _bus, message) -> None:
        err, _debug = message.parse_error()
        log.warning("%s sound: %s", self.room, err.message)

    def close(self) -> None:
        if self.pipe is not None:
            self.pipe.set_state(Gst.State.NULL)
            self.pipe.get_bus().remove_signal_watch()
            self.handlers.release()
            self.pipe = None
        self.ports.give(self.outer)
        self.ports.give(self.inner)
