"""The minutes of an inspection (Art. 5.5: biên bản kiểm tra định kỳ), as the
official .docx (gbtt/documents.py) beside each dated JSON report `gbtt audit`
writes: when, where, what was inspected, each host's items with their result,
and the conclusion."""
from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections import Counter
from pathlib import Path

from .annual_report import COMPONENT
from .documents import Letterhead, write_docx, write_pdfs

# the audit's rows that are not components of the model
ITEMS = {"time": "đồng bộ thời gian (NTP)", "secrets": "mật khẩu mặc định của phần mềm",
         "reachable": "kết nối quản trị (SSH)", "certificate": "chứng thư số TLS"}


def item(component: str) -> str:
    return ITEMS.get(component) or COMPONENT.get(component, component)


def minutes_markdown(inv, report: dict) -> str:
    tz = zoneinfo.ZoneInfo(inv.province["timezone"])
    when = dt.datetime.fromisoformat(report["when"]).astimezone(tz)
    rows = report["results"]
    bad = [r for r in rows if not r["ok"]]
    hosts = sorted({r["host"] for r in rows})
    lines = ["# BIÊN BẢN KIỂM TRA ĐỊNH KỲ HỆ THỐNG GIAO BAN TRỰC TUYẾN", "",
             f"Thời gian kiểm tra: {when:%H:%M} ngày {when:%d/%m/%Y}  ",
             f"Địa điểm: {inv.centre['name']}  ",
             f"Đối tượng kiểm tra: {len(hosts)} máy chủ, thiết bị của hệ thống"
             f"{' (phòng thử nghiệm)' if report.get('lab') else ''}  ",
             "Căn cứ: khoản 5 Điều 5 Quy chế ban hành kèm theo Quyết định số 06/2015/QĐ-UBND  ",
             "Phương pháp: đối chiếu cấu hình, phần mềm, dịch vụ của từng máy với mô hình hệ thống; "
             "kiểm tra thực tế từng dịch vụ bằng giao thức của nó.",
             "", "## 1. Nội dung và kết quả kiểm tra", "",
             "| Máy chủ, thiết bị | Hạng mục | Kết quả |", "|---|---|---|"]
    lines += [f"| {r['host']} | {item(r['component'])} | {'Đạt' if r['ok'] else 'Không đạt'} |" for r in rows]
    lines += ["", "## 2. Kết luận", "",
              f"Số hạng mục kiểm tra: {len(rows)}; đạt: {len(rows) - len(bad)}; không đạt: {len(bad)}."]
    for host, n in sorted(Counter(r["host"] for r in bad).items()):
        lines.append(f"- {host}: {n} hạng mục không đạt")
    for r in bad:
        lines.append(f"- {r['host']}, {item(r['component'])} (chi tiết kỹ thuật: {r['detail']})")
    if not bad:
        lines.append("Hệ thống đúng với cấu hình đã phê duyệt; không có hạng mục nào phải khắc phục.")
    return "\n".join(lines) + "\n"


def write_minutes(inv, report_path: Path) -> Path:
    report = json.loads(report_path.read_text())
    when = dt.datetime.fromisoformat(report["when"]).astimezone(zoneinfo.ZoneInfo(inv.province["timezone"]))
    operator = next(o for o in inv.organisations.values() if "operator" in o["roles"])
    committee = next(o for o in inv.organisations.values() if "provincial-committee" in o["roles"])
    head = Letterhead(committee["name"], operator["name"], "BIÊN BẢN", "BB",
                      "Kiểm tra định kỳ hệ thống giao ban trực tuyến (Điều 5.5)", inv.province["name"], when.date(),
                      ["ĐẠI DIỆN ĐƠN VỊ KIỂM TRA"], [inv.centre["name"]])
    docx = write_docx(head, minutes_markdown(inv, report), report_path.with_suffix(".docx"))
    write_pdfs([docx])  # beside it, where LibreOffice is installed
    return docx
