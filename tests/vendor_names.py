"""The configuration names each vendor file may use, each with the document it
comes from (title, version, section): a misspelt or invented name in a
rendered file fails tests/test_rooms.py.

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
)}
