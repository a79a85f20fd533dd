"""testinfra checks of live hosts against the model, shared by the molecule
scenarios, the lab tests and (later) `gbtt audit`.  Each takes a testinfra
`host` and fails with a message naming what differs."""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from ..desired import ComponentState, host_state
from ..desired.model import host_knobs
from ..inventory import default_inventory


def model_state(model_host: str, component: str, lab: bool, inventory=None, address=None) -> ComponentState:
    return host_state(inventory or default_inventory(), model_host, lab=lab, address=address).components[component]


def model_knobs(model_host: str, component: str, inventory=None) -> dict:
    """The component's knobs on that host of the model, overrides included."""
    return host_knobs(inventory or default_inventory(), model_host, component)


def check_applied(host, state: ComponentState) -> None:
    """Packages installed, services enabled and running, every managed file
    exactly as the model renders it, with its owner and mode."""
    for pkg in state.packages:
        assert host.package(pkg).is_installed, f"package {pkg} is not installed"
    for svc in state.services:
        s = host.service(svc.name)
        assert s.is_enabled == svc.enabled, f"service {svc.name}: enabled is {s.is_enabled}"
        assert s.is_running == svc.running, f"service {svc.name}: running is {s.is_running}"
    for f in state.files:
        remote = host.file(f.path)
        assert remote.exists, f"{f.path} is missing"
        want = hashlib.sha256(f.content.encode()).hexdigest()
        assert remote.sha256sum == want, f"{f.path} differs from what the model renders"
        assert (remote.user, remote.group) == (f.owner, f.group), f"{f.path} owner {remote.user}:{remote.group}"
        assert remote.mode == int(f.mode, 8), f"{f.path} mode {oct(remote.mode)}"


def check_listening(host, allowed_ports: set[tuple[str, int]]) -> None:
    """Every socket listening beyond loopback is one the model asked for.
    UDP sockets on the kernel's ephemeral ports are clients (a resolver's),
    not services: services bind the fixed ports the model declares."""
    low, high = map(int, host.file("/proc/sys/net/ipv4/ip_local_port_range").content_string.split())
    for sock in host.socket.get_listening_sockets():
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


def check_no_default_secrets(host, state: ComponentState) -> None:
    """No managed file keeps a package's default secret (counted on the host,
    never printed)."""
    for f in state.files:
        for default in DEFAULT_SECRETS.get(f.path, ()):
            found = host.run("grep -c -F -- %s %s", default, f.path)
            assert found.stdout.strip() in ("0", ""), f"{f.path} keeps the package's default secret"
