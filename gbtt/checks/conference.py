"""Checks of the `conference` component: the files (so the admin secret is
the vault's: the package's default, 13 characters, cannot pass the secrets
schema's 16); Janus answering `info` through nginx's TLS; the admin API
refusing a request without the secret and accepting it with; the standing
rooms and those of the meetings booked present in VideoRoom and AudioBridge."""
from __future__ import annotations

from ..desired.components.conference import meeting_rooms, standing_rooms
from ..inventory import default_inventory, load
from ..meetings import now_utc
from . import check_applied, model_knobs, model_state, run_probe

JCFG = "/etc/janus/janus.jcfg"


def check_conference(host, model_host: str, lab: bool, address: str, peer=None,
                     inventory=None, facts: dict | None = None) -> None:
    """`peer` (default: the server itself) is where the API calls come from (a room)."""
    state = model_state(model_host, "conference", lab, inventory, address=address)
    check_applied(host, state, facts)
    knobs = model_knobs(model_host, "conference", inventory)
    public = f"https://{address}:{knobs['janus_https_port']}/janus"
    info = run_probe(peer or host, "janus", "info", public)
    assert info.get("janus") == "server_info", f"Janus info through nginx: {info}"
    admin = f"http://127.0.0.1:{knobs['janus_admin_port']}/admin"
    refused = run_probe(host, "janus", "admin", admin)
    assert refused.get("error", {}).get("code") == 403, f"admin API without the secret: {refused}"
    granted = run_probe(host, "janus", "admin", admin, JCFG)
    assert granted.get("janus") == "success", f"admin API with the secret: {granted}"
    inv = load(inventory or default_inventory())
    participants = inv.hosts[model_host]["conference"]["max_participants"]
    rooms = standing_rooms(inv, inv.secrets(), participants) + meeting_rooms(inv, inv.secrets(), participants, now_utc())
    found = run_probe(host, "janus", "rooms", public, JCFG, *[r["id"] for r in rooms])
    assert found and all(found.values()), f"conference rooms missing: {found}"
