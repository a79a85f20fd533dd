"""The readiness page, loaded in headless Chromium (Debian's package): what
the browser shows is checked against the JSON reports it was made from, and a
screenshot is kept (out/test-artifacts/readiness.png)."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from html.parser import HTMLParser

from conftest import REAL
from gbtt.annual_report import failure
from gbtt.meetings import meetings
from gbtt.paths import REPO
from gbtt.readiness import write_page
from gbtt.validate import load_valid

INV = load_valid(REAL)
NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.timezone.utc)  # during the December KT-XH meeting
CHROMIUM = shutil.which("chromium") or "chromium"  # Debian's, installed by scripts/setup.sh


class Rows(HTMLParser):
    """Every <tr> with data-* attributes: its attributes and its cells' text."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and any(k.startswith("data-") for k in attrs):
            self._row = {"attrs": attrs, "cells": []}
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row["cells"].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def chromium(*args, tmp_path):
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'c'}",
                           *args], capture_output=True, text=True, timeout=120, check=True)


def test_the_browser_shows_what_the_reports_say(tmp_path):
    pre, aud = tmp_path / "preflight", tmp_path / "audit"
    pre.mkdir()
    aud.mkdir()
    bad_room = {"room": "vinh-thanh-pc", "ok": False, "checks": [{"check": "reachable", "ok": True},
                                                                  {"check": "registered", "ok": False}]}
    (pre / "preflight-lab-20261206T120000Z.json").write_text(json.dumps({"when": "2026-12-06T12:00:00+00:00", "rooms": [
        {"room": "an-lao-pc", "ok": True, "checks": []}, bad_room]}))
    (pre / "preflight-lab-20261201T000000Z.json").write_text(json.dumps({"when": "2026-12-01T00:00:00+00:00", "rooms": [
        {"room": "an-lao-pc", "ok": False, "checks": []}, {"room": "quy-nhon-pc", "ok": True, "checks": []}]}))
    (aud / "audit-lab-20261206T000000Z.json").write_text(json.dumps({"when": "2026-12-06T00:00:00+00:00", "results": [
        {"host": "mcu-sip-01", "component": "sip_registrar", "ok": True, "detail": ""},
        {"host": "mcu-sip-01", "component": "certificate", "ok": True, "detail": "5061: 301 days left"},
        {"host": "mcu-turn-01", "component": "certificate", "ok": False,
         "detail": "5349: unverified: self-signed certificate"},
        {"host": "r-an-lao", "component": "linux_router", "ok": False, "detail": "the ACL towards the centre is not loaded"}]}))
    reh = tmp_path / "rehearsal"
    reh.mkdir()
    (reh / "rehearsal-lab-20261206T130000Z.json").write_text(json.dumps({"when": "2026-12-06T13:00:00+00:00", "results": [
        {"room": "an-lao-pc", "ok": True}, {"room": "vp-ubnd-codec", "ok": None, "cause": "not emulated"},
        {"room": "quy-nhon-pc", "ok": False, "cause": "does not hear an-lao-pc: those rooms' audio does not reach the bridge"}]}))
    page = write_page(INV, tmp_path / "readiness.html", pre, aud, now=NOW, rehearsal_dir=reh)
    dom = chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path).stdout
    parser = Rows()
    parser.feed(dom)
    by = {}
    for row in parser.rows:
        kind, key = next((k, v) for k, v in row["attrs"].items() if k in ("data-room", "data-host", "data-meeting"))
        by[(kind, key)] = row
    # every room system of the inventory, each with its newest check (older reports fill in the rest)
    rooms = {ep["id"] for s in INV.sites.values() for ep in s["endpoints"]}
    assert {k for kind, k in by if kind == "data-room"} == rooms
    assert by[("data-room", "an-lao-pc")]["attrs"]["data-ok"] == "true"
    assert by[("data-room", "an-lao-pc")]["cells"][2:4] == ["Đạt", "2026-12-06 19:00"]
    assert by[("data-room", "vinh-thanh-pc")]["cells"][2] == f"Không đạt: {failure(bad_room)}"
    assert by[("data-room", "quy-nhon-pc")]["cells"][2:4] == ["Đạt", "2026-12-01 07:00"]
    assert by[("data-room", "tay-son-pc")]["attrs"]["data-ok"] == "none"
    assert by[("data-room", "vinh-thanh-pc")]["cells"][5] == "preflight-lab-20261206T120000Z.json"
    # each room's last dress rehearsal on the bridge (gbtt rehearse); a room it did not count says so
    assert by[("data-room", "an-lao-pc")]["cells"][4] == "Đạt (2026-12-06 20:00)"
    assert by[("data-room", "quy-nhon-pc")]["cells"][4] == ("Không đạt (2026-12-06 20:00): does not hear an-lao-pc: "
                                                            "those rooms' audio does not reach the bridge")
    assert by[("data-room", "vp-ubnd-codec")]["cells"][4] == by[("data-room", "tay-son-pc")]["cells"][4] == "Chưa có"
    assert by[("data-room", "an-lao-pc")]["cells"][5].split() == ["preflight-lab-20261206T120000Z.json",
                                                                   "rehearsal-lab-20261206T130000Z.json"]
    # the meetings not over at NOW, in order
    upcoming = [m.id for m in sorted(meetings(INV), key=lambda m: m.start) if m.end > NOW]
    assert [k for kind, k in by if kind == "data-meeting"] == upcoming and upcoming
    # the hosts of the newest audit
    assert by[("data-host", "mcu-sip-01")]["cells"][1:3] == ["Đạt", "cổng 5061: còn 301 ngày"]  # certificate expiry
    assert by[("data-host", "mcu-turn-01")]["cells"][2] == "Không đạt: 5349: unverified: self-signed certificate"
    assert by[("data-host", "r-an-lao")]["cells"][2] == "—"  # serves no TLS
    assert by[("data-host", "r-an-lao")]["cells"][1] == ("Không đạt: bộ định tuyến biên (Linux) "
                                                          "(the ACL towards the centre is not loaded)")
    assert 'id="topology"' in dom and "<svg" in dom
    shot = REPO / "out" / "test-artifacts" / "readiness.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    chromium("--hide-scrollbars", "--window-size=1280,2200", f"--screenshot={shot}", page.as_uri(), tmp_path=tmp_path)
    assert shot.stat().st_size > 50_000


def test_the_published_bundle_holds_the_page_and_what_it_links_only(tmp_path):
    import io
    import tarfile

    import pytest

    from gbtt.readiness import PublishError, bundle

    pre, aud = tmp_path / "preflight", tmp_path / "audit"
    pre.mkdir()
    aud.mkdir()
    (pre / "preflight-lab-20261206T010000Z.json").write_text(json.dumps(
        {"when": "2026-12-06T01:00:00+00:00", "rooms": [{"room": "an-lao-pc", "ok": True, "checks": []}]}))
    (pre / "preflight-lab-20261201T010000Z.json").write_text("{}")  # older: not linked, not published
    page = write_page(INV, tmp_path / "readiness.html", pre, aud, now=NOW)
    with tarfile.open(fileobj=io.BytesIO(bundle(page))) as tar:
        names = {m.name: m for m in tar.getmembers()}
        assert set(names) == {"index.html", "preflight/preflight-lab-20261206T010000Z.json"}
        assert tar.extractfile("index.html").read() == page.read_bytes()
        assert all(m.uid == 0 and m.mode == 0o644 for m in names.values())
    elsewhere = write_page(INV, tmp_path / "pages" / "readiness.html", pre, aud, now=NOW)  # reports beside, not below
    with pytest.raises(PublishError, match=r"leads outside the page's folder"):
        bundle(elsewhere)
