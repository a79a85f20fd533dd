"""`gbtt lab up|status|down`."""
from __future__ import annotations


def add_parser(sub, func):
    lab = sub.add_parser("lab", help="the local podman lab")
    lsub = lab.add_subparsers(dest="lab_command", required=True)
    up = lsub.add_parser("up", help="create the lab (idempotent; resumes a half-done lab)")
    up.add_argument("--profile", choices=["small", "full"], default="full")
    lsub.add_parser("status", help="what runs in the lab, and whether each host answers over SSH")
    lsub.add_parser("down", help="remove every container, network and key the lab created")
    lab.set_defaults(func=func)


def run(args) -> int:
    raise SystemExit("gbtt lab: not built yet")
