"""The components of the system: one entry each. The model's builders, the
pyinfra deploys, the Ansible playbook (playbooks/site.yml is rendered from
this table: `gbtt new-component --playbook`), the audit's checks, the annual
report's wording and the tests' lists of roles all come from here.

A component NAME is this entry plus its own files:
    gbtt/desired/components/NAME.py   build(ctx) -> ComponentState
    roles/NAME/                       defaults (its knobs), meta (depends on gbtt_component), tasks, molecule scenario
    templates/NAME/                   what build() renders
    gbtt/checks/NAME.py               check_NAME(host, model_host, lab, address, inventory=None, facts=None),
                                      when it speaks a protocol worth probing (else the audit checks its
                                      files, packages and services as the model says); READS: the read-only
                                      commands it reads, gathered by the audit with the host's facts
`gbtt new-component NAME` writes those files from a skeleton; the tests check
that every entry has them (tests/test_components.py)."""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    name: str
    play: str  # the playbook's play name: what it is
    hosts: str  # the Ansible host pattern (groups of gbtt.hostinventory) it is applied to
    report_vi: str  # how the annual report (Vietnamese) names it
    tags: tuple[str, ...] = ()  # Ansible tags beside its own name
    probe: bool = False  # gbtt/checks/NAME.py speaks its protocol (else files/packages/services only)
    peer: str | None = None  # the group whose first host the check speaks from (a room, the registrar)
    linux: bool = True  # Linux hosts over SSH: both engines, the lab, a molecule scenario (vendor gear: Ansible only)
    model_groups: tuple[str, ...] = ()  # the hosts the model gives it to, by group, where not those of `hosts`
    site_routers_only: bool = False  # of those, only a bridge room's edge router (not the centre's)
    templates: str = ""  # its folder of templates/, where not its name

    @property
    def template_dir(self) -> str:
        return self.templates or self.name

    @property
    def groups(self) -> tuple[str, ...]:
        return self.model_groups or tuple(self.hosts.split(":"))

    def runs_on(self, host) -> bool:
        """Whether the model gives this component to `host` (a gbtt.hostinventory.ManagedHost)."""
        return bool(set(self.groups) & set(host.groups)) and (
            not self.site_routers_only or bool(host.vars.get("gbtt_site_router")))


COMPONENTS: dict[str, Component] = {c.name: c for c in (
    Component("common", "Every Linux host of the system", "central:rooms:linux_routers",
              "hệ điều hành, tường lửa, đồng bộ thời gian"),  # the audit checks it (and time) on every Linux host
    Component("sip_registrar", "SIP registrar (Kamailio)", "sip_registrar", "máy chủ đăng ký SIP", probe=True,
              peer="rooms"),
    Component("preflight_probe", "The central preflight probe (baresip) on the registrar's host", "sip_registrar",
              "đầu dò kiểm tra trung tâm"),
    Component("media_relay", "Media relay (rtpengine)", "media_relay", "máy chủ chuyển tiếp media", probe=True,
              peer="sip_registrar"),
    Component("turn", "TURN (coturn)", "turn", "máy chủ TURN", probe=True, peer="conference"),
    Component("conference", "Conference server (Janus, nginx)", "conference", "máy chủ hội nghị", probe=True,
              peer="rooms"),
    Component("multipoint_bridge", "Multipoint bridge (the meetings' SIP rooms into Janus; its picture to the browsers; sippy)",
              "multipoint_bridge", "cầu nối đa điểm", probe=True, peer="sip_registrar"),
    Component("room_pc", "Bridge rooms' SIP room systems (baresip)", "baresip", "thiết bị đầu cuối điểm cầu"),
    Component("roomos_codec", "Cisco Room Kit codecs (RoomOS configuration through xAPI over HTTPS; the diff in check mode)",
              "roomos", "thiết bị đầu cuối điểm cầu (Cisco)", linux=False),
    Component("linux_router", "Linux edge routers of the mountainous districts (FRR, nftables, tc)",
              "linux_routers", "bộ định tuyến biên (Linux)", tags=("network",), probe=True, site_routers_only=True,
              templates="network"),
    Component("vendor_router", "Cisco IOS-XE site routers (the GBTT part of their configuration; the diff in check mode)",
              "cisco_ios", "bộ định tuyến biên (Cisco, Huawei)", tags=("network",), linux=False,
              # Huawei VRP's part is rendered too (gbtt render), for VNPT to apply: no collection speaks VRP
              model_groups=("cisco_ios", "huawei_vrp"), site_routers_only=True, templates="network"),
)}


def builder(name: str):
    """build(ctx) of a component (gbtt/desired/components/NAME.py)."""
    return importlib.import_module(f"gbtt.desired.components.{name}").build


def check(name: str):
    """check_NAME of a component that speaks a protocol (gbtt/checks/NAME.py), else None."""
    return getattr(importlib.import_module(f"gbtt.checks.{name}"), f"check_{name}") if COMPONENTS[name].probe else None


def check_reads(name: str) -> tuple[str, ...]:
    """The read-only commands a component's check reads (READS in gbtt/checks/NAME.py), which the
    audit gathers with the host's other facts in one call."""
    return getattr(importlib.import_module(f"gbtt.checks.{name}"), "READS", ()) if COMPONENTS[name].probe else ()


def run_by_tags(run_tags, skip_tags) -> list[str]:
    """The Linux components an Ansible run applies with these tags (`ansible_run_tags`,
    `ansible_skip_tags`): those of its plays, tagged with each component's name and `tags`."""
    run, skip = set(run_tags or ("all",)), set(skip_tags or ())
    return [c.name for c in COMPONENTS.values() if c.linux and ({"all", "tagged"} & run or {c.name, *c.tags} & run)
            and not {c.name, *c.tags} & skip]


# The playbook's first play: every host's packages of all its components in one step, on every host at once
# (component by component, the plays would install them one host group after another).
PACKAGES_PLAY = "Packages of all the components of each host, on every host at once"


def playbook() -> str:
    """playbooks/site.yml, rendered from the table (one play per host pattern,
    its components in the table's order, each tagged with its name)."""
    lines = ["# The whole GBTT system. One tag per component:",
             "#   ansible-playbook playbooks/site.yml [--tags common] [--check --diff]",
             "# The inventory (ansible.cfg: inventory/binh-dinh/gbtt.yml, or -i lab/ansible.gbtt.yml)",
             "# is validated by the gbtt plugin before anything runs.",
             "# Rendered from gbtt/components.py (`gbtt new-component --playbook`): edit the table, not this file.",
             "# Huawei VRP: rendered by `gbtt render` for VNPT to apply; no collection of the `ansible`",
             "# package speaks to it."]
    linux = [c for c in COMPONENTS.values() if c.linux]
    tags = list(dict.fromkeys(t for c in linux for t in (c.name, *c.tags)))
    lines += [f"- name: {json.dumps(PACKAGES_PLAY)}", f"  hosts: {COMPONENTS['common'].hosts}", "  gather_facts: false",
              "  tasks:", "    - name: Packages of the components this run applies",
              "      ansible.builtin.import_role:", "        name: gbtt_component", "        tasks_from: packages",
              f"      tags: [{', '.join(tags)}]", ""]
    plays: dict[str, list[Component]] = {}
    for c in COMPONENTS.values():
        plays.setdefault(c.hosts, []).append(c)
    for hosts, comps in plays.items():
        lines += [f"- name: {json.dumps(' / '.join(c.play for c in comps), ensure_ascii=False)}", f"  hosts: {hosts}", "  gather_facts: false",
                  "  roles:"]
        for c in comps:
            lines += [f"    - role: {c.name}", f"      tags: [{', '.join((c.name, *c.tags))}]"]
        lines.append("")
    return "\n".join(lines[:-1]) + "\n"
