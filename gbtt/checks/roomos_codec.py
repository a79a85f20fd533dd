"""The Cisco codecs in the audit (Art. 5.5): each read through its API
(gbtt/roomos.py, as the `roomos_codec` role reads it) and compared with the
model: configuration, phone book, SIP registration. Production only: the lab
runs no Cisco codec."""
from __future__ import annotations

from ..desired.model import host_knobs
from ..hostinventory import hosts_for
from ..roomos import RoomOSError, review_codec

ALL_WELL = "configuration and phone book as the model, SIP registered"


def codec_rows(inventory, url_of=lambda h: h.vars["gbtt_api_url"]) -> list[dict]:
    """One audit row per Cisco codec of the inventory (`url_of`: where its API answers)."""
    rows = []
    for h in hosts_for(inventory):
        if "roomos" not in h.groups:
            continue
        knobs = host_knobs(inventory, h.name, "roomos_codec")
        try:
            found = review_codec(inventory, h.name, url_of(h), knobs["roomos_api_user"],
                                 h.vars["gbtt_api_certificate_sha256"], knobs["roomos_api_timeout"]).findings()
            rows.append({"host": h.name, "component": "roomos_codec", "ok": not found,
                         "detail": "; ".join(found) or ALL_WELL})
        except RoomOSError as exc:
            rows.append({"host": h.name, "component": "roomos_codec", "ok": False, "detail": str(exc)})
    return rows
