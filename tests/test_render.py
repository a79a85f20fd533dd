"""The desired state and `gbtt render`: what the model gives each host, with
no secret in any rendered review file."""
from __future__ import annotations

import json
import re

from conftest import REAL
from gbtt.cli import main
from gbtt.desired import host_state
from gbtt.desired.components.conference import derived_secrets
from gbtt.inventory import load


def test_render_masks_every_secret(tmp_path):
    assert main(["render", "--inventory", str(REAL), "--out", str(tmp_path)]) == 0
    secrets = load(REAL).secrets()
    values = [secrets["turn_static_secret"], secrets["janus_admin_secret"], secrets["janus_api_secret"],
              secrets["probe_sip_password"], secrets["bridge_sip_password"], *secrets["sip_passwords"].values(),
              *secrets["codec_api_passwords"].values(),
              *derived_secrets(load(REAL), secrets)]  # the rooms' PINs and secrets, the admin keys
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    # every Linux host of the province, the 10 vendor site routers and the Cisco codec
    assert len({p.relative_to(tmp_path).parts[0] for p in files}) == 34
    # the CA's key and the hosts' keys (gbtt/pki.py): their base64 lines never appear either
    keys = [secrets["pki_ca_key"]] + [f.content for h in ("mcu-sip-01", "mcu-conf-01", "mcu-turn-01")
                                      for c in host_state(REAL, h).components.values() for f in c.files
                                      if f.path.endswith(".key")]
    values += [line for key in keys for line in key.splitlines() if "-----" not in line and len(line) > 20]
    for path in files:
        text = path.read_text()
        assert not any(v in text for v in values), f"{path} shows a secret"
    pw = (tmp_path / "mcu-sip-01/etc/kamailio/gbtt-passwords.cfg").read_text()
    assert '$sht(sippw=>quy-nhon-pc) = "********";' in pw
    audiobridge = (tmp_path / "mcu-conf-01/etc/janus/janus.plugin.audiobridge.jcfg").read_text()
    assert 'pin = "********"' in audiobridge and 'secret = "********"' in audiobridge
    bridge = json.loads((tmp_path / "mcu-bridge-01/etc/gbtt/bridge/bridge.json").read_text())
    assert {m["pin"] for m in bridge["meetings"].values()} == {"********"}


def test_render_one_host_for_the_lab(tmp_path):
    assert main(["render", "--inventory", str(REAL), "--out", str(tmp_path), "--host", "mcu-sip-01", "--lab"]) == 0
    cfg = (tmp_path / "mcu-sip-01/etc/kamailio/kamailio.cfg").read_text()
    assert "listen=udp:198.18.0.12:5060" in cfg and "listen=tls:198.18.0.12:5061" in cfg
    # its SIP address and the one it takes over (gbtt.service_addresses), bound before it holds them
    assert "listen=udp:198.18.0.112:5060" in cfg and "listen=udp:198.18.0.117:5060" in cfg
    assert 'modparam("rtpengine", "rtpengine_sock", "udp:198.18.0.113:2223 udp:198.18.0.116:2223")' in cfg  # one set, both relays' media addresses
    manifest = json.loads((tmp_path / "mcu-sip-01/gbtt-manifest.json").read_text())
    assert manifest["sip_registrar"]["packages"] == ["kamailio", "kamailio-tls-modules", "ssl-cert", "keepalived"]
    assert {"path": "/etc/kamailio/kamailio.cfg", "validate": "/usr/sbin/kamailio -c -f %s"}.items() <= \
        next(f for f in manifest["sip_registrar"]["files"] if f["path"] == "/etc/kamailio/kamailio.cfg").items()


def test_the_registrars_tell_their_relay_commands_apart_and_free_ended_calls():
    """Two registrars with the same process ids (containers, machines started alike) sent the relays the
    same command cookies, and a relay answered one's command with its cached reply to the other's: a room got
    another call's ports (a full-lab rehearsal, 2026-12-01). Each has its own server_id now; BYE, CANCEL and a call that failed on every branch free its session at once."""
    cfgs = [next(f for f in host_state(REAL, h).components["sip_registrar"].files
                 if f.path == "/etc/kamailio/kamailio.cfg").content for h in ("mcu-sip-01", "mcu-sip-02")]
    ids = [re.search(r"^server_id=(\d+)$", cfg, re.M).group(1) for cfg in cfgs]
    assert ids == ["1", "2"]
    for cfg in cfgs:
        relay = cfg[cfg.index("route[RELAY]"):]
        assert re.search(r'is_method\("BYE\|CANCEL"\)\) \{\s*(#[^\n]*\s*)?rtpengine_delete\(\);', relay), relay[:400]
        assert re.search(r"failure_route\[MANAGE_FAILURE\] \{\s*rtpengine_delete\(\);", cfg)
        assert 't_on_failure("MANAGE_FAILURE")' in relay


def test_registrar_knows_every_sip_room_system():
    state = host_state(REAL, "mcu-sip-01")
    pw = next(f for f in state.components["sip_registrar"].files if f.path.endswith("gbtt-passwords.cfg"))
    inv = load(REAL)
    sip = [ep["id"] for s in inv.sites.values() for ep in s["endpoints"] if ep["kind"] == "sip-room-system"]
    assert len(sip) == 18
    for ep in sip:
        assert f"$sht(sippw=>{ep}) = " in pw.content
    assert pw.secret and pw.mode == "0640" and pw.group == "kamailio"


def test_firewall_opens_only_declared_ports_to_their_networks():
    nft = next(f for f in host_state(REAL, "mcu-sip-01").components["common"].files if f.path == "/etc/nftables.conf")
    rules = [line.strip() for line in nft.content.splitlines() if " dport " in line]
    assert rules == [
        'tcp dport 22 ip saddr @management accept comment "SSH from the operators\' management networks"',
        'udp dport 5060 ip saddr @rooms accept comment "SIP over UDP from the rooms"',
        'tcp dport 5060 ip saddr @rooms accept comment "SIP over TCP from the rooms"',
        'tcp dport 5061 ip saddr @rooms accept comment "SIP over TLS from the rooms"',
        'udp dport 40000-40999 ip saddr @media_relay accept comment "RTP and RTCP of the preflight calls from the media relay"',
        'udp dport 5072-5079 ip saddr @sip_registrar accept comment "SIP of the probe\'s slots, from the registrar"',
        'tcp dport 5072-5079 ip saddr @sip_registrar accept comment "SIP over TCP and TLS of the probe\'s slots, from the registrar"',
    ]
    assert "10.52.11.0/26" in nft.content and "198.18." not in nft.content  # production addresses
    room_pc = next(f for f in host_state(REAL, "quy-nhon-pc").components["common"].files
                   if f.path == "/etc/nftables.conf").content
    # a room PC takes SIP from the registrar only, RTP from the relay only
    assert 'udp dport 5060 ip saddr @sip_registrar accept' in room_pc and "@rooms" not in room_pc
    assert 'udp dport 20000-20999 ip saddr @media_relay accept' in room_pc


def test_lab_state_maps_addresses_and_sends_nothing_outside_the_lab():
    chrony = next(f for f in host_state(REAL, "an-lao-pc", lab=True).components["common"].files
                  if f.path == "/etc/chrony/chrony.conf").content
    assert "server 198.18.0.1 iburst" in chrony and "binhdinh.gov.vn" not in chrony
    prod = next(f for f in host_state(REAL, "an-lao-pc").components["common"].files
                if f.path == "/etc/chrony/chrony.conf").content
    assert "server 10.52.0.1 iburst" in prod and "server ntp.binhdinh.gov.vn iburst" in prod


def test_booked_meetings_get_conference_rooms_until_they_end():
    import datetime as dt

    from gbtt.desired.components.conference import meeting_room_id, room_pin
    from gbtt.meetings import meetings

    inv = load(REAL)
    m = next(m for m in meetings(inv) if m.id == "giao-ban-kt-xh-2026-12")
    room_id = meeting_room_id(inv, m)
    assert room_id == 5226120708002  # code 52, 26-12-07 08:00 local, the second central room (vp-ubnd)

    def videoroom(now):
        state = host_state(REAL, "mcu-conf-01", now=now).components["conference"]
        return next(f.content for f in state.files if f.path.endswith("videoroom.jcfg"))

    before = videoroom(dt.datetime(2026, 12, 7, 4, 29, tzinfo=dt.timezone.utc))  # 11:29 local: still running
    block = before.split(f"room-{room_id}: {{", 1)[1].split("}", 1)[0]
    assert 'description = "Giao ban kinh tế - xã hội tháng 12/2026"' in block
    assert f'pin = "{room_pin(inv.secrets(), room_id)}"' in block
    assert "publishers = 13" in block and "bitrate = 1056000" in block  # hd720: 1024 + 32 kbps
    assert f"room-{room_id}:" not in videoroom(dt.datetime(2026, 12, 7, 4, 30, tzinfo=dt.timezone.utc))
