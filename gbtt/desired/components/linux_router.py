"""`linux_router`: a site's edge router on Debian (the lab's, and a real
option for small sites): FRR for the routes, nftables for the ACL from the
room network to the centre and for the RFC 4594 marking (by port for SIP, by
RTP payload type for audio and video), `tc` HTB reserving the conference's
share of the uplink. The policy is gbtt.desired.network_policy's, the same
the vendor configurations render."""
from __future__ import annotations

from ..model import ComponentState, FileSpec, ServiceSpec
from ..network_policy import LAB_UPLINK, policy

QOS = ("audio", "video", "signalling")


def build(ctx) -> ComponentState:
    inv = ctx.inv
    pol = policy(ctx.addr, inv, ctx.host.name, ctx.lab)
    classes = inv.network["qos_classes"]
    site_name = inv.sites[pol.site]["name"]
    wan = pol.interfaces.get("wan", {"name": "eth0"})
    if ctx.lab:
        wan = dict(wan, name=LAB_UPLINK)
    conference_kbit = pol.uplink_mbps * 1000 * pol.share_percent // 100
    common = dict(site_name=site_name)
    files = [
        FileSpec("/etc/sysctl.d/60-gbtt-router.conf", ctx.render("network/sysctl.conf.j2"),
                 restart=["systemd-sysctl"]),
        FileSpec("/etc/frr/daemons", ctx.render("network/daemons.j2"), restart=["frr"]),
        FileSpec("/etc/frr/frr.conf", ctx.render("network/frr.conf.j2", routes=pol.routes, lan=pol.interfaces.get(
            "lan", {"name": "eth1"}), wan=wan, **common), owner="frr", group="frr", mode="0640", restart=["frr"]),
        FileSpec("/etc/nftables.d/gbtt-router.nft", ctx.render(
            "network/router.nft.j2", site_net=pol.site_net, centre_net=pol.centre_net, acl=pol.acl,
            signalling=[{"proto": p, "ports": ports} for p, ports in pol.signalling],  # nftables' own port syntax
            media_ports=pol.media_ports, payload_types=pol.payload_types, classes=classes, echo_pps=pol.echo_pps,
            **common),
            mode="0755", validate="/usr/sbin/nft -c -f %s", restart=["nftables"]),
        FileSpec("/usr/local/sbin/gbtt-tc", ctx.render(
            "network/gbtt-tc.j2", wan=wan, share=pol.share_percent, bandwidth_mbps=pol.uplink_mbps,
            conference_kbit=conference_kbit, other_kbit=pol.uplink_mbps * 1000 - conference_kbit,
            conference_tos=sorted(classes[c]["dscp"] * 4 for c in QOS)), mode="0755", restart=["gbtt-tc"]),
        FileSpec("/etc/systemd/system/gbtt-tc.service", ctx.render("network/gbtt-tc.service.j2"),
                 restart=["daemon-reload", "gbtt-tc"]),
    ]
    return ComponentState(
        name="linux_router",
        packages=["frr", "nftables", "iproute2"],
        files=files,
        services=[ServiceSpec("frr"), ServiceSpec("gbtt-tc")],
    )
