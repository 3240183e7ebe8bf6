"""A write-only sheet's rows written as sheet XML text, spliced into the saved workbook.

openpyxl turns every appended value into a cell object and an lxml element: over a district's
1.06 M cells that was three quarters of ``lianhu export``. Here ``write_rows`` renders the
body rows straight to the XML openpyxl itself writes for them (inline strings, numbers,
booleans, dates as serial numbers with openpyxl's own date styles) into a temporary file, and
``save`` saves the workbook with openpyxl (header row, column widths, frozen pane, filter,
styles) and then copies each sheet's rows into its ``<sheetData>``. Nothing is run by a cell:
formulas are escaped before (``exporter.as_text``).
"""
from __future__ import annotations

import os
import tempfile
import weakref
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: the rows waiting for each sheet (a temporary file of ``<row>`` elements)
_BODIES: weakref.WeakKeyDictionary[WriteOnlyWorksheet, IO[str]] = weakref.WeakKeyDictionary()
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _style(ws: WriteOnlyWorksheet, value: object) -> str:
    """openpyxl's style id for a cell holding ``value`` (registers the date formats)."""
    return str(WriteOnlyCell(ws, value=value).style_id)


def _cell(ref: str, value: Any, datetime_style: str, date_style: str) -> str:
    if type(value) is str or isinstance(value, str):
        if not value:
            return f'<c r="{ref}" t="inlineStr"></c>'
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        if "&" in value or "<" in value or ">" in value or "\r" in value:
            value = value.translate(_ESCAPES)
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{value}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}" t="n"><v>{safe_string(value)}</v></c>'
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise TypeError("Excel cannot hold a time zone: write naive local times")
        return f'<c r="{ref}" s="{datetime_style}" t="n"><v>{safe_string(to_excel(value))}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{date_style}" t="n"><v>{safe_string(to_excel(value))}</v></c>'
    raise TypeError(f"cannot write a {type(value).__name__} to a cell")


def write_rows(ws: WriteOnlyWorksheet, rows: Iterable[Sequence[Any]], first: int = 2) -> int:
    """Render ``rows`` (from row ``first`` on) for ``save`` to put into the sheet; how many."""
    datetime_style, date_style = _style(ws, datetime(2000, 1, 1)), _style(ws, date(2000, 1, 1))
    letters: list[str] = []
    body = tempfile.TemporaryFile("w+", encoding="utf-8")
    _BODIES[ws] = body
    count = 0
    for r, row in enumerate(rows, start=first):
        if len(row) > len(letters):
            letters = [get_column_letter(i) for i in range(1, len(row) + 1)]
        cells = "".join(_cell(f"{letters[i]}{r}", v, datetime_style, date_style)
                        for i, v in enumerate(row) if v is not None)
        body.write(f'<row r="{r}">{cells}</row>')
        count += 1
    return count


def save(wb: Workbook, path: Path) -> None:
    """Save ``wb`` to ``path`` with the rows ``write_rows`` rendered for its sheets."""
    waiting = {ws: _BODIES.pop(ws) for ws in wb.worksheets if isinstance(ws, WriteOnlyWorksheet) and ws in _BODIES}
    if not waiting:
        wb.save(path)
        return
    fd, plain = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(plain)  # numbers the sheets' parts (xl/worksheets/sheetN.xml)
        _splice(Path(plain), path, {ws.path.lstrip("/"): body for ws, body in waiting.items()})
    finally:
        Path(plain).unlink(missing_ok=True)
        for body in waiting.values():
            body.close()


def _splice(plain: Path, path: Path, bodies: dict[str, IO[str]]) -> None:
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = bodies.get(info.filename)
            if body is None:
                out.writestr(info, src.read(info.filename))
                continue
            xml = src.read(info.filename).decode("utf-8").replace("<sheetData/>", "<sheetData></sheetData>")
            head, tail = xml.split("</sheetData>", 1)
            with out.open(info.filename, "w") as part:
                part.write(head.encode("utf-8"))
                body.seek(0)
                while chunk := body.read(1 << 20):
                    part.write(chunk.encode("utf-8"))
                part.write(b"</sheetData>" + tail.encode("utf-8"))
