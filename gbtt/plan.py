"""`gbtt plan`: what a deploy of the working tree's inventory would change,
against the inventory as committed (or at a given git revision), computed
locally from the model: no host is contacted.  Per host: the packages, users,
files (a diff, the vault's secrets masked; files holding secrets only named)
and services that differ, and the services the changed files restart.  Both
sides are rendered by the working tree's code and templates at the same
moment, so only the inventory's edits show."""
from __future__ import annotations

import difflib
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .desired import host_state
from .desired.model import ComponentState, components_for
from .hostinventory import managed_hosts
from .meetings import now_utc
from .render import inventory_secrets, mask
from .validate import load_valid


class PlanError(Exception):
    pass


@dataclass
class HostPlan:
    host: str
    changes: list[str] = field(default_factory=list)  # one line each: "component: what"
    diffs: list[str] = field(default_factory=list)  # unified diffs, secrets masked
    restarts: list[str] = field(default_factory=list)


def committed_inventory(inventory: Path, rev: str, into: Path) -> Path | None:
    """The inventory directory as it is at git revision `rev`, extracted under
    `into`; None when it did not exist there."""
    inventory = inventory.resolve()
    top = subprocess.run(["git", "-C", str(inventory), "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                         check=False)
    if top.returncode != 0:
        raise PlanError(f"{inventory} is not in a git work tree: {top.stderr.strip()}")
    rel = inventory.relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    out = subprocess.run(["git", "-C", top.stdout.strip(), "archive", "--format=tar", rev, "--", rel],
                         capture_output=True, check=False)
    if out.returncode != 0:
        err = out.stderr.decode(errors="replace").strip()
        if "did not match any files" in err or "pathspec" in err:
            return None
        raise PlanError(f"git archive {rev}: {err}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=out.stdout, check=True)
    return into / rel


def _states(inventory: Path | None, lab: bool, now) -> tuple[dict[str, dict[str, ComponentState]], list[str]]:
    if inventory is None:
        return {}, []
    inv = load_valid(inventory)
    hosts = [h.name for h in managed_hosts(inv) if components_for(h)]
    return ({h: host_state(inventory, h, lab=lab, now=now).components for h in hosts},
            inventory_secrets(inv))


def _compare(name: str, old: ComponentState | None, new: ComponentState | None, secrets: list[str], out: HostPlan):
    if old is None or new is None:
        out.changes.append(f"{name}: {'added' if old is None else 'removed'}")
    old_files = {f.path: f for f in (old.files if old else [])}
    for p in sorted(set(old.packages if old else []) ^ set(new.packages if new else [])):
        out.changes.append(f"{name}: package {p} {'added' if new and p in new.packages else 'removed'}")
    for u in sorted(set(old.users if old else []) ^ set(new.users if new else [])):
        out.changes.append(f"{name}: user {u} {'added' if new and u in new.users else 'removed'}")
    for f in new.files if new else []:
        was = old_files.pop(f.path, None)
        what = []
        if was is None:
            what.append("new")
        elif was.content != f.content:
            what.append("content")
        if was is not None and (was.owner, was.group, was.mode) != (f.owner, f.group, f.mode):
            what.append(f"{was.owner}:{was.group} {was.mode} -> {f.owner}:{f.group} {f.mode}")
        if not what:
            continue
        out.changes.append(f"{name}: file {f.path} ({', '.join(what)}){' [holds secrets: not shown]' if f.secret else ''}")
        out.restarts += [r for r in f.restart if r not in out.restarts]
        if not f.secret and (was is None or was.content != f.content):
            before = mask(was.content, secrets).splitlines(keepends=True) if was else []
            after = mask(f.content, secrets).splitlines(keepends=True)
            out.diffs.append("".join(difflib.unified_diff(before, after, f"a{f.path}", f"b{f.path}")))
    for path in sorted(old_files):  # the model no longer manages it: left on the host as it is
        out.changes.append(f"{name}: file {path} no longer managed (left as it is)")
    old_svc = {s.name: s for s in (old.services if old else [])}
    for s in new.services if new else []:
        was = old_svc.pop(s.name, None)
        if was is None or (was.enabled, was.running) != (s.enabled, s.running):
            out.changes.append(f"{name}: service {s.name} enabled={s.enabled} running={s.running}")
    for s in old_svc:
        out.changes.append(f"{name}: service {s} no longer managed")


def plan(inventory: Path, rev: str = "HEAD", lab: bool = False) -> list[HostPlan]:
    """Every host whose desired state differs between `rev` and the working tree."""
    now = now_utc()
    with tempfile.TemporaryDirectory(prefix="gbtt-plan-") as tmp:
        before, old_secrets = _states(committed_inventory(Path(inventory), rev, Path(tmp)), lab, now)
    after, secrets = _states(Path(inventory), lab, now)
    secrets = old_secrets + secrets
    plans = []
    for host in sorted(set(before) | set(after), key=lambda h: (h not in after, h)):
        p = HostPlan(host)
        if host not in after:
            p.changes.append("host removed from the inventory (nothing is done to it)")
        old, new = before.get(host, {}), after.get(host, {})
        for name in [*new, *(c for c in old if c not in new)]:
            _compare(name, old.get(name), new.get(name), secrets, p)
        if p.changes:
            plans.append(p)
    return plans


def print_plan(plans: list[HostPlan], rev: str, show_diff: bool = True) -> None:
    for p in plans:
        print(p.host)
        for line in p.changes:
            print(f"  {line}")
        if p.restarts:
            print(f"  restarts: {', '.join(r.replace(':reload', ' (reload)') for r in p.restarts)}")
        if show_diff:
            for d in p.diffs:
                print("    " + d.rstrip("\n").replace("\n", "\n    "))
    names = [p.host for p in plans]
    if not names:
        print(f"no host changes against {rev}")
        return
    print(f"{len(names)} host(s) change against {rev}: {', '.join(names)}")
    print(f"  ansible-playbook playbooks/site.yml --limit {','.join(names)}")
    print(f"  pyinfra inventory/binh-dinh/pyinfra.py deploys/site.py {' '.join('--limit ' + n for n in names)}")
