"""What the rehearsal says of a room that misses some of the others: the
cause follows from what the other rooms heard (gbtt.rehearsal.missing_cause)."""
from __future__ import annotations

from gbtt.rehearsal import missing_cause


def room(name: str, hears: dict, missing: list[str]) -> dict:
    return {"room": name, "hears": hears, "missing": missing}


def test_a_room_nobody_else_hears_does_not_reach_the_bridge():
    res = room("a", {"b": -25.0, "c": -60.0}, ["c"])
    heard_by = {"a": ["b"], "b": ["a"], "c": []}
    assert missing_cause(res, heard_by) == "does not hear c: c reach no room (their audio does not reach the bridge)"


def test_a_room_the_others_hear_points_at_what_this_room_receives():
    """As a full-lab rehearsal once found: vinh-thanh-pc heard everyone low, van-canh-pc under the threshold,
    while eleven other rooms heard van-canh-pc."""
    res = room("vinh-thanh-pc", {"so-tttt-pc": -28.9, "an-lao-pc": -42.0, "van-canh-pc": -47.1}, ["van-canh-pc"])
    heard_by = {"van-canh-pc": ["so-tttt-pc", "an-lao-pc"], "so-tttt-pc": ["vinh-thanh-pc"], "an-lao-pc": []}
    cause = missing_cause(res, heard_by)
    assert cause.startswith("does not hear van-canh-pc, whom the other rooms hear: the sound it receives")
    assert "-42.0 dB, median" in cause

