"""Addressing: no address twice, every address inside the subnet it claims,
no overlapping subnets, everything inside the province's address plan."""
from __future__ import annotations

import functools
import ipaddress

from . import endpoints, objects, rule


@functools.lru_cache(maxsize=None)
def _ip(value):
    try:
        return ipaddress.IPv4Address(value) if isinstance(value, str) else None
    except ValueError:
        return None


@functools.lru_cache(maxsize=None)
def _net(value):
    try:
        return ipaddress.IPv4Network(value) if isinstance(value, str) else None
    except ValueError:
        return None


def attachments(inv):
    """(path, place id, attachment) for the centre and every site."""
    if isinstance(inv.centre.get("network"), dict):
        yield ("centre", "network"), inv.centre.get("id"), inv.centre["network"]
    for sid, site in objects(inv.sites):
        if isinstance(site.get("network"), dict):
            yield ("sites", sid, "network"), sid, site["network"]


def all_addresses(inv):
    """(path, address, subnet it must lie in or None, what it is)."""
    subnets = {place: _net(att.get("subnet")) for _, place, att in attachments(inv)}
    for path, place, att in attachments(inv):
        yield path + ("gateway",), att.get("gateway"), subnets.get(place), "gateway"
    for path, ep, site_id in endpoints(inv):
        yield path + ("address",), ep.get("address"), subnets.get(site_id), "endpoint"
    for hid, host in objects(inv.hosts):
        yield ("hosts", hid, "address"), host.get("address"), subnets.get(host.get("site")), "host"
    mgmt = _net(inv.network.get("management_subnet"))
    for did, dev in objects(inv.network.get("devices")):
        yield ("network", "devices", did, "mgmt_address"), dev.get("mgmt_address"), mgmt, "management"


@rule
def addresses_unique(inv):
    first = {}
    for path, value, _, _ in all_addresses(inv):
        ip = _ip(value)
        if ip is None:
            continue
        if ip in first:
            yield path, f"address {ip} is already used by {'.'.join(map(str, first[ip]))}"
        else:
            first[ip] = path


@rule
def addresses_in_subnet(inv):
    for path, value, subnet, what in all_addresses(inv):
        ip = _ip(value)
        if ip is None or subnet is None:
            continue
        if ip not in subnet:
            yield path, f"{what} address {ip} is outside its subnet {subnet}"
        elif subnet.prefixlen < 31 and ip in (subnet.network_address, subnet.broadcast_address):
            yield path, f"{ip} is the {'network' if ip == subnet.network_address else 'broadcast'} address of {subnet}, not a host address"


@rule
def subnets_do_not_overlap(inv):
    nets = [(path + ("subnet",), _net(att.get("subnet"))) for path, _, att in attachments(inv)]
    nets.append((("network", "management_subnet"), _net(inv.network.get("management_subnet"))))
    nets = sorted(((n, p) for p, n in nets if n is not None), key=lambda x: (x[0].network_address, x[0].prefixlen))
    # sorted by start address: a subnet overlaps another only if it starts inside an earlier one
    widest = None
    for net, path in nets:
        if widest is not None and net.network_address <= widest[0].broadcast_address:
            yield path, f"subnet {net} overlaps {widest[0]} of {'.'.join(map(str, widest[1]))}"
        if widest is None or net.broadcast_address > widest[0].broadcast_address:
            widest = (net, path)


@rule
def inside_address_plan(inv):
    plan = _net(inv.province.get("address_plan"))
    if plan is None:
        return
    if plan.prefixlen < 15:
        yield ("province", "address_plan"), f"{plan} is wider than a /15: the lab maps the plan onto 198.18.0.0/15"
        return
    for path, value, _, _ in all_addresses(inv):
        ip = _ip(value)
        if ip is not None and ip not in plan:
            yield path, f"{ip} is outside the province's address plan {plan}"
    for path, _, att in attachments(inv):
        net = _net(att.get("subnet"))
        if net is not None and not net.subnet_of(plan):
            yield path + ("subnet",), f"subnet {net} is outside the province's address plan {plan}"
