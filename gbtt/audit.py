"""`gbtt audit`: the live hosts checked against the model (Art. 5.5,
periodic inspection): every component's files exactly as the inventory
renders them, packages and services, the firewall and listening sockets,
time synchronised from the model's NTP sources, no package's default secret
left, and each service answering its protocol from where its users are.  Prints a
table, writes a dated JSON report, exit 1 if anything fails."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .checks import DEFAULT_SECRETS, check_applied, check_no_default_secrets
from .checks.common import check_common, check_time_synchronised
from .components import COMPONENTS, check
from .desired import host_state
from .remote import Fleet, write_report


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def audit(inventory: Path, lab: bool = True, out_dir: Path | None = None) -> tuple[list[dict], Path | None]:
    fleet = Fleet(inventory, lab)
    hosts, remote = fleet.hosts, fleet.remote

    def peer(group: str | None):
        name = next((h.name for h in hosts if group in h.groups), None) if group else None
        return remote(name) if name else None

    def checks_for(h):
        addr = h.vars["ansible_host"]
        yield "common", lambda: check_common(remote(h.name), h.name, lab=lab, inventory=inventory)
        yield "time", lambda: check_time_synchronised(remote(h.name))
        comps = host_state(inventory, h.name, lab=lab).components
        if any(f.path in DEFAULT_SECRETS for c in comps.values() for f in c.files):
            yield "secrets", lambda: [check_no_default_secrets(remote(h.name), c) for c in comps.values()]
        for name, state in comps.items():
            if name == "common":
                continue
            fn = check(name)
            if fn is None:  # files, packages and services as the model says
                yield name, lambda state=state: check_applied(remote(h.name), state)
            else:  # and its protocol, spoken from where its clients are
                group = COMPONENTS[name].peer
                yield name, lambda fn=fn, group=group: fn(remote(h.name), h.name, lab, addr, inventory=inventory,
                                                          **({"peer": peer(group)} if group else {}))

    def run(h):
        rows = []
        for component, run_check in checks_for(h):
            try:
                run_check()
                rows.append({"host": h.name, "component": component, "ok": True, "detail": ""})
            except Exception as exc:  # a failed check, or a host that does not answer: both are findings
                rows.append({"host": h.name, "component": component, "ok": False, "detail": _first_line(exc)})
        return rows

    with ThreadPoolExecutor(max_workers=6) as pool:
        rows = [r for rs in pool.map(run, hosts) for r in rs]
    report = write_report(out_dir, "audit", lab, inventory, {"results": rows}) if out_dir else None
    return rows, report


def print_table(rows: list[dict]) -> None:
    print(f"{'host':<16} {'component':<14} {'result':<6} detail")
    for r in rows:
        print(f"{r['host']:<16} {r['component']:<14} {'OK' if r['ok'] else 'FAIL':<6} {r['detail']}")
    bad = sum(not r["ok"] for r in rows)
    print(f"{len(rows)} check(s) on {len({r['host'] for r in rows})} host(s): {len(rows) - bad} OK, {bad} failed")
