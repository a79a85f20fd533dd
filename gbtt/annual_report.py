"""`gbtt report`: the annual report of Art. 17.1, in Vietnamese: one per
district-level bridge room (what the district sends to Sở TT&TT) and the
province's summary (what Sở TT&TT sends to UBND tỉnh), from the meetings
held that year (meetings/), and the year's pre-meeting checks (`gbtt
preflight` reports) and inspections (`gbtt audit` reports)."""
from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .components import COMPONENTS
from .meetings import Meeting, meetings, now_utc
from .remote import read_reports


@dataclass
class Evidence:
    """The year's preflight and audit reports, as written by gbtt."""
    preflight: list[dict] = field(default_factory=list)  # one per run: {"when", "rooms": [...]}
    audit: list[dict] = field(default_factory=list)  # one per run: {"when", "results": [...]}


def _reports(folder: Path | None, kind: str, year: int) -> list[dict]:
    return [data for _, data in reversed(read_reports(folder, kind)) if str(data.get("when", "")).startswith(str(year))]


def gather(year: int, preflight_dir: Path | None, audit_dir: Path | None) -> Evidence:
    return Evidence(_reports(preflight_dir, "preflight", year), _reports(audit_dir, "audit", year))


def held(inv, year: int, until: dt.datetime) -> list[Meeting]:
    tz = zoneinfo.ZoneInfo(inv.province["timezone"])
    return [m for m in meetings(inv) if m.start.astimezone(tz).year == year and m.end <= until]


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} giờ {minutes % 60:02d} phút"


def _date(inv, moment: dt.datetime) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(inv.province["timezone"])).strftime("%d/%m/%Y %H:%M")


def _preflight_rows(evidence: Evidence, room_ids: set[str] | None) -> list[dict]:
    return [dict(r, when=run["when"]) for run in evidence.preflight for r in run.get("rooms", [])
            if room_ids is None or r.get("room") in room_ids]


def _audit_rows(evidence: Evidence, hosts: set[str] | None) -> list[dict]:
    return [dict(r, when=run["when"]) for run in evidence.audit for r in run.get("results", [])
            if hosts is None or r.get("host") in hosts]


# the first check a room failed (gbtt preflight) -> what the report says
FAILED_CHECK = {
    "reachable": "điểm cầu không phản hồi (thiết bị, phần mềm hoặc ACL của bộ định tuyến)",
    "registered": "thiết bị chưa đăng ký với máy chủ SIP (mật khẩu SIP hoặc ACL)",
    "call": "cuộc gọi thử không thành công",
    "audio codec": "chuẩn nén âm thanh không đúng cấu hình",
    "video codec": "chuẩn nén hình ảnh không đúng cấu hình",
    "audio from room": "không nhận được âm thanh từ điểm cầu",
    "video from room": "không nhận được hình ảnh từ điểm cầu",
    "audio to room": "điểm cầu không nhận được âm thanh",
    "video to room": "điểm cầu không nhận được hình ảnh",
    "audio quality": "âm thanh mất gói hoặc trễ vượt ngưỡng",
    "video quality": "hình ảnh mất gói hoặc trễ vượt ngưỡng",
    "media relay": "luồng media không qua máy chủ chuyển tiếp",
}
COMPONENT = {name: c.report_vi for name, c in COMPONENTS.items()}


def failure(row: dict) -> str:
    first = next((c["check"] for c in row.get("checks", []) if not c.get("ok")), None)
    return FAILED_CHECK.get(first, "lỗi khi chạy kiểm tra")


def _checks_section(lines: list[str], pre: list[dict], aud: list[dict]) -> None:
    lines += ["", "## 3. Kiểm tra kết nối trước cuộc họp (Điều 7)", ""]
    if pre:
        bad = [r for r in pre if not r.get("ok")]
        lines.append(f"Số lượt kiểm tra điểm cầu: {len(pre)}; đạt: {len(pre) - len(bad)}; không đạt: {len(bad)}.")
        for cause, n in Counter(failure(r) for r in bad).most_common():
            lines.append(f"- {n} lượt không đạt: {cause}")
    else:
        lines.append("Chưa có kết quả kiểm tra trước cuộc họp nào trong năm.")
    lines += ["", "## 4. Kiểm tra định kỳ thiết bị, cấu hình (Điều 5.5)", ""]
    if aud:
        bad = [r for r in aud if not r.get("ok")]
        runs = len({r["when"] for r in aud})
        lines.append(f"Số đợt kiểm tra: {runs}; số hạng mục kiểm tra: {len(aud)}; đạt: {len(aud) - len(bad)}; "
                     f"không đạt: {len(bad)}.")
        for r in bad:
            lines.append(f"- {r['host']}, {COMPONENT.get(r['component'], r['component'])} "
                         f"(chi tiết kỹ thuật: {r.get('detail', '')})")
    else:
        lines.append("Chưa có kết quả kiểm tra định kỳ nào trong năm.")


def district_report(inv, site_id: str, year: int, evidence: Evidence, until: dt.datetime) -> str:
    site = inv.sites[site_id]
    org = inv.organisations[site["organisation"]]
    mine = [m for m in held(inv, year, until) if site_id in m.rooms]
    lines = [f"# BÁO CÁO TÌNH HÌNH HOẠT ĐỘNG HỆ THỐNG GIAO BAN TRỰC TUYẾN NĂM {year}",
             "",
             f"Đơn vị báo cáo: {org['name']}  ",
             f"Điểm cầu: {site['name']}  ",
             f"Cán bộ phụ trách kỹ thuật: {site['technician']['name']} ({site['technician']['phone']})  ",
             "Kính gửi: Sở Thông tin và Truyền thông tỉnh Bình Định  ",
             "Căn cứ: khoản 1 Điều 17 Quy chế ban hành kèm theo Quyết định số 06/2015/QĐ-UBND  ",
             f"Số liệu đến: {_date(inv, until)}",
             "", "## 1. Các cuộc họp đã tham gia", ""]
    lines.append(f"Tổng số cuộc họp: {len(mine)} (thường kỳ: {sum(not m.emergency for m in mine)}, đột xuất: "
                 f"{sum(m.emergency for m in mine)}); tổng thời lượng: "
                 f"{_hours(sum((m.end - m.start).total_seconds() for m in mine))}.")
    if mine:
        lines += ["", "| Thời gian | Cuộc họp | Đơn vị chủ trì | Loại |", "|---|---|---|---|"]
        for m in mine:
            lines.append(f"| {_date(inv, m.start)} | {m.title} | {inv.organisations[m.chair]['short_name']} | "
                         f"{'đột xuất' if m.emergency else 'thường kỳ'} |")
    lines += ["", "## 2. Thiết bị của điểm cầu", ""]
    for ep in site["endpoints"]:
        lines.append(f"- {ep['id']}: {ep['platform']}, cấu hình {ep['profile']}")
    room_ids = {ep["id"] for ep in site["endpoints"]}
    hosts = room_ids | {site["network"]["router"]}
    _checks_section(lines, _preflight_rows(evidence, room_ids), _audit_rows(evidence, hosts))
    return "\n".join(lines) + "\n"


def province_report(inv, year: int, evidence: Evidence, until: dt.datetime) -> str:
    operator = next(o for o in inv.organisations.values() if "operator" in o["roles"])
    done = held(inv, year, until)
    lines = [f"# BÁO CÁO TỔNG HỢP TÌNH HÌNH HOẠT ĐỘNG HỆ THỐNG GIAO BAN TRỰC TUYẾN TỈNH "
             f"{inv.province['name'].upper()} NĂM {year}",
             "",
             f"Đơn vị tổng hợp: {operator['name']}  ",
             "Kính gửi: Ủy ban nhân dân tỉnh  ",
             "Căn cứ: khoản 1 Điều 17 Quy chế ban hành kèm theo Quyết định số 06/2015/QĐ-UBND  ",
             f"Số liệu đến: {_date(inv, until)}",
             "", "## 1. Các cuộc họp đã tổ chức", ""]
    lines.append(f"Tổng số cuộc họp: {len(done)} (thường kỳ: {sum(not m.emergency for m in done)}, đột xuất: "
                 f"{sum(m.emergency for m in done)}); tổng thời lượng: "
                 f"{_hours(sum((m.end - m.start).total_seconds() for m in done))}.")
    hosts = Counter(m.host_room for m in done)
    for sid, n in sorted(hosts.items()):
        lines.append(f"- Chủ trì tại {inv.sites[sid]['name']}: {n} cuộc họp")
    if done:
        lines += ["", "| Thời gian | Cuộc họp | Đơn vị chủ trì | Số điểm cầu | Loại |", "|---|---|---|---|---|"]
        for m in done:
            lines.append(f"| {_date(inv, m.start)} | {m.title} | {inv.organisations[m.chair]['short_name']} | "
                         f"{len(m.rooms)} | {'đột xuất' if m.emergency else 'thường kỳ'} |")
    lines += ["", "## 2. Tham gia của các điểm cầu", "", "| Điểm cầu | Số cuộc họp | Thời lượng |", "|---|---|---|"]
    for sid in sorted(inv.sites, key=lambda s: inv.sites[s]["name"]):
        attended = [m for m in done if sid in m.rooms]
        lines.append(f"| {inv.sites[sid]['name']} | {len(attended)} | "
                     f"{_hours(sum((m.end - m.start).total_seconds() for m in attended))} |")
    _checks_section(lines, _preflight_rows(evidence, None), _audit_rows(evidence, None))
    return "\n".join(lines) + "\n"


def letterhead(inv, year: int, site_id: str | None, until: dt.datetime):
    """Who issues the report and to whom: the district's People's Committee to Sở TT&TT, or
    Sở TT&TT (the operator) to the provincial People's Committee (Art. 17.1)."""
    from .documents import Letterhead, split_name

    day = until.astimezone(zoneinfo.ZoneInfo(inv.province["timezone"])).date()
    subject = f"Tình hình hoạt động hệ thống giao ban trực tuyến năm {year}"
    operator = next(o for o in inv.organisations.values() if "operator" in o["roles"])
    if site_id is None:
        committee = next(o for o in inv.organisations.values() if "provincial-committee" in o["roles"])
        return Letterhead(committee["name"], operator["name"], "BÁO CÁO", "BC", subject, inv.province["name"], day,
                          ["GIÁM ĐỐC"], [f"{committee['name']} (để báo cáo)"])
    org = inv.organisations[inv.sites[site_id]["organisation"]]
    place = split_name(org["name"])[1].split(" ", 1)[-1] or inv.province["name"]
    for word in ("xã ", "phố "):  # "thị xã An Nhơn", "thành phố Quy Nhơn"
        place = place.removeprefix(word)
    return Letterhead("", org["name"], "BÁO CÁO", "BC", subject, place, day, ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
                      [f"{split_name(operator['name'])[0]} (để tổng hợp)"])


def write_reports(inv, year: int, evidence: Evidence, out: Path, until: dt.datetime | None = None,
                  pdf: bool = True) -> list[Path]:
    """Each report as Markdown and as an official .docx (PDF too where LibreOffice is installed, unless `pdf`
    is false: LibreOffice takes seconds to start)."""
    from .documents import write_docx, write_pdfs

    until = until or now_utc()
    out.mkdir(parents=True, exist_ok=True)
    reports = [(None, f"bao-cao-{year}-tinh", province_report(inv, year, evidence, until))]
    reports += [(sid, f"bao-cao-{year}-{sid}", district_report(inv, sid, year, evidence, until))
                for sid, site in sorted(inv.sites.items()) if site["kind"] == "district-room"]
    written, documents = [], []
    for sid, name, text in reports:
        md = out / f"{name}.md"
        md.write_text(text, encoding="utf-8")
        documents.append(write_docx(letterhead(inv, year, sid, until), text, out / f"{name}.docx"))
        written += [md, documents[-1]]
    return written + (write_pdfs(documents) if pdf else [])
