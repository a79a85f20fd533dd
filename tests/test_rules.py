"""Cross-reference rules: each rule is broken once in a copy of the real
inventory and must say so, with file, line and key path."""
from __future__ import annotations

import shutil

import yaml

from conftest import edit, rel_lines
from gbtt.validate import validate


def lines(root):
    return rel_lines(root, validate(root, use_cache=False)[1])


def test_ids_unique_across_the_inventory(inv_dir):
    edit(inv_dir / "sites" / "tay-son.yml", "id: tay-son-pc", "id: ttht")
    assert "sites/tay-son.yml:17 sites.tay-son.endpoints.0.id: id 'ttht' is already used by centre.id (ids are unique across the inventory)" in lines(inv_dir)


def test_unknown_codec_profile(inv_dir):
    edit(inv_dir / "sites" / "quy-nhon.yml", "profile: hd720", "profile: hd72")
    assert lines(inv_dir) == [
        "sites/quy-nhon.yml:21 sites.quy-nhon.endpoints.0.profile: unknown codec profile 'hd72' (did you mean 'hd720'? known: hd1080, hd720, hd720-vp8, sd480)"
    ]


def test_unknown_organisation_router_background(inv_dir):
    site = inv_dir / "sites" / "phu-my.yml"
    edit(site, "organisation: ubnd-phu-my", "organisation: ubnd-phumy")
    edit(site, "router: r-phu-my", "router: r-phumy")
    edit(site, "background: phong-nen-chuan", "background: phong-nen-xanh")
    got = lines(inv_dir)
    assert "sites/phu-my.yml:4 sites.phu-my.organisation: unknown organisation 'ubnd-phumy' (did you mean 'ubnd-phu-my'? known: evn-binh-dinh, so-khdt, so-nnptnt, so-yte, stttt, ubnd-an-lao, ubnd-an-nhon, ubnd-hoai-an, …)" in got
    assert "sites/phu-my.yml:11 sites.phu-my.network.router: unknown network device 'r-phumy' (did you mean 'r-phu-my'? known: r-an-lao, r-an-nhon, r-hoai-an, r-hoai-nhon, r-phu-cat, r-phu-my, r-quy-nhon, r-so-tttt, …)" in got
    assert "sites/phu-my.yml:23 sites.phu-my.room.background: unknown room background 'phong-nen-xanh' (did you mean 'phong-nen-chuan'? known: phong-nen-chuan)" in got


def test_host_and_link_references(inv_dir):
    edit(inv_dir / "hosts.yml", "site: ttht", "site: tt-ht")
    edit(inv_dir / "network.yml", "b: r-van-canh", "b: r-vancanh")
    got = lines(inv_dir)
    assert any(l.startswith("hosts.yml:4 hosts.mcu-conf-01.site: unknown site or centre 'tt-ht' (did you mean 'ttht'?") for l in got)
    assert any(l.startswith("network.yml:171 network.links.13.b: unknown network device 'r-vancanh'") for l in got)


def test_router_must_stand_at_its_site(inv_dir):
    edit(inv_dir / "sites" / "hoai-an.yml", "router: r-hoai-an", "router: r-tay-son")
    assert "sites/hoai-an.yml:11 sites.hoai-an.network.router: router 'r-tay-son' stands at 'tay-son', not at 'hoai-an'" in lines(inv_dir)
    edit(inv_dir / "sites" / "hoai-an.yml", "router: r-tay-son", "router: sw-ttht")
    assert "sites/hoai-an.yml:11 sites.hoai-an.network.router: 'sw-ttht' is a switch, not a router" in lines(inv_dir)


def test_every_sip_endpoint_has_a_vault_password(inv_dir):
    edit(inv_dir / "sites" / "tuy-phuoc.yml", "endpoints:\n", "endpoints:\n  - {id: tuy-phuoc-codec, kind: sip-room-system, platform: poly-g7500, address: 10.52.14.10, profile: hd720}\n")
    got = lines(inv_dir)
    assert "sites/tuy-phuoc.yml:17 sites.tuy-phuoc.endpoints.0.id: SIP endpoint 'tuy-phuoc-codec' has no password in vault.yml (add vault.sip_passwords.tuy-phuoc-codec)" in got


def test_addresses_unique_and_in_their_subnet(inv_dir):
    edit(inv_dir / "sites" / "phu-cat.yml", "address: 10.52.15.11", "address: 10.52.0.11")
    got = lines(inv_dir)
    assert "hosts.yml:5 hosts.mcu-conf-01.address: address 10.52.0.11 is already used by sites.phu-cat.endpoints.0.address" in got
    assert "sites/phu-cat.yml:20 sites.phu-cat.endpoints.0.address: endpoint address 10.52.0.11 is outside its subnet 10.52.15.0/26" in got


def test_network_and_broadcast_addresses_are_not_hosts(inv_dir):
    edit(inv_dir / "sites" / "phu-cat.yml", "address: 10.52.15.11", "address: 10.52.15.63")
    assert lines(inv_dir) == ["sites/phu-cat.yml:20 sites.phu-cat.endpoints.0.address: 10.52.15.63 is the broadcast address of 10.52.15.0/26, not a host address"]


def test_management_address_in_management_subnet(inv_dir):
    edit(inv_dir / "network.yml", "mgmt_address: 10.52.255.2", "mgmt_address: 10.52.254.2")
    assert lines(inv_dir) == ["network.yml:26 network.devices.sw-ttht.mgmt_address: management address 10.52.254.2 is outside its subnet 10.52.255.0/24"]


def test_subnets_do_not_overlap(inv_dir):
    edit(inv_dir / "sites" / "an-nhon.yml", "subnet: 10.52.12.0/26", "subnet: 10.52.11.0/25")
    got = [l for l in lines(inv_dir) if "overlaps" in l]
    assert got == ["sites/quy-nhon.yml:12 sites.quy-nhon.network.subnet: subnet 10.52.11.0/26 overlaps 10.52.11.0/25 of sites.an-nhon.network.subnet"]


def test_everything_inside_the_address_plan(inv_dir):
    edit(inv_dir / "province.yml", "address_plan: 10.52.0.0/16", "address_plan: 10.52.0.0/17")
    got = lines(inv_dir)
    assert "network.yml:16 network.devices.r-ttht.mgmt_address: 10.52.255.1 is outside the province's address plan 10.52.0.0/17" in got
    edit(inv_dir / "province.yml", "address_plan: 10.52.0.0/17", "address_plan: 10.0.0.0/8")
    assert lines(inv_dir) == ["province.yml:9 province.address_plan: 10.0.0.0/8 is wider than a /15: the lab maps the plan onto 198.18.0.0/15"]


def test_uplink_must_carry_the_meeting(inv_dir):
    edit(inv_dir / "sites" / "van-canh.yml", "profile: sd480", "profile: hd1080")
    assert lines(inv_dir) == [
        "sites/van-canh.yml:15 sites.van-canh.network.uplink_mbps: 20 Mbps cannot carry a 13-room meeting: its endpoints "
        "receive 21.8 Mbps, more than the 60% conference share (12.0 Mbps); at least 37 Mbps needed, or a lighter codec profile"
    ]


def test_uplink_advice_carries_the_need(inv_dir):
    """The advised figure, set on both the site and its link, validates: it is rounded up, never down."""
    edit(inv_dir / "sites" / "van-canh.yml", "profile: sd480", "profile: hd1080")
    edit(inv_dir / "sites" / "van-canh.yml", "uplink_mbps: 20", "uplink_mbps: 36")
    edit(inv_dir / "network.yml", "b: r-van-canh, bandwidth_mbps: 20", "b: r-van-canh, bandwidth_mbps: 36")
    assert any("at least 37 Mbps needed" in line for line in lines(inv_dir))
    edit(inv_dir / "sites" / "van-canh.yml", "uplink_mbps: 36", "uplink_mbps: 37")
    edit(inv_dir / "network.yml", "b: r-van-canh, bandwidth_mbps: 36", "b: r-van-canh, bandwidth_mbps: 37")
    assert lines(inv_dir) == []


def test_uplink_and_its_link_agree(inv_dir):
    edit(inv_dir / "sites" / "van-canh.yml", "uplink_mbps: 20", "uplink_mbps: 30")
    assert lines(inv_dir) == [
        "sites/van-canh.yml:15 sites.van-canh.network.uplink_mbps: 30 Mbps, but the link r-ttht - r-van-canh in "
        "network.yml has bandwidth_mbps 20: one uplink, one figure (correct one of them)"]


def test_uplink_rule_uses_the_meeting_size(inv_dir):
    edit(inv_dir / "sites" / "van-canh.yml", "profile: sd480", "profile: hd1080")
    edit(inv_dir / "province.yml", "max_rooms_per_meeting: 13", "max_rooms_per_meeting: 6")
    shutil.rmtree(inv_dir / "meetings")  # the sample bookings join all 13 rooms
    assert lines(inv_dir) == []  # 5 streams of 1512 kbps x 1.2 = 9.1 Mbps fit in 12 Mbps


def test_central_services_must_exist(inv_dir):
    hosts = yaml.safe_load((inv_dir / "hosts.yml").read_text())
    del hosts["mcu-turn-01"]
    (inv_dir / "hosts.yml").write_text(yaml.safe_dump(hosts))
    assert lines(inv_dir) == ["hosts.yml:1 hosts: no host has role 'turn', needed by webrtc-pc endpoints such as so-tttt"]


def test_sip_rooms_need_the_multipoint_bridge_large_enough_for_all_of_them(inv_dir):
    edit(inv_dir / "hosts.yml", "max_participants: 26", "max_participants: 12")
    assert lines(inv_dir) == [
        "hosts.yml:41 hosts.mcu-bridge-01.multipoint_bridge.max_participants: 12 participants across all "
        "'multipoint_bridge' hosts, 18 needed (participants: every SIP room system in a rehearsal of every room "
        "(gbtt rehearse --rooms all))"]
    hosts = yaml.safe_load((inv_dir / "hosts.yml").read_text())
    del hosts["mcu-bridge-01"]
    (inv_dir / "hosts.yml").write_text(yaml.safe_dump(hosts))
    assert lines(inv_dir) == [
        "hosts.yml:1 hosts: no host has role 'multipoint_bridge', needed by sip-room-system endpoints such as an-lao"]


def test_conference_capacity(inv_dir):
    edit(inv_dir / "hosts.yml", "max_participants: 64", "max_participants: 16")
    assert lines(inv_dir) == [
        "hosts.yml:8 hosts.mcu-conf-01.conference.max_participants: 16 participants across all 'conference' hosts, "
        "20 needed (participants: every endpoint of every room may join a province-wide meeting)"
    ]


def test_relay_port_capacity(inv_dir):
    edit(inv_dir / "hosts.yml", "rtp_ports: {min: 30000, max: 30999}", "rtp_ports: {min: 30000, max: 30049}", count=2)
    assert lines(inv_dir) == [
        "hosts.yml:24 hosts.mcu-relay-01.media_relay.rtp_ports: 100 RTP ports across all 'media_relay' hosts, "
        "144 needed (RTP ports: 2 legs x (audio+video) x (RTP+RTCP) per call)"
    ]


def test_relays_of_several_need_service_addresses_of_their_own_in_the_centre(inv_dir):
    edit(inv_dir / "hosts.yml", "    media_address: 10.52.0.113  # moves to mcu-relay-02 if this relay fails, with its calls' media\n", "")
    edit(inv_dir / "hosts.yml", "media_address: 10.52.0.116", "media_address: 10.52.0.15")
    assert lines(inv_dir) == [
        "hosts.yml:23 hosts.mcu-relay-01.media_relay: a 'media_relay' host of several needs a media_address (an address "
        "of the centre's subnet that no host has): another takes it over, with what goes through it, when this one fails "
        "(Art. 7.3.c)",
        "hosts.yml:53 hosts.mcu-relay-02.media_relay.media_address: address 10.52.0.15 is already used by "
        "hosts.mcu-bridge-01.address",
    ]
    edit(inv_dir / "hosts.yml", "media_address: 10.52.0.15", "media_address: 10.53.0.116")
    assert any("service address 10.53.0.116 is outside its subnet 10.52.0.0/24" in line for line in lines(inv_dir))


def test_port_range_order(inv_dir):
    edit(inv_dir / "hosts.yml", "relay_ports: {min: 49152, max: 49999}", "relay_ports: {min: 49999, max: 49152}")
    assert lines(inv_dir) == ["hosts.yml:34 hosts.mcu-turn-01.turn.relay_ports.max: port range ends (49152) before it starts (49999)"]


def test_role_needs_its_settings(inv_dir):
    edit(inv_dir / "hosts.yml", "  sip_registrar:\n    max_registrations: 200\n"
         "    sip_address: 10.52.0.112  # moves to mcu-sip-02 if this registrar fails: the rooms' SIP follows\n", "")
    assert lines(inv_dir) == ["hosts.yml:11 hosts.mcu-sip-01.role: a host with role 'sip_registrar' needs its 'sip_registrar:' settings block"]


def test_qos_code_points(inv_dir):
    edit(inv_dir / "network.yml", "phb: AF41, dscp: 34", "phb: AF41, dscp: 36")
    assert lines(inv_dir) == ["network.yml:7 network.qos_classes.video.dscp: DSCP 36 does not match AF41 (which is 34)"]
    edit(inv_dir / "network.yml", "  signalling:", "  # signalling:")
    assert "network.yml:5 network.qos_classes: class 'signalling' is missing (audio, video and signalling are all marked)" in lines(inv_dir)


def test_device_platform_matches_vendor(inv_dir):
    edit(inv_dir / "network.yml", "vendor: huawei\n    platform: vrp\n    model: AR6120", "vendor: huawei\n    platform: ios-xe\n    model: AR6120")
    assert lines(inv_dir) == ["network.yml:50 network.devices.r-quy-nhon.platform: platform 'ios-xe' does not run on huawei gear (use 'vrp')"]


def test_endpoint_platform_and_webrtc_audio(inv_dir):
    site = inv_dir / "sites" / "so-tttt.yml"
    edit(site, "platform: browser", "platform: baresip")
    got = lines(inv_dir)
    assert "sites/so-tttt.yml:28 sites.so-tttt.endpoints.2.kind: platform 'baresip' is a sip-room-system, not a webrtc-pc" in got
    edit(site, "platform: baresip\n    address: 10.52.2.12\n    profile: hd720-vp8", "platform: browser\n    address: 10.52.2.12\n    profile: sd480")
    assert "sites/so-tttt.yml:31 sites.so-tttt.endpoints.2.profile: profile 'sd480' uses g722; WebRTC endpoints need opus audio" in lines(inv_dir)


def test_organisations_fit_the_regulation(inv_dir):
    edit(inv_dir / "organisations.yml", "roles: [room-host]                # Art. 11", "roles: [power-provider]")
    assert "sites/quy-nhon.yml:4 sites.quy-nhon.organisation: a district-room must be kept by an organisation with role 'room-host'; 'ubnd-quy-nhon' has power-provider" in lines(inv_dir)
    edit(inv_dir / "organisations.yml", "roles: [central-room]             # Art. 6.1, Art. 10", "roles: [operator, central-room]")
    assert "organisations.yml:2 organisations: exactly one organisation must have role 'operator' (Art. 9: Sở TT&TT); found 2" in lines(inv_dir)


def test_rooms_share_one_background(inv_dir):
    edit(inv_dir / "province.yml", "room_backgrounds:\n", "room_backgrounds:\n  nen-do: {width: 1920, height: 1080, background_colour: \"#aa0000\", text_colour: \"#ffff00\", font: Arial}\n")
    edit(inv_dir / "sites" / "tay-son.yml", "background: phong-nen-chuan", "background: nen-do")
    assert lines(inv_dir) == ["sites/tay-son.yml:23 sites.tay-son.room.background: background 'nen-do' differs from 'phong-nen-chuan' of an-lao: Art. 4.3 wants one standard for all rooms"]


def test_central_hosts_at_the_centre(inv_dir):
    edit(inv_dir / "hosts.yml", "site: ttht", "site: so-tttt")
    assert "hosts.yml:4 hosts.mcu-conf-01.site: central hosts stand at the centre 'ttht', not at 'so-tttt'" in lines(inv_dir)


def test_the_redundancy_the_centre_declares(inv_dir):
    text = (inv_dir / "hosts.yml").read_text(encoding="utf-8")
    (inv_dir / "hosts.yml").write_text(text[:text.index("# Art. 7.3.c")], encoding="utf-8")  # the second relay and registrar gone
    assert lines(inv_dir) == ["centre.yml:14 centre.redundancy.media_relay: the centre keeps 2 'media_relay' hosts so "
                              "that one can fail (Art. 7.3.c), hosts.yml has 1: mcu-relay-01",
                              "centre.yml:15 centre.redundancy.sip_registrar: the centre keeps 2 'sip_registrar' hosts so "
                              "that one can fail (Art. 7.3.c), hosts.yml has 1: mcu-sip-01"]


def test_sites_reach_the_centre(inv_dir):
    edit(inv_dir / "network.yml", "  - {a: r-ttht, b: r-hoai-an, bandwidth_mbps: 30, provider: vnpt}\n", "")
    assert lines(inv_dir) == ["sites/hoai-an.yml:11 sites.hoai-an.network.router: router 'r-hoai-an' has no path of links to the centre router 'r-ttht' (add a link in network.links)"]


def test_router_interfaces_follow_the_sites(inv_dir):
    edit(inv_dir / "network.yml", "lan: {name: eth1, address: 10.52.19.1/26}", "lan: {name: eth1, address: 10.52.19.1/25}")
    edit(inv_dir / "network.yml", "wan: {name: eth0, address: 10.52.255.30/24}", "wan: {name: eth0, address: 10.52.255.40/24}")
    assert lines(inv_dir) == [
        "network.yml:136 network.devices.r-an-lao.interfaces.lan.address: 10.52.19.1/25 is not the room network's gateway 10.52.19.1/26",
        "network.yml:145 network.devices.r-vinh-thanh.interfaces.wan.address: 10.52.255.40/24 is not the management address 10.52.255.30/24 (the uplink carries management)",
    ]


def test_a_router_needs_interfaces_and_shares_add_up(inv_dir):
    edit(inv_dir / "network.yml", "    interfaces:\n      wan: {name: eth0, address: 10.52.255.29/24}\n"
                                  "      lan: {name: eth1, address: 10.52.19.1/26}\n", "")
    edit(inv_dir / "network.yml", "share_percent: 45", "share_percent: 40")
    assert lines(inv_dir) == [
        "network.yml:5 network.qos_classes: the classes' shares add up to 55%, not the conference's 60% (conference_share_percent)",
        "network.yml:127 network.devices.r-an-lao: a router needs its interfaces: wan (the uplink) and lan (the room network)",
    ]


def test_a_rule_crash_is_reported_unless_what_it_read_has_problems(inv_dir, monkeypatch):
    """A rule that crashes is an internal error, even beside other problems;
    it is skipped only when a collection it read has problems of its own."""
    from gbtt import rules

    def crashes_on_the_network(inv, idx):
        yield ("network",), str(inv.network["links"][9999])  # IndexError: a bug, not bad data

    monkeypatch.setattr(rules, "RULES", [*rules.RULES, crashes_on_the_network])
    edit(inv_dir / "sites" / "quy-nhon.yml", "profile: hd720", "profile: hd72")  # a problem elsewhere
    found = lines(inv_dir)
    assert any("internal error in rule crashes_on_the_network: IndexError" in line for line in found), found
    edit(inv_dir / "network.yml", "bandwidth_mbps: 20,", "bandwidth_mbps: twenty,")  # now what it reads is wrong
    found = lines(inv_dir)
    assert not any("internal error" in line for line in found) and any("network.yml" in line for line in found), found


def test_a_crash_on_data_read_through_a_shared_table_is_explained_by_that_data(inv_dir):
    """A rule reading the devices through a table another rule built first (idx.devices) still counts as
    reading network.yml: a vendor that is a list is one schema problem, no internal error, cached or not."""
    text = (inv_dir / "network.yml").read_text(encoding="utf-8")
    at = text.index("vendor: linux", text.index("r-an-lao:"))
    (inv_dir / "network.yml").write_text(text[:at] + "vendor: []" + text[at + len("vendor: linux"):], encoding="utf-8")
    want = ["network.yml:129 network.devices.r-an-lao.vendor: must be of type string, not list []"]
    assert lines(inv_dir) == want
    for _ in range(2):  # filling the cache, then from it
        assert rel_lines(inv_dir, validate(inv_dir)[1]) == want
