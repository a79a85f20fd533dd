"""`turn`: coturn 4.6 with time-limited credentials derived from the vault's
shared secret (`use-auth-secret`), the realm and relay port range of the
inventory, and relaying only towards the conference server (Janus, the one
peer a WebRTC room PC reaches through TURN: the SFU carries every other room);
every other peer address denied: loopback, link-local, the other central
hosts, the routers and the rooms' networks."""
from __future__ import annotations

from ..model import ComponentState, FileSpec, Port, ServiceSpec


def allowed_peers(ctx) -> list[str]:
    """The addresses TURN may relay to: the conference servers'."""
    return [ctx.addr(h.address) for h in ctx.hosts_with_role("conference")]


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("turn")
    host = ctx.inv.hosts[ctx.host.name]["turn"]
    peers = allowed_peers(ctx)
    conf = ctx.render("turn/turnserver.conf.j2", address=ctx.address, realm=host["realm"],
                      relay=host["relay_ports"], secret=ctx.secrets["turn_static_secret"], peers=peers, **knobs)
    restart = ["coturn"]
    return ComponentState(
        name="turn",
        packages=["coturn", "ssl-cert"],
        files=[
            FileSpec("/etc/default/coturn", ctx.render("turn/default.j2"), restart=restart),
            FileSpec("/etc/systemd/system/coturn.service.d/gbtt.conf", ctx.render("turn/coturn.service.conf.j2"),
                     restart=["daemon-reload", *restart]),
            *ctx.tls_files("turn", restart),
            FileSpec("/etc/turnserver.conf", conf, mode="0640", group="turnserver", secret=True, restart=restart),
        ],
        services=[ServiceSpec("coturn")],
        ports=[
            Port("udp", str(knobs["coturn_port"]), "rooms", "TURN/STUN over UDP from the rooms"),
            Port("tcp", str(knobs["coturn_port"]), "rooms", "TURN/STUN over TCP from the rooms"),
            Port("tcp", str(knobs["coturn_tls_port"]), "rooms", "TURN over TLS from the rooms", tls=True),
            Port("udp", str(knobs["coturn_tls_port"]), "rooms", "TURN over DTLS from the rooms"),
            Port("udp", f"{host['relay_ports']['min']}-{host['relay_ports']['max']}", "rooms", "TURN relayed media"),
        ],
    )
