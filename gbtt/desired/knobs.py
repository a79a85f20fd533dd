"""The components' knobs and their overrides.

A knob is defined, with its default and its documentation, in
roles/<component>/defaults/main.yml (named <prefix>_*, e.g. kamailio_sip_port).
It is overridden where an engine's user expects it:

* in the inventory, for both engines and for gbtt itself (render, audit,
  plan): <inventory>/group_vars/<group>.yml and host_vars/<host>.yml, with
  Ansible's precedence (`all`, then the host's groups by name, then the host);
  the Ansible inventory plugin hands them to Ansible as inventory variables
  and the pyinfra inventory as host data;
* at run time: Ansible's own variables (playbook group_vars, -e, …) reach the
  model through the gbtt_state lookup, pyinfra's data (--data) through the deploys.

An unknown name that looks like a knob (a knob's prefix, or close to a knob's
name) and a value of another type than the default are errors, never a
silent no-op."""
from __future__ import annotations

import difflib
import functools
from typing import Mapping

import yaml

from ..paths import REPO

ROLES = REPO / "roles"
TYPE_NAMES = {bool: "a boolean", int: "an integer", str: "a string", list: "a list", dict: "a mapping",
              float: "a number"}


@functools.lru_cache(maxsize=1)
def knobs() -> dict[str, tuple[str, object]]:
    """knob name -> (component, default) for every role's defaults."""
    out: dict[str, tuple[str, object]] = {}
    for path in sorted(ROLES.glob("*/defaults/main.yml")):
        for name, value in (yaml.safe_load(path.read_text()) or {}).items():
            out[name] = (path.parent.parent.name, value)
    return out


@functools.lru_cache(maxsize=1)
def prefixes() -> frozenset[str]:
    return frozenset(name.split("_", 1)[0] + "_" for name in knobs())


def looks_like_a_knob(name: str) -> bool:
    return isinstance(name, str) and (name.startswith(tuple(prefixes())) or bool(
        difflib.get_close_matches(name, knobs(), n=1, cutoff=0.85)))


def unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name, knobs(), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    same = sorted(k for k in knobs() if k.split("_", 1)[0] == name.split("_", 1)[0])
    shown = ", ".join(same[:8]) + (", …" if len(same) > 8 else "") if same else "see roles/*/defaults/main.yml"
    return f"unknown knob '{name}' ({hint}known: {shown})"


def coerce(name: str, value):
    """`value` as the knob's type: text given on a command line (pyinfra's
    --data, Ansible's -e k=v) is read as YAML when the default is not text.
    Returns (value, problem or None)."""
    default = knobs()[name][1]
    if isinstance(value, str) and not isinstance(default, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            pass
    want = type(default)
    ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
    if want is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok:
        return value, (f"{name} must be {TYPE_NAMES.get(want, want.__name__)} like its default "
                       f"{default!r} (roles/{knobs()[name][0]}/defaults/main.yml), not {value!r}")
    return value, None


def candidates(variables: Mapping) -> list[str]:
    """The names among an engine's variables that are knobs or look like one
    (the engines' own variables, ansible_* and gbtt_*, never do)."""
    return [k for k in variables if isinstance(k, str) and not k.startswith(("ansible_", "gbtt_", "_"))
            and (k in knobs() or looks_like_a_knob(k))]


def run_time_knobs(variables: Mapping, template=lambda value: value) -> tuple[dict, list[str]]:
    """pick() over an engine's variables (each templated first, as Ansible's are)."""
    return pick({k: template(variables[k]) for k in candidates(variables or {})})


def pick(variables: Mapping) -> tuple[dict, list[str]]:
    """The knobs among an engine's variables, and a message per name that
    looks like a knob but is none, or per value of the wrong type."""
    found, problems = {}, []
    for name in sorted(k for k in variables if isinstance(k, str)):
        if name in knobs():
            value, problem = coerce(name, variables[name])
            if problem:
                problems.append(problem)
            else:
                found[name] = value
        elif looks_like_a_knob(name):
            problems.append(unknown_message(name))
    return found, problems


def role_defaults(component: str) -> dict:
    """A component's knobs as its role defines them (roles/<component>/defaults/main.yml)."""
    return for_component(component, {})


def for_component(component: str, overrides: Mapping) -> dict:
    """A component's knobs: its defaults with the overrides that name them."""
    out = {}
    for name, (comp, default) in knobs().items():
        if comp == component:
            out[name] = overrides.get(name, default)
    return out


class KnobError(ValueError):
    """Overrides that name no knob, or give one a value of the wrong type."""

    def __init__(self, problems: list[str], where: str):
        self.problems = problems
        super().__init__("\n".join(f"{where}: {p}" for p in problems))


def plain(value):
    """A value of the inventory (line-numbered dicts and lists) as plain data."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def inventory_overrides(inv, host) -> dict:
    """The knobs <inventory>/group_vars and host_vars set for `host` (a
    gbtt.hostinventory.ManagedHost), with Ansible's precedence: `all`, then
    its groups by name, then the host's own file."""
    group_vars, host_vars = inv.get("group_vars"), inv.get("host_vars")
    out: dict = {}
    for group in ["all", *sorted(host.groups)]:
        out.update(plain(group_vars.get(group) or {}))
    out.update(plain(host_vars.get(host.name) or {}))
    return out
