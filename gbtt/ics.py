"""`gbtt calendar`: the booked meetings as iCalendar (RFC 5545) for the rooms'
technicians: one event per meeting, with the chair, the host room, the rooms
taking part, the codec profile and the conference room's number (never its
PIN: Art. 5.3), and an alarm at the start of the preparation window (Art. 6.4)."""
from __future__ import annotations

import datetime as dt

from .desired.components.conference import meeting_room_id
from .meetings import Meeting, freeze_window, meetings, now_utc

PRODID = "-//So TT&TT Binh Dinh//gbtt//VI"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
            .replace("\n", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continuation lines starting with a space."""
    out, current = [], b""
    for ch in line:
        b = ch.encode()
        if len(current) + len(b) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += b
    out.append(current.decode())
    return [out[0]] + [" " + part for part in out[1:]]


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def event(inv, m: Meeting, stamp: dt.datetime) -> list[str]:
    orgs, sites = inv.organisations, inv.sites
    prep, _ = freeze_window(inv, m)
    hours = inv.province["booking"]["preparation_hours"]
    description = "\n".join([
        f"Đơn vị chủ trì: {orgs[m.chair]['name']}",
        f"Điểm cầu chủ trì: {sites[m.host_room]['name']}",
        "Điểm cầu tham gia: " + "; ".join(sites[r]["name"] for r in m.rooms),
        f"Cấu hình hình ảnh/âm thanh: {m.profile}",
        f"Phòng hội nghị trên máy chủ: {meeting_room_id(inv, m)} (mã PIN do Sở TT&TT cung cấp riêng)",
        f"Kiểm tra kỹ thuật trước cuộc họp (Điều 6.4, 7) từ {prep.astimezone(m.start.tzinfo):%H:%M %d/%m/%Y}; "
        "không thay đổi cấu hình từ thời điểm này đến khi kết thúc (Điều 7.5.b).",
        "Họp đột xuất, khẩn cấp (Điều 6.5)." if m.emergency else "Họp thường kỳ (Điều 6.3).",
    ])
    lines = [
        "BEGIN:VEVENT",
        f"UID:{m.id}@{inv.province['sip_domain']}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(m.start)}",
        f"DTEND:{_utc(m.end)}",
        f"SUMMARY:{_escape(m.title)}",
        f"LOCATION:{_escape(sites[m.host_room]['name'])}",
        f"DESCRIPTION:{_escape(description)}",
        f"CATEGORIES:{'KHAN-CAP' if m.emergency else 'THUONG-KY'}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_escape('Chuẩn bị kỹ thuật: ' + m.title)}",
        f"TRIGGER:-PT{hours}H",
        "END:VALARM",
        "END:VEVENT",
    ]
    return lines


def calendar(inv, site: str | None = None, since: dt.datetime | None = None) -> str:
    """The meetings ending after `since` (default: now), of one room if `site` is given."""
    since = since or now_utc()
    stamp = now_utc()
    name = f"Lịch họp trực tuyến - {inv.sites[site]['name']}" if site else "Lịch họp trực tuyến tỉnh Bình Định"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape(name)}", f"X-WR-TIMEZONE:{inv.province['timezone']}"]
    for m in meetings(inv):
        if m.end > since and (site is None or site in m.rooms):
            lines += event(inv, m, stamp)
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
