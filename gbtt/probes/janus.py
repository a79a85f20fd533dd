"""Janus probe (stdlib only), over the HTTP API.  Secrets are read on the
host from Janus's own configuration (never passed on a command line).  As a
script it prints one JSON object:

    python3 janus.py info URL                       # e.g. https://198.18.0.11/janus
    python3 janus.py admin URL [JANUS_JCFG]         # list_sessions, with the admin secret if JANUS_JCFG is given
    python3 janus.py rooms URL JANUS_JCFG ROOM...   # do these VideoRoom and AudioBridge rooms exist?
"""
from __future__ import annotations

import json
import os
import re
import ssl
import sys
import urllib.request

CA_FILE = "/etc/gbtt/pki/ca.crt"  # the province's CA (gbtt/pki.py), on every deployed host


def _context():
    """The conference server's certificate, verified against the province's CA for the address in the URL."""
    return ssl.create_default_context(cafile=CA_FILE)


def call(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps({"transaction": os.urandom(6).hex(), **body}).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5, context=_context() if url.startswith("https") else None) as resp:
        return json.loads(resp.read())


def secret(config: str, key: str) -> str:
    text = open(config, encoding="utf-8").read()
    return re.search(rf'^\s*{key}\s*=\s*"([^"]*)"', text, re.M).group(1)


def rooms(url: str, config: str, ids: list[int]) -> dict:
    api = {"apisecret": secret(config, "api_secret")}
    session = call(url, {"janus": "create", **api})["data"]["id"]
    out = {}
    try:
        for plugin in ("videoroom", "audiobridge"):
            handle = call(f"{url}/{session}", {"janus": "attach", "plugin": f"janus.plugin.{plugin}", **api})["data"]["id"]
            for room in ids:
                r = call(f"{url}/{session}/{handle}", {"janus": "message", "body": {"request": "exists", "room": room}, **api})
                out[f"{plugin}:{room}"] = r.get("plugindata", {}).get("data", {}).get("exists", False)
    finally:
        call(f"{url}/{session}", {"janus": "destroy", **api})
    return out


def main(argv: list[str]) -> int:
    try:
        if argv[0] == "info":
            result = call(f"{argv[1]}/info")
        elif argv[0] == "admin":
            body = {"janus": "list_sessions"}
            if len(argv) > 2:
                body["admin_secret"] = secret(argv[2], "admin_secret")
            result = call(argv[1], body)
        else:
            result = rooms(argv[1], argv[2], [int(r) for r in argv[3:]])
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        result = {"janus": "probe-error", "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
