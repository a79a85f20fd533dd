"""Cisco RoomOS configuration through its documented HTTP API (xAPI over
HTTPS: `GET /getxml?location=/Configuration` reads the configuration,
`POST /putxml` with a `<Configuration>` document sets it; HTTP basic
authentication; Room Kit API Reference Guide, "Using HTTP").

The model renders a codec's settings as `xConfiguration` command lines (what
a technician would type in the codec's SSH shell). Here they become the XML
the codec takes, following the guide's "Translating from terminal mode to
XML": each word of the path an element, a number after a word that word's
`item` attribute (`Network 1 QoS Mode` -> `<Network item="1"><QoS><Mode>`).

The room's phone book goes into the codec's local phone book with the
documented commands (`xCommand Phonebook Search / Contact Add / Contact
Delete`): gbtt manages the contacts whose number is in the province's SIP
domain and leaves every other contact a technician added.

Some values cannot be read back (the SIP password): they are sent when the
codec is not registered or when another value of their section (SIP) changes, and
the diff shows them masked."""
from __future__ import annotations

import base64
import hashlib
import http.client
import re
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


def phonebook_text(entries: list[tuple[str, str]]) -> str:
    """The model's phone book of a codec: one "name<TAB>number" line per contact (number without "sip:")."""
    return "".join(f"{name}\t{uri.removeprefix('sip:')}\n" for name, uri in entries)


def parse_phonebook(text: str) -> list[tuple[str, str]]:
    return [tuple(line.split("\t", 1)) for line in text.splitlines() if line]


def phonebook_plan(desired: list[tuple[str, str]], current: list[tuple[str, str, str]],
                   domain: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(contacts to add, contacts to delete): gbtt's are those numbered in `domain`; a contact whose
    name changed is deleted and added again."""
    ours = [c for c in current if c[2].endswith("@" + domain)]
    have = {(name, number) for _, name, number in ours}
    want = set(desired)
    return [c for c in desired if c not in have], [c for c in ours if (c[1], c[2]) not in want]


def _element(tag: str, children: dict[str, str]) -> ET.Element:
    node = ET.Element(tag)
    for key, value in children.items():
        ET.SubElement(node, key).text = value
    return node


def command_xml(path: str, **arguments: str) -> bytes:
    """`xCommand A B C Arg: value` as /putxml takes it: <Command><A><B><C><Arg>value</Arg>…"""
    root = node = ET.Element("Command")
    words = path.split()
    for word in words[:-1]:
        node = ET.SubElement(node, word)
    node.append(_element(words[-1], arguments))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@dataclass
class Review:
    """What differs between a codec and the model, read from the codec."""
    codec: Codec
    desired: dict[str, str]
    config: Plan
    adds: list[tuple[str, str]]  # contacts to add (name, number)
    deletes: list[tuple[str, str, str]]  # contacts to delete (id, name, number)
    registered: bool

    @property
    def changed(self) -> bool:
        return bool(self.config.changes or self.adds or self.deletes)

    @property
    def diff(self) -> dict:
        diff = self.config.diff
        diff["before"] += "".join(f"xCommand Phonebook Contact: {n} <{num}>\n" for _, n, num in self.deletes)
        diff["after"] += "".join(f"xCommand Phonebook Contact: {n} <{num}>\n" for n, num in self.adds)
        return diff

    def findings(self) -> list[str]:
        """What the audit reports: each way the codec is not as the model says (none: all well)."""
        readable = [k for k in self.config.changes if k not in WRITE_ONLY]
        out = [f"differs from the model: {', '.join(readable)}"] if readable else []
        if self.adds or self.deletes:
            out.append(f"phone book: {len(self.adds)} contact(s) missing, {len(self.deletes)} not the model's")
        if not self.registered:
            out.append("SIP not registered (its password? the registrar?)")
        return out

    def apply(self) -> None:
        """Send what differs, then read the configuration back and compare."""
        codec, changes = self.codec, self.config.changes
        if changes:
            codec.put(changes)
            after = codec.configuration()
            wrong = [k for k, v in changes.items() if k not in WRITE_ONLY and after.get(k) != v]
            if wrong:
                raise RoomOSError(f"{codec.name}: the codec took the configuration but reads back other values "
                                  f"for {', '.join(wrong)}")
        for contact_id, _, _ in self.deletes:
            codec.delete_contact(contact_id)
        for name, number in self.adds:
            codec.add_contact(name, number, self.desired["Conference DefaultCall Rate"])


def review(codec: Codec, commands: str, phonebook: str) -> Review:
    """Read the codec and compare it with the model's commands and phone book. A setting the
    codec lacks (its RoomOS version, a wrong name) is an error: nothing can be planned with it."""
    desired = parse_commands(commands)
    current = codec.configuration()
    unknown = [k for k in desired if k not in current and k not in WRITE_ONLY]
    if unknown:
        raise RoomOSError(f"{codec.name}: the codec has no setting {', '.join(unknown)} (its RoomOS version "
                          "or a name the model got wrong): nothing sent")
    registered = codec.registered()
    domain = desired["SIP URI"].rpartition("@")[2]
    adds, deletes = phonebook_plan(parse_phonebook(phonebook), codec.phonebook(), domain)
    return Review(codec, desired, plan(desired, current, registered), adds, deletes, registered)


def review_codec(inventory, name: str, url: str, username: str, pinned_sha256: str, timeout: float,
                 knobs: dict | None = None) -> Review:
    """A codec of the inventory read through its API and compared with the model's state for it (`knobs`: an
    engine's run-time overrides); the role applies it, the audit reports it."""
    from .desired import host_state  # noqa: PLC0415 (the model imports this module)
    from .desired.components.roomos_codec import CONFIG_PATH, PHONEBOOK_PATH  # noqa: PLC0415
    from .validate import load_valid  # noqa: PLC0415

    if not pinned_sha256:
        raise RoomOSError(f"{name}: no api_certificate_sha256 for this codec in its site file: its certificate is "
                          "not pinned; read it once on the room network (openssl s_client -connect ADDRESS:443 "
                          "</dev/null | openssl x509 -noout -fingerprint -sha256) and add it to the endpoint")
    files = {f.path: f.content for f in host_state(inventory, name, knobs=knobs).components["roomos_codec"].files}
    password = load_valid(inventory).secrets()["codec_api_passwords"][name]  # the rules make sure it is there
    codec = Codec(name, url, username, password, pinned_sha256, float(timeout))
    return review(codec, files[CONFIG_PATH], files[PHONEBOOK_PATH])


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
        except (OSError, http.client.HTTPException) as exc:  # a timeout is an OSError
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

    def _post(self, body: bytes, what: str):
        answer = self._request("POST", "/putxml", body)
        try:
            root = ET.fromstring(answer) if answer.strip() else None
        except ET.ParseError:
            root = None
        errors = [] if root is None else [e for e in root.iter() if e.tag == "Error" or e.get("status") == "Error"]
        if errors:
            reason = " ".join(t.strip() for e in errors for t in e.itertext() if t.strip()) or "no reason given"
            raise RoomOSError(f"{self.name}: the codec refused {what}: {reason}")
        return root

    def put(self, settings: dict[str, str]) -> None:
        self._post(to_xml(settings), "the configuration")

    def phonebook(self) -> list[tuple[str, str, str]]:
        """(ContactId, Name, Number) of every contact of the local phone book (each number of it)."""
        root = self._post(command_xml("Phonebook Search", PhonebookType="Local", ContactType="Contact",
                                      Recursive="True", Limit="1000", Offset="0"), "the phone book search")
        out = []
        for contact in ([] if root is None else root.iter("Contact")):
            cid, name = contact.findtext("ContactId", ""), contact.findtext("Name", "")
            out += [(cid, name, m.findtext("Number", "")) for m in contact.iter("ContactMethod")]
        return out

    def add_contact(self, name: str, number: str, call_rate: str) -> None:
        self._post(command_xml("Phonebook Contact Add", Name=name, Number=number, Protocol="SIP",
                               CallRate=call_rate), f"the contact {name!r}")

    def delete_contact(self, contact_id: str) -> None:
        self._post(command_xml("Phonebook Contact Delete", ContactId=contact_id), f"deleting contact {contact_id}")
