"""Cisco RoomOS configuration through its documented HTTP API (xAPI over
HTTPS: `GET /getxml?location=/Configuration` reads the configuration,
`POST /putxml` with a `<Configuration>` document sets it; HTTP basic
authentication; Room Kit API Reference Guide, "Using HTTP").

The model renders a codec's settings as `xConfiguration` command lines (what
a technician would type in the codec's SSH shell). Here they become the XML
the codec takes, following the guide's "Translating from terminal mode to
XML": each word of the path an element, a number after a word that word's
`item` attribute (`Network 1 QoS Mode` -> `<Network item="1"><QoS><Mode>`).

Some values cannot be read back (the SIP password): they are sent when the
codec is not registered or when another value of their section (SIP) changes, and
the diff shows them masked."""
from __future__ import annotations

import base64
import hashlib
import http.client
import re
import socket
import ssl
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

# Values the codec does not give back (never shown either).
WRITE_ONLY = ("SIP Authentication Password",)
MASK = "********"
COMMAND = re.compile(r"^xConfiguration ([A-Za-z][A-Za-z0-9 ]*?): (.*)$")


class RoomOSError(Exception):
    """One line saying what went wrong with which codec."""


def parse_commands(text: str) -> dict[str, str]:
    """`xConfiguration A B 1 C: "value"` lines -> {"A B 1 C": "value"}, in order.
    Anything else (a comment, a typo) is refused: the codec's shell would refuse it too."""
    out = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = COMMAND.match(line)
        if not m:
            raise RoomOSError(f"line {n}: not an xConfiguration command: {line[:60]!r}")
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        out[m.group(1)] = value
    return out


def _steps(path: str) -> list[tuple[str, str | None]]:
    """"Network 1 QoS Mode" -> [("Network", "1"), ("QoS", None), ("Mode", None)]."""
    steps: list[tuple[str, str | None]] = []
    for word in path.split():
        if word.isdigit():
            steps[-1] = (steps[-1][0], word)
        else:
            steps.append((word, None))
    return steps


def to_xml(settings: dict[str, str]) -> bytes:
    """The `<Configuration>` document /putxml takes for these settings."""
    root = ET.Element("Configuration")
    for path, value in settings.items():
        node = root
        for name, item in _steps(path):
            match = next((c for c in node if c.tag == name and c.get("item") == item), None)
            if match is None:
                match = ET.SubElement(node, name, {"item": item} if item else {})
            node = match
        node.text = value
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def from_xml(document: bytes) -> dict[str, str]:
    """A /getxml answer (`<Configuration>` with attributes such as valueSpaceRef)
    -> {"A B 1 C": value} for every leaf."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        raise RoomOSError(f"the codec's answer is not XML ({exc})") from None
    out = {}

    def walk(node, prefix):
        for child in node:
            path = [*prefix, child.tag] + ([child.get("item")] if child.get("item") else [])
            if len(child):
                walk(child, path)
            else:
                out[" ".join(path)] = (child.text or "").strip()
    walk(root, [])
    return out


def _section(path: str) -> str:
    return path.split()[0]  # "SIP", "Network": the account's settings travel together


@dataclass
class Plan:
    changes: dict[str, str]  # what /putxml is sent
    before: dict[str, str]  # as read, for the diff (write-only values masked)
    after: dict[str, str]

    @property
    def diff(self) -> dict:
        def text(d):
            return "".join(f'xConfiguration {k}: "{v}"\n' for k, v in d.items())
        return {"before": text(self.before), "after": text(self.after),
                "before_header": "codec (read back)", "after_header": "gbtt model"}


def plan(desired: dict[str, str], current: dict[str, str], registered: bool) -> Plan:
    """What to send: each readable value that differs; a write-only one when the
    codec is not registered (a wrong password is the likely cause) or when
    another value of its section changes."""
    changes = {k: v for k, v in desired.items() if k not in WRITE_ONLY and current.get(k) != v}
    sections = {_section(k) for k in changes}
    for k in WRITE_ONLY:
        if k in desired and (not registered or _section(k) in sections):
            changes[k] = desired[k]
    before = {k: (MASK if k in WRITE_ONLY else current.get(k, "")) for k in desired if k in changes}
    after = {k: (f"{MASK} (sent)" if k in WRITE_ONLY else v) for k, v in desired.items() if k in changes}
    return Plan(changes, before, after)


def api_password(inventory, codec: str) -> str:
    """The codec's API account password (vault.codec_api_passwords; the rules make sure it is there)."""
    from .validate import load_valid  # noqa: PLC0415

    return load_valid(inventory).secrets()["codec_api_passwords"][codec]


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def normal_fingerprint(text: str) -> str:
    """"AB:CD:…" or "abcd…" -> "abcd…" (what `openssl x509 -fingerprint -sha256` prints, or plain hex)."""
    return text.replace(":", "").strip().lower()


class Codec:
    """A codec's xAPI over HTTPS. Its certificate is pinned by SHA-256
    fingerprint (the inventory's `api_certificate_sha256`): RoomOS codecs serve
    their own self-signed certificate unless one is installed by hand."""

    def __init__(self, name: str, url: str, username: str, password: str, pinned_sha256: str, timeout: float = 10):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise RoomOSError(f"{name}: API address {url!r} is not https://HOST[:PORT]")
        self.name, self.host, self.port = name, parts.hostname, parts.port or 443
        self.auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.pinned = normal_fingerprint(pinned_sha256)
        self.timeout = timeout

    def _request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # pinned below instead
        conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=context)
        where = f"{self.name} ({self.host}:{self.port})"
        try:
            conn.connect()
            seen = fingerprint(conn.sock.getpeercert(binary_form=True))
            if seen != self.pinned:
                raise RoomOSError(f"{where}: certificate SHA-256 {seen} is not the one pinned in the inventory "
                                  f"({self.pinned}); refused (a replaced codec? then update api_certificate_sha256)")
            headers = {"Authorization": self.auth}
            if body is not None:
                headers["Content-Type"] = "text/xml"
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, socket.timeout, http.client.HTTPException) as exc:
            raise RoomOSError(f"{where}: {exc.__class__.__name__}: {exc}") from None
        finally:
            conn.close()
        if resp.status == 401:
            raise RoomOSError(f"{where}: the codec refused the API account (HTTP 401): check its admin user "
                              "and vault.codec_api_passwords")
        if resp.status != 200:
            raise RoomOSError(f"{where}: HTTP {resp.status} on {method} {path.split('?')[0]}")
        return data

    def configuration(self) -> dict[str, str]:
        return from_xml(self._request("GET", "/getxml?location=/Configuration"))

    def registered(self) -> bool:
        status = from_xml(self._request("GET", "/getxml?location=/Status/SIP/Registration"))
        return any(k.endswith(" Status") and v == "Registered" for k, v in status.items())

    def put(self, settings: dict[str, str]) -> None:
        answer = self._request("POST", "/putxml", to_xml(settings))
        try:
            root = ET.fromstring(answer) if answer.strip() else None
        except ET.ParseError:
            root = None
        errors = [] if root is None else [e for e in root.iter() if e.tag == "Error" or e.get("status") == "Error"]
        if errors:
            reason = " ".join(t.strip() for e in errors for t in e.itertext() if t.strip()) or "no reason given"
            raise RoomOSError(f"{self.name}: the codec refused the configuration: {reason}")
