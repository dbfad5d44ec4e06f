"""A minimal .xlsx writer for the site stage's downloads: sheets of text cells with a frozen,
bold header row, an autofilter and an A4 print setup (landscape, one page wide, the header row
repeated, a page header and footer).

openpyxl, even write-only, spends about 16 µs a cell (35 µs with a style): the county's workbook
(26,000 rows) took 9.7 s, the whole site build's budget. The few parts a workbook of text needs
are written here directly as SpreadsheetML, with inline strings; openpyxl still reads them back
in the tests. The bytes depend only on the input (fixed timestamps, no clock).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

#: characters XML 1.0 cannot carry (a ledger's YAML can write them as escapes)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: object                      # an iterable of lists of strings, read once
    widths: list[float]
    count: int | None = None          # its rows (header not counted), for the sheet's dimension


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def _column(n: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _write_sheet(out, sheet: Sheet, head: str, foot: str) -> int:
    """Write ``sheet`` as SpreadsheetML into the zip member ``out`` a row at a time (a city's records
    sheet held whole took hundreds of megabytes); the number of its last row."""
    cols = [_column(k) for k in range(1, len(sheet.header) + 1)]

    def row(r: int, values: list[str], style: int) -> bytes:
        cells = "".join(f'<c r="{c}{r}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_text(v)}</t></is></c>'
                        if v else f'<c r="{c}{r}" s="{style}"/>' for c, v in zip(cols, values))
        return f'<row r="{r}">{cells}</row>'.encode("utf-8")

    widths = "".join(f'<col min="{k}" max="{k}" width="{w:g}" customWidth="1"/>' for k, w in enumerate(sheet.widths, 1))
    dimension = f'<dimension ref="A1:{cols[-1]}{sheet.count + 1}"/>' if sheet.count is not None else ""
    out.write((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} {_RNS}>'
               '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
               f'{dimension}'
               '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
               '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
               '<sheetFormatPr defaultRowHeight="15"/>'
               f'<cols>{widths}</cols><sheetData>').encode("utf-8"))
    out.write(row(1, sheet.header, 1))
    n = 1
    chunk: list[bytes] = []
    for n, values in enumerate(sheet.rows, start=2):
        chunk.append(row(n, values, 2))
        if len(chunk) >= 500:
            out.write(b"".join(chunk))
            chunk = []
    out.write(b"".join(chunk))
    last = f"{cols[-1]}{n}"
    out.write((f'</sheetData><autoFilter ref="A1:{last}"/>'
               '<printOptions gridLines="1"/>'
               '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
               '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
               f'<headerFooter><oddHeader>{_text(head)}</oddHeader><oddFooter>{_text(foot)}</oddFooter></headerFooter>'
               '</worksheet>').encode("utf-8"))
    return n


_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
           '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE6F0"/></patternFill></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
           '<alignment vertical="top" wrapText="1"/></xf>'
           '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
           '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _content_types(n: int) -> str:
    sheet_types = "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" '
                          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                          for k in range(1, n + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            f'{sheet_types}</Types>')


def workbook(sheets: list[Sheet], as_of: dt.date, head: str, foot: str, creator: str = "rectify") -> bytes:
    """The workbook's bytes. ``head``/``foot``: the printed page's header and footer in Excel's
    codes (``&P`` page, ``&N`` pages; a literal ``&`` written ``&&``)."""
    stamp = (as_of.year, as_of.month, as_of.day, 0, 0, 0)

    def info(name: str) -> zipfile.ZipInfo:
        member = zipfile.ZipInfo(name, date_time=stamp)
        member.compress_type = zipfile.ZIP_DEFLATED
        member.external_attr = 0o644 << 16
        return member

    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)
    # the parts list first (readers look for it there), then the sheets as they are made
    archive.writestr(info("[Content_Types].xml"), _content_types(len(sheets)).encode("utf-8"))
    names, defined = [], []
    for k, sheet in enumerate(sheets):
        with archive.open(info(f"xl/worksheets/sheet{k + 1}.xml"), "w") as out:
            last_row = _write_sheet(out, sheet, head, foot)
        quoted = "'" + sheet.name.replace("'", "''") + "'"
        last_col = _column(len(sheet.header))
        names.append(f'<sheet name={quoteattr(sheet.name)} sheetId="{k + 1}" r:id="rId{k + 1}"/>')
        defined.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k}" hidden="1">'
                       f'{escape(quoted)}!$A$1:${last_col}${last_row}</definedName>')
        defined.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{k}">{escape(quoted)}!$1:$1</definedName>')
    n = len(sheets)
    rels = "".join(f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
                   for k in range(1, n + 1))
    day = f"{as_of.isoformat()}T00:00:00Z"
    members = [
        ("_rels/.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
         '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
         f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>'),
        ("docProps/core.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
         f'<dc:creator>{escape(creator)}</dc:creator>'
         f'<dcterms:created xsi:type="dcterms:W3CDTF">{day}</dcterms:created>'
         f'<dcterms:modified xsi:type="dcterms:W3CDTF">{day}</dcterms:modified></cp:coreProperties>'),
        ("docProps/app.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
         '<Application>rectify</Application></Properties>'),
        ("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_RNS}>'
         f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{"".join(names)}</sheets>'
         f'<definedNames>{"".join(defined)}</definedNames></workbook>'),
        ("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         f'{rels}<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
        ("xl/styles.xml", _STYLES),
    ]
    with archive:
        for name, text in members:
            archive.writestr(info(name), text.encode("utf-8"))
    return buf.getvalue()
