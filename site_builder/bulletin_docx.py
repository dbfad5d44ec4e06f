"""Word documents of the weekly bulletin: the bulletin itself (《每周情况通报》, in the look of an
official document: red title, 第N期, the office and the issue date over a red rule, sections 一、二、三…
with tables of figures) and the reminder-letter drafts (整改提醒函) for lagging units.

Both are byte-identical across runs: fixed core properties (dated the issue date) and the zip
rewritten with fixed member timestamps by ``downloads.normalize_zip``.
"""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from .bulletin import Bulletin, Changes, LaggingUnit
from .bulletin_render import chinese_number as section_number
from .bulletin_render import long_date, reason_text, section_title, verdict
from .downloads import normalize_zip
from .messages import translate

RED = RGBColor(0xE0, 0x00, 0x00)
TITLE_FONT = "方正小标宋简体"
HEI = "黑体"
FANG = "仿宋_GB2312"
KAI = "楷体_GB2312"
LATIN = "Times New Roman"
BODY_PT = 16          # 三号
TABLE_PT = 11
TEXT_WIDTH = Cm(21.0 - 2.8 - 2.6)
_TABLE_TEXT, _TABLE_HEAD = "RL Table Text", "RL Table Heading"
#: (East Asian font, first-line indent) → paragraph style of body-size text
_BODY_STYLES = {(FANG, True): "RL Body", (FANG, False): "RL Body Flush", (HEI, True): "RL Heading",
                (KAI, True): "RL Kai", (KAI, False): "RL Kai Flush"}


# ---------------------------------------------------------------- building blocks

def _font(run, east: str = FANG, size: float = BODY_PT, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = LATIN
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    _east(run._element.get_or_add_rPr(), east)


def _east(rpr, east: str) -> None:
    """Set the East Asian font of a run's or style's properties (python-docx sets only the Latin one)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east)


def _para(doc, text: str = "", east: str = FANG, size: float = BODY_PT, bold: bool = False,
          align=None, indent: bool = True, color: RGBColor | None = None, exact: bool = True):
    style = _BODY_STYLES.get((east, indent)) if (size, bold, color, exact) == (BODY_PT, False, None, True) else None
    p = doc.add_paragraph()
    if style is not None:      # body text: a paragraph style, much cheaper than formatting every run
        p._p.style = style.replace(" ", "")
        if align is not None:
            p.alignment = align
        if text:
            p.add_run(text)
        return p
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing = Pt(28)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    if text:
        _font(p.add_run(text), east, size, bold, color)
    return p


def _heading(doc, text: str):
    return _para(doc, text, east=HEI, indent=True)


def _rule(paragraph, colour: str = "E00000", size: int = 18) -> None:
    """A red line under ``paragraph`` (its bottom border), as under the masthead of an official document."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "6"), ("w:color", colour)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def _table(doc, headers: list[str], rows: list[list], left: tuple[int, ...] = ()) -> None:
    """A grid table: a header row in 黑体, then the rows; columns in ``left`` align left (text).

    Written as XML in one piece: python-docx's cell-by-cell API costs a tenth of a second a table,
    which a site with a year of weekly bulletins would feel."""
    width = int(TEXT_WIDTH.twips) // max(len(headers), 1)

    def cell(text, style: str, align: str) -> str:
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/>'
                f'<w:jc w:val="{align}"/></w:pPr><w:r><w:t xml:space="preserve">{xml_escape(str(text))}</w:t></w:r></w:p></w:tc>')

    head = doc.styles[_TABLE_HEAD].style_id
    body = doc.styles[_TABLE_TEXT].style_id
    xml = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
           '<w:jc w:val="center"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
           'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
           f'<w:gridCol w:w="{width}"/>' * len(headers), "</w:tblGrid>",
           '<w:tr><w:trPr><w:tblHeader/></w:trPr>', *(cell(h, head, "center") for h in headers), "</w:tr>"]
    for values in rows:
        xml.append("<w:tr>")
        xml.extend(cell("" if v is None else v, body, "left" if j in left else "center") for j, v in enumerate(values))
        xml.append("</w:tr>")
    xml.append("</w:tbl>")
    spacer = _para(doc, "", exact=False, indent=False)
    spacer._p.addprevious(parse_xml("".join(xml)))


def _page_numbers(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), LATIN, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    _font(p.add_run(" —"), LATIN, 14)


def _document():
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN
    normal.font.size = Pt(BODY_PT)
    _east(normal.element.get_or_add_rPr(), FANG)
    for name, east in ((_TABLE_TEXT, FANG), (_TABLE_HEAD, HEI)):
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(TABLE_PT)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.first_line_indent = Pt(0)
        _east(style.element.get_or_add_rPr(), east)
    for (east, indent), name in _BODY_STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = Pt(28)
        fmt.first_line_indent = Pt(BODY_PT * 2 if indent else 0)
        _east(style.element.get_or_add_rPr(), east)
    _page_numbers(section)
    return doc


def _save(doc, title: str, office: str, day: dt.date) -> bytes:
    props = doc.core_properties
    moment = dt.datetime(day.year, day.month, day.day)
    props.title = title
    props.subject = title
    props.author = office
    props.last_modified_by = office
    props.comments = ""
    props.keywords = ""
    props.category = ""
    props.created = props.modified = moment
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue(), day)


def _masthead(doc, title: str, title_pt: float, issue_line: str | None, office: str, date_text: str) -> None:
    _para(doc, title, east=TITLE_FONT, size=title_pt, color=RED, align=WD_ALIGN_PARAGRAPH.CENTER,
          indent=False, exact=False)
    if issue_line:
        _para(doc, issue_line, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    line = _para(doc, indent=False)
    line.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    _font(line.add_run(office + "\t" + date_text))
    _rule(line)
    _para(doc, "", indent=False)


# ---------------------------------------------------------------- the bulletin

def bulletin_docx(b: Bulletin, lang: str = "zh") -> bytes:
    """The bulletin as a Word document."""
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    internal = b.audience != "public"
    doc = _document()
    _masthead(doc, t("bulletin.title"), 36, t("bulletin.issue", number=b.number), b.office, long_date(b.issue_date, lang))
    _para(doc, t("bulletin.heading", start=long_date(b.start, lang), end=long_date(b.end, lang)), east=TITLE_FONT,
          size=20, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=False)
    _para(doc, "", indent=False)
    _para(doc, t("bulletin.as_of", date=long_date(b.end, lang), week=b.week), east=KAI)

    _heading(doc, section_title(1, "bulletin.s_progress", lang))
    for r in b.rounds:
        _para(doc, t("bulletin.progress_line", name=r.name, total=r.total, cleared=r.cleared, active=r.active,
                     completion=r.completion_rate, time=r.time_progress, task=r.task_progress, verdict=verdict(r, lang)))
    if b.rounds:
        _table(doc, [t("site.round"), t("site.total"), t("status.cleared"), t("site.active"), t("site.completion"),
                     t("site.time_progress"), t("site.task_progress"), t("bulletin.verdict")],
               [[r.name, r.total, r.cleared, r.active, f"{r.completion_rate}%", f"{r.time_progress}%",
                 f"{r.task_progress}%", verdict(r, lang)] for r in b.rounds], left=(0,))
    else:
        _para(doc, t("bulletin.none"))

    _heading(doc, section_title(2, "bulletin.s_changes", lang))
    counts = b.changes.counts()
    _para(doc, t("bulletin.changes_line", **counts))
    _table(doc, [t("bulletin.change_" + k) for k in Changes.KINDS], [[counts[k] for k in Changes.KINDS]])
    rows = [[t("bulletin.change_" + k), r.item, r.title, r.unit_name, r.date or ""] + ([r.detail] if internal else [])
            for k in Changes.KINDS for r in getattr(b.changes, k)]
    if rows:
        _table(doc, [t("bulletin.change"), t("site.item_id"), t("site.title"), t("site.unit"), t("site.date")]
               + ([t("bulletin.note")] if internal else []), rows, left=(2, 5))

    _heading(doc, section_title(3, "bulletin.s_overdue", lang))
    _para(doc, t("bulletin.overdue_line", date=long_date(b.end, lang), items=len(b.overdue_items),
                 measures=len(b.overdue_measures), soon=len(b.due_soon), days=b.thresholds.due_soon_days))
    if b.overdue_items:
        _para(doc, t("bulletin.overdue_items"), east=KAI)
        _table(doc, [t("site.item_id"), t("site.title"), t("site.unit"), t("site.due"), t("bulletin.days_overdue")],
               [[r.item, r.title, r.unit_name, r.date, r.days] for r in b.overdue_items], left=(1,))
    if b.overdue_measures:
        _para(doc, t("bulletin.overdue_measures"), east=KAI)
        _table(doc, [t("site.item_id"), t("site.title"), t("site.measure"), t("site.unit"), t("site.due"),
                     t("bulletin.days_overdue")],
               [[r.item, r.title, r.detail, r.unit_name, r.date, r.days] for r in b.overdue_measures], left=(1, 2))
    if b.due_soon:
        _para(doc, t("bulletin.due_soon", days=b.thresholds.due_soon_days), east=KAI)
        _table(doc, [t("site.item_id"), t("site.title"), t("site.unit"), t("site.due"), t("bulletin.days_left")],
               [[r.item, r.title, r.unit_name, r.date, r.days] for r in b.due_soon], left=(1,))

    _heading(doc, section_title(4, "bulletin.s_silent", lang))
    _para(doc, t("bulletin.silent_line", count=len(b.silent)))
    if b.silent:
        _table(doc, [t("site.unit"), t("bulletin.owing"), t("site.last_report"), t("site.days_since_report")],
               [[s.name, s.owing, s.last_report or t("bulletin.never"), "—" if s.days is None else s.days]
                for s in b.silent], left=(0,))

    _heading(doc, section_title(5, "bulletin.s_supervision", lang))
    _para(doc, t("bulletin.supervision_line", total=b.supervision_total))
    _table(doc, [t("method." + m) for m, _ in b.supervision], [[n for _, n in b.supervision]])

    _heading(doc, section_title(6, "bulletin.s_actions", lang))
    _para(doc, t("bulletin.actions_line", total=sum(n for _, n in b.action_counts)))
    _table(doc, [t("action." + k) for k, _ in b.action_counts], [[n for _, n in b.action_counts]])
    if b.actions:
        _table(doc, [t("site.date"), t("site.kind"), t("bulletin.note"), t("site.unit")] + ([t("site.to")] if internal else []),
               [[a.date, t("action." + a.kind), a.title, "、".join(a.units)] + ([a.to or ""] if internal else [])
                for a in b.actions], left=(2, 3))

    _heading(doc, section_title(7, "bulletin.s_ranking", lang))
    _para(doc, t("bulletin.ranking_intro"))
    _table(doc, [t("site.rank"), t("site.unit"), t("bulletin.cleared_of_total"), t("site.completion"), t("site.proposed_score")],
           [[r.rank, r.name, f"{r.cleared}/{r.total}", f"{r.completion_rate}%", r.proposed_score] for r in b.ranking],
           left=(1,))

    _heading(doc, section_title(8, "bulletin.s_lagging", lang))
    if b.lagging:
        _para(doc, t("bulletin.lagging_intro", margin=b.thresholds.lag_margin, days=b.thresholds.silent_days))
        _table(doc, [t("site.unit"), t("bulletin.reasons")],
               [[u.name, "；".join(reason_text(r, lang) for r in u.reasons)] for u in b.lagging], left=(0, 1))
    else:
        _para(doc, t("bulletin.none"))

    _heading(doc, section_title(9, "bulletin.s_notes", lang))
    if not b.notes and not b.next_steps:
        _para(doc, t("bulletin.no_notes"))
    for text in b.notes:
        _para(doc, text)
    if b.next_steps:
        _para(doc, t("bulletin.next_steps") + ("：" if lang == "zh" else ":"), east=KAI)
        for k, text in enumerate(b.next_steps, start=1):
            _para(doc, (f"（{section_number(k)}）" if lang == "zh" else f"({k}) ") + text)
    title = translate("bulletin.page_title", lang, year=b.year, number=b.number, week=b.week)
    return _save(doc, title, b.office, b.issue_date)


# ---------------------------------------------------------------- reminder letters

def reminder_docx(b: Bulletin, unit: LaggingUnit, lang: str = "zh") -> bytes:
    """A reminder-letter draft (整改提醒函) to one lagging unit, dated the bulletin's issue date."""
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    doc = _document()
    _masthead(doc, b.office, 26, None, "", "")
    _para(doc, t("bulletin.letter_title"), east=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER,
          indent=False, exact=False)
    _para(doc, t("bulletin.letter_draft"), east=KAI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, "", indent=False)
    _para(doc, t("bulletin.letter_to", unit=unit.name), indent=False)
    _para(doc, t("bulletin.letter_body", start=long_date(b.start, lang), end=long_date(b.end, lang)))
    for k, reason in enumerate(unit.reasons, start=1):
        head = f"（{section_number(k)}）" if lang == "zh" else f"({k}) "
        _para(doc, head + reason_text(reason, lang) + ("。" if lang == "zh" else "."))
    if unit.overdue:
        _para(doc, t("bulletin.letter_items") + ("：" if lang == "zh" else ":"), east=KAI)
        _table(doc, [t("site.item_id"), t("site.title"), t("site.measure"), t("site.due"), t("bulletin.days_overdue")],
               [[r.item, r.title, r.detail or "—", r.date, r.days] for r in unit.overdue], left=(1, 2))
    _para(doc, t("bulletin.letter_request"))
    _para(doc, "", indent=False)
    _para(doc, b.office, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, long_date(b.issue_date, lang), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    title = t("bulletin.letter_title") + " " + unit.name + " " + b.week
    return _save(doc, title, b.office, b.issue_date)


def letter_name(b: Bulletin, unit: LaggingUnit) -> str:
    return f"{b.week}-reminder-{unit.unit}.docx"


def reminder_letters(b: Bulletin, lang: str = "zh") -> dict[str, bytes]:
    """File name → Word document, one reminder letter per lagging unit."""
    return {letter_name(b, u): reminder_docx(b, u, lang) for u in b.lagging}
