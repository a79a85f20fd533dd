"""keepalived for the service addresses that move between the hosts of a
role (gbtt.service_addresses). The hosts of the role stand in a ring (by
name), each the backup of the one before it. keepalived (Debian's; VRRP
version 3, unicast between the two, adverts every `keepalived_advert_seconds`)
gives each host its own address while its service runs (a track script asks
systemd) and moves it to the backup when the host or the service stops. A
relay's address stays where it went (`nopreempt`: the calls it carries live
there now); a registrar's goes back when its Kamailio runs again (a room not
bound there is asked of the other registrar). A host binds the address it may take over before it holds it
(`net.ipv4.ip_nonlocal_bind`), so that its service is ready for it."""
from __future__ import annotations

from ...service_addresses import ADDRESS_KEYS, SYSCTLS, moving_address
from ..model import FileSpec, Port, ServiceSpec

KEEPALIVED = "/etc/keepalived/keepalived.conf"


def ring(ctx) -> list:
    """The hosts of this host's role, by name: each backs up the one before it (the first, the last)."""
    return sorted(ctx.hosts_with_role(ctx.host.vars["gbtt_role"]), key=lambda h: h.name)


def neighbours(ctx) -> tuple:
    """(the host this one backs up, this one's backup)."""
    hosts = ring(ctx)
    me = [h.name for h in hosts].index(ctx.host.name)
    return hosts[me - 1], hosts[(me + 1) % len(hosts)]


def takes_over(ctx) -> bool:
    """Several hosts of the role, and this one has a moving address (validation requires it then)."""
    return len(ring(ctx)) > 1 and moving_address(ctx.inv, ctx.host.name) is not None


def addresses(ctx) -> list[str]:
    """The moving addresses this host may hold, as the deployment sees them: its own, then the one it backs up."""
    backed_up, _ = neighbours(ctx)
    return [ctx.addr(moving_address(ctx.inv, h.name)) for h in (ctx.host, backed_up)]


def add_takeover(state, ctx, service: str, stays: bool) -> None:
    """keepalived for this host's moving address and the one it backs up, tracking `service`: its package,
    file, service, the non-local binding and the VRRP the peers exchange, added to `state`. `stays`: an
    address stays with the host that took it over (what runs through it lives there now: a relay's calls);
    else it goes back to its host once that host's service runs again."""
    knobs = ctx.defaults("common")
    backed_up, backup = neighbours(ctx)
    hosts = ring(ctx)
    base = knobs["keepalived_vrid_base"] + 16 * list(ADDRESS_KEYS).index(ctx.host.vars["gbtt_role"])
    instances = [{"name": h.name, "address": ctx.addr(moving_address(ctx.inv, h.name)),
                  "peer": ctx.addr(peer.address), "vrid": base + hosts.index(h),
                  "priority": knobs[priority]}
                 for h, peer, priority in ((ctx.host, backup, "keepalived_priority"),
                                           (backed_up, backed_up, "keepalived_backup_priority"))]
    state.packages.append("keepalived")
    state.files += [
        FileSpec(KEEPALIVED, ctx.render("common/keepalived.conf.j2", address=ctx.address, instances=instances,
                                        service=service, stays=stays, **knobs), restart=["keepalived"]),
        FileSpec("/etc/sysctl.d/60-gbtt-takeover.conf", ctx.render("common/sysctl.conf.j2", sysctls=SYSCTLS,
                                                                   why="its services bind the service addresses it may take over before it holds them"),
                 restart=["systemd-sysctl"]),
    ]
    state.services.append(ServiceSpec("keepalived"))
    state.ports.append(Port("vrrp", "", ctx.host.vars["gbtt_role"], "VRRP: which host holds which service address"))
