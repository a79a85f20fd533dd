"""The readiness page published to the lab's conference host
(`gbtt readiness --publish`): its nginx serves the page and the reports it
links to the management networks (this machine, in the lab) and refuses a
room PC; Janus's API, the other way round."""
from __future__ import annotations

import json
import shlex
import ssl
import urllib.request

import pytest

from gbtt.cli import main
from gbtt.pki import CA_FILE
from gbtt.hostinventory import lab_state
from labtools import remote

pytestmark = pytest.mark.lab
ROOM = "quy-nhon-pc"


def fetch(url: str, lab) -> tuple[int, bytes]:
    # the conference host's certificate, verified with the lab CA's certificate `gbtt lab up` wrote
    context = ssl.create_default_context(cafile=str(lab.ca_certificate))
    try:
        with urllib.request.urlopen(url, context=context, timeout=10) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_the_published_page_is_served_to_management_only(deployed_lab, tmp_path, capsys):
    pre = tmp_path / "preflight"
    pre.mkdir()
    report = {"when": "2026-12-06T01:00:00+00:00", "rooms": [{"room": ROOM, "ok": True, "checks": []}]}
    (pre / "preflight-lab-20261206T010000Z.json").write_text(json.dumps(report))
    page = tmp_path / "readiness.html"
    assert main(["readiness", "--out", str(page), "--preflight-dir", str(pre), "--audit-dir", str(tmp_path / "audit"),
                 "--rehearsal-dir", str(tmp_path / "rehearsal"), "--publish"]) == 0
    conf = lab_state(deployed_lab.state_dir)["hosts"]["mcu-conf-01"]
    assert f"published: https://{conf}/readiness/ (mcu-conf-01" in capsys.readouterr().out

    status, body = fetch(f"https://{conf}/readiness/", deployed_lab)
    assert status == 200 and body == page.read_bytes()
    status, body = fetch(f"https://{conf}/readiness/preflight/preflight-lab-20261206T010000Z.json", deployed_lab)
    assert status == 200 and json.loads(body) == report
    assert fetch(f"https://{conf}/readiness/../etc/janus/janus.jcfg", deployed_lab)[0] in (400, 403, 404)
    assert fetch(f"https://{conf}/janus/info", deployed_lab)[0] == 403  # the rooms' API: not the operators'

    def from_the_room(path: str) -> str:
        probe = ("import ssl, urllib.request, urllib.error\n"
                 f"try: urllib.request.urlopen('https://{conf}{path}', context=ssl.create_default_context(cafile='{CA_FILE}'))\n"
                 "except urllib.error.HTTPError as e: print(e.code)\n"
                 "else: print(200)\n")
        answer = remote(deployed_lab, ROOM).run(f"python3 -c {shlex.quote(probe)}")
        return answer.stdout.strip() or answer.stderr

    assert from_the_room("/readiness/") == "403"
    assert from_the_room("/janus/info") == "200"
