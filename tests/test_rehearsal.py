"""What the rehearsal says of a room that misses some of the others: the
cause follows from what the other rooms heard (gbtt.rehearsal.missing_cause);
and of a picture that fails, what failed first (gbtt.rehearsal.picture_fault)."""
from __future__ import annotations

from gbtt.rehearsal import listen_again, missing_cause, picture_fault


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



def test_a_room_missing_one_the_others_hear_listens_again_and_one_nobody_hears_does_not():
    """Only a room that misses a room some other room hears is measured a second time (what it receives was
    at fault, perhaps for a moment); a room nobody hears is not the listeners' fault; a failed probe is none."""
    tones = {"a": 400, "b": 500, "c": 600, "d": 700}
    joined = ["a", "b", "c", "d"]

    def probe(**levels):
        return {"tones": {"levels": {str(float(tones[r])): db for r, db in levels.items()}}}

    measured = {
        "a": probe(a=-70, b=-25, c=-60, d=-62),  # misses c, whom b hears: listens again; misses d, whom nobody hears
        "b": probe(a=-25, b=-70, c=-28, d=-61),
        "c": probe(a=-27, b=-26, c=-70, d=-63),
        "d": {"error": "ConnectionError: no answer"},
    }
    assert listen_again(measured, tones, joined) == ["a"]
    measured["a"] = probe(a=-70, b=-25, c=-30, d=-62)
    assert listen_again(measured, tones, joined) == []


def test_the_picture_cause_names_what_failed_first():
    """The bridge's snapshot failing is said as such (a CI rehearsal on 2026-12-01 said "no tile" of every
    room, though the canvas itself could not be taken); then no tile, a black tile, the room's own receiver."""
    good = {"bridge_frames_in": 40, "tile": {"x": 0, "y": 0, "width": 160, "height": 90, "luma": 90.0},
            "frames": 20, "size": "320x180", "want": "320x180", "fps": 6.0, "min_fps": 2.0}
    assert picture_fault(good) == ""
    snapshot = {**good, "tile": {"error": "the compositor produced no picture in 3 s (pipeline playing, pending "
                                          "void-pending)"}}
    assert picture_fault(snapshot) == "the bridge's composed picture could not be taken: the compositor produced " \
                                      "no picture in 3 s (pipeline playing, pending void-pending)"
    assert "no tile" in picture_fault({**good, "tile": None})
    assert "is black" in picture_fault({**good, "tile": {**good["tile"], "luma": 16.0}})
    assert picture_fault({**good, "tile": "hidden"}) == ""
    assert "receives 1.0 pictures/s" in picture_fault({**good, "fps": 1.0})
    assert "receives no pictures from it" in picture_fault({**good, "bridge_frames_in": 0})
