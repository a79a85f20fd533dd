"""The desired state of every managed host, computed once here and applied
by both engines (roles/ via the `gbtt_state` lookup, deploys/ via pyinfra):
packages, files (rendered from templates/), services, and the ports each
component listens on (which the `common` component turns into the host's
firewall).

    state = host_state(inventory_dir, "mcu-sip-01", lab=True)
    state.components["common"].files[0].content
"""
from __future__ import annotations

from .model import ComponentState, FileSpec, HostState, Port, ServiceSpec, host_state

__all__ = ["ComponentState", "FileSpec", "HostState", "Port", "ServiceSpec", "host_state"]
