"""Where a host differs from a component's desired state, from the facts
that gbtt/probes/hoststate.py gathers in one call.  Shared by both engines
(the Ansible action `gbtt_component_state`, the pyinfra deploys: each applies only what
differs) and by the checks and the audit (which name what differs)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .model import ComponentState


def spec_of(*states: ComponentState, commands=(), listening: bool = False) -> dict:
    """What gbtt/probes/hoststate.py is to learn of a host for these components
    (with each one's check of unit files systemd has not read yet)."""
    stale = [s.units_check for s in states if s.units_check]
    return {"files": [f.path for s in states for f in s.files], "dirs": sorted({d for s in states for d in dirs_of(s)}),
            "packages": [p for s in states for p in s.packages],
            "services": [v.name for s in states for v in s.services], "users": [u for s in states for u in s.users],
            "commands": {c: c for c in (*commands, *stale)}, "listening": listening}


# The system accounts the services run as (both engines create them so)
SYSTEM_USER = {"shell": "/usr/sbin/nologin", "home": "/nonexistent"}
DIR_MODE = "0755"  # the directories of managed files


def dirs_of(state: ComponentState) -> list[str]:
    return sorted({f.path.rsplit("/", 1)[0] for f in state.files})


@dataclass
class Drift:
    packages: list[str] = field(default_factory=list)  # not installed
    users: dict[str, str] = field(default_factory=dict)  # missing, or not a service account: what differs
    dirs: dict[str, str] = field(default_factory=dict)  # missing, or another mode
    files: dict[str, list[str]] = field(default_factory=dict)  # path -> what differs
    services: dict[str, list[str]] = field(default_factory=dict)  # name -> what differs
    stale_units: bool = False  # systemd runs units older than their files on disk
    restarts: dict[str, str] = field(default_factory=dict)  # running unit -> its file changed after it started

    def problems(self) -> list[str]:
        return ([f"package {p} is not installed" for p in self.packages]
                + [f"system user {u} {what}" for u, what in self.users.items()]
                + [f"directory {d} {what}" for d, what in self.dirs.items()]
                + [p for ps in self.services.values() for p in ps]
                + [p for ps in self.files.values() for p in ps]
                + [f"service {u} runs an older configuration: {path} changed after it started"
                   for u, path in self.restarts.items()])

    def changes(self) -> list[str]:
        """What applying would change, in short (a frozen host's refusal names them)."""
        return ([f"packages {' '.join(self.packages)}"] if self.packages else []) + [
            f"user {u}" for u in self.users] + list(self.dirs) + list(self.files) + [
            f"service {s}" for s in self.services] + [f"restart {u}" for u in self.restarts]

    def plan(self, state: ComponentState) -> dict:
        """What an engine applies: everything where a package is missing (a
        fresh host, or one whose packages may rewrite files and start
        services), else only what differs.  Names, for the engines' loops;
        how system users and directories are made."""
        how = {"system_user": SYSTEM_USER, "dir_mode": DIR_MODE}
        if self.packages:
            return {**how, "any": True, "packages": True, "users": list(state.users), "dirs": dirs_of(state),
                    "files": [f.path for f in state.files], "services": [s.name for s in state.services],
                    "stale_units": self.stale_units, "restarts": list(self.restarts)}
        dirs = sorted(set(self.dirs) | {p.rsplit("/", 1)[0] for p in self.files})
        anything = bool(self.users or dirs or self.files or self.services or self.stale_units or self.restarts)
        return {**how, "any": anything, "packages": False, "users": list(self.users), "dirs": dirs,
                "files": list(self.files), "services": list(self.services), "stale_units": self.stale_units,
                "restarts": list(self.restarts)}


def packages_ahead(missing: dict[str, list[str]], frozen: dict[str, bool]) -> list[str]:
    """What a run's first step installs on a host (both engines): the missing packages of the components the
    run applies (`missing`: component -> its packages not installed), leaving out those frozen by Art. 7.5.b
    (their own step refuses the change), each package once."""
    return list(dict.fromkeys(p for name, packages in missing.items() if not frozen[name] for p in packages))


def drift(facts: dict, state: ComponentState) -> Drift:
    d = Drift(packages=[p for p in state.packages if not facts["packages"].get(p)])
    for u in state.users:
        found = facts["users"].get(u)
        if found is None:
            d.users[u] = "is missing"
        elif (found["shell"], found["home"], found["group"]) != (SYSTEM_USER["shell"], SYSTEM_USER["home"], u):
            d.users[u] = f"has shell {found['shell']}, home {found['home']}, group {found['group']}"
    for path in dirs_of(state):
        found = facts["dirs"].get(path)
        if found is None:
            d.dirs[path] = "is missing"
        elif int(found["mode"], 8) != int(DIR_MODE, 8):
            d.dirs[path] = f"mode {oct(int(found['mode'], 8))}"
    for svc in state.services:
        s = facts["services"][svc.name]
        found = ([f"service {svc.name}: enabled is {s['enabled']}"] if s["enabled"] != svc.enabled else []) + (
            [f"service {svc.name}: running is {s['running']}"] if s["running"] != svc.running else [])
        if found:
            d.services[svc.name] = found
    for f in state.files:
        remote = facts["files"].get(f.path)
        if remote is None:
            d.files[f.path] = [f"{f.path} is missing"]
            continue
        found = []
        if remote["sha256"] != hashlib.sha256(f.content.encode()).hexdigest():
            found.append(f"{f.path} differs from what the model renders")
        if (remote["owner"], remote["group"]) != (f.owner, f.group):
            found.append(f"{f.path} owner {remote['owner']}:{remote['group']}")
        if int(remote["mode"], 8) != int(f.mode, 8):
            found.append(f"{f.path} mode {oct(int(remote['mode'], 8))}")
        if found:
            d.files[f.path] = found
    d.restarts = pending_restarts(facts, state, d)
    stale = facts["commands"].get(state.units_check) if state.units_check else None
    d.stale_units = bool(stale) and "yes" in stale["stdout"].split()
    return d


def pending_restarts(facts: dict, state: ComponentState, d: Drift) -> dict[str, str]:
    """Running units one of whose files (as the model has it now) changed after the unit started: a
    run that wrote the file and was stopped before the restart. Reloads are not told apart this way."""
    out: dict[str, str] = {}
    units = {s.name for s in state.services}
    for f in state.files:
        remote = facts["files"].get(f.path)
        if remote is None or f.path in d.files or "mtime" not in remote:
            continue
        for unit in f.restart:
            svc = facts["services"].get(unit) if unit in units else None
            if svc and svc["running"] and svc.get("started") and remote["mtime"] > svc["started"] and unit not in out:
                out[unit] = f.path
    return out
