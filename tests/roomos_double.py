"""A stand-in for a Cisco Room Kit's HTTP API, for the tests of the
`roomos_codec` role: no RoomOS codec runs here (it is hardware; Cisco
publishes no emulator). It serves what the Room Kit API Reference Guide
documents under "Using HTTP" and what gbtt uses of it, on 127.0.0.1 over
HTTPS with its own self-signed certificate:

* GET /getxml?location=/Configuration: the configuration, each leaf with a
  valueSpaceRef attribute, items as `item="n"`, the SIP password left out
  (write-only here, as gbtt assumes);
* GET /getxml?location=/Status/SIP/Registration: Registered once the SIP
  account and a proxy are set with the password the registrar expects;
* POST /putxml with a <Configuration> document: each leaf set, or an error
  for a path the codec does not have or a value outside its value space;
* POST /putxml with a <Command> document: `Phonebook Search` (the local
  phone book), `Phonebook Contact Add` and `Phonebook Contact Delete`;
* HTTP basic authentication (401 otherwise).

It records every request, and every change made (`writes`), so the tests can
tell that check mode changed nothing."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import ssl
import threading
import xml.etree.ElementTree as ET
from base64 import b64decode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

RATES = ("Conference DefaultCall Rate", "Conference MaxTransmitCallRate", "Conference MaxReceiveCallRate")
# path -> (factory value, value space: a regex the value must match in full)
VALUE_SPACE = {
    "SystemUnit Name": ("", r".{0,50}"),
    "SIP URI": ("", r"[^\s]{0,255}"),
    "SIP DisplayName": ("", r".{0,255}"),
    "SIP Authentication UserName": ("", r".{0,128}"),
    "SIP Authentication Password": ("", r".{0,128}"),
    "SIP DefaultTransport": ("Auto", r"TCP|UDP|Tls|Auto"),
    **{f"SIP Proxy {n} Address": ("", r".{0,255}") for n in (1, 2, 3, 4)},
    "Conference DefaultCall Protocol": ("Auto", r"Auto|H320|H323|Sip|Spark"),
    **{k: ("6000", r"\d+") for k in RATES},  # 64..6000, checked in put()
    "Video Input Connector 1 Quality": ("Motion", r"Motion|Sharpness"),
    "Video Input Connector 2 Quality": ("Motion", r"Motion|Sharpness"),
    "Network 1 QoS Mode": ("Diffserv", r"Off|Diffserv"),
    **{f"Network 1 QoS Diffserv {k}": ("0", r"\d|[1-5]\d|6[0-3]") for k in ("Audio", "Video", "Signalling", "Data")},
}
WRITE_ONLY = {"SIP Authentication Password"}


def _self_signed(directory: Path) -> tuple[Path, Path, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "roomkit-double")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    crt, pem = directory / "double.crt", directory / "double.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem, hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _paths(node, prefix=()):
    for child in node:
        here = (*prefix, child.tag, *((child.get("item"),) if child.get("item") else ()))
        if len(child):
            yield from _paths(child, here)
        else:
            yield " ".join(here), (child.text or "").strip()


class RoomKitDouble:
    def __init__(self, directory: Path, username: str, password: str, sip_password: str):
        self.config = {k: v for k, (v, _) in VALUE_SPACE.items()}
        self.requests: list[tuple[str, str]] = []
        self.writes: list[str] = []  # what changed the codec: configuration paths, contacts added or deleted
        self.commands: set[tuple[str, tuple[str, ...]]] = set()  # (xCommand path, its argument names) received
        self.contacts: dict[str, dict] = {}  # ContactId -> {"Name", "Number", "Protocol", "CallRate"}
        self._next_contact = 1
        self.credentials, self.sip_password = (username, password), sip_password
        crt, key, self.fingerprint = _self_signed(directory)
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorised(self) -> bool:
                auth = self.headers.get("Authorization", "")
                ok = auth.startswith("Basic ") and b64decode(auth[6:]).decode() == ":".join(double.credentials)
                if not ok:
                    self._answer(401)
                return ok

            def do_GET(self):  # noqa: N802 (http.server's name)
                double.requests.append(("GET", self.path))
                if self._authorised():
                    self._answer(*double.get(self.path))

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                double.requests.append(("POST", self.path))
                if self._authorised():
                    self._answer(*double.put(body) if self.path == "/putxml" else (404,))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(crt, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the API ---------------------------------------------------------------
    def registered(self) -> bool:
        c = self.config
        return bool(c["SIP URI"] and c["SIP Proxy 1 Address"]) and c["SIP Authentication Password"] == self.sip_password

    def get(self, path: str) -> tuple[int, bytes]:
        if path == "/getxml?location=/Configuration":
            root = ET.Element("Configuration", product="Cisco Codec", apiVersion="4")
            for key, value in self.config.items():
                if key in WRITE_ONLY:
                    continue
                node = root
                words = key.split()
                for i, word in enumerate(words):
                    if word.isdigit():
                        continue
                    item = words[i + 1] if i + 1 < len(words) and words[i + 1].isdigit() else None
                    node = next((c for c in node if c.tag == word and c.get("item") == item), None) \
                        or ET.SubElement(node, word, {"item": item} if item else {})
                node.set("valueSpaceRef", f"/Valuespace/{key.replace(' ', '_')}")
                node.text = value
            return 200, ET.tostring(root, xml_declaration=True, encoding="utf-8")
        if path == "/getxml?location=/Status/SIP/Registration":
            status = "Registered" if self.registered() else "Failed"
            return 200, (f'<?xml version="1.0"?><Status><SIP><Registration item="1"><Status>{status}</Status>'
                         f'<URI>{self.config["SIP URI"]}</URI></Registration></SIP></Status>').encode()
        return 404, b""

    def add_contact(self, **fields) -> str:
        cid = f"localContactId-{self._next_contact}"
        self._next_contact += 1
        self.contacts[cid] = fields
        return cid

    def command(self, root) -> tuple[int, bytes]:
        node, path = root, []
        while len(node) == 1 and len(node[0]):
            node = node[0]
            path.append(node.tag)
        self.commands.add((" ".join(path), tuple(sorted(child.tag for child in node))))
        def result(name, status="OK", inner=""):
            return 200, f'<?xml version="1.0"?><Command><{name} status="{status}">{inner}</{name}></Command>'.encode()
        search, add, delete = (root.find(p) for p in ("Phonebook/Search", "Phonebook/Contact/Add",
                                                      "Phonebook/Contact/Delete"))
        if search is not None:
            if search.findtext("PhonebookType") != "Local":
                return result("PhonebookSearchResult", "Error", "<Reason>only the local phone book here</Reason>")
            rows = "".join(
                f'<Contact item="{i}"><Name>{escape(c["Name"])}</Name><ContactId>{cid}</ContactId>'
                f'<ContactMethod item="1"><ContactMethodId>1</ContactMethodId><Number>{escape(c["Number"])}</Number>'
                f'<Protocol>{c.get("Protocol", "Auto")}</Protocol></ContactMethod></Contact>'
                for i, (cid, c) in enumerate(self.contacts.items(), 1))
            info = f"<ResultInfo><Offset>0</Offset><Limit>1000</Limit><TotalRows>{len(self.contacts)}</TotalRows></ResultInfo>"
            return result("PhonebookSearchResult", inner=info + rows)
        if add is not None:
            fields = {child.tag: child.text or "" for child in add}
            if not fields.get("Name") or set(fields) - {"Name", "Number", "Protocol", "CallRate", "FolderId", "Tag"}:
                return result("PhonebookContactAddResult", "Error", "<Reason>bad arguments</Reason>")
            self.writes.append(f"add contact {fields['Name']}")
            return result("PhonebookContactAddResult", inner=f"<Name>{self.add_contact(**fields)}</Name>")
        if delete is not None:
            if self.contacts.pop(delete.findtext("ContactId"), None) is None:
                return result("PhonebookContactDeleteResult", "Error", "<Reason>No such contact</Reason>")
            self.writes.append(f"delete contact {delete.findtext('ContactId')}")
            return result("PhonebookContactDeleteResult")
        return 200, b'<?xml version="1.0"?><Command><Result status="Error"><Reason>Unknown command</Reason></Result></Command>'

    def put(self, body: bytes) -> tuple[int, bytes]:
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return 400, b""
        if root.tag == "Command":
            return self.command(root)
        changes = dict(_paths(root))
        for key, value in changes.items():
            if key not in VALUE_SPACE:
                return 200, f'<Configuration status="Error"><Reason>No match on address expression</Reason>' \
                            f"<XPath>{key}</XPath></Configuration>".encode()
            if not re.fullmatch(VALUE_SPACE[key][1], value) or (key in RATES and not 64 <= int(value) <= 6000):
                return 200, f'<Configuration status="Error"><Reason>Value out of range</Reason>' \
                            f"<XPath>{key}</XPath></Configuration>".encode()
        self.config.update(changes)
        self.writes += list(changes)
        return 200, b'<?xml version="1.0"?><Configuration><Success/></Configuration>'

