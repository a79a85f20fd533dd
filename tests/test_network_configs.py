"""The network roles' configurations, rendered from one policy and parsed
back: Cisco IOS-XE and Huawei VRP site routers (ciscoconfparse2), the Linux
routers' nftables, FRR and tc. Each is compared with the model: the ACL
lists exactly the central services the rooms need, then refuses the rest of
the room network's traffic to the centre; audio EF, video AF41, signalling
CS5; the conference's share of the uplink."""
from __future__ import annotations

import ipaddress
import re

import pytest
from ciscoconfparse2 import CiscoConfParse

from conftest import REAL
from gbtt.desired import host_state
from gbtt.desired.network_policy import policy
from gbtt.inventory import load
from vendor_names import HUAWEI_VRP, IOS_XE

INV = load(REAL)
DEVICES = INV.network["devices"]
CISCO = sorted(d for d, v in DEVICES.items() if v["vendor"] == "cisco" and v["site"] in INV.sites)
HUAWEI = sorted(d for d, v in DEVICES.items() if v["vendor"] == "huawei" and v["kind"] == "router")
LINUX = sorted(d for d, v in DEVICES.items() if v["vendor"] == "linux")
CLASSES = INV.network["qos_classes"]


def config(device: str) -> str:
    return host_state(REAL, device).components["vendor_router"].files[0].content


def wildcard(cidr: str) -> str:
    net = ipaddress.IPv4Network(cidr)
    return f"{net.network_address} {net.hostmask}"


def expected_acl(device: str) -> list[tuple[str, str, str]]:
    """(proto, destination, ports) the model allows from the room network."""
    return [(r.proto, r.dest, r.ports) for r in policy(lambda a: a, INV, device, lab=False).acl]


def ports_of(words: list[str]) -> str:
    return words[1] if words[0] == "eq" else f"{words[1]}-{words[2]}"


COMMENT = {"cisco": "!", "huawei": "#"}
DOCUMENTED = {"cisco": IOS_XE, "huawei": HUAWEI_VRP}


@pytest.mark.parametrize("device", [*CISCO, *HUAWEI])
def test_every_line_is_a_documented_command(device):
    vendor = DEVICES[device]["vendor"]
    syntaxes = [re.compile(p) for p in DOCUMENTED[vendor]]
    lines = [ln.strip() for ln in config(device).splitlines() if ln.strip() and not ln.startswith(COMMENT[vendor])]
    undocumented = [ln for ln in lines if not any(s.fullmatch(ln) for s in syntaxes)]
    assert not undocumented, undocumented
    assert len(lines) > 30


def test_every_site_router_is_rendered():
    assert len(CISCO) == 2 and len(HUAWEI) == 8 and len(LINUX) == 3
    assert "r-ttht" not in CISCO  # the centre's router is no site router


@pytest.mark.parametrize("device", CISCO)
def test_cisco_ios_xe(device):
    dev, site = DEVICES[device], INV.sites[DEVICES[device]["site"]]
    lan_net, centre_net = wildcard(site["network"]["subnet"]).split(), wildcard(INV.centre["network"]["subnet"]).split()
    text = config(device)
    p = CiscoConfParse(text.splitlines(), syntax="ios")
    acl = p.find_objects(r"^ip access-list extended GBTT-ROOMS-TO-CENTRE$")[0]
    entries = [c.text.split() for c in acl.children]
    permits = [(w[2], w[6], ports_of(w[7:])) for w in entries if w[1] == "permit" and w[2] in ("udp", "tcp")]
    assert permits == expected_acl(device)
    assert all(w[3:5] == lan_net for w in entries[:-1])
    # ping from the rooms to the centre: allowed, then policed on the room side
    assert entries[-3][1:] == ["permit", "icmp", *lan_net, *centre_net, "echo"]
    assert entries[-2][1:] == ["deny", "ip", *lan_net, *centre_net, "log"]
    assert entries[-1][1:] == ["permit", "ip", "any", "any"]
    mark = {c.text.split()[1]: [x.text.strip() for x in c.children]
            for c in p.find_objects(r"^policy-map GBTT-MARK$")[0].children}
    assert list(mark) == ["GBTT-ECHO", "GBTT-AUDIO", "GBTT-VIDEO", "GBTT-SIGNALLING"]  # first match wins
    assert mark["GBTT-ECHO"] == ["police 8000 conform-action transmit exceed-action drop"]
    assert {k: v[0].split()[-1] for k, v in mark.items() if k != "GBTT-ECHO"} == {
        "GBTT-AUDIO": "ef", "GBTT-VIDEO": "af41", "GBTT-SIGNALLING": "cs5"}
    # classes by the DSCP the rooms mark: NBAR's rtp classification knows no dynamic payload type
    assert not [line for line in text.splitlines() if line.strip().startswith("match protocol")]
    assert [c.text.strip() for c in p.find_objects(r"^class-map match-any GBTT-AUDIO$")[0].children] == ["match dscp ef"]
    queue = {c.text.split()[1]: c.children[0].text.strip() for c in p.find_objects(r"^policy-map GBTT-QUEUE$")[0].children}
    assert queue["GBTT-AUDIO"] == f"priority percent {CLASSES['audio']['share_percent']}"
    assert queue["GBTT-VIDEO"] == f"bandwidth percent {CLASSES['video']['share_percent']}"
    assert queue["GBTT-SIGNALLING"] == f"bandwidth percent {CLASSES['signalling']['share_percent']}"
    signalling = [c.text.split() for c in p.find_objects(r"^ip access-list extended GBTT-SIGNALLING$")[0].children]
    assert [(w[1], w[5]) for w in signalling] == [("udp", "5060"), ("tcp", "5060"), ("tcp", "5061")]
    lan, wan = dev["interfaces"]["lan"]["name"], dev["interfaces"]["wan"]["name"]
    lan_cfg = [c.text.strip() for c in p.find_objects(rf"^interface {re.escape(lan)}$")[0].children]
    wan_cfg = [c.text.strip() for c in p.find_objects(rf"^interface {re.escape(wan)}$")[0].children]
    assert "ip access-group GBTT-ROOMS-TO-CENTRE in" in lan_cfg and "service-policy input GBTT-MARK" in lan_cfg
    assert "service-policy output GBTT-UPLINK" in wan_cfg  # queueing under the shaper, outbound on the uplink
    shape = p.find_objects(r"^policy-map GBTT-UPLINK$")[0].children[0].children[0].text.split()
    assert shape == ["shape", "average", str(site["network"]["uplink_mbps"] * 10**6)]


@pytest.mark.parametrize("device", HUAWEI)
def test_huawei_vrp(device):
    dev, site = DEVICES[device], INV.sites[DEVICES[device]["site"]]
    lan_net, centre_net = wildcard(site["network"]["subnet"]).split(), wildcard(INV.centre["network"]["subnet"]).split()
    p = CiscoConfParse(config(device).splitlines(), syntax="ios", comment_delimiters=["#"])
    rules = [c.text.split() for c in p.find_objects(r"^acl name GBTT-ROOMS-TO-CENTRE 3001$")[0].children]
    permits = [(w[3], w[8], ports_of(w[11:])) for w in rules if w[2] == "permit" and w[3] in ("udp", "tcp")]
    assert permits == expected_acl(device)
    assert rules[-3][2:] == ["permit", "icmp", "icmp-type", "echo", "source", *lan_net, "destination", *centre_net]
    assert rules[-2][2:] == ["deny", "ip", "source", *lan_net, "destination", *centre_net]
    behaviours = {o.text.split()[-1]: [c.text.strip() for c in o.children]
                  for o in p.find_objects(r"^traffic behavior ")}
    kbps = {c: site["network"]["uplink_mbps"] * 1000 * CLASSES[c]["share_percent"] // 100 for c in CLASSES}
    assert behaviours == {
        "GBTT-ECHO": ["car cir 8"],  # ping, policed on the room side
        "GBTT-MARK-AUDIO": ["remark dscp ef"], "GBTT-MARK-VIDEO": ["remark dscp af41"],
        "GBTT-MARK-SIGNALLING": ["remark dscp cs5"],
        # queueing: shares of the shaped uplink, in kbps (pct would be of the port's rate)
        "GBTT-QUEUE-AUDIO": [f"queue ef bandwidth {kbps['audio']}"],
        "GBTT-QUEUE-VIDEO": [f"queue af bandwidth {kbps['video']}"],
        "GBTT-QUEUE-SIGNALLING": [f"queue af bandwidth {kbps['signalling']}"]}
    assert kbps["audio"] + kbps["video"] + kbps["signalling"] <= site["network"]["uplink_mbps"] * 1000

    def policy_of(name):
        return [c.text.split()[1:4] for c in p.find_objects(rf"^traffic policy {name}$")[0].children]

    assert policy_of("GBTT-MARK") == [["GBTT-ECHO", "behavior", "GBTT-ECHO"],
                                      ["GBTT-AUDIO", "behavior", "GBTT-MARK-AUDIO"],
                                      ["GBTT-VIDEO", "behavior", "GBTT-MARK-VIDEO"],
                                      ["GBTT-SIGNALLING", "behavior", "GBTT-MARK-SIGNALLING"]]
    assert [b for _, _, b in policy_of("GBTT-QUEUE")] == ["GBTT-QUEUE-AUDIO", "GBTT-QUEUE-VIDEO",
                                                          "GBTT-QUEUE-SIGNALLING"]
    lan = [c.text.strip() for c in p.find_objects(rf"^interface {re.escape(dev['interfaces']['lan']['name'])}$")[0].children]
    wan = [c.text.strip() for c in p.find_objects(rf"^interface {re.escape(dev['interfaces']['wan']['name'])}$")[0].children]
    # marking where traffic comes in from the rooms; queueing where it leaves, on the shaped uplink
    assert "traffic-filter inbound acl 3001" in lan and "traffic-policy GBTT-MARK inbound" in lan
    assert not any("GBTT-QUEUE" in line for line in lan)
    assert "traffic-policy GBTT-QUEUE outbound" in wan
    assert f"qos gts cir {site['network']['uplink_mbps'] * 1000}" in wan


@pytest.mark.parametrize("device", LINUX)
def test_linux_router(device):
    files = {f.path: f.content for f in host_state(REAL, device).components["linux_router"].files}
    site = INV.sites[DEVICES[device]["site"]]
    nft = files["/etc/nftables.d/gbtt-router.nft"]
    acl = re.findall(r"ip daddr (\S+) (udp|tcp) dport (\S+) accept", nft)
    assert [(proto, dest, ports) for dest, proto, ports in acl] == expected_acl(device)
    assert f"elements = {{ {site['network']['subnet']} }}" in nft
    assert nft.index('counter drop comment "refused: not a GBTT service"') > nft.index("chain rooms_to_centre")
    echo = nft.index("icmp type echo-request limit rate 10/second burst 20 packets accept")
    assert nft.index("chain rooms_to_centre") < echo < nft.index('counter drop comment "refused')
    # sd480 rooms: G.722 (payload type 9) is audio, VP8 (100) video
    assert re.search(r"@th,73,7 \{ 9 \} ip dscp set ef", nft) and re.search(r"@th,73,7 \{ 100 \} ip dscp set af41", nft)
    assert "udp dport 5060 ip dscp set cs5" in nft
    frr = files["/etc/frr/frr.conf"]
    assert f"ip route {INV.centre['network']['subnet']} {DEVICES['r-ttht']['mgmt_address']}" in frr
    tc = files["/usr/local/sbin/gbtt-tc"]
    share = site["network"]["uplink_mbps"] * 1000 * INV.network["conference_share_percent"] // 100
    assert f"classid 1:10 htb rate {share}kbit" in tc
    assert sorted(re.findall(r"dsfield (0x[0-9a-f]+)", tc)) == sorted(f"0x{c['dscp'] * 4:02x}" for c in CLASSES.values())
    common = next(f.content for f in host_state(REAL, device).components["common"].files if f.path == "/etc/nftables.conf")
    assert 'include "/etc/nftables.d/*.nft"' in common and "policy accept" in common.split("chain forward")[1]


def test_payload_types_told_apart_only_when_unambiguous():
    from gbtt.desired.network_policy import site_payload_types

    assert site_payload_types(INV, "an-lao") == {"audio": [9], "video": [100]}
    # hd720 on baresip: opus and H.264 share payload type 96, so only 97 (H.264) is told apart
    assert site_payload_types(INV, "quy-nhon") == {"audio": [], "video": [97]}


def test_the_rooms_reach_the_relays_and_registrars_at_their_moving_service_addresses():
    """The relays' calls are sent to their media addresses, the rooms' SIP to the registrars' SIP addresses
    (each moves to another host of the role when one fails): the rooms' ACL opens the services' ports there,
    and at the hosts' own addresses (which the checks use)."""
    device = next(d for d, spec in DEVICES.items() if spec["site"] in INV.sites)
    acl = [(r.proto, r.dest, r.ports) for r in policy(lambda a: a, INV, device, lab=False).acl]
    for spec in INV.hosts.values():
        if spec["role"] == "media_relay":
            ports = f"{spec['media_relay']['rtp_ports']['min']}-{spec['media_relay']['rtp_ports']['max']}"
            assert {("udp", spec["media_relay"]["media_address"], ports), ("udp", spec["address"], ports)} <= set(acl)
        if spec["role"] == "sip_registrar":
            for proto, port in (("udp", "5060"), ("tcp", "5060"), ("tcp", "5061")):
                assert (proto, spec["sip_registrar"]["sip_address"], port) in acl, acl
