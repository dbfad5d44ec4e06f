"""Word documents of the weekly bulletin: the bulletin itself (《每周情况通报》, in the look of an
official document: red title, 第N期, the office and the issue date over a red rule, sections 一、二、三…
with tables of figures) and the reminder-letter drafts (整改提醒函) for lagging units.

python-docx makes a skeleton once per process (page size and margins of GB/T 9704, the paragraph
and table styles, page numbers in the footer); each document is then that skeleton with its body
written as WordprocessingML text, which is twenty times faster than building it object by object —
a site carries one document a week, a year of them on every build. Both kinds of document are
byte-identical across runs: fixed core properties (dated the issue date) and the zip rewritten with
fixed member timestamps by ``downloads.normalize_zip``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from functools import lru_cache
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from site_builder.bulletin.builder import Bulletin
from site_builder.bulletin.figures import Changes, LaggingUnit
from site_builder.bulletin.wording import chinese_number, long_date, reason_text, section_title, verdict
from site_builder.core.outputs import normalize_zip
from site_builder.core.messages import translate

RED = "E00000"
TITLE_FONT = "方正小标宋简体"
HEI = "黑体"
FANG = "仿宋_GB2312"
KAI = "楷体_GB2312"
LATIN = "Times New Roman"
BODY_PT = 16          # 三号
TABLE_PT = 11
TEXT_WIDTH = Cm(21.0 - 2.8 - 2.6)

#: paragraph styles of the skeleton: name → (East Asian font, size in points, first-line indent, exact 28pt lines)
STYLES = {
    "RL Body": (FANG, BODY_PT, True, True),
    "RL Body Flush": (FANG, BODY_PT, False, True),
    "RL Heading": (HEI, BODY_PT, True, True),
    "RL Kai": (KAI, BODY_PT, True, True),
    "RL Kai Flush": (KAI, BODY_PT, False, True),
    "RL Table Text": (FANG, TABLE_PT, False, False),
    "RL Table Heading": (HEI, TABLE_PT, False, False),
}
_DROP = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg")   # template leftovers, 450 KB a document


def _sid(name: str) -> str:
    return name.replace(" ", "")


# ---------------------------------------------------------------- the skeleton

def _east(rpr, east: str) -> None:
    """Set the East Asian font of run or style properties (python-docx sets only the Latin one)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east)


@lru_cache(maxsize=1)
def _skeleton() -> dict[str, bytes]:
    """The members of an empty document with this module's page setup, styles and footer."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN
    normal.font.size = Pt(BODY_PT)
    _east(normal.element.get_or_add_rPr(), FANG)
    for name, (east, size, indent, exact) in STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.first_line_indent = Pt(size * 2 if indent else 0)
        if exact:
            fmt.line_spacing = Pt(28)
        _east(style.element.get_or_add_rPr(), east)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ").font.size = Pt(14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    placeholder, number = OxmlElement("w:r"), OxmlElement("w:t")
    number.text = "1"
    placeholder.append(number)
    field.append(placeholder)
    footer._p.append(field)
    footer.add_run(" —").font.size = Pt(14)
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(buf)
    members = {name: src.read(name) for name in src.namelist() if name not in _DROP}
    for name in ("[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels"):
        members[name] = re.sub(rb"<(?:Override|Relationship)[^>]*(?:stylesWithEffects|thumbnail)[^>]*/>", b"", members[name])
    return members


def _package(body: str, title: str, author: str, day: dt.date) -> bytes:
    members = dict(_skeleton())
    document = members["word/document.xml"].decode("utf-8")
    at = document.index("<w:sectPr")
    members["word/document.xml"] = (document[:at] + body + document[at:]).encode("utf-8")
    stamp = f"{day.isoformat()}T00:00:00Z"
    members["docProps/core.xml"] = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:subject>{escape(title)}</dc:subject><dc:creator>{escape(author)}</dc:creator>"
        f"<cp:keywords/><dc:description/><cp:lastModifiedBy>{escape(author)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified><cp:category/></cp:coreProperties>'
    ).encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_STORED)
    return normalize_zip(buf.getvalue(), day)


# ---------------------------------------------------------------- the body, as WordprocessingML

def _runs(text: str, rpr: str = "") -> str:
    """Runs for ``text``: a tab becomes ``<w:tab/>``, everything else is escaped text."""
    out = []
    for k, piece in enumerate(str(text).split("\t")):
        if k:
            out.append(f"<w:r>{rpr}<w:tab/></w:r>")
        if piece:
            out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{escape(piece)}</w:t></w:r>')
    return "".join(out)


class _Body:
    """A document body built as text: paragraphs in the skeleton's styles, direct formatting only
    for the masthead and titles, and grid tables."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def para(self, text: str = "", style: str = "RL Body", align: str | None = None) -> None:
        jc = f'<w:jc w:val="{align}"/>' if align else ""
        self.parts.append(f'<w:p><w:pPr><w:pStyle w:val="{_sid(style)}"/>{jc}</w:pPr>{_runs(text)}</w:p>')

    def page_break(self) -> None:
        self.parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def heading(self, text: str) -> None:
        self.para(text, "RL Heading")

    def big(self, text: str, east: str, size: float, colour: str | None = None, align: str = "center") -> None:
        """A title line: its own font and size, single line spacing, optionally coloured."""
        half = int(size * 2)
        colour_xml = f'<w:color w:val="{colour}"/>' if colour else ""
        rpr = (f'<w:rPr><w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{east}"/>{colour_xml}'
               f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr>')
        self.parts.append(f'<w:p><w:pPr><w:pStyle w:val="{_sid("RL Body Flush")}"/>'
                          f'<w:spacing w:line="240" w:lineRule="auto"/><w:jc w:val="{align}"/></w:pPr>'
                          f"{_runs(text, rpr)}</w:p>")

    def ruled(self, text: str) -> None:
        """The line under the masthead: text left, text after a tab right-aligned, a red rule below."""
        self.parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="{_sid("RL Body Flush")}"/>'
            f'<w:pBdr><w:bottom w:val="single" w:sz="18" w:space="6" w:color="{RED}"/></w:pBdr>'
            f'<w:tabs><w:tab w:val="right" w:pos="{int(TEXT_WIDTH.twips)}"/></w:tabs></w:pPr>{_runs(text)}</w:p>')

    def table(self, headers: list[str], rows: list[list], left: tuple[int, ...] = ()) -> None:
        """A grid table: a header row in 黑体 repeated on each page, then the rows; columns in
        ``left`` are aligned left (text), the others centred (figures)."""
        width = int(TEXT_WIDTH.twips) // max(len(headers), 1)

        def cell(text, style: str, align: str) -> str:
            return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
                    f'<w:pStyle w:val="{_sid(style)}"/><w:jc w:val="{align}"/></w:pPr>{_runs(text)}</w:p></w:tc>')

        xml = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/><w:jc w:val="center"/>'
               '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
               'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>', f'<w:gridCol w:w="{width}"/>' * len(headers),
               "</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>",
               *(cell(h, "RL Table Heading", "center") for h in headers), "</w:tr>"]
        for values in rows:
            xml.append("<w:tr>")
            xml.extend(cell("" if v is None else v, "RL Table Text", "left" if j in left else "center")
                       for j, v in enumerate(values))
            xml.append("</w:tr>")
        xml.append("</w:tbl>")
        self.parts.append("".join(xml))
        self.para("", "RL Body Flush")

    def masthead(self, title: str, title_pt: float, issue_line: str | None, ruled_line: str) -> None:
        self.big(title, TITLE_FONT, title_pt, RED)
        if issue_line:
            self.para(issue_line, "RL Body Flush", "center")
        self.ruled(ruled_line)
        self.para("", "RL Body Flush")

    def xml(self) -> str:
        return "".join(self.parts)


# ---------------------------------------------------------------- the bulletin

def bulletin_docx(b: Bulletin, lang: str = "zh") -> bytes:
    """The bulletin as a Word document."""
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    internal = b.audience != "public"
    colon = "：" if lang == "zh" else ":"
    doc = _Body()
    doc.masthead(t("bulletin.title"), 36, t("bulletin.issue", number=b.number),
                 b.office + "\t" + long_date(b.issue_date, lang))
    doc.big(t("bulletin.heading", start=long_date(b.start, lang), end=long_date(b.end, lang)), TITLE_FONT, 20)
    doc.para("", "RL Body Flush")
    doc.para(t("bulletin.as_of", date=long_date(b.end, lang), week=b.week), "RL Kai")

    doc.heading(section_title(1, "bulletin.s_progress", lang))
    for r in b.rounds:
        doc.para(t("bulletin.progress_line", name=r.name, total=r.total, cleared=r.cleared, active=r.active,
                   completion=r.completion_rate, time=r.time_progress, task=r.task_progress, verdict=verdict(r, lang)))
    if b.rounds:
        doc.table([t("site.round"), t("site.total"), t("status.cleared"), t("site.active"), t("site.completion"),
                   t("site.time_progress"), t("site.task_progress"), t("bulletin.verdict")],
                  [[r.name, r.total, r.cleared, r.active, f"{r.completion_rate}%", f"{r.time_progress}%",
                    f"{r.task_progress}%", verdict(r, lang)] for r in b.rounds], left=(0,))
    else:
        doc.para(t("bulletin.none"))

    doc.heading(section_title(2, "bulletin.s_changes", lang))
    counts = b.changes.counts()
    doc.para(t("bulletin.changes_line", **counts))
    doc.table([t("bulletin.change_" + k) for k in Changes.KINDS], [[counts[k] for k in Changes.KINDS]])
    rows = [[t("bulletin.change_" + k), r.item, r.title, r.unit_name, r.date or ""] + ([r.detail] if internal else [])
            for k in Changes.KINDS for r in getattr(b.changes, k)]
    if rows:
        doc.table([t("bulletin.change"), t("site.item_id"), t("site.title"), t("site.unit"), t("site.date")]
                  + ([t("bulletin.note")] if internal else []), rows, left=(2, 5))

    doc.heading(section_title(3, "bulletin.s_overdue", lang))
    doc.para(t("bulletin.overdue_line", date=long_date(b.end, lang), items=len(b.overdue_items),
               measures=len(b.overdue_measures), soon=len(b.due_soon), days=b.thresholds.due_soon_days))
    if b.overdue_items:
        doc.para(t("bulletin.overdue_items"), "RL Kai")
        doc.table([t("site.item_id"), t("site.title"), t("site.unit"), t("site.due"), t("bulletin.days_overdue")],
                  [[r.item, r.title, r.unit_name, r.date, r.days] for r in b.overdue_items], left=(1,))
    if b.overdue_measures:
        doc.para(t("bulletin.overdue_measures"), "RL Kai")
        doc.table([t("site.item_id"), t("site.title"), t("site.measure"), t("site.unit"), t("site.due"),
                   t("bulletin.days_overdue")],
                  [[r.item, r.title, r.detail, r.unit_name, r.date, r.days] for r in b.overdue_measures], left=(1, 2))
    if b.due_soon:
        doc.para(t("bulletin.due_soon", days=b.thresholds.due_soon_days), "RL Kai")
        doc.table([t("site.item_id"), t("site.title"), t("site.unit"), t("site.due"), t("bulletin.days_left")],
                  [[r.item, r.title, r.unit_name, r.date, r.days] for r in b.due_soon], left=(1,))

    doc.heading(section_title(4, "bulletin.s_silent", lang))
    doc.para(t("bulletin.silent_line", count=len(b.silent), days=b.thresholds.silent_days))
    if b.silent:
        doc.table([t("site.unit"), t("bulletin.owing"), t("site.last_report"), t("site.days_since_report")],
                  [[s.name, s.owing, s.last_report or t("bulletin.never"), "—" if s.days is None else s.days]
                   for s in b.silent], left=(0,))

    doc.heading(section_title(5, "bulletin.s_supervision", lang))
    doc.para(t("bulletin.supervision_line", total=b.supervision_total))
    doc.table([t("method." + m) for m, _ in b.supervision], [[n for _, n in b.supervision]])

    doc.heading(section_title(6, "bulletin.s_actions", lang))
    doc.para(t("bulletin.actions_line", total=sum(n for _, n in b.action_counts)))
    doc.table([t("action." + k) for k, _ in b.action_counts], [[n for _, n in b.action_counts]])
    if b.actions:
        doc.table([t("site.date"), t("site.kind"), t("bulletin.note"), t("site.unit")] + ([t("site.to")] if internal else []),
                  [[a.date, t("action." + a.kind), a.title, "、".join(a.units)] + ([a.to or ""] if internal else [])
                   for a in b.actions], left=(2, 3))

    doc.heading(section_title(7, "bulletin.s_ranking", lang))
    doc.para(t("bulletin.ranking_intro"))
    doc.table([t("site.rank"), t("site.unit"), t("bulletin.cleared_of_total"), t("site.completion"), t("site.proposed_score")],
              [[r.rank, r.name, f"{r.cleared}/{r.total}", f"{r.completion_rate}%", r.proposed_score] for r in b.ranking],
              left=(1,))

    doc.heading(section_title(8, "bulletin.s_lagging", lang))
    if b.lagging:
        doc.para(t("bulletin.lagging_intro", margin=b.thresholds.lag_margin, days=b.thresholds.silent_days))
        doc.table([t("site.unit"), t("bulletin.reasons")],
                  [[u.name, "；".join(reason_text(r, lang) for r in u.reasons)] for u in b.lagging], left=(0, 1))
    else:
        doc.para(t("bulletin.none"))

    doc.heading(section_title(9, "bulletin.s_notes", lang))
    if not b.notes and not b.next_steps:
        doc.para(t("bulletin.no_notes"))
    for text in b.notes:
        doc.para(text)
    if b.next_steps:
        doc.para(t("bulletin.next_steps") + colon, "RL Kai")
        for k, text in enumerate(b.next_steps, start=1):
            doc.para((f"（{chinese_number(k)}）" if lang == "zh" else f"({k}) ") + text)
    if b.lagging:
        # the drafts section 八 announces, each on a page of its own
        doc.page_break()
        doc.heading(t("bulletin.letters_annex"))
        for k, unit in enumerate(b.lagging):
            if k:
                doc.page_break()
            _letter(doc, b, unit, lang)
    title = translate("bulletin.page_title", lang, year=b.year, number=b.number, week=b.week)
    return _package(doc.xml(), title, b.office, b.issue_date)


# ---------------------------------------------------------------- reminder letters

def reminder_docx(b: Bulletin, unit: LaggingUnit, lang: str = "zh") -> bytes:
    """A reminder-letter draft (整改提醒函) to one lagging unit, dated the bulletin's issue date."""
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    doc = _Body()
    doc.masthead(b.office, 26, None, "")
    _letter(doc, b, unit, lang)
    title = t("bulletin.letter_title") + " " + unit.name + " " + b.week
    return _package(doc.xml(), title, b.office, b.issue_date)


def _letter(doc: _Body, b: Bulletin, unit: LaggingUnit, lang: str) -> None:
    """A letter's title, addressee, reasons, overdue items, request and signature."""
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    colon = "：" if lang == "zh" else ":"
    doc.big(t("bulletin.letter_title"), TITLE_FONT, 22)
    doc.para(t("bulletin.letter_draft"), "RL Kai Flush", "center")
    doc.para("", "RL Body Flush")
    doc.para(t("bulletin.letter_to", unit=unit.name), "RL Body Flush")
    doc.para(t("bulletin.letter_body", start=long_date(b.start, lang), end=long_date(b.end, lang)))
    for k, reason in enumerate(unit.reasons, start=1):
        head = f"（{chinese_number(k)}）" if lang == "zh" else f"({k}) "
        doc.para(head + reason_text(reason, lang) + ("。" if lang == "zh" else "."))
    if unit.overdue:
        doc.para(t("bulletin.letter_items") + colon, "RL Kai")
        doc.table([t("site.item_id"), t("site.title"), t("site.measure"), t("site.due"), t("bulletin.days_overdue")],
                  [[r.item, r.title, r.detail or "—", r.date, r.days] for r in unit.overdue], left=(1, 2))
    doc.para(t("bulletin.letter_request"))
    doc.para("", "RL Body Flush")
    doc.para(b.office, "RL Body Flush", "right")
    doc.para(long_date(b.issue_date, lang), "RL Body Flush", "right")


def letter_name(b: Bulletin, unit: LaggingUnit) -> str:
    return f"{b.week}-reminder-{unit.unit}.docx"


def reminder_letters(b: Bulletin, lang: str = "zh") -> dict[str, bytes]:
    """File name → Word document, one reminder letter per lagging unit."""
    return {letter_name(b, u): reminder_docx(b, u, lang) for u in b.lagging}
