"""The WebRTC room PCs' way into a meeting, without a network: the link
`gbtt meeting link` gives (a Janus token checked as Janus 1.1's auth.c checks
it, the meeting's PIN, the room's picture), the page the conference server
serves them (nginx, Janus's token_auth), what the bridge is told of them, and
the page's tone measurement, run in Debian's Chromium against the probe's.
The meeting itself, with a browser in it, is tests/test_meeting_lab.py's."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import re
import subprocess
import urllib.parse

import pytest

from conftest import REAL
from gbtt.bridge.web import STATE_PICTURE_ONLY
from gbtt.cli import main
from gbtt.desired import host_state
from gbtt.desired.components.conference import WEB_DIR, meeting_room_id, room_pin, room_secret, token_secret
from gbtt.inventory import load
from gbtt.meeting import MeetingError, room_system
from gbtt.meetings import meetings
from gbtt.probes.tones import level
from gbtt.rehearsal import cause_of_failure
from test_readiness import CHROMIUM

INV = load(REAL)
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc)
MEETING = next(m for m in sorted(meetings(INV), key=lambda m: m.start) if m.end > NOW and "vp-ubnd" in m.rooms)


def janus_accepts(token: str, secret: str, plugin: str, now: float) -> bool:
    """Janus 1.1.2's janus_auth_check_signature_contains (src/auth.c), written again from its source."""
    data, _, signature = token.partition(":")
    parts = data.split(",")
    if len(parts) < 3 or int(parts[0]) < now or parts[1] != "janus" or plugin not in parts[2:]:
        return False
    mac = base64.b64encode(hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(mac, signature)


def fragment(link: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).fragment))


def test_a_room_pc_link_opens_its_meeting_until_the_end_and_is_never_logged(tmp_path, capsys):
    assert main(["meeting", "link", MEETING.id, "vp-ubnd", "--production", "--out", str(tmp_path)]) == 0
    link = capsys.readouterr().out.strip().splitlines()[-1]
    assert link.startswith("https://10.52.0.11/phong-hop/#")  # the conference server, production address
    got = fragment(link)
    number = meeting_room_id(INV, MEETING)
    secrets = INV.secrets()
    assert got["so"] == str(number) and got["phong"] == "vp-ubnd-web" and got["pin"] == room_pin(secrets, number)
    assert (got["codec"], got["w"], got["h"], got["fps"]) == ("VP8", "1280", "720", "30")  # its profile, hd720-vp8
    end = MEETING.end.timestamp()
    for plugin in ("janus.plugin.audiobridge", "janus.plugin.videoroom"):
        assert janus_accepts(got["token"], token_secret(secrets), plugin, end - 1)
    assert not janus_accepts(got["token"], token_secret(secrets), "janus.plugin.videoroom", end + 1)  # expired
    assert not janus_accepts(got["token"], token_secret(secrets), "janus.plugin.sip", end - 1)
    assert not janus_accepts(got["token"], "another secret", "janus.plugin.videoroom", end - 1)
    # the TURN server, with a credential coturn accepts (use-auth-secret: HMAC-SHA1 of expiry:user) until the end
    assert got["turn"] == "10.52.0.14:3478" and re.fullmatch(rf"{int(end)}:vp-ubnd-web\.[0-9a-f]{{6}}", got["tu"])
    assert got["tp"] == base64.b64encode(hmac.new(secrets["turn_static_secret"].encode(), got["tu"].encode(),
                                                  hashlib.sha1).digest()).decode()
    logged = (tmp_path / "log.jsonl").read_text()
    assert json.loads(logged)["room"] == "vp-ubnd-web"
    assert not any(got[k] in logged for k in ("token", "pin", "tp"))


def test_a_link_needs_a_webrtc_room_pc_of_the_meeting(tmp_path, capsys):
    assert main(["meeting", "link", MEETING.id, "quy-nhon", "--production", "--out", str(tmp_path)]) == 1
    assert "site quy-nhon has WebRTC room PCs (none)" in capsys.readouterr().err
    outside = next(m for m in meetings(INV) if "vp-ubnd" not in m.rooms)
    assert main(["meeting", "link", outside.id, "vp-ubnd-web", "--production", "--out", str(tmp_path)]) == 1
    assert f"vp-ubnd-web is not a room of meeting {outside.id}" in capsys.readouterr().err


def test_a_room_system_is_named_by_its_id_or_by_its_site_when_the_site_has_one_of_that_kind():
    assert room_system(INV, "an-lao", "sip-room-system") == "an-lao-pc"
    assert room_system(INV, "vp-ubnd", "webrtc-pc") == "vp-ubnd-web"  # beside its two SIP room systems
    with pytest.raises(MeetingError, match="site vp-ubnd has SIP room systems vp-ubnd-codec, vp-ubnd-pc: name one"):
        room_system(INV, "vp-ubnd", "sip-room-system")
    assert room_system(INV, "vp-ubnd-web", "sip-room-system", any_kind_by_id=True) == "vp-ubnd-web"
    with pytest.raises(MeetingError, match="no WebRTC room PC or site 'vp-ubnd-pc'"):
        room_system(INV, "vp-ubnd-pc", "webrtc-pc")
    with pytest.raises(MeetingError, match="no SIP room system or site 'nowhere'"):
        room_system(INV, "nowhere", "sip-room-system")


def test_the_conference_server_serves_the_page_to_the_rooms_and_janus_takes_their_tokens():
    state = host_state(REAL, "mcu-conf-01", now=NOW).components["conference"]
    files = {f.path: f for f in state.files}
    nginx = files["/etc/nginx/nginx.conf"].content
    block = nginx[nginx.index("location /phong-hop/"):]
    block = block[:block.index("}")]
    assert f"alias {WEB_DIR}/;" in block and "allow 10.52.11.0/26;" in block and "deny all;" in block
    assert "10.52.255." not in block  # the management network has no room page
    jcfg = files["/etc/janus/janus.jcfg"]
    assert "token_auth = true" in jcfg.content and f'token_auth_secret = "{token_secret(INV.secrets())}"' in jcfg.content
    assert jcfg.secret and 'api_secret = "' in jcfg.content  # the bridge and the probes keep the API secret
    # Janus's own TURN credential: a time coturn takes (a signed 32-bit number of seconds)
    assert int(re.search(r'turn_user = "(\d+):janus"', jcfg.content).group(1)) < 2**31
    page, script = files[f"{WEB_DIR}/index.html"].content, files[f"{WEB_DIR}/phong-hop.js"].content
    assert '<script src="phong-hop.js">' in page and 'lang="vi"' in page
    assert "{{" not in script and "{%" not in script and "setCodecPreferences" in script
    nft = next(f for f in host_state(REAL, "mcu-conf-01", now=NOW).components["common"].files
               if f.path == "/etc/nftables.conf").content
    assert 'udp dport 21200-21299 ip saddr @multipoint_bridge accept' in nft


def test_every_set_a_firewall_rule_names_is_defined():
    for host in ("mcu-conf-01", "mcu-bridge-01", "mcu-sip-01", "mcu-relay-01", "mcu-turn-01", "quy-nhon-pc", "r-an-lao"):
        nft = next(f for f in host_state(REAL, host, now=NOW).components["common"].files
                   if f.path == "/etc/nftables.conf").content
        named, defined = set(re.findall(r"saddr @(\w+)", nft)), set(re.findall(r"set (\w+) \{", nft))
        assert named and named <= defined, (host, named - defined)


def test_the_bridge_knows_each_meetings_webrtc_room_pcs_and_may_change_its_janus_rooms():
    state = host_state(REAL, "mcu-bridge-01", lab=True, now=NOW).components["multipoint_bridge"]
    config = json.loads(next(f.content for f in state.files if f.path == "/etc/gbtt/bridge/bridge.json"))
    number = meeting_room_id(INV, MEETING)
    m = config["meetings"][str(number)]
    web = [ep["id"] for sid in MEETING.rooms for ep in INV.sites[sid]["endpoints"] if ep["kind"] == "webrtc-pc"]
    assert [r["id"] for r in m["web_rooms"]] == web and "vp-ubnd-web" in web
    assert m["web_rooms"][0]["video"] == {"codec": "VP8", "width": 320, "height": 180, "fps": 6, "kbps": 128}  # lab
    assert m["secret"] == room_secret(INV.secrets(), number)
    assert config["janus"]["address"] == "198.18.0.11" and config["janus"]["remote_ports"] == [21200, 21299]
    assert [r["id"] for r in config["meetings"]["5299"]["web_rooms"]] == ["so-tttt-web", "vp-ubnd-web"]


def test_the_page_measures_a_tone_as_the_room_pcs_probe_does(tmp_path):
    """The page's Goertzel (phong-hop.js), run by Chromium, against gbtt/probes/tones.py on the same sound."""
    script = next(f.content for f in host_state(REAL, "mcu-conf-01", now=NOW).components["conference"].files
                  if f.path == f"{WEB_DIR}/phong-hop.js")
    (tmp_path / "phong-hop.js").write_text(script)
    rate, parts = 48000, ((410, 0.3), (1350, 0.05), (2910, 0.001))
    samples = [sum(a * math.sin(2 * math.pi * f * i / rate + f) for f, a in parts) for i in range(rate * 2)]
    freqs = [f for f, _ in parts] + [700]  # and one not sounding
    (tmp_path / "t.html").write_text(f"""<html><head><meta charset="utf-8"></head><body><p id="trang-thai"></p>
<pre id="ket-qua"></pre>
<script src="phong-hop.js"></script><script>
const x = new Float32Array({json.dumps([round(v, 6) for v in samples])});
document.body.setAttribute('data-levels', JSON.stringify({json.dumps(freqs)}.map(f => level(x, f, {rate}))));
</script></body></html>""")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'c'}",
                          "--dump-dom", (tmp_path / "t.html").as_uri()], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    page = json.loads(re.search(r"data-levels=\"([^\"]*)\"", dom).group(1).replace("&quot;", '"'))
    probe = [level([round(v * 32767) for v in samples], f, rate) for f in freqs]
    assert all(abs(a - b) <= 0.2 for a, b in zip(page[:3], probe[:3])), (page, probe)
    assert page[0] > -11 and page[1] > -27 and -61 < page[2] < -59 and page[3] < -100 and probe[3] < -100, page
    assert "Đường dẫn thiếu" in dom  # the page itself, opened without a link, says what is missing


def test_a_browser_that_did_not_join_is_told_from_a_room_that_did_not_answer():
    assert "gbtt meeting link" in cause_of_failure({"state": "absent", "reason": ""})
    assert "sound did not join" in cause_of_failure({"state": STATE_PICTURE_ONLY, "reason": ""})
    assert cause_of_failure({"state": "calling", "reason": ""}).startswith("no answer")
    assert cause_of_failure({"state": "ended", "reason": "486 Busy Here"}) == "the room system is busy in another call"
