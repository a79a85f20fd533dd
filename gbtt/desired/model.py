"""Types of the desired state and its assembly per host."""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..components import COMPONENTS
from ..hostinventory import ManagedHost, managed_hosts
from ..validate import load_valid
from .context import HostContext
from .knobs import for_component, inventory_overrides


@dataclass(frozen=True)
class Port:
    """A port a component listens on, and who may reach it."""
    proto: str  # tcp | udp, or a protocol without ports (vrrp)
    ports: str  # "5060" or "30000-30999" ("" for a protocol without ports)
    sources: str  # name of a source set of the firewall: management, rooms, centre, any, or a host role
    comment: str
    tls: bool = False  # a TLS server presenting the certificate the province's CA issued (gbtt/pki.py; the audit verifies it)
    # the production address it is reached at too, besides the host's own (its moving service address,
    # gbtt.service_addresses); the network's ACLs let the rooms reach both
    also_at: str | None = None


@dataclass
class FileSpec:
    path: str
    content: str
    mode: str = "0644"
    owner: str = "root"
    group: str = "root"
    validate: str | None = None  # command checking a candidate file, "%s" standing for it
    restart: list[str] = field(default_factory=list)  # "service" or "service:reload"
    secret: bool = False  # holds secrets: never shown in diffs or logs


@dataclass
class ServiceSpec:
    name: str
    enabled: bool = True
    running: bool = True


@dataclass
class ComponentState:
    name: str
    packages: list[str] = field(default_factory=list)
    # system accounts the services run as (no login, no home), with a group of the same name
    users: list[str] = field(default_factory=list)
    files: list[FileSpec] = field(default_factory=list)
    services: list[ServiceSpec] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    # a shell command printing "yes" when systemd runs units older than their
    # files on disk (a drop-in not loaded yet, say after a failed run)
    units_check: str | None = None

    def __post_init__(self):
        self.units_check = self.units_check or stale_units_command(self)

    @classmethod
    def from_dict(cls, d: dict) -> ComponentState:
        """Back from asdict() (what the Ansible lookup hands to the role)."""
        return cls(**{**d, "files": [FileSpec(**f) for f in d["files"]],
                      "services": [ServiceSpec(**s) for s in d["services"]], "ports": [Port(**p) for p in d["ports"]]})


def stale_units_command(state: ComponentState) -> str | None:
    checks = [f"systemctl show --property=NeedDaemonReload --value {svc.name}" for svc in state.services]
    for f in state.files:
        parts = f.path.split("/")
        if f.path.startswith("/etc/systemd/system/") and parts[-2].endswith(".d"):
            unit = parts[-2][:-2]
            checks.append(f"systemctl show --property=DropInPaths --value {unit} | grep -qw {f.path} || echo yes")
    return "; ".join(checks) if checks else None


@dataclass
class HostState:
    host: str
    components: dict[str, ComponentState]

    def as_dict(self) -> dict:
        return asdict(self)


def components_for(host: ManagedHost) -> list[str]:
    """The components a host runs (gbtt/components.py: by its groups), `common` first on Linux hosts."""
    return [name for name, c in COMPONENTS.items() if c.runs_on(host)]


@functools.lru_cache(maxsize=32)
def _inventory(root: str, mtime_key):
    return load_valid(root)


def _mtime_key(root: Path):
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*.yml")))


def host_state(inventory_dir: Path | str, host_name: str, lab: bool = False, address: str | None = None,
               now=None, knobs: dict | None = None) -> HostState:
    """The state of `host_name`; `address` makes another machine (a molecule
    instance) play that host at its own address; `now` (default: the clock)
    decides which booked meetings are still to be provisioned; `knobs` are an
    engine's run-time overrides (gbtt.desired.knobs.pick), over those of the
    inventory's group_vars and host_vars."""
    from .components import BUILDERS

    root = Path(inventory_dir).resolve()
    inv = _inventory(str(root), _mtime_key(root))
    hosts = {h.name: h for h in managed_hosts(inv)}
    if host_name not in hosts:
        raise KeyError(f"{host_name} is not a managed host of {root} (known: {', '.join(sorted(hosts))})")
    overrides = {**inventory_overrides(inv, hosts[host_name]), **(knobs or {})}
    ctx = HostContext(inv, hosts[host_name], lab, address, now, overrides)
    names = [n for n in components_for(hosts[host_name]) if n in BUILDERS]
    # every component but common first: common's firewall opens their ports
    built = {name: BUILDERS[name](ctx) for name in names if name != "common"}
    if "common" in names:
        built = {"common": BUILDERS["common"](ctx, list(built.values())), **built}
    return HostState(host_name, built)


def host_knobs(inventory_dir: Path | str, host_name: str, component: str) -> dict:
    """A component's knobs on a host, with the inventory's overrides (what the
    deploys used, unless an engine was given others at run time): for the
    checks and probes that must speak to the ports the host was given."""
    root = Path(inventory_dir).resolve()
    inv = _inventory(str(root), _mtime_key(root))
    host = next(h for h in managed_hosts(inv) if h.name == host_name)
    return for_component(component, inventory_overrides(inv, host))
