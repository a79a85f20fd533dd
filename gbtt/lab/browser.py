"""The lab's WebRTC room PCs: Debian's Chromium, headless, on this machine,
in a network namespace of its own that has the room PC's lab address on the
lab's network (a veth pair into the lab's bridge), so that the conference
server sees the room's address as in production (nginx and the firewall
admit it as a room). Its camera and microphone are Chromium's fake devices
fed from files: a generated picture (a bright moving pattern at the size and
rate the link asks for), and the room's own tone from a WAV file
(gbtt.desired.components.room_pc.lab_tone) at the level the lab's rooms enter
the mix with. The page it opens is the conference server's own
(`/phong-hop/`, from `gbtt meeting link`); in the lab the link also asks it
to measure what it hears and receives, which it logs on its console as lines
"GBTT-RESULT {json}", read here from Chromium's log.

The conference server's certificate is checked here against the lab CA
(Python's ssl), then pinned for Chromium by its public key's hash (Chromium
has no option for a CA file)."""
from __future__ import annotations

import base64
import hashlib
import json
import math
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
import wave
from pathlib import Path

from ..desired.model import host_knobs
from ..hostinventory import LAB_GATEWAY, LAB_SUPERNET, lab_address
from .lab import Lab, open_lab, site_routes
from .podman import podman

CHROMIUM = shutil.which("chromium") or "chromium"  # Debian's package (scripts/setup.sh)
RESULT = "GBTT-RESULT "
NICE = -10
TONE_RATE = 48000


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def write_tone(path: Path, freq: float, amplitude: float, seconds: int = 2) -> None:
    """A WAV file of a steady tone (Chromium's fake microphone loops it): a whole number of periods per
    second, so that the loop has no click."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(TONE_RATE)
        w.writeframes(b"".join(struct.pack("<h", round(amplitude * 32767 * math.sin(2 * math.pi * freq * i / TONE_RATE)))
                               for i in range(TONE_RATE * seconds)))


def write_picture(path: Path, width: int, height: int, fps: int, seconds: int = 2) -> None:
    """A Y4M file (Chromium's fake camera loops it): a grey gradient (luma 30 to 90, as dim as the baresip
    rooms' generated pictures: a tile is told from black, and the scaler's edges do not brighten the
    canvas's black background), with a light bar moving across, so that the encoder has motion to send."""
    ramp = bytes(30 + 60 * x // max(1, width - 1) for x in range(width))
    chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
    frames = []
    for n in range(fps * seconds):
        bar = (n * width // (fps * seconds)) // 8 * 8
        row = ramp[:bar] + b"\xa0" * 8 + ramp[bar + 8:]
        frames.append(b"FRAME\n" + row[:width] * height + chroma)
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode() + b"".join(frames))


def pinned_key(address: str, port: int, cafile: Path) -> str:
    """The base64 SHA-256 of the public key of the certificate `address` serves, once verified against the CA
    (Chromium's --ignore-certificate-errors-spki-list form)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    context = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection((address, port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname=address) as tls:
        der = tls.getpeercert(binary_form=True)
    spki = x509.load_der_x509_certificate(der).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


class Browser:
    """One WebRTC room PC of the lab, from start() to stop(): its namespace, its Chromium, what its page reported."""

    def __init__(self, lab: Lab, room: str, address: str, gateway: str):
        self.lab, self.room, self.address, self.gateway = lab, room, address, gateway
        digest = hashlib.sha256(f"{lab.name}/{room}".encode()).hexdigest()[:8]
        self.netns, self.veth = f"gbtt-{lab.name}-{room}"[:60], f"gbw{digest}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"gbtt-browser-{room}-"))
        self.process: subprocess.Popen | None = None
        self.results: list[dict] = []
        self.errors: list[str] = []
        self.log: list[str] = []  # Chromium's last lines (its console's among them), for a failure's cause
        self.lock = threading.Lock()

    def _bridge_interface(self) -> str:
        return podman("network", "inspect", self.lab.network, "--format", "{{.NetworkInterface}}").stdout.strip()

    def _network(self, prefix: int, routes: list[tuple[str, str]]) -> None:
        stop_network(self.netns, self.veth)
        _ip("netns", "add", self.netns)
        _ip("link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.netns)
        _ip("link", "set", self.veth, "master", self._bridge_interface(), "up")
        _ip("-n", self.netns, "addr", "add", f"{self.address}/{prefix}", "dev", "eth0")
        _ip("-n", self.netns, "link", "set", "eth0", "up")
        _ip("-n", self.netns, "link", "set", "lo", "up")
        _ip("-n", self.netns, "route", "add", "default", "via", self.gateway)
        for prefix_, via in routes:  # a site behind a lab Linux router reaches the centre through it
            _ip("-n", self.netns, "route", "replace", prefix_, "via", via)

    def start(self, url: str, pinned: str, tone: float, amplitude: float, prefix: int,
              routes: list[tuple[str, str]] = ()) -> None:
        self._network(prefix, list(routes))
        wav, y4m = self.dir / "tone.wav", self.dir / "camera.y4m"
        write_tone(wav, tone, amplitude)
        asked = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).fragment))  # the room's picture
        write_picture(y4m, int(asked.get("w", 320)), int(asked.get("h", 180)), int(asked.get("fps", 6)))
        # a room PC is a machine of its own in production; here the browser shares two cores with every lab
        # host, and its real-time audio (a timer reading the fake microphone) must not starve: it runs first
        command = ["ip", "netns", "exec", self.netns, "nice", "-n", str(NICE), CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                   f"--user-data-dir={self.dir / 'profile'}", "--use-fake-device-for-media-stream",
                   "--use-fake-ui-for-media-stream", f"--use-file-for-fake-audio-capture={wav}",
                   f"--use-file-for-fake-video-capture={y4m}",
                   "--autoplay-policy=no-user-gesture-required", f"--ignore-certificate-errors-spki-list={pinned}",
                   "--enable-logging=stderr", "--v=0", "--no-first-run", url]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        errors="replace")
        threading.Thread(target=self._read, name=f"browser-{self.room}", daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.log = self.log[-49:] + [line.rstrip()]
            if RESULT not in line:
                continue
            text = line.split(RESULT, 1)[1]
            text = text[:text.rfind("}") + 1]
            try:
                result = json.loads(text)
            except ValueError:
                continue
            with self.lock:
                (self.errors.append(result["error"]) if "error" in result else self.results.append(result))

    def result_after(self, since: float, timeout: float) -> dict:
        """The first measurement of a window that began after `since` (Unix time), waiting up to `timeout`;
        {"error": ...} if the page reported an error or nothing came."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for r in self.results:
                    if r["at"] - r["seconds"] >= since:
                        return r
                if self.errors:
                    return {"error": self.errors[-1]}
            if self.process.poll() is not None:
                return {"error": f"the browser exited ({self.process.returncode})"}
            time.sleep(0.2)
        return {"error": f"the page measured nothing in {timeout:.0f} s"}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        stop_network(self.netns, self.veth)
        shutil.rmtree(self.dir, ignore_errors=True)


def stop_network(netns: str, veth: str | None = None) -> None:
    """The namespace and its veth gone (what a browser of an earlier run left too)."""
    if veth:
        subprocess.run(["ip", "link", "del", veth], capture_output=True)
    subprocess.run(["ip", "netns", "del", netns], capture_output=True)


def open_browser(inventory: Path, inv, fleet, room: str, url: str, tone: float, amplitude: float) -> Browser:
    """The lab's WebRTC room PC `room` (an endpoint of the inventory), started on `url`."""
    lab = open_lab(inventory)
    site = next(sid for sid, s in inv.sites.items() if any(ep["id"] == room for ep in s["endpoints"]))
    endpoint = next(ep for ep in inv.sites[site]["endpoints"] if ep["id"] == room)
    routes = site_routes(inv, site, [(h.site, h.vars["ansible_host"]) for h in fleet.hosts if "linux_routers" in h.groups])
    conference = fleet.with_role("conference")[0]
    port = host_knobs(inventory, conference.name, "conference")["janus_https_port"]
    pinned = pinned_key(conference.vars["ansible_host"], port, lab.ca_certificate)
    browser = Browser(lab, room, lab_address(inv, endpoint["address"]), LAB_GATEWAY)
    try:
        browser.start(url, pinned, tone, amplitude, LAB_SUPERNET.prefixlen, routes)
    except Exception:
        browser.stop()
        raise
    return browser


def leftover_namespaces(lab: Lab) -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(f"gbtt-{lab.name}-")]
