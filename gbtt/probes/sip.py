"""SIP probe (stdlib only): OPTIONS and REGISTER with digest authentication,
over UDP, TCP or TLS.  As a script it prints one JSON object, whose `outcome` says
whether it was answered, or timed out (dropped), or refused:

    python3 sip.py options HOST PORT udp|tcp|tls
    python3 sip.py register HOST PORT udp|tcp|tls DOMAIN USER PASSWORD
    python3 sip.py guess HOST PORT udp|tcp|tls DOMAIN USER TRIES   # a password-guessing run (security tests)
    python3 sip.py flood HOST PORT COUNT                             # OPTIONS back to back (security tests)
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import ssl
import sys
import time

TIMEOUT = 3.0
CA_FILE = "/etc/gbtt/pki/ca.crt"  # the province's CA (gbtt/pki.py), on every deployed host


def _rand() -> str:
    return os.urandom(6).hex()


class Transport:
    def __init__(self, host: str, port: int, proto: str):
        self.host, self.port, self.proto = host, port, proto
        family_type = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, family_type)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect((host, port))
        if proto == "tls":
            # the registrar's certificate, verified against the province's CA for the address dialled
            ctx = ssl.create_default_context(cafile=CA_FILE)
            self.sock = ctx.wrap_socket(self.sock, server_hostname=host)
        self.local = self.sock.getsockname()
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data) if self.proto != "udp" else self.sock.send(data)

    def receive(self) -> bytes:
        if self.proto == "udp":
            return self.sock.recv(65535)
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65535)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buffer += chunk
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith((b"content-length:", b"l:")):
                length = int(line.split(b":", 1)[1])
        while len(rest) < length:
            rest += self.sock.recv(65535)
        self.buffer = rest[length:]
        return head + b"\r\n\r\n" + rest[:length]


def parse(data: bytes) -> dict:
    head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace").split("\r\n")
    _, status, reason = (head[0].split(" ", 2) + [""])[:3]
    headers: dict[str, str] = {}
    contacts: list[str] = []  # a REGISTER's 200 lists every binding of the address of record
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
        if name.strip().lower() in ("contact", "m"):
            contacts += [c.strip() for c in value.split(">,")]
    return {"status": int(status), "reason": reason, "headers": headers, "contacts": contacts}


def request(t: Transport, method: str, uri: str, from_uri: str, to_uri: str, call_id: str, cseq: int,
            extra: list[str] = ()) -> dict:
    via_proto = {"udp": "UDP", "tcp": "TCP", "tls": "TLS"}[t.proto]
    lines = [f"{method} {uri} SIP/2.0",
             f"Via: SIP/2.0/{via_proto} {t.local[0]}:{t.local[1]};branch=z9hG4bK{_rand()};rport",
             "Max-Forwards: 70", f"From: <{from_uri}>;tag={_rand()}", f"To: <{to_uri}>", f"Call-ID: {call_id}",
             f"CSeq: {cseq} {method}", "User-Agent: gbtt-probe", *extra, "Content-Length: 0", "", ""]
    t.send("\r\n".join(lines).encode())
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        reply = parse(t.receive())
        if reply["status"] >= 200:
            return reply
    raise TimeoutError("no final reply")


def options(host: str, port: int, proto: str = "udp") -> dict:
    t = Transport(host, port, proto)
    r = request(t, "OPTIONS", f"sip:{host}:{port}", f"sip:probe@{host}", f"sip:{host}", _rand(), 1)
    return {"status": r["status"], "reason": r["reason"], "server": r["headers"].get("server", "")}


def _digest(challenge: str, method: str, uri: str, user: str, password: str) -> str:
    fields = {}
    for part in challenge.split(" ", 1)[1].split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value.strip('"')
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731  (SIP digest is MD5)
    ha1, ha2 = md5(f"{user}:{fields['realm']}:{password}"), md5(f"{method}:{uri}")
    cnonce, nc = _rand(), "00000001"
    if "auth" in fields.get("qop", ""):
        response = md5(f"{ha1}:{fields['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        qop = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    else:
        response, qop = md5(f"{ha1}:{fields['nonce']}:{ha2}"), ""
    return (f'Digest username="{user}", realm="{fields["realm"]}", nonce="{fields["nonce"]}", uri="{uri}", '
            f'response="{response}", algorithm=MD5{qop}')


def register(host: str, port: int, proto: str, domain: str, user: str, password: str, expires: int = 60) -> dict:
    """REGISTER with digest authentication; a binding made is removed again
    (Expires: 0), so a probe never takes one of the account's contacts."""
    t = Transport(host, port, proto)
    uri, aor = f"sip:{domain}", f"sip:{user}@{domain}"
    binding = f"sip:{user}@{t.local[0]}:{t.local[1]};transport={proto}"
    contact = f"Contact: <{binding}>"
    call_id, cseq = _rand(), 0

    def authenticated(expires: int) -> tuple[dict, bool]:
        nonlocal cseq
        cseq += 1
        first = request(t, "REGISTER", uri, aor, aor, call_id, cseq, [contact, f"Expires: {expires}"])
        if first["status"] != 401:
            return first, False
        auth = _digest(first["headers"]["www-authenticate"], "REGISTER", uri, user, password)
        cseq += 1
        return request(t, "REGISTER", uri, aor, aor, call_id, cseq,
                       [contact, f"Expires: {expires}", f"Authorization: {auth}"]), True

    reply, challenged = authenticated(expires)
    result = {"status": reply["status"], "reason": reply["reason"], "challenged": challenged}
    if reply["status"] == 200 and expires:
        result["bound"] = any(binding in c for c in reply["contacts"])  # the registrar's location table has it
        result["removed"] = authenticated(0)[0]["status"] == 200
    return result


def guess(host: str, port: int, proto: str, domain: str, user: str, tries: int) -> dict:
    """REGISTERs with wrong passwords, one after the other, as an attacker would: how many wrong
    guesses were answered before the registrar stopped answering (two silences in a row end the run)."""
    answered, silent, started = 0, 0, time.monotonic()
    first_silence = None
    for n in range(tries):
        try:
            reply = register(host, port, proto, domain, user, "guess-" + _rand())
        except TimeoutError:
            first_silence = n if first_silence is None else first_silence
            silent += 1
            if silent == 2:
                break
            continue
        silent = 0
        if reply["challenged"] and reply["status"] in (401, 403):
            answered += 1
    return {"status": 0, "reason": "", "answered": answered, "first_silence": first_silence,
            "seconds": round(time.monotonic() - started, 2)}


def flood(host: str, port: int, count: int, collect: float = 2.0) -> dict:
    """COUNT OPTIONS over UDP sent back to back, as a flood would, then the answers collected for
    `collect` seconds: how many distinct requests were answered."""
    t = Transport(host, port, "udp")
    started = time.monotonic()
    for n in range(count):
        lines = [f"OPTIONS sip:{host}:{port} SIP/2.0",
                 f"Via: SIP/2.0/UDP {t.local[0]}:{t.local[1]};branch=z9hG4bK{_rand()};rport", "Max-Forwards: 70",
                 f"From: <sip:probe@{host}>;tag={_rand()}", f"To: <sip:{host}>", f"Call-ID: flood-{n}-{_rand()}",
                 f"CSeq: {n + 1} OPTIONS", "User-Agent: gbtt-probe", "Content-Length: 0", "", ""]
        t.send("\r\n".join(lines).encode())
    sent = time.monotonic() - started
    answered: set[str] = set()
    t.sock.settimeout(0.2)
    deadline = time.monotonic() + collect
    while time.monotonic() < deadline:
        try:
            reply = parse(t.receive())
        except (TimeoutError, OSError):
            continue
        answered.add(reply["headers"].get("call-id", ""))
    return {"status": 0, "reason": "", "sent": count, "answered": len(answered), "send_seconds": round(sent, 3)}


def outcome(exc: BaseException) -> str:
    """What a failure says of the path: `timeout` (no answer at all: dropped
    on the way, e.g. by a firewall), `refused` (something answered no: a
    closed port, or a firewall that rejects), `error` (anything else)."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    return "error"


def main(argv: list[str]) -> int:
    try:
        if argv[0] == "options":
            result = options(argv[1], int(argv[2]), argv[3])
        elif argv[0] == "flood":
            result = flood(argv[1], int(argv[2]), int(argv[3]))
        elif argv[0] == "guess":
            result = guess(argv[1], int(argv[2]), argv[3], argv[4], argv[5], int(argv[6]))
        else:
            result = register(argv[1], int(argv[2]), argv[3], argv[4], argv[5], argv[6])
        result["outcome"] = "answered"
    except (OSError, ValueError) as exc:
        result = {"status": 0, "reason": f"{type(exc).__name__}: {exc}", "outcome": outcome(exc)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
