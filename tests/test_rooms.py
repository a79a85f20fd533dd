"""The bridge rooms' SIP systems and the central probe as the model renders
them, parsed back and compared with the inventory: each room's codecs and
rates are its profile's, it registers with each registrar, answers the
probe only; the probe's slots never share a port."""
from __future__ import annotations

import math
import os
import re
import struct
import time

import pytest

from conftest import REAL
from gbtt.desired import host_state
from gbtt.pki import ca_certificate
from gbtt.probes import tones
from gbtt.service_addresses import service_address
from gbtt.desired.components.room_directory import LDIF, SCHEMA, UNIT, parse_ldif
from gbtt.desired.components.room_pc import HEARD_DIR, lab_tone, tone_marks
from gbtt.desired.knobs import role_defaults
from gbtt.inventory import load
from gbtt.meetings import meetings, now_utc
from gbtt.phonebook import entries
from gbtt.roomos import parse_commands
from vendor_names import H350_SCHEMA, POLY_VIDEO_OS, ROOMOS

INV = load(REAL)
ROOM_PCS = [(sid, ep) for sid, s in INV.sites.items() for ep in s["endpoints"] if ep["platform"] == "baresip"]
BARESIP_AUDIO = {"opus": "opus/48000/2", "g722": "G722/16000/1"}
BARESIP_VIDEO = {"h264": "H264", "vp8": "VP8"}


def files(host: str, component: str, lab: bool = False) -> dict[str, str]:
    return {f.path: f.content for f in host_state(REAL, host, lab=lab).components[component].files}


def baresip_config(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("\t")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def account(text: str) -> tuple[str, dict[str, str]]:
    line = next(ln for ln in text.splitlines() if ln.startswith("<sip:"))
    aor, _, params = line.partition(">;")
    return aor[1:], dict(p.split("=", 1) for p in re.findall(r'[\w]+=(?:"[^"]*"|[^;]*)', params))


@pytest.mark.parametrize("site,ep", ROOM_PCS, ids=[ep["id"] for _, ep in ROOM_PCS])
def test_room_follows_its_profile_and_registers_with_every_registrar(site, ep):
    f = files(ep["id"], "room_pc")
    conf = baresip_config(f["/etc/gbtt/baresip/config"])
    prof = INV.codec_profiles[ep["profile"]]
    video = prof["video"]
    assert conf["video_size"] == [f"{video['width']}x{video['height']}"]
    assert conf["video_bitrate"] == [str(video["kbps"] * 1000)] and conf["video_fps"] == [str(video["fps"])]
    assert conf["sip_listen"] == [f"{ep['address']}:5060"]
    assert conf["ctrl_tcp_listen"] == ["127.0.0.1:4444"]  # local control only
    assert conf["rtp_tos"] == [str(INV.network["qos_classes"]["audio"]["dscp"] * 4)]
    if prof["audio"]["codec"] == "opus":
        assert conf["opus_bitrate"] == [str(prof["audio"]["kbps"] * 1000)]
    aor, params = account(f["/etc/gbtt/baresip/accounts"])
    assert aor == f"sip:{ep['id']}@{INV.province['sip_domain']};transport=udp"
    assert params["audio_codecs"] == BARESIP_AUDIO[prof["audio"]["codec"]]
    assert params["video_codecs"] == BARESIP_VIDEO[video["codec"]]
    assert params["answermode"] == "auto"
    registrars = [service_address(INV, n) for n, h in INV.hosts.items() if h["role"] == "sip_registrar"]
    assert params["outbound"] == f'"sip:{registrars[0]}:5060;transport=udp"'
    # registered through each registrar (SIP Outbound: a flow each, the room's instance id read before its account)
    assert params["outbound2"] == f'"sip:{registrars[1]}:5060;transport=udp"' and params["sipnat"] == "outbound"
    assert conf["module_tmp"] == ["uuid.so", "account.so"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", f["/etc/gbtt/baresip/uuid"])
    assert params["auth_pass"] == INV.secrets()["sip_passwords"][ep["id"]]
    contacts = [ln for ln in f["/etc/gbtt/baresip/contacts"].splitlines() if not ln.startswith("#")]
    probe = role_defaults("preflight_probe")["probe_sip_user"]
    domain = INV.province["sip_domain"]
    assert contacts[:2] == [f'"GBTT preflight probe" <sip:{probe}@{domain}>;access=allow',  # and the bridge
                            f'"GBTT cầu nối đa điểm" <sip:gbtt-bridge@{domain}>;access=allow']
    assert contacts[-1] == "<sip:*@*>;access=block"  # nobody else calls in
    # the phone book between: every other room and every meeting not yet over, by name; none may call in
    book = contacts[2:-1]
    assert all(line.endswith(">;access=block") for line in book)
    others = {e["id"] for s in INV.sites.values() for e in s["endpoints"] if e["kind"] == "sip-room-system"} - {ep["id"]}
    assert {re.search(r"<sip:([^@]+)@", line).group(1) for line in book} >= others
    assert not any(f"<sip:{ep['id']}@" in line for line in book)
    upcoming = [m for m in meetings(INV) if m.end > now_utc()]
    assert sum(bool(re.search(r"<sip:52\d{11}@", line)) for line in book) == len(upcoming)


def test_devices_are_real_in_production_and_generated_in_the_lab():
    prod = host_state(REAL, "an-lao-pc").components["room_pc"]
    lab = host_state(REAL, "an-lao-pc", lab=True).components["room_pc"]
    conf_prod = baresip_config(next(f.content for f in prod.files if f.path.endswith("/config")))
    conf_lab = baresip_config(next(f.content for f in lab.files if f.path.endswith("/config")))
    assert conf_prod["video_source"] == ["v4l2,/dev/video0"] and conf_prod["audio_source"] == ["alsa,default"]
    assert conf_lab["video_source"] == ["fakevideo,nil"] and conf_lab["audio_source"] == [f"ausine,{lab_tone(INV, 'an-lao-pc')}"]
    # the lab: what it hears is decoded into a file per call (gbtt rehearse), played nowhere
    assert conf_lab["audio_player"] == ["aubridge,heard"] and conf_lab["snd_path"] == [HEARD_DIR]
    assert "sndfile.so" in conf_lab["module"] and "sndfile.so" not in conf_prod["module"] and "snd_path" not in conf_prod
    # the room PCs and the browsers of the WebRTC room PCs (gbtt.lab.browser)
    tones = [lab_tone(INV, ep["id"]) for s in INV.sites.values() for ep in s["endpoints"]
             if ep["platform"] in ("baresip", "browser")]
    assert len(tones) == 15 and len(set(tones)) == len(tones)  # each lab room its own
    assert 300 <= min(tones) and max(tones) <= 3700  # in G.722's lower band (its QMF splits at 4 kHz), as G.711's
    assert min(abs(a - b) for a in tones for b in tones if a != b) >= 40
    # no third-order product of two or three others (the mix's distortion) and no sum or difference lands on a tone
    for t in tones:
        others = [o for o in tones if o != t]
        products = {a + b - c for a in others for b in others for c in others if c not in (a, b)} | \
            {2 * a - b for a in others for b in others if a != b} | {a + b for a in others for b in others} | \
            {abs(a - b) for a in others for b in others}
        assert min(abs(p - t) for p in products) >= 10, t
    assert "baresip-x11" in prod.packages and "baresip-x11" not in lab.packages
    assert "v4l2.so" in conf_prod["module"] and "fakevideo.so" not in conf_prod["module"]
    unit = next(f.content for f in prod.files if f.path.endswith(".service"))
    assert "SupplementaryGroups=audio video" in unit and "User=gbtt-baresip" in unit


def write_dump(path, rate: int, samples: list[int]) -> None:
    """A decoded-audio dump as baresip's sndfile leaves it while the call runs (the header's sizes 0)."""
    header = b"RIFF" + struct.pack("<I", 0) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + \
        b"data" + struct.pack("<I", 0)
    path.write_bytes(header + b"".join(struct.pack("<h", v) for v in samples))


def test_a_tones_onset_is_placed_on_the_wall_clock_from_the_dumps_end(tmp_path):
    # another room's tone throughout, 420 Hz away (10 ms windows tell tones apart from about 200 Hz); this
    # one's starts after 1.2 s
    rate, other, mine = 16000, 530, 950
    samples = [round(6000 * math.sin(2 * math.pi * other * i / rate)
                     + (8000 * math.sin(2 * math.pi * mine * i / rate) if i >= 1.2 * rate else 0))
               for i in range(2 * rate)]
    write_dump(tmp_path / "call-dec.wav", rate, samples)
    end = time.time()
    os.utime(tmp_path / "call-dec.wav", (end, end))  # its last sample written now
    got = tones.onset(str(tmp_path), mine, end - 5)
    assert abs(got["onset"] - (end - 0.8)) <= 0.011, got  # 10 ms windows
    assert tones.onset(str(tmp_path), mine, end - 0.5)["onset"] == pytest.approx(end - 0.495, abs=0.006)  # already on
    assert tones.onset(str(tmp_path), 3000, end - 5)["onset"] is None  # a tone nobody sends
    assert "error" in tones.onset(str(tmp_path / "none"), mine, end)


def test_tone_marks_keep_every_difference_distinct():
    for n in (3, 13, 14, 15, 20, 26):
        marks = tone_marks(n)
        diffs = [b - a for i, a in enumerate(marks) for b in marks[i + 1:]]
        assert len(marks) == n and len(diffs) == len(set(diffs))


def test_the_password_file_is_a_secret_readable_by_baresip_only():
    f = next(f for f in host_state(REAL, "quy-nhon-pc").components["room_pc"].files if f.path.endswith("accounts"))
    assert f.secret and f.mode == "0640" and (f.owner, f.group) == ("root", "gbtt-baresip")


def test_probe_slots_never_share_a_port_and_offer_every_profile_codec():
    knobs = role_defaults("preflight_probe")
    state = host_state(REAL, "mcu-sip-01").components["preflight_probe"]
    configs = [baresip_config(f.content) for f in state.files if f.path.endswith("/config")]
    assert len(configs) == knobs["probe_slots"] == len(state.services)
    sip = [c["sip_listen"][0].rsplit(":", 1)[1] for c in configs]
    ctrl = [c["ctrl_tcp_listen"][0] for c in configs]
    assert len(set(sip)) == len(sip) and all(c.startswith("127.0.0.1:") for c in ctrl) and len(set(ctrl)) == len(ctrl)
    ranges = sorted(tuple(map(int, c["rtp_ports"][0].split("-"))) for c in configs)
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:]))
    assert ranges[0][0] >= knobs["probe_rtp_min"] and ranges[-1][1] <= knobs["probe_rtp_max"]
    # SIP ports and the next (TLS) never collide with Kamailio's
    assert not {int(p) + d for p in sip for d in (0, 1)} & {5060, 5061}
    modules = set(configs[0]["module"])
    assert {"opus.so", "g722.so", "avcodec.so", "vp8.so"} <= modules
    # its calls through the Kamailio beside it only (each registrar's host has its own probe)
    _, params = account(next(f.content for f in state.files if f.path.endswith("/accounts")))
    assert params["outbound"] == f'"sip:{INV.hosts["mcu-sip-01"]["address"]}:5060;transport=udp"'
    assert "outbound2" not in params and "sipnat" not in params and configs[0]["module_tmp"] == ["account.so"]


def test_registrar_accepts_the_probe():
    pw = next(f for f in host_state(REAL, "mcu-sip-01").components["sip_registrar"].files
              if f.path.endswith("gbtt-passwords.cfg"))
    assert "$sht(sippw=>gbtt-probe) = " in pw.content


# -- hardware codecs: Poly's provisioning files, Cisco's configuration through its API ------
POLYS = [(sid, ep) for sid, s in INV.sites.items() for ep in s["endpoints"] if ep["platform"] == "poly-g7500"]
CISCOS = [(sid, ep) for sid, s in INV.sites.items() for ep in s["endpoints"] if ep["platform"] == "cisco-room-kit"]
NOW = now_utc()  # the meetings not yet over, in the files and in what the tests expect of them
CONF_FILES = {f.path: f for f in host_state(REAL, "mcu-conf-01", now=NOW).components["conference"].files}
QOS = {k: str(v["dscp"]) for k, v in INV.network["qos_classes"].items()}
REGISTRAR = next(service_address(INV, n) for n, h in INV.hosts.items() if h["role"] == "sip_registrar")


def poly_params(text: str) -> dict[str, str]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(text.encode())
    assert root.tag == "PHONE_CONFIG" and [el.tag for el in root] == ["ALL"]
    return dict(root[0].attrib)


def call_rate(ep) -> str:
    prof = INV.codec_profiles[ep["profile"]]
    return str(prof["video"]["kbps"] + prof["audio"]["kbps"])


@pytest.mark.parametrize("site,ep", POLYS, ids=[ep["id"] for _, ep in POLYS])
def test_poly_provisioning_matches_the_model(site, ep):
    password = INV.secrets()["sip_passwords"][ep["id"]]
    rate = call_rate(ep)
    f = CONF_FILES[f"/srv/gbtt/provisioning/{ep['id']}/{ep['id']}.cfg"]
    p = poly_params(f.content)
    assert set(p) <= set(POLY_VIDEO_OS), sorted(set(p) - set(POLY_VIDEO_OS))  # documented names only
    assert p["voIpProt.SIP.userName"] == f"{ep['id']}@{INV.province['sip_domain']}"
    assert (p["voIpProt.SIP.auth.userId"], p["voIpProt.SIP.auth.password"]) == (ep["id"], password)
    assert p["voIpProt.SIP.proxyServer"] == p["voIpProt.SIP.registrarServer"] == REGISTRAR  # port 5060
    assert p["voIpProt.SIP.enable"] == "true" and p["voIpProt.H323.enable"] == "false"
    assert p["call.preferredSpeed.outgoing"] == p["call.preferredSpeed.maxIncoming"] == rate
    assert p["qos.maxTxBandwidth"] == p["qos.maxRxBandwidth"] == rate
    assert (p["qos.tosType"], p["qos.diffServ.audio"], p["qos.diffServ.video"]) == ("DiffServ", QOS["audio"], QOS["video"])
    assert p["device.local.roomName"] == INV.sites[site]["name"]
    # its directory: the phone book's white pages on the conference host, LDAPS (the CA below verifies it)
    assert (p["dir.serverType"], p["dir.ldap.server.address"], p["dir.ldap.server.port"], p["dir.ldap.useSSL"],
            p["dir.ldap.authType"]) == ("LDAP", INV.hosts["mcu-conf-01"]["address"], "636", "true", "anonymous")
    assert p["dir.ldap.baseDN"] == "ou=danh-ba,dc=gbtt,dc=binhdinh,dc=gov,dc=vn"
    # the province's CA (production's, from the vault's key), its line breaks kept through XML
    assert p["sec.TLS.customCaCert.1"] == ca_certificate(INV, False, INV.secrets).strip()
    assert f.secret and f.mode == "0640" and f.group == "www-data"


@pytest.mark.parametrize("site,ep", CISCOS, ids=[ep["id"] for _, ep in CISCOS])
def test_cisco_configuration_matches_the_model_with_documented_names(site, ep):
    state = host_state(REAL, ep["id"]).components["roomos_codec"]
    f = next(f for f in state.files if f.path == "xConfiguration")
    p = parse_commands(f.content)  # every line an xConfiguration command (no comment the shell would refuse)
    generic = {re.sub(r" \d+(?= |$)", " [n]", k) for k in p}
    assert generic <= set(ROOMOS), sorted(generic - set(ROOMOS))  # documented names only
    assert p["SIP URI"] == f"{ep['id']}@{INV.province['sip_domain']}"
    assert (p["SIP Authentication UserName"], p["SIP Authentication Password"]) == \
        (ep["id"], INV.secrets()["sip_passwords"][ep["id"]])
    assert p["SIP Proxy 1 Address"] == f"{REGISTRAR}:5060"
    assert p["Conference DefaultCall Rate"] == p["Conference MaxTransmitCallRate"] == call_rate(ep)
    assert (p["Network 1 QoS Diffserv Audio"], p["Network 1 QoS Diffserv Video"],
            p["Network 1 QoS Diffserv Signalling"]) == (QOS["audio"], QOS["video"], QOS["signalling"])
    assert f.secret
    # nothing for it on the conference server: nothing documented makes a Room Kit fetch a command file
    assert not any(ep["id"] in path for path in CONF_FILES)


def test_each_codec_alone_may_fetch_its_file():
    nginx = CONF_FILES["/etc/nginx/nginx.conf"].content
    for _, ep in POLYS:
        block = nginx.split(f"location /provisioning/{ep['id']}/ {{", 1)[1].split("}", 1)[0]
        assert [ln.strip() for ln in block.strip().splitlines()] == [
            f"allow {ep['address']};", "deny all;", f"alias /srv/gbtt/provisioning/{ep['id']}/;"]


DIRECTORY = {path: f.content for path, f in CONF_FILES.items()}
BASE = "dc=gbtt,dc=binhdinh,dc=gov,dc=vn"


def test_the_codecs_directory_holds_the_phone_book_as_h350_white_pages():
    found = parse_ldif(DIRECTORY[LDIF])
    book = entries(INV, NOW, INV.province["sip_domain"])
    people = {dn: a for dn, a in found.items() if dn.endswith(f",ou=danh-ba,{BASE}")}
    assert len(people) == len(book) and any(m.end > NOW for m in meetings(INV))  # rooms and meetings
    for name, uri in book:
        uid = uri.removeprefix("sip:").split("@")[0]
        person = people[f"uid={uid},ou=danh-ba,{BASE}"]
        assert person["objectClass"] == ["inetOrgPerson", "commURIObject"]
        assert person["displayName"] == person["sn"] == [name] and person["cn"][0] == name
        # its commURI names the endpoint by an equality search of commUniqueId (H.350 6.2)
        url, label = person["commURI"][0].split(" ", 1)
        assert (url, label) == (f"ldap:///ou=thiet-bi,{BASE}??one?(commUniqueId={uid})", "SIP")
        endpoint = found[f"commUniqueId={uid},ou=thiet-bi,{BASE}"]
        assert endpoint["objectClass"] == ["commObject", "SIPIdentity"] and endpoint["SIPIdentitySIPURI"] == [uri]
        assert endpoint["commOwner"] == [f"ldap:///uid={uid},ou=danh-ba,{BASE}"]
    # found by a keyboard without Vietnamese: a second cn without diacritics
    annhon = people[f"uid=an-nhon-codec,ou=danh-ba,{BASE}"]
    assert annhon["cn"] == ["Điểm cầu thị xã An Nhơn (an-nhon-codec)", "Diem cau thi xa An Nhon (an-nhon-codec)"]


def test_the_directory_uses_the_h350_schema_as_the_recommendation_numbers_it():
    schema = DIRECTORY[SCHEMA]
    declared = dict((name, oid) for oid, name in re.findall(r"\(\s*([\d.]+)\s+NAME\s+'(\w+)'", schema))
    assert declared == H350_SCHEMA
    core = {"dcObject", "organization", "organizationalUnit", "inetOrgPerson",  # core, cosine, inetorgperson
            "dc", "o", "ou", "description", "uid", "cn", "sn", "displayName"}
    used = {k for a in parse_ldif(DIRECTORY[LDIF]).values() for k in a} | \
        {c for a in parse_ldif(DIRECTORY[LDIF]).values() for c in a["objectClass"]}
    assert used - {"objectClass"} <= core | set(H350_SCHEMA), sorted(used - core - set(H350_SCHEMA))
    unit = DIRECTORY[UNIT]
    assert 'ExecStart=/usr/sbin/slapd -d 0 -f /etc/ldap/gbtt-danh-ba.conf -h "ldaps://10.52.0.11:636/"' in unit


class _Served:
    """A host whose ldapsearch reads `ldif` back and whose ldapmodify exits `write_rc` (testinfra's run)."""

    def __init__(self, ldif: str, write_rc: int = 8):
        self.ldif, self.write_rc = ldif, write_rc

    def run(self, command: str):
        from types import SimpleNamespace

        if " ldapsearch " in command:
            return SimpleNamespace(rc=0, stdout=self.ldif, stderr="")
        assert " ldapmodify " in command and "changetype: delete" in command
        return SimpleNamespace(rc=self.write_rc, stdout="", stderr="Strong(er) authentication required (8)")


def test_the_audit_names_what_the_served_phone_book_lacks_adds_or_changes():
    from gbtt.checks.conference import check_directory

    model = parse_ldif(DIRECTORY[LDIF])
    url = "ldaps://10.52.0.11:636"
    check_directory(_Served(DIRECTORY[LDIF]), model, url, BASE)  # what slapd read back from the model's LDIF
    blocks = DIRECTORY[LDIF].strip().split("\n\n")
    gone = parse_ldif(blocks[3]).popitem()[0]
    with pytest.raises(AssertionError, match=f"missing \\['{re.escape(gone)}'\\]"):
        check_directory(_Served("\n\n".join(blocks[:3] + blocks[4:])), model, url, BASE)
    changed = DIRECTORY[LDIF].replace("SIPIdentitySIPURI: sip:an-nhon-codec@", "SIPIdentitySIPURI: sip:an-nhon-pc@")
    with pytest.raises(AssertionError, match="different \\['commUniqueId=an-nhon-codec,ou=thiet-bi"):
        check_directory(_Served(changed), model, url, BASE)
    with pytest.raises(AssertionError, match="an anonymous delete"):
        check_directory(_Served(DIRECTORY[LDIF], write_rc=0), model, url, BASE)


# -- Art. 4.3: one background standard for every room ----------------------------
def svg_root(text: str):
    import xml.etree.ElementTree as ET

    return ET.fromstring(text.encode())


def test_every_room_has_the_same_background_standard():
    ns = "{http://www.w3.org/2000/svg}"
    seen = set()
    for sid, site in INV.sites.items():
        root = svg_root(CONF_FILES[f"/srv/gbtt/phong-nen/{sid}.svg"].content)
        rect = root.find(f"{ns}rect")
        group = root.find(f"{ns}g")
        texts = {t.get("id"): t.text for t in group.iter(f"{ns}text")}
        assert texts["caption"] == site["room"]["caption"] and texts["room-name"] == site["name"]
        assert texts["meeting-title"]
        seen.add((root.get("width"), root.get("height"), rect.get("fill"), group.get("fill"), group.get("font-family")))
    std = INV.province["room_backgrounds"]["phong-nen-chuan"]
    assert seen == {(str(std["width"]), str(std["height"]), std["background_colour"], std["text_colour"], std["font"])}


def test_backgrounds_as_png_for_the_screens_with_the_meetings_title(tmp_path):
    import struct

    from gbtt.cli import main

    title = "GIAO BAN KINH TẾ - XÃ HỘI & QUỐC PHÒNG <THÁNG 12>"
    assert main(["backgrounds", "--site", "an-lao", "--site", "vp-ubnd", "--title", title, "--out", str(tmp_path)]) == 0
    std = INV.province["room_backgrounds"]["phong-nen-chuan"]
    for sid in ("an-lao", "vp-ubnd"):
        png = (tmp_path / f"{sid}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (std["width"], std["height"])
        texts = {t.get("id"): t.text for t in svg_root((tmp_path / f"{sid}.svg").read_text()).iter()
                 if t.get("id")}
        assert texts["meeting-title"] == title  # escaped in the SVG, intact once parsed
    assert main(["backgrounds", "--site", "nowhere", "--out", str(tmp_path)]) == 2
