"""`turn`: coturn 4.6 with time-limited credentials derived from the vault's
shared secret (`use-auth-secret`), the realm and relay port range of the
inventory, and relaying only towards the networks of the model (every other
peer address denied)."""
from __future__ import annotations

import ipaddress

from ..model import ComponentState, FileSpec, Port, ServiceSpec


def peer_ranges(networks: list[str]) -> list[str]:
    """coturn's address ranges ("first-last") for CIDR networks."""
    out = []
    for cidr in networks:
        net = ipaddress.IPv4Network(cidr)
        out.append(f"{net.network_address}-{net.broadcast_address}")
    return out


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("turn")
    host = ctx.inv.hosts[ctx.host.name]["turn"]
    peers = peer_ranges(ctx.source_sets()["rooms"])
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
            FileSpec("/etc/turnserver.conf", conf, mode="0640", group="turnserver", secret=True, restart=restart),
        ],
        services=[ServiceSpec("coturn")],
        ports=[
            Port("udp", str(knobs["coturn_port"]), "rooms", "TURN/STUN over UDP from the rooms"),
            Port("tcp", str(knobs["coturn_port"]), "rooms", "TURN/STUN over TCP from the rooms"),
            Port("tcp", str(knobs["coturn_tls_port"]), "rooms", "TURN over TLS from the rooms"),
            Port("udp", str(knobs["coturn_tls_port"]), "rooms", "TURN over DTLS from the rooms"),
            Port("udp", f"{host['relay_ports']['min']}-{host['relay_ports']['max']}", "rooms", "TURN relayed media"),
        ],
    )
