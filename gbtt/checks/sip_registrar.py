"""Checks of the `sip_registrar` component: the files, and Kamailio
answering for real: OPTIONS over UDP, TCP and TLS; REGISTER accepted with
the vault's password and refused with a wrong one."""
from __future__ import annotations

from ..desired.components.sip_registrar import sip_accounts
from ..inventory import default_inventory, load
from . import check_applied, model_knobs, model_state, run_probe


def check_sip_registrar(host, model_host: str, lab: bool, address: str, peer=None,
                        inventory=None, facts: dict | None = None) -> None:
    """`peer` (default: the registrar itself) is where the SIP traffic comes from (a room)."""
    state = model_state(model_host, "sip_registrar", lab, inventory, address=address)
    check_applied(host, state, facts)
    knobs = model_knobs(model_host, "sip_registrar", inventory)
    probe = peer or host
    for proto, port in (("udp", knobs["kamailio_sip_port"]), ("tcp", knobs["kamailio_sip_port"]),
                        ("tls", knobs["kamailio_tls_port"])):
        r = run_probe(probe, "sip", "options", address, port, proto)
        assert r["status"] == 200, f"OPTIONS over {proto}: {r}"
    inv = load(inventory or default_inventory())
    user, password = sorted(sip_accounts(inv, inv.secrets()).items())[0]
    domain = inv.province["sip_domain"]
    ok = run_probe(probe, "sip", "register", address, knobs["kamailio_sip_port"], "udp", domain, user, password)
    assert ok["status"] == 200 and ok["challenged"], f"REGISTER {user} with its vault password: {ok}"
    assert ok["bound"], f"the registrar's 200 does not list the binding just made for {user}: {ok}"
    assert ok["removed"], f"the check's own binding of {user} was not removed: {ok}"
    bad = run_probe(probe, "sip", "register", address, knobs["kamailio_tls_port"], "tls", domain, user, password + "x")
    assert bad["status"] == 401, f"REGISTER {user} with a wrong password: {bad}"
