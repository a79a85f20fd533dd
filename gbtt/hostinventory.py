"""The managed hosts of an inventory, their groups and connection data:
computed once here, handed to Ansible (plugins/inventory/gbtt.py) and to
pyinfra (`pyinfra_groups`) alike, so both engines see the same hosts.

Groups: `central` and one per central role (`conference`, `sip_registrar`,
`media_relay`, `turn`); `rooms` and one per endpoint platform (`baresip`);
`network`, `linux_routers`, `cisco_ios`, `huawei_vrp`; `roomos` (the Cisco Room
Kit codecs, configured through their HTTP API from the controller); `site_<id>` per site.

An *overlay* changes how hosts are reached without changing what they are:
`lab` keeps only the hosts that run in the local lab and points the
connection at their 198.18.0.0/15 lab addresses.
"""
from __future__ import annotations

import ipaddress
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .paths import STATE_DIR
from .problems import InventoryInvalid, Problem
from .validate import load_valid

LAB_SUPERNET = ipaddress.IPv4Network("198.18.0.0/15")
# The podman host on the lab network: the lab's controller; never an inventory address.
LAB_GATEWAY = str(LAB_SUPERNET.broadcast_address - 1)
VENDOR_GROUPS = {"linux": "linux_routers", "cisco": "cisco_ios", "huawei": "huawei_vrp"}
NOT_LINUX = {"cisco_ios", "huawei_vrp", "roomos"}  # vendor gear: Ansible's network or API connections only


@dataclass
class ManagedHost:
    name: str
    address: str  # the production address
    site: str
    groups: list[str]
    vars: dict = field(default_factory=dict)

    @property
    def linux(self) -> bool:
        return not NOT_LINUX & set(self.groups)


def slug_group(text: str) -> str:
    return text.replace("-", "_")


def managed_hosts(inv) -> list[ManagedHost]:
    out = []
    centre = inv.centre["id"]
    for hid, host in inv.hosts.items():
        out.append(ManagedHost(hid, host["address"], host["site"], ["central", host["role"], f"site_{slug_group(centre)}"],
                               {"gbtt_role": host["role"]}))
    for sid, site in inv.sites.items():
        for ep in site["endpoints"]:
            if ep["platform"] == "baresip":  # a Linux room PC that gbtt provisions
                out.append(ManagedHost(ep["id"], ep["address"], sid, ["rooms", "baresip", f"site_{slug_group(sid)}"],
                                       {"gbtt_role": "room_pc", "gbtt_profile": ep["profile"]}))
            elif ep["platform"] == "cisco-room-kit":  # configured through its xAPI, from the controller
                out.append(ManagedHost(ep["id"], ep["address"], sid, ["roomos", f"site_{slug_group(sid)}"],
                                       {"gbtt_role": "roomos_codec", "gbtt_profile": ep["profile"],
                                        "gbtt_api_url": f"https://{ep['address']}",
                                        "gbtt_api_certificate_sha256": ep.get("api_certificate_sha256", "")}))
    for did, dev in inv.network["devices"].items():
        groups = ["network", VENDOR_GROUPS[dev["vendor"]], f"site_{slug_group(dev['site'])}"]
        out.append(ManagedHost(did, dev["mgmt_address"], dev["site"], groups,
                               {"gbtt_role": f"{dev['kind']}", "gbtt_vendor": dev["vendor"],
                                # a bridge room's edge router (the centre's router is not one)
                                "gbtt_site_router": dev["kind"] == "router" and dev["site"] in inv.sites}))
    for h in out:
        h.vars.update({"gbtt_site": h.site, "gbtt_address": h.address})
        if h.linux:
            h.vars.update({"ansible_host": h.address, "ansible_user": "root"})
        elif "roomos" in h.groups:  # the action plugin speaks HTTPS to it from the controller
            h.vars.update({"ansible_host": h.address, "ansible_connection": "local"})
        else:
            # Huawei VRP: no collection of the `ansible` package speaks to it (community.network, which had
            # the ce modules, is no longer bundled); its configuration is rendered for VNPT to apply.
            h.vars.update({"ansible_host": h.address, "ansible_connection": "ansible.netcommon.network_cli",
                           "ansible_network_os": "cisco.ios.ios" if "cisco_ios" in h.groups else "huawei.vrp"})
    return out


def lab_address(inv, address: str) -> str:
    """Production address -> lab address: the host part within the province's
    address plan, kept, on 198.18.0.0/15."""
    plan = ipaddress.IPv4Network(inv.province["address_plan"])
    offset = int(ipaddress.IPv4Address(address)) - int(plan.network_address)
    return str(LAB_SUPERNET.network_address + offset)


def lab_state_dir(lab: str) -> Path:
    """Where the lab of the inventory directory named `lab` keeps its key and state."""
    return STATE_DIR / lab


def lab_state(state_dir: Path) -> dict | None:
    try:
        return json.loads((state_dir / "state.json").read_text())
    except (OSError, ValueError):
        return None


KNOWN_HOSTS = "known_hosts"


def trust(h: ManagedHost, known_hosts: Path) -> None:
    """SSH to `h` accepts only the host key recorded in `known_hosts`: a changed
    key stops both engines and the checks, naming the host."""
    h.vars.update({"gbtt_known_hosts": str(known_hosts),
                   "ansible_ssh_common_args": f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes"})


def apply_lab_overlay(inv, hosts: list[ManagedHost]) -> list[ManagedHost]:
    state_dir = lab_state_dir(inv.root.resolve().name)
    state = lab_state(state_dir)
    if not state:
        raise InventoryInvalid([Problem(str(state_dir / "state.json"), 0, "lab", "the lab is not up: run 'gbtt lab up' first")])
    running = state["hosts"]
    out = []
    for h in hosts:
        if h.name in running:
            h.vars.update({
                "ansible_host": running[h.name],
                "ansible_user": "root",
                "ansible_ssh_private_key_file": state["key"],
                "gbtt_lab": True,
            })
            trust(h, Path(state.get("known_hosts") or state_dir / KNOWN_HOSTS))  # recorded by gbtt lab up
            out.append(h)
    return out


def hosts_for(source: Path | str, overlay: str | None = None) -> list[ManagedHost]:
    return inventory_and_hosts(source, overlay)[1]


def inventory_and_hosts(source: Path | str, overlay: str | None = None) -> tuple:
    """The validated inventory and its managed hosts (the overlay's addresses if one is given)."""
    inv = load_valid(source)
    hosts = managed_hosts(inv)
    for h in hosts:
        h.vars.update({"gbtt_inventory": str(Path(source).resolve()), "gbtt_lab": False})
        if h.linux:  # production: the host keys pinned with the inventory (gbtt known-hosts)
            trust(h, Path(source).resolve() / KNOWN_HOSTS)
    if overlay == "lab":
        hosts = apply_lab_overlay(inv, hosts)
    elif overlay:
        raise ValueError(f"unknown overlay {overlay!r} (known: lab)")
    return inv, hosts


def knob_files(inv) -> tuple[dict, dict]:
    """The knob overrides of the inventory's group_vars and host_vars, as plain
    data: ({group: {knob: value}}, {host: {knob: value}})."""
    from .desired.knobs import plain  # noqa: PLC0415 (the model imports this module)

    return plain(inv.get("group_vars")), plain(inv.get("host_vars"))


def pyinfra_groups(source: Path | str, overlay: str | None = None) -> dict[str, list]:
    """Groups for a pyinfra inventory file: {group: [(host, data), ...]}.
    On an invalid inventory, prints the problems and exits 1, as `gbtt validate` does."""
    try:
        inv, hosts = inventory_and_hosts(source, overlay)
    except InventoryInvalid as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
    from .desired.knobs import inventory_overrides  # noqa: PLC0415 (the model imports this module)

    groups: dict[str, list] = {}
    for h in hosts:
        if not h.linux:
            continue  # vendor gear is configured by Ansible's network modules only
        data = {k: v for k, v in h.vars.items() if not k.startswith("ansible_")}
        data.update(inventory_overrides(inv, h))  # group_vars/host_vars knobs; --data overrides them
        data.update({"ssh_hostname": h.vars["ansible_host"], "ssh_user": h.vars["ansible_user"],
                     "ssh_strict_host_key_checking": "yes", "ssh_known_hosts_file": h.vars["gbtt_known_hosts"]})
        if "ansible_ssh_private_key_file" in h.vars:
            data["ssh_key"] = h.vars["ansible_ssh_private_key_file"]
        for g in h.groups:
            groups.setdefault(g, []).append((h.name, data))
    return groups
