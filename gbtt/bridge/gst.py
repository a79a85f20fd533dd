"""What the bridge's GStreamer pipelines share (python3-gst-1.0 from Debian):
GLib's main loop for their bus messages, the media ports, and the UDP ends
of a stream, which send from the very socket they receive on (the relay and
Janus latch on the address a stream comes from)."""
from __future__ import annotations

import threading

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gio, GLib, GObject, Gst  # noqa: E402

Gst.init(None)


def start_main_loop() -> None:
    """GStreamer's bus messages (errors) are delivered on GLib's main loop, in a thread of its own."""
    threading.Thread(target=GLib.MainLoop().run, name="glib", daemon=True).start()


class Ports:
    """Pairs of UDP ports (RTP even, RTCP the next) of the bridge's media range, bound when taken."""

    def __init__(self, address: str, low: int, high: int):
        self.address, self.low, self.high = address, low + low % 2, high
        self.next = self.low
        self.used: set[int] = set()
        self.lock = threading.Lock()

    def _bind(self, port: int) -> Gio.Socket:
        sock = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.DATAGRAM, Gio.SocketProtocol.UDP)
        sock.bind(Gio.InetSocketAddress.new_from_string(self.address, port), False)
        return sock

    def take(self) -> tuple[int, Gio.Socket, Gio.Socket]:
        with self.lock:
            for _ in range((self.high - self.low + 1) // 2):
                port, self.next = self.next, self.next + 2 if self.next + 3 <= self.high else self.low
                if port in self.used:
                    continue
                try:
                    rtp = self._bind(port)
                    rtcp = self._bind(port + 1)
                except GLib.Error:
                    continue
                self.used.add(port)
                return port, rtp, rtcp
        raise OSError(f"no free pair of media ports in {self.low}-{self.high}")

    def give(self, pair: tuple[int, Gio.Socket, Gio.Socket]) -> None:
        """A pair taken, closed and free again."""
        port, rtp, rtcp = pair
        rtp.close()
        rtcp.close()
        with self.lock:
            self.used.discard(port)


class Handlers:
    """Signal handlers and pad probes of one pipeline, let go together when it closes. One left connected
    keeps what it refers to (a bound method: its owner, and so the pipeline, its bus and the bus's file
    descriptors) alive for good: the cycle passes through C, where Python's collector cannot see it (the lab's
    bridge ran out of descriptors after 17 meetings of the full lab, 2026-12-01)."""

    def __init__(self):
        self.connected: list[tuple[GObject.Object, int]] = []
        self.probes: list[tuple[Gst.Pad, int]] = []
        self.lock = threading.Lock()  # rooms join and leave from several threads

    def connect(self, obj, signal: str, callback, *data) -> None:
        with self.lock:
            self.connected.append((obj, obj.connect(signal, callback, *data)))

    def probe(self, pad: Gst.Pad, kind: Gst.PadProbeType, callback, *data) -> None:
        probe = pad.add_probe(kind, callback, *data)
        with self.lock:
            self.probes.append((pad, probe))

    def release(self, pad: Gst.Pad | None = None) -> None:
        """Every handler and probe (`pad`: that pad's probes only)."""
        with self.lock:
            probes = [p for p in self.probes if pad is None or p[0] is pad]
            self.probes = [p for p in self.probes if p not in probes]
            connected, self.connected = (self.connected, []) if pad is None else ([], self.connected)
        for held, probe in probes:
            held.remove_probe(probe)
        for obj, handler in connected:
            obj.disconnect(handler)


def make(factory: str, **props) -> Gst.Element:
    """An element with its properties (`async_` for async, `_` for `-`)."""
    element = Gst.ElementFactory.make(factory, None)
    if element is None:
        raise OSError(f"GStreamer element {factory} is not installed")
    for key, value in props.items():
        element.set_property(key.rstrip("_").replace("_", "-"), value)
    return element


def receiver(sock: Gio.Socket, caps: str | None = None) -> Gst.Element:
    """What arrives on a taken socket."""
    element = make("udpsrc", socket=sock, close_socket=False)
    if caps:
        element.set_property("caps", Gst.Caps.from_string(caps))
    return element


def sender(sock: Gio.Socket, host: str, port: int) -> Gst.Element:
    """Packets out to host:port from a taken socket, as they come (no clock)."""
    return make("udpsink", socket=sock, close_socket=False, host=host, port=port, sync=False, async_=False)


def force_key_unit() -> Gst.Event:
    """The upstream event asking an encoder for a key frame."""
    return Gst.Event.new_custom(Gst.EventType.CUSTOM_UPSTREAM, Gst.Structure.new_from_string(
        "GstForceKeyUnit, all-headers=(boolean)true"))
