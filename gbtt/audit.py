"""`gbtt audit`: the live hosts checked against the model (Art. 5.5,
periodic inspection): every component's files exactly as the inventory
renders them, packages and services, the firewall and listening sockets,
time synchronised from the model's NTP sources, no package's default secret
left, each service answering its protocol from where its users are, and each
TLS port's certificate verified by the province's CA from a bridge room, with
its days left; in production, each Cisco codec read through its API
(configuration, phone book, registration).  Prints a
table, writes a dated JSON report and its minutes (.docx, gbtt/minutes.py),
exit 1 if anything fails."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .checks import check_applied, check_no_default_secrets, gather, secrets_commands
from .checks.common import READS as common_reads
from .checks.certificates import check_certificates, tls_ports
from .checks.roomos_codec import codec_rows
from .checks.common import check_common, check_time_synchronised
from .components import COMPONENTS, check, check_reads
from .desired import host_state
from .desired.drift import spec_of
from .minutes import write_minutes
from .remote import Fleet, write_report
from .validate import load_valid


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def audit(inventory: Path, lab: bool = True, out_dir: Path | None = None) -> tuple[list[dict], Path | None]:
    fleet = Fleet(inventory, lab)
    hosts, remote = fleet.hosts, fleet.remote

    def peer(group: str | None):
        name = next((h.name for h in hosts if group in h.groups), None) if group else None
        return remote(name) if name else None

    def checks_for(h, comps, facts, tls):
        addr = h.vars["ansible_host"]
        yield "common", lambda: check_common(remote(h.name), h.name, lab=lab, inventory=inventory, facts=facts)
        yield "time", lambda: check_time_synchronised(remote(h.name), facts=facts)
        if any(secrets_commands(c) for c in comps.values()):
            yield "secrets", lambda: [check_no_default_secrets(remote(h.name), c, facts) for c in comps.values()]
        for name, state in comps.items():
            if name == "common":
                continue
            fn = check(name)
            if fn is None:  # files, packages and services as the model says
                yield name, lambda state=state: check_applied(remote(h.name), state, facts)
            else:  # and its protocol, spoken from where its clients are
                group = COMPONENTS[name].peer
                yield name, lambda fn=fn, group=group: fn(remote(h.name), h.name, lab, addr, inventory=inventory,
                                                          facts=facts, **({"peer": peer(group)} if group else {}))
        if tls:  # as a bridge room sees them: verified by the province's CA, days left
            yield "certificate", lambda: check_certificates(peer("rooms") or remote(h.name), addr, tls, inventory)

    def run(h):
        state = host_state(inventory, h.name, lab=lab)
        comps = state.components
        reads = [*common_reads, *(r for c in comps.values() for r in secrets_commands(c)),
                 *(r for name in comps if name != "common" for r in check_reads(name))]
        try:  # one call learns what every check below compares with the model
            facts = gather(remote(h.name), spec_of(*comps.values(), commands=reads, listening=True))
        except Exception as exc:  # a host that does not answer: one finding, not one per component
            return [{"host": h.name, "component": "reachable", "ok": False, "detail": _first_line(exc)}]
        rows = []
        for component, run_check in checks_for(h, comps, facts, tls_ports(state)):
            try:
                detail = run_check()
                rows.append({"host": h.name, "component": component, "ok": True,
                             "detail": detail if isinstance(detail, str) else ""})
            except Exception as exc:  # a failed check is a finding
                rows.append({"host": h.name, "component": component, "ok": False, "detail": _first_line(exc)})
        return rows

    with ThreadPoolExecutor(max_workers=len(hosts) or 1) as pool:
        codecs = pool.submit(codec_rows, inventory) if not lab else None  # the lab runs no Cisco codec
        rows = [r for rs in pool.map(run, hosts) for r in rs] + (codecs.result() if codecs else [])
    report = write_report(out_dir, "audit", lab, inventory, {"results": rows}) if out_dir else None
    if report:  # the minutes of the inspection (Art. 5.5), beside the report
        write_minutes(load_valid(inventory), report)
    return rows, report


def print_table(rows: list[dict]) -> None:
    print(f"{'host':<16} {'component':<14} {'result':<6} detail")
    for r in rows:
        print(f"{r['host']:<16} {r['component']:<14} {'OK' if r['ok'] else 'FAIL':<6} {r['detail']}")
    bad = sum(not r["ok"] for r in rows)
    print(f"{len(rows)} check(s) on {len({r['host'] for r in rows})} host(s): {len(rows) - bad} OK, {bad} failed")
