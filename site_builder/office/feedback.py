"""Feedback report import: the part of the import stage (``office``) that reads the inspection
feedback report itself (巡察反馈意见), which is how the problems reach a county — a Word document
(.docx, python-docx) or a workbook (.xlsx and the formats ``office.book`` reads) — and writes its
aspects and feedback problems into the round file (``rounds/<id>.yaml``), making the round and the
unit when they do not exist yet, the way ``rectify import`` does.

How the text is read: an aspect is a line headed with a Chinese numeral, 「一、…」 (or 「（一）…」 when
the report has no 「一、」 headings; with both, 「（一）」 lines are sub-headings, skipped); a feedback
problem is a line under an aspect headed with a number, 「1.」「1、」「（1）」. Tables are read row by
row: a table (or sheet) with 方面 and 问题 columns gives a row's aspect and problem from those columns
(merged aspect cells count for every row); any other table is read cell by cell as lines. Every other
non-empty line (titles, preamble, requirements) is named in the report as not imported. The unit
comes from ``--unit``, else from the title (「关于巡察县农业农村局党组的反馈意见」).

A feedback problem already in the round (same unit, same text after normalisation) is not added
again, so reading the same report twice changes nothing; new ones get the next ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.core.problems import Problem
from site_builder.edit.workspace import Workspace
from site_builder.office.book import read_workbook
from site_builder.office.cells import Sheet, aspect_key, cell_text, norm
from site_builder.office.context import text_key
from site_builder.office.round import RoundOptions, supervisor_of, unit_category, unit_id
from site_builder.ledger.models import Round, Unit

_ASPECT = re.compile(r"^[一二三四五六七八九十]{1,3}\s*[、.．]\s*")
_SUB_ASPECT = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]\s*")
_PROBLEM = re.compile(r"^(?:\d{1,3}\s*[.．、](?!\d)|[（(]\d{1,3}[)）])\s*")
_ASPECT_HEADERS = ("方面", "问题方面", "问题类别", "问题类型", "反馈问题方面")
_PROBLEM_HEADERS = ("问题", "反馈问题", "具体问题", "问题描述", "问题表现", "存在问题", "反馈意见", "主要问题")
_NOT_ONE = r"((?:(?!巡察|巡视|关于|对).)+?)"
_BODY = r"(?:党组|党委|党总支|党支部|领导班子)?"
_UNIT_IN_TITLE = (re.compile(r"对" + _NOT_ONE + _BODY + r"(?:开展)?的?(?:常规|专项|提级)?(?:巡察|巡视)(?:情况)?的?反馈意见"),
                  re.compile(r"(?:巡察|巡视)" + _NOT_ONE + _BODY + r"的?(?:情况)?的?反馈意见"))
_HEADER = "# 巡察轮次，由 rectify import-feedback 从巡察反馈意见生成；请与反馈意见原文核对。\n"


@dataclass
class Line:
    text: str
    where: str
    aspect: str | None = None      # set when a table column gives it


@dataclass
class FeedbackResult:
    added: list[str] = field(default_factory=list)       # new feedback ids
    aspects: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # display path → text


def _table_rows(rows: list[list[tuple[int, str, str]]]) -> list[Line]:
    """(column, text, where) of the non-empty cells of a table's rows → lines; by column when a header
    row names 方面 and 问题 (a merged or empty 方面 cell keeps the aspect of the row above)."""
    for h, header in enumerate(rows[:3]):
        a = next((c for c, t, _ in header if norm(t) in _ASPECT_HEADERS), None)
        p = next((c for c, t, _ in header if norm(t) in _PROBLEM_HEADERS), None)
        if a is not None and p is not None:
            out, aspect = [], None
            for row in rows[h + 1:]:
                cells = {c: (t, w) for c, t, w in row}
                if a in cells:
                    aspect = cells[a][0]
                if p in cells:
                    out.append(Line(cells[p][0], cells[p][1], aspect))
            return out
    return [Line(t, w) for row in rows for _, t, w in row]


def _docx_lines(path: Path, display: str) -> list[Line]:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    doc = Document(str(path))
    out: list[Line] = []
    paragraphs = tables = 0
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs += 1
            out += [Line(t.strip(), f"{display}:第{paragraphs}段") for t in Paragraph(child, doc).text.split("\n")
                    if t.strip()]
        elif tag == "tbl":
            tables += 1
            rows, above = [], set()
            for r, row in enumerate(Table(child, doc).rows, start=1):
                seen, cells = set(), []
                for c, cell in enumerate(row.cells, start=1):
                    # a merged cell is one cell (elements kept, not their ids: lxml reuses a freed proxy's id)
                    if cell._tc in seen or cell._tc in above or not cell.text.strip():
                        continue
                    seen.add(cell._tc)
                    cells.append((c, cell.text.strip(), f"{display}:表{tables}第{r}行第{c}列"))
                above = seen
                rows.append(cells)
            out += _table_rows(rows)
    return out


def _sheet_lines(path: Path, display: str) -> tuple[list[Line], Problem | None]:
    grids, problem = read_workbook(path, display)
    if problem is not None:
        return [], problem
    out: list[Line] = []
    for grid in grids:
        sheet = Sheet(grid, display)
        rows = []
        for r in range(1, grid.max_row + 1):
            rows.append([(c, cell_text(grid.value(r, c)), sheet.where(r, c)) for c in range(1, grid.max_column + 1)
                         if sheet.top(r, c) == (r, c) and cell_text(grid.value(r, c))])
        out += _table_rows(rows)
    return out, None


def read_report(path: Path, display: str) -> tuple[list[Line], Problem | None]:
    if not path.is_file():
        return [], Problem.at(display, None, "excel.no_file")
    if path.suffix.lower() in (".doc", ".wps"):
        return [], Problem.at(display, None, "feedback.doc_format")
    if path.suffix.lower() in (".docx", ".docm"):
        try:
            return _docx_lines(path, display), None
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one located problem
            return [], Problem.at(display, None, "feedback.unreadable", detail=f"{type(exc).__name__}: {exc}"[:200])
    return _sheet_lines(path, display)


def parse_report(lines: list[Line]) -> tuple[list[tuple[str, str, str]], list[Problem], list[Problem]]:
    """(aspect, problem text, where) of every feedback problem; errors; notes for lines not imported."""
    found, errors, notes = [], [], []
    both = any(_ASPECT.match(x.text) for x in lines)
    aspect = None
    for line in lines:
        text = line.text.strip()
        if line.aspect is not None:
            aspect = aspect_key(line.aspect).rstrip("：:。")
        if _ASPECT.match(text) or (not both and _SUB_ASPECT.match(text)):
            aspect = aspect_key(text).rstrip("：:。")
            continue
        m = _PROBLEM.match(text)
        if m or line.aspect is not None:
            body = text[m.end():].strip() if m else text
            if aspect is None:
                errors.append(Problem.at(line.where, None, "feedback.no_aspect", value=body[:40]))
            elif body:
                found.append((aspect, body, line.where))
            continue
        notes.append(Problem.at(line.where, None, "feedback.skipped", severity="warning", value=text[:40]))
    return found, errors, notes


def unit_of_title(lines: list[Line]) -> str | None:
    for line in lines[:8]:
        for pattern in _UNIT_IN_TITLE:
            m = pattern.search(norm(line.text))
            if m and m.group(1):
                return m.group(1)
    return None


def import_feedback(ws: Workspace, path: Path, display: str, round_id: str, *, unit: str | None,
                    options: RoundOptions) -> FeedbackResult:
    """The round file (and units.yaml) with the report's aspects and feedback problems; nothing is
    written here (the caller writes ``files`` unless it is a dry run)."""
    from site_builder.office.roundfile import extend_round_yaml, round_yaml, units_yaml
    result = FeedbackResult()
    lines, problem = read_report(path, display)
    if problem is not None:
        result.problems.append(problem)
        return result
    found, errors, notes = parse_report(lines)
    result.problems += errors
    result.notes += notes
    if not found and not errors:
        result.problems.append(Problem.at(display, None, "feedback.nothing"))
    name = unit or unit_of_title(lines)
    if name is None:
        result.problems.append(Problem.at(display, None, "feedback.no_unit"))
    rnd = ws.ledger.rounds.get(round_id)
    round_display = ws.ledger.paths.get("round:" + round_id, ws.display_of(f"rounds/{round_id}.yaml"))
    if rnd is None:
        missing = [o for o, v in (("--round-name", options.name), ("--feedback-date", options.feedback_date),
                                  ("--deadline", options.deadline)) if not v]
        if missing:
            result.problems.append(Problem.at(round_display, None, "excel.round_options", round=round_id,
                                              options=" ".join(missing)))
    if result.problems:
        return result
    by_name = {norm(u.name): u.id for u in ws.ledger.units.values()} | {u.id: u.id for u in ws.ledger.units.values()}
    uid = by_name.get(name) or by_name.get(norm(name))
    new_units = []
    if uid is None:
        uid = unit_id(norm(name), set(ws.ledger.units))
        category = unit_category(norm(name))
        new_units.append(Unit(id=uid, name=norm(name), category=category, supervisor=supervisor_of(norm(name), category)))
        result.notes.append(Problem.at(ws.ledger.paths.get("units", ws.display_of("units.yaml")), None,
                                       "feedback.unit_created", severity="warning", unit=uid, name=norm(name),
                                       supervisor=new_units[0].supervisor))
    aspects = list(rnd.aspects) if rnd else []
    units = list(rnd.units) if rnd else []
    feedback = [f.model_dump() for f in rnd.feedback] if rnd else []
    keys = {(f["unit"], text_key(f["text"])): f["id"] for f in feedback}
    numbers = [int(m.group(1)) for f in feedback for m in [re.search(r"-F(\d+)$", f["id"])] if m]
    n = max(numbers, default=0)
    taken = {f["id"] for f in feedback}
    known_aspects = {aspect_key(a): a for a in aspects}
    if uid not in units:
        units.append(uid)
    for aspect, text, where in found:
        if aspect_key(aspect) not in known_aspects:
            known_aspects[aspect_key(aspect)] = aspect
            aspects.append(aspect)
            result.aspects += 1
        key = (uid, text_key(text))
        if key in keys:
            result.notes.append(Problem.at(where, None, "feedback.known", severity="warning", id=keys[key]))
            continue
        n += 1
        while f"{round_id}-F{n:02d}" in taken:
            n += 1
        fid = f"{round_id}-F{n:02d}"
        taken.add(fid)
        keys[key] = fid
        feedback.append({"id": fid, "aspect": known_aspects[aspect_key(aspect)], "unit": uid, "text": text})
        result.added.append(fid)
        result.notes.append(Problem.at(where, None, "feedback.added", severity="warning", id=fid,
                                       aspect=known_aspects[aspect_key(aspect)], text=text[:40]))
    if not result.added and not new_units and rnd is not None and uid in rnd.units:
        return result
    doc = {"id": round_id, "name": rnd.name if rnd else options.name, "level": rnd.level.value if rnd else options.level,
           "kind": rnd.kind.value if rnd else options.kind,
           "feedback_date": rnd.feedback_date if rnd else options.feedback_date,
           "deadline": rnd.deadline if rnd else options.deadline, "aspects": aspects, "units": units, "feedback": feedback}
    try:
        Round(**{**doc, "extensions": [e.model_dump() for e in rnd.extensions] if rnd else []})
    except ValueError as exc:     # a text the model refuses (e.g. empty): said at the report
        result.problems.append(Problem.at(display, None, "feedback.invalid", detail=str(exc)[:200]))
        return result
    if rnd is None:
        result.files[round_display] = round_yaml(doc, _HEADER)
    else:
        result.files[round_display] = extend_round_yaml(ws.ledger.text(round_display), rnd, doc)
    if new_units:
        result.files[ws.ledger.paths.get("units", ws.display_of("units.yaml"))] = units_yaml(ws, new_units)
    return result
