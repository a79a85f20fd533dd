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
    written = write_reports(INV, 2026, evidence, tmp_path / "out", until=dt.datetime(2026, 12, 31, tzinfo=UTC),
                            pdf=False)  # the PDFs: test_the_reports_and_the_minutes_as_pdf…
    names = sorted(p.name for p in written)
    assert len([n for n in names if n.endswith(".md")]) == 12 and "bao-cao-2026-tinh.md" in names
    assert {n.removesuffix(".docx") for n in names if n.endswith(".docx")} == {n.removesuffix(".md") for n in names
                                                                             if n.endswith(".md")}
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
    write_reports(INV, 2026, evidence, tmp_path / "out", until=dt.datetime(2026, 11, 29, tzinfo=UTC), pdf=False)
    assert "Tổng số cuộc họp: 14 " in (tmp_path / "out" / "bao-cao-2026-tinh.md").read_text()


def _docx_text(path):
    """Every paragraph of a .docx, those of its tables included, in order (python-docx reads it back)."""
    from docx import Document

    doc = Document(path)
    out = []
    for block in doc.element.body.iterchildren():
        if block.tag.endswith("}p"):
            out.append("".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")))
        elif block.tag.endswith("}tbl"):
            for row in block.iter():
                if row.tag.endswith("}tr"):
                    out.append(" | ".join("".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                                          for cell in row if cell.tag.endswith("}tc")))
    return out


def test_annual_reports_as_official_documents(tmp_path):
    """The .docx follows the administrative format: issuer and its parent with the
    number, the national motto with place and date, kind and subject, the body as
    the Markdown says it, recipients and the signature block; Times New Roman."""
    from docx import Document

    until = dt.datetime(2026, 12, 31, 3, tzinfo=UTC)
    write_reports(INV, 2026, write_evidence(tmp_path), tmp_path / "out", until=until, pdf=False)
    province = _docx_text(tmp_path / "out" / "bao-cao-2026-tinh.docx")
    doc = Document(tmp_path / "out" / "bao-cao-2026-tinh.docx")
    left, right = (c.text for c in doc.tables[0].rows[0].cells)
    assert left.split("\n") == ["ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "_______",
                                 "Số:      /BC-STTTT"]
    assert right.split("\n") == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                                  "_______________________", "Bình Định, ngày 31 tháng 12 năm 2026"]
    body = [p.text for p in doc.paragraphs]
    assert body[body.index("BÁO CÁO") + 1] == "Tình hình hoạt động hệ thống giao ban trực tuyến năm 2026"
    assert "Tổng số cuộc họp: 16 (thường kỳ: 15, đột xuất: 1); tổng thời lượng: 50 giờ 00 phút." in body
    assert "- 1 lượt không đạt: thiết bị chưa đăng ký với máy chủ SIP (mật khẩu SIP hoặc ACL)" in body
    assert "Điểm cầu huyện Vĩnh Thạnh | 14 | 45 giờ 30 phút" in province  # the Markdown table, as a table
    recipients, signature = (c.text.split("\n") for c in doc.tables[-1].rows[0].cells)
    assert recipients == ["Nơi nhận:", "- Ủy ban nhân dân tỉnh Bình Định (để báo cáo);", "- Lưu: VT."]
    assert signature == ["GIÁM ĐỐC", "(Ký, ghi rõ họ tên, đóng dấu)"]
    assert {r.font.name for p in doc.paragraphs for r in p.runs} == {"Times New Roman"}

    district = Document(tmp_path / "out" / "bao-cao-2026-vinh-thanh.docx")
    left, right = (c.text.split("\n") for c in district.tables[0].rows[0].cells)
    assert left == ["ỦY BAN NHÂN DÂN", "HUYỆN VĨNH THẠNH", "_______", "Số:      /BC-UBND"]
    assert right[-1] == "Vĩnh Thạnh, ngày 31 tháng 12 năm 2026"
    recipients, signature = (c.text.split("\n") for c in district.tables[-1].rows[0].cells)
    assert recipients[1] == "- Sở Thông tin và Truyền thông (để tổng hợp);"
    assert signature[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert "Tổng số cuộc họp: 14 (thường kỳ: 13, đột xuất: 1); tổng thời lượng: 45 giờ 30 phút." in [
        p.text for p in district.paragraphs]


def test_audit_minutes_as_an_official_document(tmp_path):
    """The minutes of an inspection (Art. 5.5) beside an audit report: each
    host's items with their result, the conclusion naming what failed."""
    from docx import Document

    from gbtt.minutes import write_minutes

    report = tmp_path / "audit-lab-20261130T020000Z.json"
    report.write_text(json.dumps({"when": "2026-11-30T02:00:00+00:00", "lab": True, "results": [
        {"host": "mcu-sip-01", "component": "sip_registrar", "ok": True, "detail": ""},
        {"host": "mcu-sip-01", "component": "time", "ok": True, "detail": ""},
        {"host": "an-lao-pc", "component": "common", "ok": False,
         "detail": "/etc/chrony/chrony.conf differs from what the model renders"}]}))
    doc = Document(write_minutes(INV, report))
    left, right = (c.text.split("\n") for c in doc.tables[0].rows[0].cells)
    assert left[-1] == "Số:      /BB-STTTT" and right[-1] == "Bình Định, ngày 30 tháng 11 năm 2026"
    body = [p.text for p in doc.paragraphs]
    assert body[body.index("BIÊN BẢN") + 1] == "Kiểm tra định kỳ hệ thống giao ban trực tuyến (Điều 5.5)"
    assert "Thời gian kiểm tra: 09:00 ngày 30/11/2026" in body  # 02:00 UTC in Bình Định
    rows = [[c.text for c in r.cells] for r in doc.tables[1].rows]
    assert rows == [["Máy chủ, thiết bị", "Hạng mục", "Kết quả"],
                    ["mcu-sip-01", "máy chủ đăng ký SIP", "Đạt"],
                    ["mcu-sip-01", "đồng bộ thời gian (NTP)", "Đạt"],
                    ["an-lao-pc", "hệ điều hành, tường lửa, đồng bộ thời gian", "Không đạt"]]
    assert "Số hạng mục kiểm tra: 3; đạt: 2; không đạt: 1." in body
    assert ("- an-lao-pc, hệ điều hành, tường lửa, đồng bộ thời gian (chi tiết kỹ thuật: "
            "/etc/chrony/chrony.conf differs from what the model renders)") in body


def _pdf_text(path) -> str:
    """The text of a PDF as poppler's pdftotext reads it (Debian's poppler-utils, from scripts/setup.sh)."""
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_reports_and_the_minutes_as_pdf_where_libreoffice_is_installed(tmp_path):
    """Every .docx also as PDF (LibreOffice, headless; scripts/setup.sh installs it on the machines that run
    the tests), which reads as the document: the national motto, the issuer, the title, the body, the
    signature block, in Vietnamese."""
    from gbtt.minutes import write_minutes

    evidence = write_evidence(tmp_path)
    written = write_reports(INV, 2026, evidence, tmp_path / "out", until=dt.datetime(2026, 12, 31, tzinfo=UTC))
    pdfs = sorted(p.name for p in written if p.suffix == ".pdf")
    assert pdfs == sorted(p.name.replace(".docx", ".pdf") for p in written if p.suffix == ".docx"), pdfs
    text = " ".join(_pdf_text(tmp_path / "out" / "bao-cao-2026-tinh.pdf").split())
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
                  "Tổng số cuộc họp: 16 (thường kỳ: 15, đột xuất: 1)", "Nơi nhận:"):
        assert words in text, (words, text[:2000])
    report = tmp_path / "audit-lab-20261130T020000Z.json"
    report.write_text(json.dumps({"when": "2026-11-30T02:00:00+00:00", "lab": True, "results": [
        {"host": "an-lao-pc", "component": "common", "ok": False, "detail": "/etc/chrony/chrony.conf differs"}]}))
    write_minutes(INV, report)
    minutes = " ".join(_pdf_text(report.with_suffix(".pdf")).split())
    assert "BIÊN BẢN" in minutes and "an-lao-pc" in minutes and "Không đạt" in minutes, minutes[:2000]
