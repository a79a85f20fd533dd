"""Official documents as .docx, in the administrative format of Vietnamese
state documents (Nghị định 30/2020/NĐ-CP, Phụ lục I): the issuing body and its
parent top left with the number, the national motto top right with place and
date, the kind of document and its subject centred, the body, then the
recipients (Nơi nhận) bottom left and the signature block bottom right;
Times New Roman.  The body is one of gbtt's own Markdown reports (headings,
"- " lists, pipe tables, paragraphs), so the .md and the .docx say the same.
PDF too, where LibreOffice (`soffice`) is installed."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .vietnamese import unaccented

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
FONT, SIZE = "Times New Roman", 13
PLACE_WORDS = (" tỉnh ", " huyện ", " thị xã ", " thành phố ")


@dataclass
class Letterhead:
    """Who issues a document, and to whom."""
    parent: str  # the body above the issuer ("" for none), as written: "Ủy ban nhân dân tỉnh Bình Định"
    issuer: str  # "Sở Thông tin và Truyền thông tỉnh Bình Định"
    kind: str  # "BÁO CÁO", "BIÊN BẢN"
    kind_code: str  # in the number: "BC", "BB"
    subject: str
    place: str  # where it is signed: "Bình Định"
    date: dt.date
    signer: list[str]  # the signature block's title lines
    recipients: list[str] = field(default_factory=list)


def split_name(name: str) -> tuple[str, str]:
    """'Sở Thông tin và Truyền thông tỉnh Bình Định' -> ('Sở Thông tin và Truyền thông', 'tỉnh Bình Định')."""
    for word in PLACE_WORDS:
        if word in f" {name} ":
            i = f" {name} ".index(word)
            return name[:i].strip(), name[i:].strip()
    return name, ""


def initials(name: str) -> str:
    """The code of a body in document numbers: 'Sở Thông tin và Truyền thông' -> 'STTTT'."""
    return "".join(w[0].upper() for w in unaccented(name).split() if w.lower() != "va")


def issuer_lines(head: Letterhead) -> tuple[str, str]:
    """The top-left lines: the parent body (upper case, plain) and the issuer (upper case, bold)."""
    base, place = split_name(head.issuer)
    if head.parent:
        return head.parent.upper(), base.upper()
    return base.upper(), place.upper()


def vn_date(place: str, day: dt.date) -> str:
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


# -- .docx -----------------------------------------------------------------

def _run(paragraph, text: str, bold=False, italic=False, size=SIZE):
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.name, run.font.size = bold, italic, FONT, Pt(size)
    return run


def _para(container, text="", align="left", bold=False, italic=False, size=SIZE):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = container.add_paragraph()
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    if text:
        _run(p, text, bold, italic, size)
    return p


def _two_columns(doc):
    table = doc.add_table(rows=1, cols=2)
    table.autofit = True
    left, right = table.rows[0].cells
    for cell in (left, right):
        cell.paragraphs[0].text = ""
    return left, right


def _body(doc, markdown: str) -> None:
    """Our Markdown subset: '#' (the title, given by the letterhead: skipped), '##' headings,
    '- ' list items, pipe tables, paragraphs ("Key: value  " header lines included)."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if line.startswith("# ") or not line.strip():
            i += 1
        elif line.startswith("## "):
            _para(doc, line[3:], bold=True)
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r"-+", c) for c in cells):
                    rows.append(cells)
                i += 1
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, cells in enumerate(rows):
                for c, text in enumerate(cells):
                    cell = table.rows[r].cells[c]
                    cell.paragraphs[0].text = ""
                    _run(cell.paragraphs[0], text, bold=r == 0, size=SIZE - 1)
        else:  # list items keep their "- ", as administrative documents write them
            _para(doc, line, align="justify")
            i += 1


def write_docx(head: Letterhead, markdown: str, path: Path) -> Path:
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    for s in doc.sections:  # the decree's margins: top/bottom 2 cm, left 3 cm, right 1.5 cm
        s.top_margin, s.bottom_margin, s.left_margin, s.right_margin = Cm(2), Cm(2), Cm(3), Cm(1.5)
    left, right = _two_columns(doc)
    parent, issuer = issuer_lines(head)
    _run(left.paragraphs[0], parent, bold=not head.parent, size=12)
    left.paragraphs[0].alignment = 1
    _para(left, issuer, align="center", bold=True, size=12)
    _para(left, "_______", align="center", size=12)
    _para(left, f"Số:      /{head.kind_code}-{initials(split_name(head.issuer)[0])}", align="center", size=12)
    _run(right.paragraphs[0], MOTTO[0], bold=True, size=12)
    right.paragraphs[0].alignment = 1
    _para(right, MOTTO[1], align="center", bold=True)
    _para(right, "_______________________", align="center")
    _para(right, vn_date(head.place, head.date), align="center", italic=True)
    _para(doc)
    _para(doc, head.kind, align="center", bold=True, size=14)
    _para(doc, head.subject, align="center", bold=True, size=14)
    _para(doc, "_______", align="center")
    _body(doc, markdown)
    _para(doc)
    left, right = _two_columns(doc)
    _run(left.paragraphs[0], "Nơi nhận:", bold=True, italic=True, size=12)
    for r in head.recipients:
        _para(left, f"- {r};", size=11)
    _para(left, "- Lưu: VT.", size=11)
    for n, title in enumerate(head.signer):
        p = right.paragraphs[0] if n == 0 else right.add_paragraph()
        p.alignment = 1
        _run(p, title, bold=True)
    _para(right, "(Ký, ghi rõ họ tên, đóng dấu)", align="center", italic=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def write_pdfs(docx_paths: list[Path]) -> list[Path]:
    """Each .docx also as PDF, beside it, where LibreOffice is installed (else none): one LibreOffice run
    (headless, its own throw-away profile, so that neither a user's LibreOffice nor another run gets in the
    way) for all of them, whose first start alone takes seconds."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not docx_paths:
        return []
    with tempfile.TemporaryDirectory(prefix="gbtt-soffice-") as profile:
        for folder in sorted({p.parent for p in docx_paths}):
            subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(folder), *(str(p) for p in docx_paths if p.parent == folder)],
                           capture_output=True, check=True, timeout=300, stdin=subprocess.DEVNULL)
    return [p.with_suffix(".pdf") for p in docx_paths if p.with_suffix(".pdf").exists()]
