"""The annual report of Art. 17.1 (in Vietnamese) and the iCalendar export,
produced from the sample bookings and from preflight and audit reports."""
from __future__ import annotations

import datetime as dt
import json

import icalendar

from conftest import REAL
from gbtt.annual_report import gather, write_reports
from gbtt.cli import main
from gbtt.desired.components.conference import room_pin
from gbtt.ics import calendar
from gbtt.inventory import load

INV = load(REAL)
UTC = dt.timezone.utc


def test_calendar_of_a_room_parses_and_keeps_the_pin_secret():
    text = calendar(INV, "an-lao", since=dt.datetime(2026, 11, 29, tzinfo=UTC))
    assert all(line.endswith("\r\n") for line in text.splitlines(keepends=True))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cal = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"giao-ban-kt-xh-2026-12@gbtt.binhdinh.gov.vn", "so-yte-tiem-chung-2026-12@gbtt.binhdinh.gov.vn"}
    ev = events["giao-ban-kt-xh-2026-12@gbtt.binhdinh.gov.vn"]
    assert ev.decoded("DTSTART") == dt.datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 08:00 in Bình Định
    assert ev.decoded("DTEND") == dt.datetime(2026, 12, 7, 4, 30, tzinfo=UTC)
    assert str(ev["SUMMARY"]) == "Giao ban kinh tế - xã hội tháng 12/2026"
    assert str(ev["LOCATION"]) == "Phòng họp trực tuyến Văn phòng UBND tỉnh"
    description = str(ev["DESCRIPTION"])
    assert "Điểm cầu huyện An Lão; Điểm cầu huyện Vĩnh Thạnh" in description and "5226120708002" in description
    assert "(Điều 6.4, 7) từ 20:00 06/12/2026" in description
    assert room_pin(INV.secrets(), 5226120708002) not in text
    alarm = ev.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == -dt.timedelta(hours=12)


def test_calendar_holds_only_the_rooms_meetings():
    text = calendar(INV, "vinh-thanh", since=dt.datetime(2026, 11, 29, tzinfo=UTC))
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")]
    assert uids == ["giao-ban-kt-xh-2026-12@gbtt.binhdinh.gov.vn"]  # not Sở Y tế's
    everything = calendar(INV, since=dt.datetime(2026, 1, 1, tzinfo=UTC))
    assert everything.count("BEGIN:VEVENT") == len(INV.meetings) == 16


def test_calendar_cli(tmp_path):
    out = tmp_path / "an-lao.ics"
    assert main(["calendar", "--site", "an-lao", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert main(["calendar", "--site", "an-lau", "--out", str(out)]) == 2


def write_evidence(tmp_path):
    pre, aud = tmp_path / "preflight", tmp_path / "audit"
    pre.mkdir()
    aud.mkdir()
    ok = {"ok": True, "checks": [{"check": "reachable", "ok": True}]}
    (pre / "preflight-lab-20260306T000000Z.json").write_text(json.dumps({"when": "2026-03-06T00:00:00+00:00", "rooms": [
        {"room": "an-lao-pc", **ok}, {"room": "vinh-thanh-pc", "ok": False, "checks": [
            {"check": "reachable", "ok": True}, {"check": "registered", "ok": False}]}]}))
    (pre / "preflight-lab-20251206T000000Z.json").write_text(json.dumps({"when": "2025-12-06T00:00:00+00:00",
                                                                          "rooms": [{"room": "an-lao-pc", **ok}]}))
    (aud / "audit-lab-20260601T000000Z.json").write_text(json.dumps({"when": "2026-06-01T00:00:00+00:00", "results": [
        {"host": "an-lao-pc", "component": "room_pc", "ok": True, "detail": ""},
        {"host": "vinh-thanh-pc", "component": "common", "ok": False, "detail": "/etc/chrony/chrony.conf differs"}]}))
    return gather(2026, pre, aud)


def test_annual_reports_for_the_province_and_each_district(tmp_path):
    evidence = write_evidence(tmp_path)
    assert len(evidence.preflight) == 1 and len(evidence.audit) == 1  # 2025's run is not this year's
    written = write_reports(INV, 2026, evidence, tmp_path / "out", until=dt.datetime(2026, 12, 31, tzinfo=UTC))
    names = sorted(p.name for p in written)
    assert len(names) == 12 and "bao-cao-2026-tinh.md" in names and "bao-cao-2026-an-lao.md" in names
    province = (tmp_path / "out" / "bao-cao-2026-tinh.md").read_text()
    assert province.startswith("# BÁO CÁO TỔNG HỢP TÌNH HÌNH HOẠT ĐỘNG HỆ THỐNG GIAO BAN TRỰC TUYẾN TỈNH BÌNH ĐỊNH NĂM 2026")
    assert "Tổng số cuộc họp: 16 (thường kỳ: 15, đột xuất: 1); tổng thời lượng: 50 giờ 00 phút." in province
    assert "- Chủ trì tại Phòng họp trực tuyến Sở TT&TT: 3 cuộc họp" in province
    assert "| Điểm cầu huyện Vĩnh Thạnh | 14 | 45 giờ 30 phút |" in province
    assert "Số lượt kiểm tra điểm cầu: 2; đạt: 1; không đạt: 1." in province
    assert "- 1 lượt không đạt: thiết bị chưa đăng ký với máy chủ SIP (mật khẩu SIP hoặc ACL)" in province
    district = (tmp_path / "out" / "bao-cao-2026-vinh-thanh.md").read_text()
    assert "Đơn vị báo cáo: Ủy ban nhân dân huyện Vĩnh Thạnh" in district
    assert "Tổng số cuộc họp: 14 (thường kỳ: 13, đột xuất: 1)" in district
    assert "Tiêm chủng" not in district and "tiêm chủng" not in district  # Sở Y tế's meeting left Vĩnh Thạnh out
    assert "Số lượt kiểm tra điểm cầu: 1; đạt: 0; không đạt: 1." in district
    assert "- vinh-thanh-pc, hệ điều hành, tường lửa, đồng bộ thời gian (chi tiết kỹ thuật: " in district


def test_only_meetings_already_held_count(tmp_path):
    evidence = write_evidence(tmp_path)
    write_reports(INV, 2026, evidence, tmp_path / "out", until=dt.datetime(2026, 11, 29, tzinfo=UTC))
    assert "Tổng số cuộc họp: 14 " in (tmp_path / "out" / "bao-cao-2026-tinh.md").read_text()
