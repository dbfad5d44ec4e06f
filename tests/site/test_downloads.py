"""The site's downloads: one Excel workbook with a sheet per table (items, measures, reports and
records, actions, evaluations) and one CSV per table, every progress report kept. Row counts are
checked against a count of the example's YAML made here without the package; the workbook's
frozen header, filter and print setup are read back with openpyxl; the downloads page says what
each file holds, how many rows, and as of when."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import openpyxl
import yaml

from test_site import EXAMPLE

SHEETS = ("问题", "整改措施", "进展与记录", "成果运用与问责", "评估")
CSVS = ("items", "measures", "records", "actions", "evaluations")
#: the item's record lists and the kind each is called in the records table
RECORD_KEYS = {"reports": "进展报告", "supervision": "监督记录", "submissions": "交账", "verifications": "核账",
               "lookbacks": "回头看", "mechanisms": "制度机制", "extensions": "延期"}


def yaml_counts() -> tuple[dict[str, int], Counter, list[dict]]:
    """Rows each table must have, straight from the YAML files; records by kind; the items."""
    items = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((EXAMPLE / "issues").glob("*/*.yaml"))]
    kinds = Counter()
    for item in items:
        for key, kind in RECORD_KEYS.items():
            kinds[kind] += len(item.get(key) or [])
    actions = yaml.safe_load((EXAMPLE / "actions.yaml").read_text(encoding="utf-8"))["actions"]
    evaluations = yaml.safe_load((EXAMPLE / "evaluations.yaml").read_text(encoding="utf-8"))["evaluations"]
    counts = {"items": len(items), "measures": sum(len(i["measures"]) for i in items),
              "records": sum(kinds.values()), "actions": len(actions), "evaluations": len(evaluations)}
    return counts, kinds, items


def read_csv(path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), path.name   # the BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_every_table_is_a_sheet_and_a_csv_with_as_many_rows_as_the_yaml_says(example_site):
    counts, _, _ = yaml_counts()
    assert counts["records"] > counts["items"] * 3       # more than three reports an item: none are dropped
    wb = openpyxl.load_workbook(example_site / "downloads" / "ledger.xlsx")
    assert tuple(wb.sheetnames) == SHEETS
    for sheet, name in zip(SHEETS, CSVS):
        rows = [["" if v is None else str(v) for v in row] for row in wb[sheet].iter_rows(values_only=True)]
        assert len(rows) - 1 == counts[name], sheet
        table = read_csv(example_site / "downloads" / f"{name}.csv")
        assert table == rows, name                       # the CSV is the sheet, cell for cell
    # the items table: one row per item, by id
    items = read_csv(example_site / "downloads" / "items.csv")
    assert sorted(r[0] for r in items[1:]) == sorted(i["id"] for i in yaml_counts()[2])


def test_every_progress_report_and_record_is_a_row_of_its_own(example_site):
    _, kinds, items = yaml_counts()
    rows = read_csv(example_site / "downloads" / "records.csv")
    header, body = rows[0], rows[1:]
    kind, item_col, date, text = (header.index(c) for c in ("类别", "问题编号", "日期", "内容"))
    assert Counter(r[kind] for r in body) == +kinds
    busiest = max(items, key=lambda i: len(i.get("reports") or []))
    assert len(busiest["reports"]) > 3
    shown = [(r[date], r[text]) for r in body if r[item_col] == busiest["id"] and r[kind] == "进展报告"]
    assert shown == [(str(r["date"]), r["text"]) for r in busiest["reports"]]


def test_the_workbook_is_frozen_filtered_and_set_up_for_a4(example_site):
    counts, _, _ = yaml_counts()
    wb = openpyxl.load_workbook(example_site / "downloads" / "ledger.xlsx")
    for sheet, name in zip(SHEETS, CSVS):
        ws = wb[sheet]
        assert ws.freeze_panes == "A2", sheet
        assert re.fullmatch(rf"A1:[A-Z]+{counts[name] + 1}", ws.auto_filter.ref), (sheet, ws.auto_filter.ref)
        assert ws.print_title_rows == "$1:$1"
        setup = ws.page_setup
        assert str(setup.paperSize) == "9" and setup.orientation == "landscape"       # 9: A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        assert "2023-08-18" in ws.oddHeader.left.text and "内部版" in ws.oddHeader.left.text
        assert all(c.font.bold for c in ws[1])


def test_the_downloads_page_says_what_each_file_holds_its_rows_and_the_as_of_date(example_site):
    counts, _, _ = yaml_counts()
    html = (example_site / "downloads" / "index.html").read_text(encoding="utf-8")
    html = html[html.index("<article"):]
    assert "统计截至 2023-08-18" in html or "2023-08-18" in html
    shown = dict(re.findall(r'data-rows="([a-z]+)">(\d+)<', html))
    assert {k: int(v) for k, v in shown.items()} == counts
    assert f"共 {sum(counts.values())} 行" in html
    for name in ("ledger.xlsx", "ledger.json", *(f"{n}.csv" for n in CSVS)):
        assert f'href="{name}"' in html, name
        assert (example_site / "downloads" / name).is_file()
    for sheet in SHEETS:
        assert sheet in html


def test_ledger_text_stays_text_in_the_csv_and_the_workbook(ledger_dir):
    """A title that opens like a formula, with a control character (YAML can write one), comes out
    as the same text: an apostrophe keeps Excel from running it from the CSV, the workbook types it
    as text, and the character XML cannot carry is left out instead of breaking the file."""
    import datetime as dt

    from site_builder.ledger.load import load_ledger
    from site_builder.site import downloads
    path = ledger_dir / "issues" / "2023-R2" / "2023-R2-002.yaml"
    text = path.read_text(encoding="utf-8").replace("title: 防汛物资储备不足", 'title: "=HYPERLINK(\\"x\\")\\x01 & <b>"')
    path.write_text(text, encoding="utf-8")
    ledger, problems = load_ledger(ledger_dir)
    assert problems == []
    assert ledger.items["2023-R2-002"].title == '=HYPERLINK("x")\x01 & <b>'
    rows = list(csv.reader(io.StringIO(downloads.table_csv(ledger, "items", "zh").decode("utf-8-sig"), newline="")))
    title = rows[0].index("问题标题")
    assert rows[2][title] == "'" + '=HYPERLINK("x")\x01 & <b>'
    book = openpyxl.load_workbook(io.BytesIO(downloads.workbook_xlsx(ledger, "zh", dt.date(2023, 8, 18))))
    cell = book["问题"].cell(row=3, column=title + 1)
    assert cell.value == '=HYPERLINK("x") & <b>' and cell.data_type == "s"
