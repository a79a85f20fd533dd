"""`media_relay`: rtpengine 10.5 in userspace (`table = -1`, as in
containers), anchoring the media of every SIP call: port range and session
limit from the inventory, DSCP marking from the QoS classes, and the codec
policy of the codec profiles (everything else stripped, audio transcoded to
a codec every room decodes)."""
from __future__ import annotations

from ...codecs import CODECS
from ..model import ComponentState, FileSpec, Port, ServiceSpec


def media_flags(inv, knobs: dict) -> str:
    """The rtpengine flags every call gets (Kamailio's rtpengine_manage):
    only the codecs of the province's profiles pass."""
    allowed = set()
    for prof in inv.codec_profiles.values():
        for kind in ("audio", "video"):
            if prof.get(kind):
                allowed.add(CODECS[prof[kind]["codec"]].sdp)
    flags = ["replace-origin", "replace-session-connection", "ICE=remove", "codec-strip-all"]
    flags += [f"codec-except-{c}" for c in sorted(allowed)] + ["codec-except-telephone-event"]
    flags.append(f"codec-transcode-{knobs['rtpengine_transcode_audio_to']}")
    return " ".join(flags)


def tos(inv) -> int:
    """rtpengine marks all media with one TOS value: the audio class (EF).
    Video is re-marked AF41 by the network roles where they can tell it apart."""
    return inv.network["qos_classes"]["audio"]["dscp"] * 4


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("media_relay")
    host = ctx.inv.hosts[ctx.host.name]["media_relay"]
    ports = host["rtp_ports"]
    conf = ctx.render("media_relay/rtpengine.conf.j2", address=ctx.address, port_min=ports["min"],
                      port_max=ports["max"], max_sessions=host["max_sessions"], tos=tos(ctx.inv), **knobs)
    return ComponentState(
        name="media_relay",
        packages=["rtpengine-daemon"],
        files=[FileSpec("/etc/rtpengine/rtpengine.conf", conf, restart=["rtpengine-daemon"])],
        services=[ServiceSpec("rtpengine-daemon")],
        ports=[
            Port("udp", f"{ports['min']}-{ports['max']}", "rooms", "RTP and RTCP relayed for the rooms"),
            Port("udp", str(knobs["rtpengine_ng_port"]), "sip_registrar", "rtpengine ng control from the SIP registrar"),
        ],
    )
