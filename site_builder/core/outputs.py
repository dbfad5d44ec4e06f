"""Outputs: what every writer of pages and files shares, beneath the site and bulletin stages —
ledger text made inert where it lands in Markdown or a title, and zip files (xlsx, docx) made
reproducible. Imports nothing else of the package.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import zipfile

from markupsafe import Markup

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(text: str) -> Markup:
    """Ledger text made inert for a Markdown heading: HTML-escaped, Markdown punctuation escaped."""
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=True)))


def plain_label(text: str) -> str:
    """Ledger text for places the theme prints without escaping (site name, navigation, titles):
    the markup characters become their full-width look-alikes, which read the same and run nothing."""
    return text.translate(str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "'": "＇", "\n": " "}))


def front_title(text: str) -> Markup:
    """A page title for YAML front matter: JSON is valid YAML; markup characters made full-width."""
    return Markup(json.dumps(plain_label(text), ensure_ascii=False))


def normalize_zip(data: bytes, as_of: dt.date) -> bytes:
    """Rewrite a zip (xlsx, docx) with fixed member timestamps so that builds are reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(as_of.year, as_of.month, as_of.day, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the clock
                stamp = f"{as_of.isoformat()}T00:00:00Z".encode()
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            dst.writestr(fixed, content)
    return out.getvalue()


def workbook_bytes(wb, as_of: dt.date) -> bytes:
    """An openpyxl workbook's bytes, the same for the same content: its properties dated ``as_of``
    (openpyxl would stamp the clock) and its members by ``normalize_zip``."""
    moment = dt.datetime(as_of.year, as_of.month, as_of.day)
    wb.properties.created = wb.properties.modified = moment
    wb.properties.creator = "rectify"
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_zip(buf.getvalue(), as_of)
