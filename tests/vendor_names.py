"""The configuration names each vendor file may use, each with the document it
comes from (title, version, section): a misspelt or invented name in a
rendered file fails tests/test_rooms.py (Poly, Cisco RoomOS) or
tests/test_network_configs.py (Cisco IOS-XE, Huawei VRP: every line of the
rendered configuration matches one documented command syntax).

Poly Video OS: no parameter reference could be had here (the "Poly Video Mode"
admin guide's parameter lists are not in the stored documentation); the names
below are those a Poly Studio X30 itself exported (`GET /rest/provisioning/config`,
Video OS 3.10.0, <PHONE_CONFIG><ALL …>), as recorded in a public repository's
test data. The G7500 runs the same Video OS."""
from __future__ import annotations

POLY_EXPORT = "Poly Studio X30 provisioning export, Poly Video OS 3.10.0, <PHONE_CONFIG><ALL>"

POLY_VIDEO_OS: dict[str, str] = {name: POLY_EXPORT for name in (
    "voIpProt.SIP.enable", "voIpProt.SIP.serverType", "voIpProt.SIP.registrarServerType",
    "voIpProt.SIP.proxyServer", "voIpProt.SIP.registrarServer", "voIpProt.SIP.transport",
    "voIpProt.SIP.userName", "voIpProt.SIP.auth.useLoginCredentials", "voIpProt.SIP.auth.userId",
    "voIpProt.SIP.auth.password", "voIpProt.SIP.auth.domain", "voIpProt.H323.enable",
    "call.videoDialPreference.1", "call.voiceDialPreference.1", "call.preferredSpeed.outgoing",
    "call.preferredSpeed.maxIncoming", "qos.maxTxBandwidth", "qos.maxRxBandwidth", "qos.tosType",
    "qos.diffServ.audio", "qos.diffServ.video", "qos.diffServ.fecc", "qos.diffServ.oam",
    "device.local.roomName", "device.prov.serverName", "sec.TLS.customCaCert.1",
    "dir.serverType", "dir.ldap.server.address", "dir.ldap.server.port", "dir.ldap.useSSL", "dir.ldap.baseDN",
    "dir.ldap.authType",
)}

# The values of two of them were not in that export (which had the directory off, "Off", and "ntlm"):
# "LDAP" and "anonymous" follow the admin settings' names of the Polycom line Video OS descends from
# ("LDAP with H.350 or Active Directory"; authentication "NTLM, BASIC, or Anonymous"); the README asks
# the technician to check both once on the device.

# -- ITU-T H.350 / H.350.4 LDAP schema (as RFC 3944 carries it): the names and OIDs of the phone book's
# directory (templates/conference/directory/h350.schema.j2) -----------------------------------------
H350 = "ITU-T H.350 (08/2003) and H.350.4, LDAP schema, as published in RFC 3944"
H350_SCHEMA: dict[str, str] = {
    "commURI": "0.0.8.350.1.1.1.1.1", "commURIObject": "0.0.8.350.1.1.1.2.1",
    "commUniqueId": "0.0.8.350.1.1.2.1.1", "commOwner": "0.0.8.350.1.1.2.1.2", "commPrivate": "0.0.8.350.1.1.2.1.3",
    "commObject": "0.0.8.350.1.1.2.2.1",
    "SIPIdentitySIPURI": "0.0.8.350.1.1.6.1.1", "SIPIdentity": "0.0.8.350.1.1.6.2.1",
}

# -- Cisco RoomOS (Room Kit): xConfiguration paths, "[n]" standing for an item number ------------
ROOMKIT = "Cisco Room Kit API Reference Guide, CE9.0 (D15375.01), xConfiguration commands"
ROOMOS: dict[str, str] = {
    "SIP URI": f"{ROOMKIT}: SIP configuration",
    "SIP DisplayName": f"{ROOMKIT}: SIP configuration",
    "SIP Authentication UserName": f"{ROOMKIT}: SIP configuration",
    "SIP Authentication Password": f"{ROOMKIT}: SIP configuration",
    "SIP DefaultTransport": f"{ROOMKIT}: SIP configuration",
    "SIP Proxy [n] Address": f"{ROOMKIT}: SIP configuration (n: 1..4)",
    "Conference DefaultCall Protocol": f"{ROOMKIT}: Conference configuration (Auto/H320/H323/Sip/Spark)",
    "Conference DefaultCall Rate": f"{ROOMKIT}: Conference configuration",
    "Conference MaxTransmitCallRate": f"{ROOMKIT}: Conference configuration",
    "Conference MaxReceiveCallRate": f"{ROOMKIT}: Conference configuration",
    "Video Input Connector [n] Quality": f"{ROOMKIT}: Video configuration (Motion/Sharpness)",
    "Network [n] QoS Mode": f"{ROOMKIT}: Network configuration (Off/Diffserv)",
    "Network [n] QoS Diffserv Audio": f"{ROOMKIT}: Network configuration (0..63)",
    "Network [n] QoS Diffserv Video": f"{ROOMKIT}: Network configuration (0..63)",
    "Network [n] QoS Diffserv Signalling": f"{ROOMKIT}: Network configuration (0..63)",
}

# xCommand paths gbtt sends, with the arguments the guide gives each
ROOMOS_COMMANDS: dict[str, tuple[frozenset[str], str]] = {
    "Phonebook Search": (frozenset({"PhonebookType", "Limit", "Offset", "FolderId", "SearchString", "SearchField",
                                    "ContactType", "Recursive", "Tag"}),
                         "Cisco Room Kit API Reference Guide, CE9.0 (D15375.01), xCommand commands: Phonebook commands"),
    "Phonebook Contact Add": (frozenset({"Name", "FolderId", "ImageURL", "Title", "Number", "Protocol", "CallRate",
                                         "CallType", "Device", "Tag"}),
                              "Cisco Room Kit API Reference Guide, CE9.0 (D15375.01), xCommand commands: Phonebook commands"),
    "Phonebook Contact Delete": (frozenset({"ContactId"}),
                                 "Cisco Room Kit API Reference Guide, CE9.0 (D15375.01), xCommand commands: Phonebook commands"),
}

# -- Cisco IOS-XE (ISR 4000): the command syntax of each line, as a regular expression -----------
NAME = r"[A-Z][A-Z0-9-]*"
IFACE = r"\S+"
NET = r"\d+\.\d+\.\d+\.\d+ \d+\.\d+\.\d+\.\d+"
PORTS = r"(?:eq \d+|range \d+ \d+)"
IOS_ACL = "Cisco IOS XE Security Configuration Guide: Access Control Lists, 17.x, IP Named Access Control Lists"
IOS_QOS = "Cisco IOS XE QoS: Modular QoS CLI Configuration Guide, 17.x"
IOS_INTERFACE = "Cisco IOS Interface and Hardware Component Command Reference, description"
IOS_XE: dict[str, str] = {
    rf"ip access-list extended {NAME}": IOS_ACL,
    rf"permit (?:udp|tcp) any any {PORTS}": IOS_ACL,
    rf"\d+ permit (?:udp|tcp) {NET} host \S+ {PORTS}": IOS_ACL,
    rf"\d+ permit icmp {NET} {NET} echo": IOS_ACL,
    rf"\d+ deny ip {NET} {NET} log": IOS_ACL,
    r"\d+ permit ip any any": IOS_ACL,
    r"permit icmp any any echo": IOS_ACL,
    rf"class-map match-any {NAME}": f"{IOS_QOS}, Applying QoS Features Using the MQC: class-map",
    rf"match access-group name {NAME}": f"{IOS_QOS}, Classifying Network Traffic: match access-group",
    r"match dscp (?:ef|af\d\d|cs\d)": f"{IOS_QOS}, Classifying Network Traffic: match dscp",
    rf"policy-map {NAME}": f"{IOS_QOS}, Applying QoS Features Using the MQC: policy-map",
    rf"class (?:{NAME}|class-default)": f"{IOS_QOS}, Applying QoS Features Using the MQC: class",
    r"police \d+ conform-action transmit exceed-action drop": "Cisco IOS XE QoS: Policing and Shaping, 17.x, police",
    r"set dscp (?:ef|af\d\d|cs\d)": f"{IOS_QOS}, Marking Network Traffic: set dscp",
    r"priority percent \d+": "Cisco IOS XE QoS: Congestion Management, 17.x, priority (LLQ) percent",
    r"bandwidth percent \d+": "Cisco IOS XE QoS: Congestion Management, 17.x, bandwidth percent (CBWFQ)",
    r"fair-queue": "Cisco IOS XE QoS: Congestion Management, 17.x, fair-queue (class-default)",
    r"shape average \d+": "Cisco IOS XE QoS: Policing and Shaping, 17.x, shape average (bps)",
    rf"service-policy (?:input |output )?{NAME}": f"{IOS_QOS}, Attaching a Traffic Policy: service-policy",
    rf"interface {IFACE}": IOS_INTERFACE,
    r"description .+": IOS_INTERFACE,
    rf"ip access-group {NAME} in": IOS_ACL,
}

# -- Huawei VRP (NetEngine AR6120, V300R021) ----------------------------------------------------
VRP_ACL = "Huawei NetEngine AR V300R021 Command Reference, ACL commands"
VRP_MQC = "Huawei NetEngine AR V300R021 Command Reference, MQC commands"
VRP_QOS = "Huawei NetEngine AR V300R021 Command Reference, QoS commands"
HUAWEI_VRP: dict[str, str] = {
    rf"acl name {NAME} \d+": f"{VRP_ACL}: acl name (acl-number)",
    rf"rule \d+ permit (?:udp|tcp) destination-port {PORTS}": f"{VRP_ACL}: rule (advanced ACL)",
    r"rule \d+ permit icmp icmp-type echo": f"{VRP_ACL}: rule (advanced ACL)",
    rf"rule \d+ permit (?:udp|tcp) source {NET} destination \S+ 0(?: destination-port {PORTS})?":
        f"{VRP_ACL}: rule (advanced ACL)",
    rf"rule \d+ permit icmp icmp-type echo source {NET} destination {NET}": f"{VRP_ACL}: rule (advanced ACL)",
    rf"rule \d+ deny ip source {NET} destination {NET}": f"{VRP_ACL}: rule (advanced ACL)",
    r"rule \d+ permit ip": f"{VRP_ACL}: rule (advanced ACL)",
    rf"traffic classifier {NAME} operator or": f"{VRP_MQC}: traffic classifier",
    r"if-match acl \d+": f"{VRP_MQC}: if-match acl",
    r"if-match dscp (?:ef|af\d\d|cs\d)": f"{VRP_MQC}: if-match dscp",
    rf"traffic behavior {NAME}": f"{VRP_MQC}: traffic behavior",
    r"car cir \d+": f"{VRP_QOS}: car (traffic behavior view, kbit/s)",
    r"remark dscp (?:ef|af\d\d|cs\d)": f"{VRP_MQC}: remark dscp",
    r"queue (?:ef|af) bandwidth \d+": f"{VRP_QOS}: queue ef / queue af (traffic behavior view, kbit/s)",
    rf"traffic policy {NAME}": f"{VRP_MQC}: traffic policy",
    rf"classifier {NAME} behavior {NAME} precedence \d+": f"{VRP_MQC}: classifier behavior",
    rf"interface {IFACE}": "Huawei NetEngine AR V300R021 Command Reference, interface",
    r"description .+": "Huawei NetEngine AR V300R021 Command Reference, description (interface view)",
    r"traffic-filter inbound acl \d+": f"{VRP_ACL}: traffic-filter (interface view)",
    rf"traffic-policy {NAME} (?:inbound|outbound)": f"{VRP_MQC}: traffic-policy (interface view)",
    r"qos gts cir \d+": f"{VRP_QOS}: qos gts (interface view, kbit/s)",
    r"return": "Huawei NetEngine AR V300R021 Command Reference, return",
}
