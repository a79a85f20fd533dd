"""Checks of the `room_pc` and `preflight_probe` components: the files,
packages and services, and each baresip answering its local control
(ctrl_tcp on loopback) with the model's account; a room registered with the
registrar when one is reachable."""
from __future__ import annotations

from ..desired.components.preflight_probe import slots
from . import check_applied, model_knobs, model_state, run_probe


def check_room_pc(host, model_host: str, lab: bool, address: str, registered: bool = True,
                  inventory=None, facts: dict | None = None) -> None:
    check_applied(host, model_state(model_host, "room_pc", lab, inventory, address=address), facts)
    info = run_probe(host, "baresip", model_knobs(model_host, "room_pc", inventory)["baresip_ctrl_port"], "reginfo")
    assert info.get("ok"), f"baresip's local control does not answer: {info}"
    assert f"sip:{model_host}@" in info.get("data", ""), f"baresip runs another account: {info.get('data', '')[:200]}"
    if registered:
        assert "OK" in info["data"], f"{model_host} is not registered: {info['data'][:300]}"


def check_preflight_probe(host, model_host: str, lab: bool, address: str,
                          inventory=None, facts: dict | None = None) -> None:
    check_applied(host, model_state(model_host, "preflight_probe", lab, inventory, address=address), facts)
    user = model_knobs(model_host, "preflight_probe", inventory)["probe_sip_user"]
    for slot in slots(model_knobs(model_host, "preflight_probe", inventory)):
        info = run_probe(host, "baresip", slot["ctrl_port"], "reginfo")
        assert info.get("ok") and f"sip:{user}@" in info.get("data", ""), f"probe slot {slot['slot']}: {info}"
