"""Safe tabular exports (CSV, XLSX): the one place every export of Maillage writes cells through.

Spreadsheet software runs a cell that starts with `=`, `+`, `-` or `@` (and, in some versions,
a tab or a carriage return) as a formula: a name such as `=HYPERLINK("http://…")` or
`=cmd|' /C calc'!A0` imported from a file would become live in the export (OWASP "CSV
injection"). Such text values are prefixed with an apostrophe, which spreadsheets show as text;
XLSX cells are always written as strings, never as formulas. Numbers stay numbers (a negative
number is not text and is not touched).
"""

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def safe_cell(value):
    """The value, or the text prefixed with `'` when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose rows go through `safe_cell`."""

    def writerow(self, rowdict):
        return super().writerow({k: safe_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


def csv_bytes(columns: Sequence[str], rows: Iterable[dict], *, delimiter: str = ";") -> bytes:
    """UTF-8 CSV with a BOM (spreadsheets then read accents right), header first."""
    buffer = io.StringIO()
    writer = SafeDictWriter(buffer, fieldnames=list(columns), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheet_name: str, columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    """One-sheet workbook; text cells are strings (`data_type='s'`), never formulas."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])

    def cell(value):
        if value is None:
            value = ""
        if isinstance(value, str):
            c = WriteOnlyCell(sheet)
            # set after construction: openpyxl infers "f" (formula) from a leading "="
            c.value = safe_cell(value)
            c.data_type = "s"
            return c
        return WriteOnlyCell(sheet, value=value)

    sheet.append([cell(c) for c in columns])
    for row in rows:
        sheet.append([cell(row.get(c)) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def unescape_cell(text: str) -> str:
    """Inverse of `safe_cell` for a text read back from an export (re-import keeps the value)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text
