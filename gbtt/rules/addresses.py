"""Addressing: no address twice, every address inside the subnet it claims,
no overlapping subnets, everything inside the province's address plan.
Addresses are numbers and networks (first, prefix length, last) here
(gbtt.ipv4); the sites' come parsed with their facts."""
from __future__ import annotations

from ..ipv4 import address, network, network_text, text
from . import global_rule, objects, repeats, rule, site_rule


def _centre_network(inv) -> dict | None:
    net = inv.centre.get("network")
    return net if isinstance(net, dict) else None


def _subnets(inv, idx) -> dict:
    """place id -> its subnet (None when not well formed), the centre's included."""
    out = {sid: f.subnet for sid, f in idx.facts.items() if f.has_network}
    centre = _centre_network(inv)
    if centre is not None:
        out[inv.centre.get("id")] = network(centre.get("subnet"))
    return out


def _site_addresses(sid, facts):
    """(path, address, what) of one site: its gateway, its endpoints."""
    if facts.has_network:
        yield ("sites", sid, "network", "gateway"), facts.gateway, "gateway"
    for i, _, _, ip, _ in facts.endpoints:
        yield ("sites", sid, "endpoints", i, "address"), ip, "endpoint"


def _addresses_by_file(inv, idx) -> tuple[list, dict]:
    """The addresses of the files that are not sites, around the sites' own
    (the order of `addresses_unique`): [(path, address)] of the centre's
    gateway; address -> [paths] of the hosts and the devices' management."""
    head, tail = [], {}
    centre = _centre_network(inv)
    if centre is not None and address(centre.get("gateway")) is not None:
        head.append((("centre", "network", "gateway"), address(centre.get("gateway"))))
    owners = [(("hosts", hid, "address"), host.get("address")) for hid, host in objects(inv.hosts)]
    owners += list(_moving_addresses(inv))
    owners += [(("network", "devices", did, "mgmt_address"), dev.get("mgmt_address")) for did, dev in idx.devices.items()]
    for path, value in owners:
        if address(value) is not None:
            tail.setdefault(address(value), []).append(path)
    return head, tail


def _site_ips(idx):
    """(path, address) of every site's gateway, then of every site's endpoints."""
    for sid, facts in idx.facts.items():
        if facts.has_network and facts.gateway is not None:
            yield ("sites", sid, "network", "gateway"), facts.gateway
    for sid, facts in idx.facts.items():
        for i, _, _, ip, _ in facts.endpoints:
            if ip is not None:
                yield ("sites", sid, "endpoints", i, "address"), ip


@rule
def addresses_unique(inv, idx):
    """In the order: centre, sites' gateways, endpoints, hosts, devices; the later use is named."""
    head, tail = idx.kept(_addresses_by_file)
    for path, ip, earlier in repeats([*head, *_site_ips(idx)], tail):
        yield path, f"address {text(ip)} is already used by {earlier}"


def _outside(path, ip, subnet, what):
    if ip is None or subnet is None:
        return
    start, prefix, end = subnet
    if not start <= ip <= end:
        yield path, f"{what} address {text(ip)} is outside its subnet {network_text(subnet)}"
    elif prefix < 31 and ip in (start, end):
        yield path, (f"{text(ip)} is the {'network' if ip == start else 'broadcast'} address of "
                     f"{network_text(subnet)}, not a host address")


@site_rule
def site_addresses_in_their_subnet(inv, idx, sid, site):
    facts = idx.facts.get(sid)
    if facts and facts.has_network:
        for path, ip, what in _site_addresses(sid, facts):
            yield from _outside(path, ip, facts.subnet, what)


def _moving_addresses(inv):
    """(path, value) of the service addresses that move between the hosts of a role (takeover.ADDRESS_KEYS)."""
    from ..service_addresses import ADDRESS_KEYS  # noqa: PLC0415

    for hid, host in objects(inv.hosts):
        settings, key = host.get(host.get("role")), ADDRESS_KEYS.get(host.get("role"))
        if key and isinstance(settings, dict) and settings.get(key) is not None:
            yield ("hosts", hid, host["role"], key), settings[key]


@rule
def hosts_addresses_in_their_subnet(inv, idx):
    subnets = None
    for hid, host in objects(inv.hosts):
        subnets = subnets if subnets is not None else _subnets(inv, idx)
        yield from _outside(("hosts", hid, "address"), address(host.get("address")), subnets.get(host.get("site")), "host")
    for path, value in _moving_addresses(inv):  # it moves between the hosts of a role: on their common subnet
        subnets = subnets if subnets is not None else _subnets(inv, idx)
        yield from _outside(path, address(value), subnets.get(inv.hosts[path[1]].get("site")), "service")


@global_rule
def centre_and_management_addresses_in_their_subnet(inv, idx):
    centre = _centre_network(inv)
    if centre is not None:
        yield from _outside(("centre", "network", "gateway"), address(centre.get("gateway")),
                            network(centre.get("subnet")), "gateway")
    mgmt = network(inv.network.get("management_subnet"))
    for did, dev in idx.devices.items():
        yield from _outside(("network", "devices", did, "mgmt_address"), address(dev.get("mgmt_address")), mgmt,
                            "management")


def _management_subnet(inv, idx):
    return network(inv.network.get("management_subnet"))


@rule
def subnets_do_not_overlap(inv, idx):
    nets = []
    centre = _centre_network(inv)
    if centre is not None:
        nets.append((network(centre.get("subnet")), ("centre", "network", "subnet")))
    nets.extend((f.subnet, ("sites", sid, "network", "subnet")) for sid, f in idx.facts.items() if f.has_network)
    nets.append((idx.kept(_management_subnet), ("network", "management_subnet")))
    nets = sorted(((n, p) for n, p in nets if n is not None), key=lambda x: x[0][:2])
    # sorted by start address: a subnet overlaps another only if it starts inside an earlier one
    widest = None
    for net, path in nets:
        if widest is not None and net[0] <= widest[0][2]:
            yield path, f"subnet {network_text(net)} overlaps {network_text(widest[0])} of {'.'.join(map(str, widest[1]))}"
        if widest is None or net[2] > widest[0][2]:
            widest = (net, path)


def _plan(inv):
    """The province's address plan if it is one the lab can map (else None)."""
    plan = network(inv.province.get("address_plan"))
    return plan if plan is not None and plan[1] >= 15 else None


def _outside_plan(path, ip, plan):
    if ip is not None and not plan[0] <= ip <= plan[2]:
        yield path, f"{text(ip)} is outside the province's address plan {network_text(plan)}"


def _subnet_outside_plan(path, net, plan):
    if net is not None and not (plan[0] <= net[0] and net[2] <= plan[2]):
        yield path, f"subnet {network_text(net)} is outside the province's address plan {network_text(plan)}"


@site_rule
def site_inside_address_plan(inv, idx, sid, site):
    plan, facts = _plan(inv), idx.facts.get(sid)
    if plan is None or not facts:
        return
    for path, ip, _ in _site_addresses(sid, facts):
        yield from _outside_plan(path, ip, plan)
    if facts.has_network:
        yield from _subnet_outside_plan(("sites", sid, "network", "subnet"), facts.subnet, plan)


@global_rule
def inside_address_plan(inv, idx):
    plan = network(inv.province.get("address_plan"))
    if plan is None:
        return
    if plan[1] < 15:
        yield ("province", "address_plan"), (f"{network_text(plan)} is wider than a /15: the lab maps the plan onto "
                                             "198.18.0.0/15")
        return
    centre = _centre_network(inv)
    if centre is not None:
        yield from _outside_plan(("centre", "network", "gateway"), address(centre.get("gateway")), plan)
        yield from _subnet_outside_plan(("centre", "network", "subnet"), network(centre.get("subnet")), plan)
    for hid, host in objects(inv.hosts):
        yield from _outside_plan(("hosts", hid, "address"), address(host.get("address")), plan)
    for did, dev in idx.devices.items():
        yield from _outside_plan(("network", "devices", did, "mgmt_address"), address(dev.get("mgmt_address")), plan)
