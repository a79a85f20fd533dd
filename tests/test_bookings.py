"""Bookings (meetings/<id>.yml) validated against the regulation, each rule
with its edges: notice of exactly 2 days or 2 hours (emergency), one minute
short, across time zones; no room in two meetings at once; the conference
server's capacity; the hosting central room and the chair (Art. 6.1-6.3, 6.5)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import edit, rel_lines
from gbtt.validate import validate

ALL = ("[vp-ubnd, so-tttt, quy-nhon, an-nhon, hoai-nhon, tuy-phuoc, phu-cat, phu-my, tay-son, hoai-an, an-lao, "
       "vinh-thanh, van-canh]")


def book(root: Path, mid: str, *, chair="ubnd-tinh", host="vp-ubnd", rooms="[vp-ubnd, quy-nhon]",
         start="2027-03-01T08:00:00+07:00", end="2027-03-01T10:00:00+07:00",
         requested="2027-02-20T08:00:00+07:00", kind="regular", extra="") -> Path:
    path = root / "meetings" / f"{mid}.yml"
    path.write_text(f"title: Cuộc họp {mid}\nchair: {chair}\nhost_room: {host}\nrooms: {rooms}\nprofile: hd720\n"
                    f"start: {start}\nend: {end}\nrequested: {requested}\nkind: {kind}\n{extra}", encoding="utf-8")
    return path


def problems(root: Path) -> list[str]:
    _, found = validate(root, use_cache=False)
    return rel_lines(root, found)


def test_the_sample_bookings_are_valid():
    from conftest import REAL

    assert problems(REAL) == []


@pytest.mark.parametrize("requested,ok", [
    ("2027-02-27T08:00:00+07:00", True),   # exactly 48 h
    ("2027-02-27T08:01:00+07:00", False),  # 47 h 59 min
    ("2027-02-27T01:00:00Z", True),        # the same instant as 08:00+07:00
    ("2027-02-27T01:01:00Z", False),
    ("2027-02-26T20:00:00-05:00", True),   # 2027-02-27T01:00Z: 48 h, written in another zone
])
def test_two_days_notice_at_the_edge(inv_dir, requested, ok):
    book(inv_dir, "hop-a", requested=requested)
    expected = [] if ok else ["meetings/hop-a.yml:8 meetings.hop-a.requested: requested 1 day 23 h 59 min before "
                              "the start; Art. 6.3 needs at least 2 days"]
    assert problems(inv_dir) == expected


@pytest.mark.parametrize("requested,ok", [
    ("2027-03-01T06:00:00+07:00", True),   # exactly 2 h
    ("2027-03-01T06:01:00+07:00", False),  # 1 h 59 min
    ("2027-02-28T23:01:00Z", False),       # 06:01+07:00
])
def test_two_hours_notice_for_an_emergency(inv_dir, requested, ok):
    book(inv_dir, "hop-khan", requested=requested, kind="emergency")
    expected = [] if ok else ["meetings/hop-khan.yml:8 meetings.hop-khan.requested: requested 1 h 59 min before "
                              "the start; Art. 6.5 (emergency) needs at least 2 h"]
    assert problems(inv_dir) == expected


def test_times_without_an_offset_are_refused(inv_dir):
    book(inv_dir, "hop-a", start="2027-03-01T08:00:00")
    assert problems(inv_dir) == ["meetings/hop-a.yml:6 meetings.hop-a.start: 2027-03-01T08:00:00 is not a date and "
                                 "time with its UTC offset, e.g. 2026-12-07T08:00:00+07:00"]


def test_a_meeting_ends_after_it_starts(inv_dir):
    book(inv_dir, "hop-a", end="2027-03-01T07:00:00+07:00")
    assert problems(inv_dir) == ["meetings/hop-a.yml:7 meetings.hop-a.end: ends (2027-03-01T07:00:00+07:00) before "
                                 "it starts (2027-03-01T08:00:00+07:00)"]


def test_no_room_in_two_meetings_at_once(inv_dir):
    book(inv_dir, "hop-a", rooms="[vp-ubnd, quy-nhon]")
    book(inv_dir, "hop-b", chair="so-khdt", host="so-tttt", rooms="[so-tttt, an-lao, quy-nhon]",
         start="2027-03-01T09:59:00+07:00", end="2027-03-01T11:00:00+07:00")
    book(inv_dir, "hop-c", chair="so-yte", host="so-tttt", rooms="[so-tttt, quy-nhon]",  # back to back: fine
         start="2027-03-01T11:00:00+07:00", end="2027-03-01T12:00:00+07:00")
    assert problems(inv_dir) == ["meetings/hop-b.yml:4 meetings.hop-b.rooms.2: bridge room 'quy-nhon' is in meeting "
                                 "'hop-a' at the same time (2027-03-01T08:00:00+07:00 to 2027-03-01T10:00:00+07:00)"]


def test_the_conference_servers_capacity(inv_dir):
    edit(inv_dir / "hosts.yml", "max_participants: 64", "max_participants: 10")
    book(inv_dir, "hop-lon", rooms=ALL)
    lines = [ln for ln in problems(inv_dir) if "hop-lon" in ln]
    assert lines == ["meetings/hop-lon.yml:4 meetings.hop-lon.rooms: 13 participants on the conference server when "
                     "it starts (hop-lon); its capacity is 10"]


def test_at_most_the_provinces_rooms_per_meeting(inv_dir):
    edit(inv_dir / "province.yml", "max_rooms_per_meeting: 13", "max_rooms_per_meeting: 3")
    book(inv_dir, "hop-a", rooms="[vp-ubnd, quy-nhon, an-lao, an-nhon]")
    lines = [ln for ln in problems(inv_dir) if "hop-a" in ln]
    assert lines == ["meetings/hop-a.yml:4 meetings.hop-a.rooms: 4 bridge rooms; at most 3 may join one meeting"]


@pytest.mark.parametrize("chair,host,extra,message", [
    ("so-khdt", "vp-ubnd", "", "hosted by 'vp-ubnd', but the departments' meetings are hosted by 'so-tttt' (Art. 6.1-6.2)"),
    ("ubnd-tinh", "so-tttt", "", "hosted by 'so-tttt', but the provincial committee's meetings are hosted by 'vp-ubnd' "
                                 "(Art. 6.1-6.2)"),
    ("so-khdt", "so-tttt", "with_central_agencies: true\n",
     "hosted by 'so-tttt', but meetings with the central government's bodies are hosted by 'vp-ubnd' (Art. 6.1-6.2)"),
])
def test_the_host_room_follows_the_chair(inv_dir, chair, host, extra, message):
    book(inv_dir, "hop-a", chair=chair, host=host, rooms=f"[{host}, quy-nhon]", extra=extra)
    assert problems(inv_dir) == [f"meetings/hop-a.yml:3 meetings.hop-a.host_room: {message}"]


def test_who_may_chair_and_references(inv_dir):
    book(inv_dir, "hop-a", chair="vnpt-binh-dinh")
    book(inv_dir, "hop-b", chair="ubnd-tnh", rooms="[vp-ubnd, quy-nhom]", start="2027-04-01T08:00:00+07:00",
         end="2027-04-01T09:00:00+07:00", requested="2027-03-01T08:00:00+07:00")
    book(inv_dir, "hop-c", host="quy-nhon", rooms="[vp-ubnd, quy-nhon]", start="2027-05-01T08:00:00+07:00",
         end="2027-05-01T09:00:00+07:00", requested="2027-04-01T08:00:00+07:00")
    lines = problems(inv_dir)
    assert lines[0].startswith("meetings/hop-a.yml:2 meetings.hop-a.chair: 'vnpt-binh-dinh' chairs no meetings")
    assert "meetings/hop-b.yml:2 meetings.hop-b.chair: unknown organisation 'ubnd-tnh' (did you mean 'ubnd-tinh'? " \
           "known: " in lines[1]
    assert lines[2].startswith("meetings/hop-b.yml:4 meetings.hop-b.rooms.1: unknown bridge room 'quy-nhom' "
                               "(did you mean 'quy-nhon'?")
    assert lines[3] == ("meetings/hop-c.yml:3 meetings.hop-c.host_room: unknown central bridge room 'quy-nhon' "
                        "(known: so-tttt, vp-ubnd)")
    assert len(lines) == 4


def test_the_host_room_takes_part(inv_dir):
    book(inv_dir, "hop-a", rooms="[quy-nhon, an-lao]")
    assert problems(inv_dir) == ["meetings/hop-a.yml:4 meetings.hop-a.rooms: the host room 'vp-ubnd' must take part: "
                                 "add it to rooms"]
