"""Checks of the `multipoint_bridge` component against the model: its files,
packages and services; every GStreamer element of the codec table's chains
present (a missing plugin package would cost the rooms their pictures); the
bridge answering SIP OPTIONS from the registrar (where the meetings' calls
come from); and, on its control socket, holding exactly the model's meetings
(every booked meeting not yet over)."""
from __future__ import annotations

import json

from ..desired.components.multipoint_bridge import LIB_DIR
from . import check_applied, command_output, model_knobs, model_state, run_probe


def meetings_command(port: int) -> str:
    request = json.dumps({"verb": "meetings"}, separators=(",", ":"))
    return f"cd {LIB_DIR} && python3 -m gbtt_bridge.control {port} '{request}'"


def gst_elements(config: dict) -> list[str]:
    """The GStreamer elements the bridge's configuration names (the codecs' chains, and its own)."""
    chains = [c[k] for c in config["video"]["codecs"].values() for k in ("decode", "encode")]
    chains += list(config["voice"]["codecs"].values())
    names = {"compositor", "rtpbin", "udpsrc", "udpsink", "videotestsrc", "videoconvert", "videoscale", "tee",
             "queue", "level", "audioconvert", "fakesink", "capsfilter"}
    for chain in chains:
        for part in chain.split("!"):
            word = part.split()[0]
            if "/" not in word:  # not caps
                names.add(word)
    return sorted(names)


def missing_elements_command(elements: list[str]) -> str:
    code = ("import gi; gi.require_version('Gst', '1.0'); from gi.repository import Gst; Gst.init(None); "
            f"print(' '.join(e for e in {elements!r} if Gst.ElementFactory.find(e) is None))")
    return f'python3 -c "{code}"'


def check_multipoint_bridge(host, model_host: str, lab: bool, address: str, peer=None, inventory=None,
                            facts=None) -> None:
    """`peer` (default: the bridge itself) is where the SIP traffic comes from (the registrar)."""
    state = model_state(model_host, "multipoint_bridge", lab, inventory=inventory, address=address)
    check_applied(host, state, facts)
    knobs = model_knobs(model_host, "multipoint_bridge", inventory)
    r = run_probe(peer or host, "sip", "options", address, knobs["multipoint_bridge_sip_port"], "udp")
    assert r.get("status") == 200, f"OPTIONS to the bridge: {r}"
    reply = json.loads(command_output(host, meetings_command(knobs["multipoint_bridge_control_port"]), facts))
    assert reply.get("ok"), f"the bridge's control socket: {reply}"
    config = json.loads(next(f.content for f in state.files if f.path.endswith("bridge.json")))
    missing = command_output(host, missing_elements_command(gst_elements(config)), facts).strip()
    assert not missing, f"GStreamer elements missing on the bridge: {missing} (their plugin packages)"
    held = {m["number"]: m["rooms"] for m in reply["meetings"]}
    wanted = {n: [r["id"] for r in m["rooms"]] for n, m in config["meetings"].items()}
    assert held == wanted, f"the bridge holds meetings {sorted(held)}, the model {sorted(wanted)}"
