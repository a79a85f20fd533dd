"""Applying one component's desired state with pyinfra: the mirror of
roles/gbtt_component/tasks/main.yml."""
from __future__ import annotations

import hashlib
import json
import shlex
from io import StringIO

from pyinfra import host, logger, state
from pyinfra.api import FileUploadCommand, operation
from pyinfra.api.exceptions import PyinfraError
from pyinfra.facts.files import FileContents, Sha256File
from pyinfra.operations import apt, files, python, server, systemd

from gbtt.desired import ComponentState, host_state
from gbtt.desired.drift import DIR_MODE, SYSTEM_USER, drift, packages_ahead as ahead_of, spec_of
from gbtt.desired.knobs import run_time_knobs
from gbtt.freeze import status

from .facts import HostFacts


def desired(component: str) -> ComponentState:
    """This host's state for `component`, as the model computes it, with the
    knobs of its data (the inventory's group_vars/host_vars, and --data)."""
    return host_state(host.data.gbtt_inventory, model_host(), lab=host.data.get("gbtt_lab") is True,
                      address=host.data.get("gbtt_instance_address"), knobs=knobs(host.data.dict())).components[component]


def knobs(data: dict) -> dict:
    """The knob overrides among a host's data; a name that looks like a knob
    but is none, or a value of the wrong type, stops the deploy (one line each)."""
    found, problems = run_time_knobs(data)
    if problems:
        raise PyinfraError("knob overrides (group_vars, host_vars, --data):\n    " + "\n    ".join(problems))
    return found


def model_host() -> str:
    """Which host of the model this machine is (gbtt_host, as in the roles; else its name)."""
    return host.data.get("gbtt_host") or host.name


@operation()
def config_file(path: str, content: str, mode: str = "0644", user: str = "root", group: str = "root",
                validate: str | None = None, secret: bool = False):
    """A managed file: uploaded only when its content differs; a candidate is
    checked with `validate` ("%s" = the candidate) before it replaces the
    file; files holding secrets never show a diff."""
    want = hashlib.sha256(content.encode()).hexdigest()
    if host.get_fact(Sha256File, path=path) == want or not (validate or secret):
        yield from files.put._inner(src=StringIO(content), dest=path, user=user, group=group, mode=mode)
        return
    if state.config.DIFF and not secret:
        current = host.get_fact(FileContents, path=path) or []
        host.log(f"Will write {path}", logger.info)
        from pyinfra.operations.util.files import generate_color_diff  # noqa: PLC0415

        for line in generate_color_diff([line + "\n" for line in current], content.splitlines(keepends=True)):
            logger.info("  %s", line)
    candidate = f"{path}.gbtt-candidate"
    yield FileUploadCommand(StringIO(content), candidate, remote_temp_filename=host.get_temp_filename(candidate))
    yield f"chown {user}:{group} {candidate} && chmod {mode} {candidate}"
    if validate:
        yield validate.replace("%s", candidate)
    yield f"mv -f {candidate} {path}"


def _refuse(message: str) -> None:
    raise RuntimeError(message)


_FREEZES: dict[tuple[str, str], dict] = {}  # (host, component): its change freeze, learnt once per run
_AHEAD: dict[str, set[str]] = {}  # host: the packages the run's first step installs there


def freeze_of(component: str) -> dict:
    """The change freeze of Art. 7.5.b on this host for `component` (an override is logged and shown once)."""
    key = (host.name, component)
    if key not in _FREEZES:
        _FREEZES[key] = status(host.data.gbtt_inventory, model_host(), "pyinfra", component,
                               override=host.data.get("gbtt_freeze_override"), lab=host.data.get("gbtt_lab") is True,
                               drill=str(host.data.get("gbtt_freeze_in_lab", "")).lower() in ("1", "true", "yes"))
        if _FREEZES[key]["overridden"]:
            host.log(_FREEZES[key]["message"], logger.warning)
    return _FREEZES[key]


def packages_ahead(components: list[str]) -> None:
    """The first step of a run (the playbook's first play): the missing packages of all the components this
    run applies on this host that are not frozen, in one step, on every host at once (component by component
    they would install one host group after another). Each component then applies the rest of its state as
    on a fresh host, and does not install again."""
    states = {c: desired(c) for c in components}
    held = host.get_fact(HostFacts, spec=json.dumps(spec_of(*states.values()), sort_keys=True))
    missing = ahead_of({c: drift(held, s).packages for c, s in states.items()},
                       {c: freeze_of(c)["frozen"] for c in states})
    _AHEAD[host.name] = set(missing)
    if missing:
        apt.packages(name="packages of all the host's components", packages=missing, update=True,
                     cache_time=86400, no_recommends=True)


def apply(component: str) -> None:
    s = desired(component)
    freeze = freeze_of(component)
    # one call learns what the host holds; only what differs is applied (everything when a package is missing)
    differs = drift(host.get_fact(HostFacts, spec=json.dumps(spec_of(s), sort_keys=True)), s)
    if freeze["frozen"]:  # Art. 7.5.b: only looked at; refused if anything would change
        if differs.changes():
            python.call(name=f"{component}: change freeze (Art. 7.5.b)", function=_refuse,
                        message=f"{freeze['message']}. Refused: this run would change {', '.join(differs.changes())}")
        return
    todo = differs.plan(s)
    if not todo["any"]:
        return
    if todo["packages"] and not set(differs.packages) <= _AHEAD.get(host.name, set()):
        # the package lists are refreshed only when a package is missing, as the role does
        apt.packages(name="packages", packages=s.packages, update=True, cache_time=86400, no_recommends=True)
    for user in todo["users"]:
        server.user(name=f"system user {user}", user=user, system=True, shell=SYSTEM_USER["shell"],
                    home=SYSTEM_USER["home"], create_home=False, ensure_home=False)  # /nonexistent must not exist
    changed = []
    for d in todo["dirs"]:
        files.directory(name=f"directory {d}", path=d)
        # the mode with a leading zero more: GNU chmod keeps a directory's setgid bit (Debian's /etc/redis
        # has it) unless the mode has five digits, and Ansible's file module clears it
        server.shell(name=f"directory {d}: mode {DIR_MODE}", commands=[f"chmod 0{DIR_MODE} {shlex.quote(d)}"])
    for f in s.files:
        if f.path not in todo["files"]:
            continue
        op = config_file(name=f"file {f.path}", path=f.path, content=f.content, mode=f.mode,
                         user=f.owner, group=f.group, validate=f.validate, secret=f.secret)
        changed.append((op, f.restart))
    # a unit reload or a restart runs only if a file asking for it changed
    restarts: dict[str, list] = {}
    for op, wants in changed:
        for item in wants:
            restarts.setdefault(item, []).append(op.did_change)
    for unit in todo["restarts"]:  # a file changed after its unit started (a run stopped before the restart)
        restarts.setdefault(unit, []).append(lambda: True)
    stale_units = todo["stale_units"]
    reload_units = restarts.pop("daemon-reload", [])
    if reload_units or stale_units:  # unit files changed now, or on disk since systemd read them (a failed run)
        systemd.daemon_reload(name="systemd reloads unit files",
                              _if=(lambda: True) if stale_units else _any(reload_units))
    for svc in s.services:
        if svc.name not in todo["services"]:
            continue
        systemd.service(name=f"service {svc.name}", service=svc.name,
                        running=svc.running, enabled=svc.enabled)
    for item, conditions in restarts.items():
        name, _, how = item.partition(":")
        systemd.service(name=f"{'reload' if how == 'reload' else 'restart'} {name}", service=name,
                        restarted=how != "reload", reloaded=how == "reload", _if=_any(conditions))


def _any(conditions):
    return lambda: any(c() for c in conditions)
