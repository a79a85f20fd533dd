"""`gbtt lab up|status|down`."""
from __future__ import annotations

import sys


def add_parser(sub, func):
    lab = sub.add_parser("lab", help="the local podman lab")
    lab.add_argument("--inventory", default=None, help="inventory directory (default: inventory/binh-dinh)")
    lsub = lab.add_subparsers(dest="lab_command", required=True)
    up = lsub.add_parser("up", help="create the lab (idempotent; resumes a half-done lab)")
    up.add_argument("--profile", choices=["small", "full"], default="full")
    lsub.add_parser("status", help="what runs in the lab, and whether each host answers over SSH")
    lsub.add_parser("down", help="remove every container, network and key the lab created")
    lab.set_defaults(func=func)


def print_status(rows) -> bool:
    print(f"{'host':<16} {'lab address':<15} {'state':<9} {'ssh':<4} memory")
    for r in rows:
        print(f"{r['host']:<16} {r['address']:<15} {r['state']:<9} {'yes' if r['ssh'] else 'NO':<4} "
              f"{r['memory'] / 2**20:6.1f} MiB")
    ok = bool(rows) and all(r["ssh"] for r in rows)
    total = sum(r["memory"] for r in rows)
    print(f"{len(rows)} host(s), {sum(r['ssh'] for r in rows)} answering over SSH, {total / 2**20:.0f} MiB in all")
    return ok


def print_cache(cache) -> None:
    state = f"answering at {cache.url}" if cache.running else "not running (hosts download directly)"
    print(f"package cache (apt-cacher-ng): {state}; {cache.size_bytes / 2**20:.0f} MiB in {cache.cache_dir}")


def run(args) -> int:
    from . import aptcache
    from . import lab as L
    from .lock import held
    from .podman import LabError

    lab = L.open_lab(args.inventory)
    try:
        if args.lab_command == "up":
            with held(lab.name, f"gbtt lab up --profile {args.profile}"):
                hosts = L.up(lab, args.profile)
            print(f"lab '{lab.name}' is up: {len(hosts)} host(s), profile {args.profile}; "
                  f"ansible -i lab/ansible.gbtt.yml all -m ping")
            return 0
        if args.lab_command == "status":
            ok = print_status(L.status(lab))
            print_cache(aptcache.status())
            return 0 if ok else 1
        if args.lab_command == "down":
            with held(lab.name, "gbtt lab down"):
                L.down(lab)
            return 0
    except LabError as exc:
        print(f"gbtt lab {args.lab_command}: {exc}", file=sys.stderr)
        return 1
    return 2
