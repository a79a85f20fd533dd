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
(VRRP, unicast between the two) moves the media address to the backup when
the relay stops answering or its rtpengine stops; the backup's rtpengine
then carries the calls on, from the same address and ports. The address
stays there (`nopreempt`): the relay that comes back takes no call away."""
from __future__ import annotations

from ...codecs import CODECS
from ..model import ComponentState, FileSpec, Port, ServiceSpec
from .common import NFT_DIR

REDIS_PORT = 6379
# a backup binds its sockets on the media address it takes over before it holds it
SYSCTLS = ("net.ipv4.ip_nonlocal_bind=1",)


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


def ring(ctx) -> list:
    """The relays, by name: each is the backup of the one before it (the first, of the last)."""
    return sorted(ctx.hosts_with_role("media_relay"), key=lambda h: h.name)


def media_address(ctx, host) -> str | None:
    address = ctx.inv.hosts[host.name]["media_relay"].get("media_address")
    return ctx.addr(address) if address else None


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("media_relay")
    host = ctx.inv.hosts[ctx.host.name]["media_relay"]
    ports = host["rtp_ports"]
    relays = ring(ctx)
    me = next(i for i, h in enumerate(relays) if h.name == ctx.host.name)
    backed_up, backup = relays[me - 1], relays[(me + 1) % len(relays)]  # the one this relay backs up; its own
    takeover = len(relays) > 1 and media_address(ctx, ctx.host) is not None
    password = ctx.secrets["relay_redis_password"] if takeover else None
    conf = ctx.render("media_relay/rtpengine.conf.j2", address=ctx.address, port_min=ports["min"],
                      port_max=ports["max"], max_sessions=host["max_sessions"], tos=tos(ctx.inv),
                      takeover=takeover, me=ctx.host.name, media=media_address(ctx, ctx.host) or ctx.address,
                      backed_up=backed_up.name, backed_up_media=media_address(ctx, backed_up),
                      backup_address=ctx.addr(backup.address), db=me + 1, backed_up_db=(me - 1) % len(relays) + 1,
                      password=password, redis_port=REDIS_PORT, **knobs)
    state = ComponentState(
        name="media_relay",
        packages=["rtpengine-daemon"],
        files=[FileSpec("/etc/rtpengine/rtpengine.conf", conf, mode="0640", group="rtpengine", secret=takeover,
                        restart=["rtpengine-daemon"])],
        services=[ServiceSpec("rtpengine-daemon")],
        ports=[
            Port("udp", f"{ports['min']}-{ports['max']}", "rooms", "RTP and RTCP relayed for the rooms",
                 address=host.get("media_address") if len(relays) > 1 else None),
            Port("udp", str(knobs["rtpengine_ng_port"]), "sip_registrar", "rtpengine ng control from the SIP registrar"),
        ],
    )
    if takeover:
        vips = [(ctx.host.name, media_address(ctx, ctx.host), backup, me, knobs["keepalived_priority"]),
                (backed_up.name, media_address(ctx, backed_up), backed_up, relays.index(backed_up),
                 knobs["keepalived_backup_priority"])]
        instances = [{"name": name, "address": vip, "peer": ctx.addr(peer.address),
                      "vrid": knobs["keepalived_vrid_base"] + index, "priority": priority}
                     for name, vip, peer, index, priority in vips]
        state.packages += ["redis-server", "keepalived"]
        state.files += [
            FileSpec("/etc/redis/redis.conf", ctx.render("media_relay/redis.conf.j2", address=ctx.address,
                                                         port=REDIS_PORT, password=password),
                     mode="0640", owner="redis", group="redis", secret=True, restart=["redis-server"]),
            FileSpec("/etc/keepalived/keepalived.conf", ctx.render("media_relay/keepalived.conf.j2",
                                                                   address=ctx.address, instances=instances, **knobs),
                     restart=["keepalived"]),
            FileSpec("/etc/sysctl.d/60-gbtt-media-relay.conf", ctx.render("media_relay/sysctl.conf.j2",
                                                                          sysctls=SYSCTLS),
                     restart=["systemd-sysctl"]),
            FileSpec(f"{NFT_DIR}/gbtt-media-relay.nft", ctx.render(
                "media_relay/media-addresses.nft.j2", address=ctx.address,
                media_addresses=[i["address"] for i in instances], **knobs),
                mode="0755", validate="/usr/sbin/nft -c -f %s", restart=["nftables"]),
        ]
        state.services += [ServiceSpec("redis-server"), ServiceSpec("keepalived")]
        state.ports += [
            Port("tcp", str(REDIS_PORT), "media_relay", "Redis: the relay before in the ring writes its calls here"),
            Port("vrrp", "", "media_relay", "VRRP: which relay holds which media address"),
        ]
    return state
