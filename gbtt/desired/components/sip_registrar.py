"""`sip_registrar`: Kamailio 5.6 as the registrar of every SIP room system of
the inventory: digest authentication against the vault's passwords (kept in
an htable, no database), media of every call anchored on the media relays
(rtpengine control), SIP over UDP, TCP and TLS."""
from __future__ import annotations

from ...service_addresses import moving_address
from ..model import ComponentState, FileSpec, Port, ServiceSpec
from .takeover import add_takeover, addresses, ring, takes_over
from .conference import meeting_numbers
from .multipoint_bridge import bridge_user
from .media_relay import media_flags


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def sip_accounts(inv, secrets) -> dict[str, str]:
    """SIP room system id -> password (from the vault)."""
    passwords = secrets["sip_passwords"]
    return {ep["id"]: passwords[ep["id"]] for site in inv.sites.values() for ep in site["endpoints"]
            if ep["kind"] == "sip-room-system"}


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("sip_registrar")
    relay = ctx.defaults("media_relay")
    # each relay's control at its media address where it has one: whichever relay holds that address answers
    relays = [f"udp:{a}:{relay['rtpengine_ng_port']}" for a in ctx.service_addresses("media_relay")]
    takeover = takes_over(ctx)
    moving = addresses(ctx) if takeover else []  # its own SIP address, then the one it backs up
    accounts = sip_accounts(ctx.inv, ctx.secrets)
    accounts[ctx.defaults("preflight_probe")["probe_sip_user"]] = ctx.secrets["probe_sip_password"]
    bridges = ctx.hosts_with_role("multipoint_bridge")
    if bridges:
        accounts[bridge_user(ctx.inv)] = ctx.secrets["bridge_sip_password"]
    bridge = f"sip:{ctx.addr(bridges[0].address)}:{ctx.defaults('multipoint_bridge')['multipoint_bridge_sip_port']}" \
        if bridges else None
    accounts = {user: _quote(pw) for user, pw in sorted(accounts.items())}
    restart = ["kamailio"]
    also_at = moving_address(ctx.inv, ctx.host.name) if takeover else None
    # 1, 2, ... by name among the registrars: what tells their commands to the relays apart (kamailio.cfg)
    server_id = 1 + next((i for i, h in enumerate(ring(ctx)) if h.name == ctx.host.name), 0)
    state = ComponentState(
        name="sip_registrar",
        packages=["kamailio", "kamailio-tls-modules", "ssl-cert"],
        files=[
            FileSpec("/etc/kamailio/gbtt-passwords.cfg", ctx.render("sip_registrar/passwords.cfg.j2", accounts=accounts),
                     mode="0640", group="kamailio", secret=True, restart=restart),
            *ctx.tls_files("sip_registrar", restart, dns_names=(ctx.inv.province["sip_domain"],), addresses=tuple(moving)),
            FileSpec("/etc/kamailio/tls.cfg", ctx.render("sip_registrar/tls.cfg.j2", **knobs), restart=restart),
            FileSpec("/etc/systemd/system/kamailio.service.d/gbtt.conf",
                     ctx.render("sip_registrar/kamailio.service.conf.j2", **knobs), restart=["daemon-reload", *restart]),
            FileSpec("/etc/kamailio/kamailio.cfg",
                     ctx.render("sip_registrar/kamailio.cfg.j2", address=ctx.address, moving=moving, relays=relays,
                                peers=[ctx.addr(h.address) for h in ring(ctx) if h.name != ctx.host.name],
                                server_id=server_id,
                                media_flags=media_flags(ctx.inv, relay), bridge=bridge,
                                bridge_address=ctx.addr(bridges[0].address) if bridges else None,
                                meeting_numbers=meeting_numbers(ctx.inv),
                                centre_network=ctx.source_sets()["centre"][0],
                                sip_domain=ctx.inv.province["sip_domain"], **knobs),
                     validate="/usr/sbin/kamailio -c -f %s", restart=restart),
        ],
        services=[ServiceSpec("kamailio")],
        ports=[
            Port("udp", str(knobs["kamailio_sip_port"]), "rooms", "SIP over UDP from the rooms", also_at=also_at),
            Port("tcp", str(knobs["kamailio_sip_port"]), "rooms", "SIP over TCP from the rooms", also_at=also_at),
            Port("tcp", str(knobs["kamailio_tls_port"]), "rooms", "SIP over TLS from the rooms", tls=True, also_at=also_at),
        ],
    )
    if takeover:
        add_takeover(state, ctx, "kamailio", stays=False)
    return state
