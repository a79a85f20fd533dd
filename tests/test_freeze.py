"""The change freeze of Art. 7.5.b as the model decides it (both engines ask
gbtt.freeze.status): the window from the preparation half-day to the
meeting's end, the hosts taking part, the override and its log."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import REAL
from gbtt.freeze import OverrideRefused, status

ICT = dt.timezone(dt.timedelta(hours=7))


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ICT)


@pytest.mark.parametrize("now,frozen", [
    (at(2026, 12, 6, 19, 59), False),  # before the preparation half-day (12 h before 08:00)
    (at(2026, 12, 6, 20, 0), True),
    (at(2026, 12, 7, 11, 29), True),
    (at(2026, 12, 7, 11, 30), False),  # the meeting is over
])
def test_the_freeze_window(now, frozen):
    assert status(REAL, "mcu-sip-01", "test", "sip_registrar", now=now)["frozen"] is frozen


def test_the_message_names_the_meeting_and_the_end():
    got = status(REAL, "an-lao-pc", "test", "room_pc", now=at(2026, 12, 7, 9, 0))
    assert got["message"].startswith("change freeze (Art. 7.5.b): an-lao-pc takes part in 'Giao ban kinh tế - xã hội "
                                     "tháng 12/2026' (meeting giao-ban-kt-xh-2026-12, 2026-12-07 08:00 to "
                                     "2026-12-07 11:30); no configuration change until 2026-12-07 11:30 "
                                     "Asia/Ho_Chi_Minh.")


def test_only_the_hosts_taking_part_are_frozen():
    now = at(2026, 12, 10, 15, 0)  # so-yte's meeting: so-tttt, quy-nhon, an-nhon, phu-cat, an-lao
    frozen = {h: status(REAL, h, "test", "x", now=now)["frozen"]
              for h in ("mcu-conf-01", "mcu-turn-01", "an-lao-pc", "r-an-lao", "vinh-thanh-pc", "r-vinh-thanh")}
    assert frozen == {"mcu-conf-01": True, "mcu-turn-01": True, "an-lao-pc": True, "r-an-lao": True,
                      "vinh-thanh-pc": False, "r-vinh-thanh": False}


def test_the_lab_holds_the_freeze_only_in_a_drill():
    now = at(2026, 12, 7, 9, 0)
    assert status(REAL, "mcu-sip-01", "test", "x", now=now, lab=True)["frozen"] is False
    assert status(REAL, "mcu-sip-01", "test", "x", now=now, lab=True, drill=True)["frozen"] is True


def test_the_override_needs_a_reason_and_is_logged(tmp_path, monkeypatch):
    log = tmp_path / "overrides.jsonl"
    monkeypatch.setenv("GBTT_FREEZE_LOG", str(log))
    now = at(2026, 12, 7, 9, 0)
    with pytest.raises(OverrideRefused, match="needs the reason"):
        status(REAL, "mcu-sip-01", "ansible", "sip_registrar", override="yes", now=now)
    assert not log.exists()
    got = status(REAL, "mcu-sip-01", "ansible", "sip_registrar", override="Kamailio crashed: restore config", now=now)
    assert got["frozen"] is False and got["overridden"] is True and "OVERRIDDEN" in got["message"]
    entry = json.loads(log.read_text().splitlines()[-1])
    assert entry["host"] == "mcu-sip-01" and entry["meetings"] == ["giao-ban-kt-xh-2026-12"]
    assert entry["reason"] == "Kamailio crashed: restore config" and entry["engine"] == "ansible"
