"""What the cross-site rules need to know of one site, taken from its file
when the file is parsed and cached with it: a rule that compares every site
with every other (unique ids and addresses, overlapping subnets, one room
background) reads these facts, not ten thousand parsed files.

Addresses and subnets are kept as numbers (None where the file's value is
not one); other values as the file has them (the rules decide what is well
formed)."""
from __future__ import annotations

from typing import NamedTuple

from .. import ipv4


class SiteFacts(NamedTuple):
    kind: object
    organisation: object
    background: object  # room.background
    has_network: bool  # a `network:` mapping
    router: object
    subnet: tuple | None  # ipv4.network
    gateway: int | None  # ipv4.address
    endpoints: tuple  # (index, id, kind, ipv4.address, platform) of each endpoint that is a mapping


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def site_facts(site) -> SiteFacts | None:
    if not isinstance(site, dict):
        return None
    net, room = _dict(site.get("network")), _dict(site.get("room"))
    eps = site.get("endpoints")
    return SiteFacts(site.get("kind"), site.get("organisation"), room.get("background"),
                     isinstance(site.get("network"), dict), net.get("router"), ipv4.network(net.get("subnet")),
                     ipv4.address(net.get("gateway")),
                     tuple((i, ep.get("id"), ep.get("kind"), ipv4.address(ep.get("address")), ep.get("platform"))
                           for i, ep in enumerate(eps if isinstance(eps, list) else []) if isinstance(ep, dict)))
