"""testinfra checks of live hosts against the model, shared by the molecule
scenarios, the lab tests and (later) `gbtt audit`.  Each takes a testinfra
`host` and fails with a message naming what differs."""
from __future__ import annotations

import base64
import json
import shlex
from pathlib import Path

from ..desired import ComponentState, host_state
from ..desired.drift import drift, spec_of
from ..desired.model import host_knobs
from ..inventory import default_inventory


def model_state(model_host: str, component: str, lab: bool, inventory=None, address=None) -> ComponentState:
    return host_state(inventory or default_inventory(), model_host, lab=lab, address=address).components[component]


def model_knobs(model_host: str, component: str, inventory=None) -> dict:
    """The component's knobs on that host of the model, overrides included."""
    return host_knobs(inventory or default_inventory(), model_host, component)


def gather(host, spec: dict) -> dict:
    """One call to the host (gbtt/probes/hoststate.py): what it holds of `spec`."""
    return run_probe(host, "hoststate", base64.b64encode(json.dumps(spec).encode()).decode())


def applied_problems(facts: dict, state: ComponentState) -> list[str]:
    """What differs between a host's facts (gather) and the component's state."""
    return drift(facts, state).problems()


def check_applied(host, state: ComponentState, facts: dict | None = None) -> None:
    """Packages installed, system users present, services enabled and running,
    every managed file exactly as the model renders it, with its owner and
    mode: learnt in one call (or from `facts` gathered for the whole host)."""
    problems = applied_problems(facts or gather(host, spec_of(state)), state)
    assert not problems, "; ".join(problems)


def command_output(host, command: str, facts: dict | None = None) -> str:
    """A read-only command's output, from `facts` when it was gathered, else run now."""
    if facts and command in facts["commands"]:
        res = facts["commands"][command]
        assert res["rc"] == 0, f"{command}: exit {res['rc']}: {res['stderr'].strip()[:200]}"
        return res["stdout"]
    return host.check_output(command)


def check_listening(host, allowed_ports: set[tuple[str, int]], facts: dict | None = None) -> None:
    """Every socket listening beyond loopback is one the model asked for.
    UDP sockets on the kernel's ephemeral ports are clients (a resolver's),
    not services: services bind the fixed ports the model declares."""
    seen = (facts or gather(host, {"listening": True}))["listening"]
    low, high = seen["ephemeral"]
    for sock in seen["sockets"]:
        proto, rest = sock.split("://")
        if proto not in ("tcp", "udp"):
            continue
        address, _, port = rest.rpartition(":")
        if address.startswith("127.") or address in ("::1", "[::1]"):
            continue
        if proto == "udp" and low <= int(port) <= high and (proto, int(port)) not in allowed_ports:
            continue
        assert (proto, int(port)) in allowed_ports, f"{sock} listens but the model asked for no such port"


PROBES = Path(__file__).resolve().parent.parent / "probes"


def probe_script(probe: str, modules: tuple[str, ...] = ()) -> str:
    """gbtt/probes/<probe>.py as one script, the probe modules it imports
    (`modules`) installed in front of it (so the probe itself may not use
    `from __future__` imports)."""
    prelude = "".join(
        f"import sys as _s, types as _t, base64 as _b\n_m = _t.ModuleType({name!r})\n"
        f"exec(compile(_b.b64decode({base64.b64encode((PROBES / f'{name}.py').read_bytes()).decode()!r}), "
        f"{name!r}, 'exec'), _m.__dict__)\n_s.modules[{name!r}] = _m\n" for name in modules)
    return prelude + (PROBES / f"{probe}.py").read_text()


def run_probe(host, probe: str, *args, modules: tuple[str, ...] = ()) -> dict:
    """Run gbtt/probes/<probe>.py on `host` (a testinfra host: the traffic
    comes from there) and return the JSON it prints."""
    script = base64.b64encode(probe_script(probe, modules).encode()).decode()
    out = host.check_output("echo %s | base64 -d | python3 - " + " ".join(["%s"] * len(args)), script, *map(str, args))
    return json.loads(out)


# Secrets some packages ship with (file -> the default's text); a host must not keep them.
DEFAULT_SECRETS = {
    "/etc/janus/janus.jcfg": ['admin_secret = "janusoverlord"'],
    "/etc/turnserver.conf": ["static-auth-secret=north"],
}


def secrets_commands(state: ComponentState) -> list[str]:
    """Commands counting, on the host, a package's default secret left in a managed file."""
    return [f"grep -c -F -- {shlex.quote(default)} {f.path} || true"
            for f in state.files for default in DEFAULT_SECRETS.get(f.path, ())]


def check_no_default_secrets(host, state: ComponentState, facts: dict | None = None) -> None:
    """No managed file keeps a package's default secret (counted on the host,
    never printed)."""
    for command in secrets_commands(state):
        found = command_output(host, command, facts)
        assert found.strip() in ("0", ""), f"{command.split()[-3]} keeps the package's default secret"
