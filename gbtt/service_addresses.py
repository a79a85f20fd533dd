"""Service addresses that move between the hosts of a role (Art. 7.3.c).

Where the centre keeps several hosts of a role, each has a *service address*
(hosts.yml: `media_address` of a relay, `sip_address` of a registrar), which
the rooms use rather than the host's own: a relay's calls send their media
there, a room's SIP goes there. Another host of the role takes it over when
the host or its service fails (keepalived: gbtt/desired/components/takeover.py).

`ADDRESS_KEYS` is the one list of such roles: validation, the firewalls'
sets, the routers' ACLs, the lab's containers and the services' clients all
take theirs from it."""
from __future__ import annotations

ADDRESS_KEYS = {"media_relay": "media_address", "sip_registrar": "sip_address"}
# a host binds the service address it may take over before it holds it
SYSCTLS = ("net.ipv4.ip_nonlocal_bind=1",)


def moving_address(inv, host_name: str) -> str | None:
    """The production service address a host of a role in ADDRESS_KEYS declares, if any."""
    spec = inv.hosts.get(host_name, {})
    key = ADDRESS_KEYS.get(spec.get("role"))
    settings = spec.get(spec.get("role"), {}) if key else {}
    return settings.get(key) if isinstance(settings, dict) else None


def service_address(inv, host_name: str) -> str:
    """Where the rooms reach a central host's service (production): its moving address, else its own."""
    return moving_address(inv, host_name) or inv.hosts[host_name]["address"]
