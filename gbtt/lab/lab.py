"""The local lab: one podman container per Linux host of the inventory, each
with systemd as PID 1, sshd with the lab key, Python, and the inventory's
hostname, on a network of 198.18.0.0/15 addresses mapped from the
production plan (gbtt.hostinventory.lab_address).

Topology: one flat network standing for the dedicated data network, with
static routes that send the traffic between a site behind a Linux edge
router and the centre through that router (so the router's ACL, marking and
shaping act on it). Beside the hosts, one lab service: a time server at the NTP
source's lab address.

`up` converges: it creates what is missing, starts what is stopped, removes
lab containers that the chosen profile does not have, and writes the state
(.lab/state.json) that the lab overlay of both engines reads.  `down`
removes exactly what carries this lab's label, and the lab's key and state.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..hostinventory import LAB_GATEWAY, LAB_SUPERNET, lab_address, lab_state, lab_state_dir, managed_hosts
from ..inventory import default_inventory
from ..service_addresses import ADDRESS_KEYS, SYSCTLS as TAKEOVER_SYSCTLS
from ..validate import load_valid
from . import aptcache, wheelhouse
from .image import ensure_image
from .podman import LabError, containers, exists, podman, remove_container


@dataclass(frozen=True)
class Profile:
    sites: tuple[str, ...] | None  # beside the centre's hosts; None: every site
    browsers: int  # the WebRTC room PCs the lab plays (each a headless Chromium on this machine)


# The small profile: the central hosts, one central room and two districts (one of them mountainous,
# behind a Linux router), and one WebRTC room PC. The full profile plays none: with its 13 room PCs, the
# bridge and the central services on two cores, a browser's audio capture stalls for seconds (in 3 of 5
# full-lab rehearsals on 2026-11-30 one or two rooms did not hear it over their 2.5 s, and a second browser
# was heard 10 to 25 dB low). Production has no such limit: each room PC is a machine of its own.
PROFILES = {"small": Profile(("vp-ubnd", "quy-nhon", "an-lao"), browsers=1), "full": Profile(None, browsers=0)}
SSH_WAIT_SECONDS = 90
NTP_SOURCE = "ntp-source"  # a lab service, not a host of the inventory


@dataclass
class LabHost:
    name: str
    address: str  # lab address
    site: str
    groups: list


@dataclass
class Lab:
    name: str
    inventory: Path

    @property
    def state_dir(self) -> Path:
        return lab_state_dir(self.name)

    @property
    def label(self) -> str:
        return f"gbtt.lab={self.name}"

    @property
    def network(self) -> str:
        return f"gbtt-{self.name}"

    @property
    def key(self) -> Path:
        return self.state_dir / "id_ed25519"

    @property
    def ca_certificate(self) -> Path:
        """The lab CA's certificate (gbtt/pki.py), for this machine's clients (curl --cacert, the tests)."""
        return self.state_dir / "pki" / "ca.crt"

    @property
    def known_hosts(self) -> Path:
        """The lab hosts' SSH host keys, read from each container (podman exec), not from the network."""
        return self.state_dir / "known_hosts"

    def container(self, host: str) -> str:
        return f"gbtt-{self.name}-{host}"


def open_lab(inventory: Path | None = None) -> Lab:
    inventory = Path(inventory or default_inventory()).resolve()
    return Lab(name=inventory.name, inventory=inventory)


def browsers_played(inventory: Path) -> int:
    """How many WebRTC room PCs the lab of `inventory` plays (its profile's; none without a lab)."""
    state = lab_state(lab_state_dir(Path(inventory).resolve().name)) or {}
    profile = PROFILES.get(state.get("profile"))
    return profile.browsers if profile else 0


def plan(lab: Lab, profile: str) -> list[LabHost]:
    """The hosts of `profile` with their lab addresses."""
    if profile not in PROFILES:
        raise LabError(f"unknown profile '{profile}' (known: {', '.join(PROFILES)})")
    inv = load_valid(lab.inventory)
    sites = PROFILES[profile].sites
    centre = inv.centre["id"]
    out = []
    for h in managed_hosts(inv):
        if not h.linux:
            continue  # vendor routers and switches do not run in the lab
        if sites is None or h.site == centre or h.site in sites:
            out.append(LabHost(h.name, lab_address(inv, h.address), h.site, h.groups))
    if ipaddress.IPv4Address(LAB_GATEWAY) in {ipaddress.IPv4Address(h.address) for h in out}:
        raise LabError(f"an inventory address maps onto the lab gateway {LAB_GATEWAY}")
    return out


def ensure_key(lab: Lab) -> None:
    lab.state_dir.mkdir(parents=True, exist_ok=True)
    if not lab.key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"gbtt-lab-{lab.name}", "-f", str(lab.key)],
                       check=True)


def key_id(lab: Lab) -> str:
    return hashlib.sha256(Path(f"{lab.key}.pub").read_bytes()).hexdigest()[:16]


def ensure_network(lab: Lab) -> None:
    if not exists("network", lab.network):
        podman("network", "create", "--subnet", str(LAB_SUPERNET), "--gateway", LAB_GATEWAY,
               "--label", lab.label, lab.network)


ROUTER_SYSCTLS = ("net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0",
                  "net.ipv4.conf.default.send_redirects=0")


def run_arguments(lab: Lab, host: LabHost, image: str) -> list[str]:
    """`podman run` arguments of a lab host (its name and labels aside). A
    container's /proc/sys is read-only: a router gets its forwarding here, and
    SYS_ADMIN, without which FRR's zebra does not start; a relay or a
    registrar, the non-local binding of the service address it may take over."""
    router = [arg for s in ROUTER_SYSCTLS for arg in ("--sysctl", s)] + ["--cap-add", "SYS_ADMIN"] \
        if "linux_routers" in host.groups else []
    if set(ADDRESS_KEYS) & set(host.groups):  # what the model's sysctl.d file sets in production
        router += [arg for s in TAKEOVER_SYSCTLS for arg in ("--sysctl", s)]
    return ["--hostname", host.name, "--network", lab.network, "--ip", host.address,
            "--mac-address", mac_address(host.address),
            "--systemd=always", "--cap-add", "NET_ADMIN,NET_RAW",  # nftables, tc and rtpengine's setup need them
            *router, "--volume", f"{lab.key}.pub:/root/.ssh/authorized_keys:ro", image, "/sbin/init"]


def mac_address(address: str) -> str:
    """A lab address's own MAC address (locally administered: 02:00 and the address's four bytes). A host
    recreated or restarted keeps it, so its neighbours' ARP entries stay right: with podman's random one,
    the machine and the other hosts kept sending to the old MAC for about 30 s (`lab up` resuming a lab
    waited that long for SSH)."""
    return "02:00:" + ":".join(f"{byte:02x}" for byte in ipaddress.IPv4Address(address).packed)


def route_through_routers(lab: Lab, hosts: list[LabHost]) -> list[str]:
    """The routed part of the lab's topology on the lab's containers (and its NTP
    source, at the centre). Returns the routes set, as 'container: route'."""
    inv = load_valid(lab.inventory)
    routers = [(h.site, h.address) for h in hosts if "linux_routers" in h.groups]
    routes = [(h.name, prefix, via) for h in hosts if "linux_routers" not in h.groups
              for prefix, via in site_routes(inv, h.site, routers)]
    if ntp_source(lab):
        routes += [(NTP_SOURCE, prefix, via) for prefix, via in site_routes(inv, inv.centre["id"], routers)]
    return in_parallel(lambda route: _route(lab, *route), routes)


def site_routes(inv, site: str, routers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The routes, (lab prefix, via), of a lab host at `site`, given the lab's Linux edge
    routers as (site, address): a site behind one reaches the centre through it, and
    the centre reaches that site through it (static routes on the flat lab network;
    in production the router is the room network's gateway)."""
    if site == inv.centre["id"]:
        return [(lab_network(inv, inv.sites[s]["network"]["subnet"]), via) for s, via in routers]
    return [(lab_network(inv, inv.centre["network"]["subnet"]), via) for s, via in routers if s == site]


def lab_network(inv, cidr: str) -> str:
    net = ipaddress.IPv4Network(cidr)
    return f"{lab_address(inv, str(net.network_address))}/{net.prefixlen}"


def _route(lab: Lab, host: str, prefix: str, via: str) -> str:
    podman("exec", lab.container(host), "ip", "route", "replace", prefix, "via", via)
    return f"{host}: {prefix} via {via}"


PODMAN_AT_ONCE = 6  # podman commands run together by `up` and `down` (each mostly waits on runc and systemd)
SSH_AT_ONCE = 8  # hosts waited for, or asked, over SSH together


def in_parallel(fn, items, at_once: int = PODMAN_AT_ONCE) -> list:
    """fn over items, `at_once` at a time; the results in the items' order (the first error raised)."""
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(fn, items))


def ensure_container(lab: Lab, host: LabHost, image: str, current: dict) -> str:
    name = lab.container(host.name)
    args = run_arguments(lab, host, image)
    spec = hashlib.sha256("\0".join([*args, key_id(lab)]).encode()).hexdigest()[:16]
    found = current.get(name)
    if found and found.get("Labels", {}).get("gbtt.spec") != spec:
        remove_container(name)  # made by an older recipe, another checkout or other settings
        found = None
    if found:
        if found.get("State") != "running":
            podman("start", name)
            return "started"
        return "running"
    podman("run", "-d", "--name", name, "--label", lab.label, "--label", f"gbtt.host={host.name}",
           "--label", f"gbtt.spec={spec}", *args)
    return "created"


def ntp_source(lab: Lab) -> str | None:
    """The lab address of the province's first NTP source given as an address:
    the lab runs a stand-in there (production's is the centre's router)."""
    inv = load_valid(lab.inventory)
    source = next((s for s in inv.province["ntp_sources"] if s[0].isdigit()), None)
    return lab_address(inv, source) if source else None


def ensure_ntp_source(lab: Lab, image: str, current: dict, hosts: list[LabHost]) -> str | None:
    """A container serving time (chronyd, local clock, not steering it) at
    the NTP source's lab address, so the hosts' chrony synchronises as in
    production. Returns what was done, or None when there is no such source."""
    address = ntp_source(lab)
    if not address or address in {h.address for h in hosts}:
        return None
    conf = f"local stratum 8\nallow {LAB_SUPERNET}\nbindaddress {address}\ncmdport 0\n"
    args = ["--network", lab.network, "--ip", address, "--mac-address", mac_address(address), "--hostname", "ntp-source",
            "--cap-add", "NET_ADMIN",  # its route back to the sites behind Linux routers
            image, "sh", "-c",
            f"printf '{conf}' > /etc/chrony/lab-source.conf && exec chronyd -d -x -f /etc/chrony/lab-source.conf"]
    spec = hashlib.sha256("\0".join(args).encode()).hexdigest()[:16]
    name = lab.container(NTP_SOURCE)
    found = current.get(name)
    if found and found.get("Labels", {}).get("gbtt.spec") == spec:
        if found.get("State") != "running":
            podman("start", name)
            return "started"
        return "running"
    if found:
        remove_container(name, stop_seconds=1)
    podman("run", "-d", "--name", name, "--label", lab.label, "--label", f"gbtt.spec={spec}", *args)
    return "created"


def ssh_command(lab: Lab, address: str, *command: str, timeout: int = 5) -> list[str]:
    return ["ssh", "-i", str(lab.key), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
            "-o", f"UserKnownHostsFile={lab.known_hosts}", "-o", "LogLevel=ERROR", "-o", f"ConnectTimeout={timeout}",
            f"root@{address}", *command]


HOST_KEY = "/etc/ssh/ssh_host_ed25519_key.pub"  # made by sshd's first start (lab/image.recipe)


def host_key(lab: Lab, host: str) -> str | None:
    """A lab host's SSH host key ("ssh-ed25519 AAAA..."), read inside its container; None until sshd made it."""
    proc = podman("exec", lab.container(host), "cat", HOST_KEY, check=False)
    fields = proc.stdout.split() if proc.returncode == 0 else []
    return " ".join(fields[:2]) if len(fields) >= 2 else None


def record_host_keys(lab: Lab, hosts: list[LabHost], deadline: float) -> list[str]:
    """Writes the lab's known_hosts from the containers themselves (so SSH checks every
    host key, as in production); returns the hosts whose key did not appear in time."""
    def wait(h: LabHost) -> str | None:
        while time.monotonic() < deadline:
            key = host_key(lab, h.name)
            if key:
                return key
            time.sleep(1)
        return None

    keys = in_parallel(wait, hosts, SSH_AT_ONCE)
    lab.known_hosts.write_text("".join(f"{h.address} {k}\n" for h, k in zip(hosts, keys) if k))
    return [h.name for h, k in zip(hosts, keys) if not k]


def ssh_ok(lab: Lab, address: str) -> bool:
    try:
        return subprocess.run(ssh_command(lab, address, "true"), capture_output=True, timeout=15).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def wait_for_ssh(lab: Lab, hosts: list[LabHost], seconds: int = SSH_WAIT_SECONDS) -> list[str]:
    """Names of the hosts that did not answer over SSH in time (their host keys recorded first)."""
    deadline = time.monotonic() + seconds
    keyless = set(record_host_keys(lab, hosts, deadline))
    hosts = [h for h in hosts if h.name not in keyless]

    def wait(h: LabHost) -> bool:
        while time.monotonic() < deadline:
            if ssh_ok(lab, h.address):
                return True
            time.sleep(1)
        return False

    results = in_parallel(wait, hosts, SSH_AT_ONCE)
    return sorted(keyless) + [h.name for h, ok in zip(hosts, results) if not ok]


def write_state(lab: Lab, profile: str, image: str, hosts: list[LabHost]) -> None:
    state = {
        "lab": lab.name,
        "inventory": str(lab.inventory),
        "profile": profile,
        "image": image,
        "network": lab.network,
        "key": str(lab.key),
        "known_hosts": str(lab.known_hosts),
        "ca_certificate": str(lab.ca_certificate),
        "hosts": {h.name: h.address for h in hosts},
    }
    (lab.state_dir / "state.json").write_text(json.dumps(state, indent=2) + "\n")
    lines = [f"# gbtt lab '{lab.name}': ssh -F {lab.state_dir / 'ssh_config'} HOST"]
    for h in hosts:
        lines += [f"Host {h.name}", f"  HostName {h.address}", "  User root", f"  IdentityFile {lab.key}",
                  "  StrictHostKeyChecking yes", f"  UserKnownHostsFile {lab.known_hosts}", "  LogLevel ERROR",
                  # one connection per host, shared by the commands of the checks (audit, preflight, tests)
                  "  ControlMaster auto", f"  ControlPath {lab.state_dir / 'cm-%C'}", "  ControlPersist 60s"]
    (lab.state_dir / "ssh_config").write_text("\n".join(lines) + "\n")
    write_ca(lab)


def write_ca(lab: Lab) -> None:
    """The lab's CA (its key derived from lab/pki-lab-seed.txt, gbtt/pki.py): its certificate written
    for this machine's clients; the deploys put it on every lab host and issue the hosts' certificates."""
    from ..pki import ca_certificate  # noqa: PLC0415

    lab.ca_certificate.parent.mkdir(parents=True, exist_ok=True)
    lab.ca_certificate.write_text(ca_certificate(load_valid(lab.inventory), True, secrets=lambda: {}))  # no vault


def up(lab: Lab, profile: str, log=print) -> list[LabHost]:
    hosts = plan(lab, profile)  # validates the inventory before anything is created
    ensure_key(lab)
    aptcache.ensure(log)  # before the image: its build downloads through the cache too
    wheelhouse.ensure(log)  # the bridge's Python packages, served by the cache
    image = ensure_image(log)
    ensure_network(lab)
    current = {c["Names"][0]: c for c in containers(lab.label)}
    wanted = {lab.container(h.name) for h in hosts} | {lab.container(NTP_SOURCE)}
    gone = sorted(set(current) - wanted)
    for name in gone:
        log(f"lab: removing {name} (not in profile '{profile}')")
    in_parallel(remove_container, gone)

    def ensure(h: LabHost) -> str | None:
        """The host's container made or started; what failed, if it did."""
        try:
            what = ensure_container(lab, h, image, current)
        except LabError as exc:
            return f"{h.name}: {exc}"
        if what != "running":
            log(f"lab: {h.name:<16} {h.address:<15} {what}")
        return None

    failed = [problem for problem in in_parallel(ensure, hosts) if problem]
    try:
        what = ensure_ntp_source(lab, image, current, hosts)
        if what not in (None, "running"):
            log(f"lab: {NTP_SOURCE:<16} {ntp_source(lab):<15} {what} (the province's NTP source)")
    except LabError as exc:
        failed.append(f"{NTP_SOURCE}: {exc}")
    up_hosts = [h for h in hosts if not any(f.startswith(h.name + ":") for f in failed)]
    try:
        route_through_routers(lab, up_hosts)
    except LabError as exc:
        failed.append(f"routes through the Linux routers: {exc}")
    silent = wait_for_ssh(lab, up_hosts)
    failed += [f"{name}: no SSH answer within {SSH_WAIT_SECONDS} s" for name in silent]
    write_state(lab, profile, image, [h for h in up_hosts if h.name not in silent])
    if failed:
        raise LabError("lab up incomplete (run it again to resume):\n  " + "\n  ".join(failed))
    return hosts


def memory_by_container() -> dict[str, int]:
    """Resident memory of each running container, in bytes (by name)."""
    proc = podman("stats", "--no-stream", "--no-reset", "--format", "json", check=False)
    out = {}
    try:
        rows = json.loads(proc.stdout or "[]")
    except ValueError:
        return out
    for row in rows:
        name = row.get("name") or row.get("Name", "")
        usage = row.get("mem_usage") or row.get("MemUsage", "")
        out[name] = parse_size(usage.split("/")[0].strip())
    return out


def parse_size(text: str) -> int:
    units = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "kib": 1024, "mib": 1024**2, "gib": 1024**3}
    num = "".join(c for c in text if c.isdigit() or c == ".")
    unit = text[len(num):].strip().lower() or "b"
    try:
        return int(float(num) * units.get(unit, 1))
    except ValueError:
        return 0


def status(lab: Lab) -> list[dict]:
    """One row per lab container: host, address, state, SSH answer, memory."""
    state = lab_state(lab.state_dir) or {"hosts": {}}
    found = {c["Labels"]["gbtt.host"]: c for c in containers(lab.label) if c["Labels"].get("gbtt.host")}
    names = sorted(set(found) | set(state["hosts"]))
    mem = memory_by_container() if found else {}

    def row(name):
        c = found.get(name)
        address = state["hosts"].get(name, "-")
        running = bool(c) and c.get("State") == "running"
        return {
            "host": name,
            "address": address,
            "state": c.get("State") if c else "missing",
            "ssh": running and address != "-" and ssh_ok(lab, address),
            "memory": mem.get(lab.container(name), 0),
        }

    return in_parallel(row, names, SSH_AT_ONCE)


def down(lab: Lab, log=print) -> int:
    from .browser import leftover_namespaces, stop_network
    for netns in leftover_namespaces(lab):  # a lab browser's, left by a run that was killed
        stop_network(netns, "")
    names = [c["Names"][0] for c in containers(lab.label)]
    in_parallel(remove_container, names)
    removed = len(names)
    if exists("network", lab.network):
        podman("network", "rm", lab.network)
    if lab.state_dir.exists():
        shutil.rmtree(lab.state_dir)
    log(f"lab: removed {removed} container(s), network {lab.network}, key and state")
    return removed
