"""`vendor_router`: the GBTT part of a Cisco IOS-XE or Huawei VRP edge
router's configuration, rendered from the same network policy as the Linux
routers (gbtt.desired.network_policy): the ACL from the room network to the
centre (and ICMP echo, rate-limited), class maps / traffic classifiers for
audio, video and signalling, the marking on the room side (inbound), the
queueing and shaping of the uplink (outbound). Ansible
pushes the Cisco configuration (`cli_config`, check mode giving the diff);
`gbtt render` writes both for review."""
from __future__ import annotations

import ipaddress

from ..model import ComponentState, FileSpec
from ..network_policy import policy

TEMPLATES = {"cisco": "network/cisco-ios-xe.cfg.j2", "huawei": "network/huawei-vrp.cfg.j2"}
CONFIG_PATH = "running-config"  # the device's configuration, not a file on a Linux host


def wildcard(cidr: str) -> tuple[str, str]:
    net = ipaddress.IPv4Network(cidr)
    return str(net.network_address), str(net.hostmask)


def ports(spec: str) -> str:
    """"5060" -> "eq 5060", "30000-30999" -> "range 30000 30999" (IOS-XE and VRP alike)."""
    lo, _, hi = spec.partition("-")
    return f"range {lo} {hi}" if hi else f"eq {lo}"


def build(ctx) -> ComponentState:
    inv, name = ctx.inv, ctx.host.name
    dev = inv.network["devices"][name]
    vendor = dev["vendor"]
    pol = policy(lambda a: a, inv, name, lab=False)  # vendor gear lives in production only
    site_net, centre_net = wildcard(pol.site_net), wildcard(pol.centre_net)
    lan = dict(pol.interfaces["lan"], wildcard=" ".join(site_net))
    centre = {"wildcard": " ".join(centre_net)}
    acl = [{"proto": r.proto, "cisco_dest": f"host {r.dest}", "huawei_dest": f"{r.dest} 0",
            "ports": ports(r.ports), "comment": r.comment}
           for r in pol.acl]
    signalling = [{"proto": p, "ports": ports(x)} for p, x in pol.signalling]
    # each class's share of the shaped uplink, in kbps (VRP's `pct` would be a share of the port's rate)
    classes = {k: dict(v, kbps=pol.uplink_mbps * 1000 * v["share_percent"] // 100)
               for k, v in inv.network["qos_classes"].items()}
    config = ctx.render(TEMPLATES[vendor], device=name, model=dev["model"], site_name=inv.sites[pol.site]["name"]
                        if pol.site in inv.sites else inv.centre["name"], lan=lan, wan=pol.interfaces["wan"],
                        centre=centre, acl=acl, signalling=signalling, classes=classes, share=pol.share_percent,
                        bandwidth_mbps=pol.uplink_mbps, echo_kbps=pol.echo_kbps)
    return ComponentState(name="vendor_router", files=[FileSpec(CONFIG_PATH, config)])
