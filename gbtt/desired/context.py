"""What a component needs to know about the host it is built for: its
addresses (mapped onto the lab when deploying into the lab), the networks
that may reach it, the knobs of its role, the secrets, and the templates."""
from __future__ import annotations

import functools
import ipaddress

import jinja2

from .. import pki
from ..hostinventory import LAB_GATEWAY, ManagedHost, lab_address, managed_hosts
from ..meetings import now_utc
from ..service_addresses import ADDRESS_KEYS, moving_address, service_address
from .knobs import for_component
from ..paths import TEMPLATE_DIR



@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)


def render_template(template: str, **values) -> str:
    """templates/<template> rendered with `values`."""
    return _environment().get_template(template).render(**values)


class HostContext:
    def __init__(self, inv, host: ManagedHost, lab: bool, address: str | None = None, now=None,
                 overrides: dict | None = None):
        self.inv, self.host, self.lab = inv, host, lab
        self.overrides = overrides or {}  # knob -> value (gbtt.desired.knobs)
        self.now = now or now_utc()  # what is booked from now on is provisioned
        self._address = None if address == self.addr(host.address) else address  # playing itself: no override
        self._secrets = None

    # -- addresses --------------------------------------------------------
    def addr(self, address: str) -> str:
        """A production address as this deployment sees it."""
        return lab_address(self.inv, address) if self.lab else address

    def net(self, cidr: str) -> str:
        network = ipaddress.IPv4Network(cidr)
        return f"{self.addr(str(network.network_address))}/{network.prefixlen}"

    @property
    def address(self) -> str:
        """Where this host listens."""
        return self._address or self.addr(self.host.address)

    def hosts_with_role(self, role: str) -> list[ManagedHost]:
        return [h for h in managed_hosts(self.inv) if h.vars.get("gbtt_role") == role]

    def service_addresses(self, role: str) -> list[str]:
        """Where the rooms (and the other central hosts) reach the hosts of `role`, as this deployment sees
        it: their moving service addresses where they have them (gbtt.service_addresses)."""
        return [self.addr(service_address(self.inv, h.name)) for h in self.hosts_with_role(role)]

    def source_sets(self) -> dict[str, list[str]]:
        """Networks that firewall rules name, as this deployment sees them."""
        centre = [self.net(self.inv.centre["network"]["subnet"])]
        if self._address:  # a machine playing a central host elsewhere stands at the centre too
            centre.append(f"{self._address}/32")
        sets = {
            "management": [self.net(self.inv.network["management_subnet"]), *centre]
                          + ([f"{LAB_GATEWAY}/32"] if self.lab else []),
            "centre": centre,
            "rooms": [self.net(s["network"]["subnet"]) for s in self.inv.sites.values()] + centre,
            "any": ["0.0.0.0/0"],
        }
        for role in ("conference", "sip_registrar", "media_relay", "turn", "multipoint_bridge"):
            sets[role] = [f"{self.addr(h.address)}/32" for h in self.hosts_with_role(role)]
        for role in ADDRESS_KEYS:  # what they send may come from the service addresses they hold too
            sets[role] += [f"{self.addr(a)}/32" for h in self.hosts_with_role(role)
                           if (a := moving_address(self.inv, h.name))]
        return sets

    # -- everything else --------------------------------------------------
    def defaults(self, component: str) -> dict:
        """A component's knobs: its role's defaults, with this host's overrides."""
        return for_component(component, self.overrides)

    @property
    def secrets(self) -> dict:
        if self._secrets is None:
            self._secrets = self.inv.secrets()
        return self._secrets

    def render(self, template: str, **values) -> str:
        return render_template(template, host=self.host.name, **values)

    # -- certificates (gbtt/pki.py) ----------------------------------------
    def ca_certificate(self) -> str:
        return pki.ca_certificate(self.inv, self.lab, lambda: self.secrets)

    def tls_files(self, component: str, restart: list[str], dns_names: tuple[str, ...] = (),
                  addresses: tuple[str, ...] = ()) -> list:
        """The certificate (with the CA's after it) and key this host serves `component`'s TLS with:
        /etc/gbtt/pki/<component>.crt and .key (the key readable by the ssl-cert group)."""
        from .model import FileSpec

        domain = self.inv.province["sip_domain"]
        issued = pki.issue(self.inv, self.lab, lambda: self.secrets, self.host.name,
                           [self.host.name, f"{self.host.name}.{domain}", *dns_names], [self.address, *addresses],
                           self.now)
        return [FileSpec(f"{pki.PKI_DIR}/{component}.crt", issued.certificate, restart=restart),
                FileSpec(f"{pki.PKI_DIR}/{component}.key", issued.key, mode="0640", group="ssl-cert", secret=True,
                         restart=restart)]
