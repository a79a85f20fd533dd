"""`media_relay`: rtpengine 10.5 in userspace (`table = -1`, as in
containers), anchoring the media of every SIP call: port range and session
limit from the inventory, DSCP marking from the QoS classes, and the codec
policy of the codec profiles (everything else stripped, audio transcoded to
a codec every room decodes).

Where the centre keeps several relays (Art. 7.3.c), calls in progress
survive their relay: the relays stand in a ring, each the backup of the one
before it. A relay's calls are sent to its *media address* (hosts.yml), not
to its own; it writes every call into its backup's Redis (Debian's
redis-server), whose rtpengine learns them from Redis's keyspace
notifications and holds them ready ("foreign" calls, sockets bound on the
media address it does not hold yet: `net.ipv4.ip_nonlocal_bind`). keepalived
moves the media address to the backup when the relay stops answering or its
rtpengine stops (gbtt.desired.components.takeover); the backup's rtpengine
then carries the calls on, from the same address and ports. The registrar
controls each relay at its media address: the relay holding it passes the
control on to its own rtpengine (nftables DNAT)."""
from __future__ import annotations

from ...codecs import CODECS
from ..model import ComponentState, FileSpec, Port, ServiceSpec
from .common import NFT_DIR
from ...service_addresses import moving_address
from .takeover import add_takeover, addresses, neighbours, ring, takes_over

REDIS_PORT = 6379


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
    takeover = takes_over(ctx)
    relays = ring(ctx)
    backed_up, backup = neighbours(ctx)
    media = addresses(ctx) if takeover else [ctx.address, None]
    password = ctx.secrets["relay_redis_password"] if takeover else None
    conf = ctx.render("media_relay/rtpengine.conf.j2", address=ctx.address, port_min=ports["min"],
                      port_max=ports["max"], max_sessions=host["max_sessions"], tos=tos(ctx.inv),
                      takeover=takeover, me=ctx.host.name, media=media[0], backed_up=backed_up.name,
                      backed_up_media=media[1], backup_address=ctx.addr(backup.address), db=relays.index(ctx.host) + 1,
                      backed_up_db=relays.index(backed_up) + 1, password=password, redis_port=REDIS_PORT, **knobs)
    state = ComponentState(
        name="media_relay",
        packages=["rtpengine-daemon"],
        files=[FileSpec("/etc/rtpengine/rtpengine.conf", conf, mode="0640", group="rtpengine", secret=takeover,
                        restart=["rtpengine-daemon"])],
        services=[ServiceSpec("rtpengine-daemon")],
        ports=[
            Port("udp", f"{ports['min']}-{ports['max']}", "rooms", "RTP and RTCP relayed for the rooms",
                 also_at=moving_address(ctx.inv, ctx.host.name) if takeover else None),
            Port("udp", str(knobs["rtpengine_ng_port"]), "sip_registrar", "rtpengine ng control from the SIP registrar"),
        ],
    )
    if takeover:
        state.packages.append("redis-server")
        state.files += [
            FileSpec("/etc/redis/redis.conf", ctx.render("media_relay/redis.conf.j2", address=ctx.address,
                                                         port=REDIS_PORT, password=password),
                     mode="0640", owner="redis", group="redis", secret=True, restart=["redis-server"]),
            FileSpec(f"{NFT_DIR}/gbtt-media-relay.nft", ctx.render(
                "media_relay/media-addresses.nft.j2", address=ctx.address, media_addresses=media, **knobs),
                mode="0755", validate="/usr/sbin/nft -c -f %s", restart=["nftables"]),
        ]
        state.services.append(ServiceSpec("redis-server"))
        state.ports.append(Port("tcp", str(REDIS_PORT), "media_relay",
                                "Redis: the relay before in the ring writes its calls here"))
        add_takeover(state, ctx, "rtpengine-daemon", stays=True)
    return state
