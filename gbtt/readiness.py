"""`gbtt readiness`: one static HTML page (no server needed) with what the
operators need before a meeting, in Vietnamese: the meetings not yet over
with their rooms and preparation window (Art. 6.4, 7), each room system's
last pre-meeting check (`gbtt preflight`: passed, or the cause in words, and
when) and last dress rehearsal on the bridge (`gbtt rehearse`), each host's last inspection (`gbtt audit`), the topology, and a link
to every report it was made from.  Written beside the reports (out/), and
published (`publish`) to the conference hosts, whose nginx serves it read-only
to the management networks at /readiness/."""
from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import subprocess
import tarfile
from pathlib import Path

from .annual_report import failure
from .meetings import freeze_window, local, meetings, now_utc
from .minutes import item
from .remote import read_reports
from .topology import TopologyError, dot_source, render_svg

STYLE = """
body{font-family:"Liberation Sans",Arial,sans-serif;margin:24px;color:#212121}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;color:#0b3d91}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #cfd8dc;padding:4px 8px;text-align:left}
th{background:#eceff1}.ok{background:#e8f5e9;color:#1b5e20}.bad{background:#ffebee;color:#b71c1c}
.none{background:#f5f5f5;color:#616161}.when{color:#546e7a;font-size:12px}svg{max-width:100%;height:auto}
"""


def last_checks(folder: Path | None) -> dict[str, dict]:
    """room -> its latest preflight row, with the report's time and path."""
    found: dict[str, dict] = {}
    for path, data in read_reports(folder, "preflight"):
        for row in data.get("rooms", []):
            if "room" in row and row["room"] not in found:
                found[row["room"]] = dict(row, when=data.get("when"), report=path)
    return found


def last_rehearsals(folder: Path | None) -> dict[str, dict]:
    """room -> its latest rehearsal row (gbtt rehearse) where it took part, with the report's time and path."""
    found: dict[str, dict] = {}
    for path, data in read_reports(folder, "rehearsal"):
        for row in data.get("results", []):
            if row.get("ok") is not None and row.get("room") not in found:
                found[row["room"]] = dict(row, when=data.get("when"), report=path)
    return found


def rehearsal_cell(inv, row: dict | None) -> tuple[str, str]:
    """(css class, text) of a room's last rehearsal."""
    if row is None:
        return "none", "Chưa có"
    when = _when(inv, row.get("when"))
    return ("ok", f"Đạt ({when})") if row["ok"] else ("bad", f"Không đạt ({when}): {row.get('cause', '')}")


def last_audit(folder: Path | None) -> tuple[dict[str, list[dict]], str | None, Path | None]:
    """host -> its rows in the newest audit report, that report's time and path."""
    for path, data in read_reports(folder, "audit"):
        rows: dict[str, list[dict]] = {}
        for r in data.get("results", []):
            rows.setdefault(r["host"], []).append(r)
        return rows, data.get("when"), path
    return {}, None, None


def certificate_cell(row: dict | None) -> str:
    """The audit's certificate check of a host (gbtt/checks/certificates.py) in words: the days left per port."""
    if row is None:
        return "—"
    if not row["ok"]:
        return f"Không đạt: {row['detail']}"
    return "; ".join(f"cổng {port}: còn {days} ngày" for port, days in re.findall(r"(\d+): (\d+) days left", row["detail"]))


def _when(inv, iso: str | None) -> str:
    return local(inv, dt.datetime.fromisoformat(iso)) if iso else ""


def _link(path: Path | None, page: Path) -> str:
    return f'<a href="{html.escape(os.path.relpath(path, page.parent))}">{html.escape(path.name)}</a>' if path else ""


def page_html(inv, page: Path, preflight_dir: Path | None, audit_dir: Path | None, now: dt.datetime,
              rehearsal_dir: Path | None = None) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="vi"><head><meta charset="utf-8">',
           f"<title>Sẵn sàng giao ban trực tuyến — {e(inv.province['name'])}</title><style>{STYLE}</style></head><body>",
           f"<h1>Sẵn sàng giao ban trực tuyến tỉnh {e(inv.province['name'])}</h1>",
           f'<div class="when" id="updated">Cập nhật lúc {e(local(inv, now))}</div>',
           "<h2>Cuộc họp sắp tới</h2>"]
    upcoming = sorted((m for m in meetings(inv) if m.end > now), key=lambda m: m.start)
    if upcoming:
        out.append("<table id=\"meetings\"><tr><th>Thời gian</th><th>Cuộc họp</th><th>Chủ trì</th>"
                   "<th>Điểm cầu</th><th>Chuẩn bị từ (Điều 6.4, 7)</th></tr>")
        for m in upcoming:
            rooms = ", ".join(inv.sites[s]["name"] for s in m.rooms if s in inv.sites)
            out.append(f'<tr data-meeting="{e(m.id)}"><td>{e(local(inv, m.start))} – {e(local(inv, m.end)[-5:])}</td>'
                       f"<td>{e(m.title)}</td><td>{e(inv.organisations[m.chair]['short_name'])}</td><td>{e(rooms)}</td>"
                       f"<td>{e(local(inv, freeze_window(inv, m)[0]))}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>Không có cuộc họp nào sắp tới.</p>")
    checks = last_checks(preflight_dir)
    rehearsals = last_rehearsals(rehearsal_dir)
    out += ["<h2>Điểm cầu: kiểm tra trước cuộc họp gần nhất (gbtt preflight)</h2>",
            "<table id=\"rooms\"><tr><th>Điểm cầu</th><th>Thiết bị</th><th>Kết quả</th><th>Lúc</th>"
            "<th>Tổng duyệt</th><th>Báo cáo</th></tr>"]
    for sid, site in sorted(inv.sites.items(), key=lambda kv: kv[1]["name"]):
        for ep in site["endpoints"]:
            row = checks.get(ep["id"])
            state = "none" if row is None else "true" if row.get("ok") else "false"
            verdict = ("Chưa kiểm tra" if row is None else "Đạt" if row.get("ok")
                       else f"Không đạt: {failure(row)}")
            css = {"none": "none", "true": "ok", "false": "bad"}[state]
            rehearsal = rehearsals.get(ep["id"])
            r_css, r_text = rehearsal_cell(inv, rehearsal)
            links = " ".join(x for x in (_link(row and row.get("report"), page),
                                         _link(rehearsal and rehearsal.get("report"), page)) if x)
            out.append(f'<tr data-room="{e(ep["id"])}" data-ok="{state}"><td>{e(site["name"])}</td><td>{e(ep["id"])}</td>'
                       f'<td class="{css}">{e(verdict)}</td><td>{e(_when(inv, row and row.get("when")))}</td>'
                       f'<td class="{r_css}">{e(r_text)}</td><td>{links}</td></tr>')
    out.append("</table>")
    audited, when, report = last_audit(audit_dir)
    out += [f"<h2>Máy chủ và thiết bị: kiểm tra định kỳ gần nhất (gbtt audit, Điều 5.5)"
            f"{' — ' + e(_when(inv, when)) if when else ''}</h2>"]
    if audited:
        out.append("<table id=\"hosts\"><tr><th>Máy chủ, thiết bị</th><th>Kết quả</th>"
                   "<th>Chứng thư số TLS (ngày còn hạn)</th><th>Báo cáo</th></tr>")
        for host, rows in sorted(audited.items()):
            bad = [r for r in rows if not r["ok"]]
            verdict = "Đạt" if not bad else "Không đạt: " + "; ".join(f"{item(r['component'])} ({r['detail']})" for r in bad)
            cert = next((r for r in rows if r["component"] == "certificate"), None)
            out.append(f'<tr data-host="{e(host)}" data-ok="{"false" if bad else "true"}"><td>{e(host)}</td>'
                       f'<td class="{"bad" if bad else "ok"}">{e(verdict)}</td>'
                       f'<td class="{"" if cert is None else "ok" if cert["ok"] else "bad"}">{e(certificate_cell(cert))}</td>'
                       f'<td>{_link(report, page)}</td></tr>')
        out.append("</table>")
    else:
        out.append("<p>Chưa có kết quả kiểm tra định kỳ.</p>")
    out.append("<h2>Sơ đồ hệ thống</h2>")
    try:
        svg = render_svg(dot_source(inv, {k: bool(v.get("ok")) for k, v in checks.items()}))
        out.append('<div id="topology">' + svg[svg.index("<svg"):] + "</div>")
    except TopologyError as exc:
        out.append(f"<p>{e(str(exc))}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_page(inv, out: Path, preflight_dir: Path | None, audit_dir: Path | None,
               now: dt.datetime | None = None, rehearsal_dir: Path | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page_html(inv, out, preflight_dir, audit_dir, now or now_utc(), rehearsal_dir), encoding="utf-8")
    return out


class PublishError(Exception):
    """Why the page could not be published (one line)."""


def linked_files(page: Path) -> list[tuple[Path, str]]:
    """(file, its path relative to the page) of every report the page links."""
    out = []
    for href in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8")):
        rel = html.unescape(href)
        if rel.startswith("..") or os.path.isabs(rel) or ":" in rel:
            raise PublishError(f"{page}: the link {rel} leads outside the page's folder; write the page beside "
                               "the reports (--out in the folder that holds preflight/, audit/, rehearsal/)")
        out.append((page.parent / rel, rel))
    return out


def bundle(page: Path) -> bytes:
    """The page as index.html and the reports it links, as a tar archive."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, name in [(page, "index.html"), *linked_files(page)]:
            info = tar.gettarinfo(str(path), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mode = 0o644
            with path.open("rb") as fh:
                tar.addfile(info, fh)
    return buf.getvalue()


def publish(fleet, page: Path) -> list[str]:
    """The page and its reports onto every conference host (the whole folder replaced at once); the hosts' names."""
    from .desired.components.conference import READINESS_DIR as D  # noqa: N811

    data = bundle(page)
    swap = (f"rm -rf {D}.new && mkdir -p {D}.new && tar -x --no-same-owner -C {D}.new && chmod -R a+rX {D}.new "
            f"&& rm -rf {D}.old && (test ! -e {D} || mv {D} {D}.old) && mv {D}.new {D} && rm -rf {D}.old")
    hosts = [h.name for h in fleet.with_role("conference")]
    for name in hosts:
        done = subprocess.run([*fleet.ssh(name), swap], input=data, capture_output=True, timeout=60)
        if done.returncode != 0:
            raise PublishError(f"{name}: publishing failed: {done.stderr.decode(errors='replace').strip()[-300:]}")
    return hosts
