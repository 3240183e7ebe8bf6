"""Reading an .xlsx workbook, a CSV file or a folder of CSV files into tables of rows."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.workbook.schema import (
    BUILDINGS,
    HOUSEHOLDS,
    PEOPLE,
    SHEET_ALIASES,
    SHEETS,
    ImportError_,
    fold,
)
from domain.workbook.texts import (
    T_BAD_KIND,
    T_CSV_KIND,
    T_DUPLICATE_COLUMN,
    T_ENCODING,
    T_FORMULA,
    T_MISSING_COLUMNS,
    T_NO_CSV,
    T_NO_FILE,
    T_NO_SHEETS,
    T_TOO_LONG,
    T_UNREADABLE,
    T_XLS,
    WHERE_OTHER,
    WHERE_ROW,
)


@dataclass
class Row:
    """One row of a table, its cells by column key."""

    file: str
    sheet: str
    number: int  # as the worker sees it: the header is row 1
    values: dict[str, str]
    columns: frozenset[str]  # the keys whose column the table has

    def has(self, key: str) -> bool:
        return key in self.columns

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def where(self, other: Row | None = None) -> str:
        """How *other* names this row: "第5行", or "住户.csv 第5行" from another file."""
        if other is not None and other.file != self.file:
            return WHERE_OTHER.format(file=self.file, row=self.number)
        return WHERE_ROW.format(row=self.number)


def _text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0 (Excel stores 502 as 502.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, (str, int, float)):  # an array or data-table formula (openpyxl objects)
        return "=" + str(getattr(value, "text", "") or "公式")
    return str(value).strip().replace("\r\n", "\n")


def _header_map(sheet: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in SHEETS[sheet]:
        for name in (col.header, col.key, *col.aliases):
            out[fold(name)] = col.key
    return out


def _sheet_kind(name: str) -> str | None:
    k = fold(name)
    for sheet in SHEETS:
        if k == fold(sheet):
            return sheet
    return SHEET_ALIASES.get(k)


@dataclass
class Table:
    file: str
    sheet: str
    rows: list[Row]


def _table(file: str, sheet: str, raw: Iterable[Sequence[Any]], problems: list[str]) -> Table | None:
    """Rows of one sheet as dicts by column key; a bad header is a problem."""
    it = iter(raw)
    header = next(it, None)
    table = Table(file, sheet, [])
    if header is None:
        return table
    names = _header_map(sheet)
    index: dict[int, str] = {}
    seen: set[str] = set()
    for i, cell in enumerate(header):
        h = _text(cell).rstrip("*")
        key = names.get(fold(h)) if h else None
        if key is None:
            continue  # a column of the worker's own: ignored
        if key in seen:
            problems.append(problem(file, sheet, 1, T_DUPLICATE_COLUMN.format(header=h)))
            return None
        seen.add(key)
        index[i] = key
    missing = [c.header for c in SHEETS[sheet] if c.required and c.key not in seen]
    if missing:
        problems.append(problem(file, sheet, 1, T_MISSING_COLUMNS.format(columns="、".join(missing))))
        return None
    columns = frozenset(seen)
    limits = {c.key: (c.header, c.max_len) for c in SHEETS[sheet]}
    for number, cells in enumerate(it, start=2):
        values = {key: _text(cells[i]) for i, key in index.items() if i < len(cells)}
        if not any(_text(c) for c in cells):
            continue  # blank lines are fine
        for key, value in values.items():
            header, limit = limits[key]
            if value.startswith("="):  # a formula: its result is not what the ledger should hold
                problems.append(problem(file, sheet, number, T_FORMULA.format(column=header, value=value[:20])))
            elif limit is not None and len(value) > limit:
                problems.append(problem(file, sheet, number, T_TOO_LONG.format(
                    column=header, length=len(value), limit=limit)))
            values[key] = unescape(value)
        table.rows.append(Row(file, sheet, number, values, columns))
    return table


#: what a spreadsheet would read as a formula at the start of a cell: the export writes such
#: text with a leading ' (domain/workbook/exporter.py ``as_text``), the import takes it off
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unescape(value: str) -> str:
    """A cell the export escaped ('=1+1) back to what was typed (=1+1)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def problem(file: str, sheet: str, row: int, text: str) -> str:
    return f"{file} {sheet} 第{row}行: {text}"


def file_problem(file: str, text: str) -> str:
    return f"{file}: {text}"


def read_tables(path: Path) -> list[Table]:
    """Every known table in an .xlsx file, a .csv file or a folder of .csv files."""
    problems: list[str] = []
    tables: list[Table] = []
    if not path.exists():
        raise ImportError_([T_NO_FILE.format(path=path)])
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            raise ImportError_([file_problem(path.name, T_NO_CSV)])
        for f in files:  # other CSV files (a 台账's visits, tickets...) are not imported
            tables += _read_csv(f, problems, alone=False)
        if not tables and not problems:
            raise ImportError_([file_problem(path.name, T_NO_CSV)])
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        tables += _read_xlsx(path, problems)
    elif path.suffix.lower() == ".csv":
        tables += _read_csv(path, problems)
    elif path.suffix.lower() == ".xls":
        raise ImportError_([file_problem(path.name, T_XLS)])
    else:
        raise ImportError_([file_problem(path.name, T_BAD_KIND.format(suffix=path.suffix or path.name))])
    if problems:
        raise ImportError_(problems)
    return tables


def _read_xlsx(path: Path, problems: list[str]) -> list[Table]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=False)  # formulas as written: rejected
    except Exception as exc:  # noqa: BLE001 - a damaged or mislabelled file
        raise ImportError_([file_problem(path.name, T_UNREADABLE.format(error=exc))]) from None
    try:
        tables = []
        for ws in wb.worksheets:
            kind = _sheet_kind(ws.title)
            if kind is None:
                continue  # 台账's other sheets (visits, tickets...) are not imported
            table = _table(path.name, kind, ws.iter_rows(values_only=True), problems)
            if table is not None:
                tables.append(table)
        if not tables and not problems:
            problems.append(file_problem(path.name, T_NO_SHEETS.format(
                names="、".join(ws.title for ws in wb.worksheets))))
        return tables
    finally:
        wb.close()


def decode_csv(data: bytes) -> str | None:
    """CSV bytes as text: UTF-8 (BOM or not), UTF-16 with BOM, else GBK/GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(path: Path, problems: list[str], alone: bool = True) -> list[Table]:
    """One CSV file's table, known by its name; a file given on its own may also be
    known by its headers, while a folder's files with other names are skipped."""
    try:
        text = decode_csv(path.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(file_problem(path.name, T_UNREADABLE.format(error=exc)))
        return []
    if text is None:
        problems.append(file_problem(path.name, T_ENCODING))
        return []
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    kind = _sheet_kind(path.stem) or next((s for s in SHEETS if s in path.stem), None)
    if kind is None and not alone:
        return []
    kind = kind or _kind_by_headers(rows[0] if rows else [])
    if kind is None:
        problems.append(file_problem(path.name, T_CSV_KIND))
        return []
    table = _table(path.name, kind, rows, problems)
    return [table] if table is not None else []


def _kind_by_headers(header: Sequence[str]) -> str | None:
    keys = {fold(h) for h in header}
    for sheet in (HOUSEHOLDS, PEOPLE, BUILDINGS):
        required = [c for c in SHEETS[sheet] if c.required]
        if all(fold(c.header) in keys or c.key in keys for c in required):
            return sheet
    return None

