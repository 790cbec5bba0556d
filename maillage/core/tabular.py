"""Reading uploaded tables (CSV, XLSX) safely: every problem becomes a French message.

The importers call, in this order:

- `decode_csv_bytes(data)` on the raw bytes of a CSV file: the text, or `NotTabular` when the
  file is not a CSV file at all (UTF-16, binary, an XLSX or PDF renamed .csv) — before any
  column check, so that a person is not told « colonnes manquantes » about a spreadsheet;
- `csv_error_message(exc, line)` when the `csv` module raises `csv.Error` (an overlong cell…);
- `check_cell(value)` on each cell kept: a French error for a value the database would refuse
  (a NUL character: PostgreSQL raises `DataError`), to report as an error of that line;
- `open_workbook(data)` for an XLSX file: the openpyxl workbook (read-only), or `NotTabular`
  with a French message instead of openpyxl's English exceptions (corrupt file, not a zip…).

No Django here: the helpers are plain functions on bytes and strings.
"""

import csv
import io
import zipfile

SAMPLE = 8192
NOT_CSV = "Ce fichier n'est pas un fichier CSV ({reason}). Enregistrez-le au format CSV UTF-8."
SIGNATURES = {
    b"PK\x03\x04": "c'est un classeur XLSX ou une archive ZIP : choisissez le format XLSX",
    b"%PDF": "c'est un document PDF",
    b"\xd0\xcf\x11\xe0": "c'est un ancien classeur Excel (.xls)",
    b"\x89PNG": "c'est une image",
    b"\xff\xd8\xff": "c'est une image",
    b"\x1f\x8b": "c'est une archive compressée",
}
BOMS = {
    b"\xff\xfe\x00\x00": "encodage UTF-32",
    b"\x00\x00\xfe\xff": "encodage UTF-32",
    b"\xff\xfe": "encodage UTF-16",
    b"\xfe\xff": "encodage UTF-16",
}


class NotTabular(ValueError):
    """The file cannot be read as a table; the message is in French, ready to show."""


def _looks_binary(sample: bytes) -> bool:
    """Many bytes that never appear in a text file (controls other than tab, CR, LF, FF)."""
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > 16 and controls > len(sample) * 0.05


def decode_csv_bytes(data: bytes) -> str:
    """The text of a CSV file in UTF-8 (with or without BOM) or Windows-1252.

    Raises NotTabular « Ce fichier n'est pas un fichier CSV (…) » for UTF-16/UTF-32 text, a
    known binary format, or bytes that are mostly control characters. A few NUL characters
    inside otherwise textual content are kept: `check_cell` reports them on their line.
    """
    check_csv_head(data[:SAMPLE])
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NotTabular(
        "Encodage du fichier non reconnu (ni UTF-8 ni Windows-1252) : enregistrez-le en CSV UTF-8."
    )


def check_csv_head(head: bytes) -> None:
    """NotTabular when the first bytes of a file show it is not a CSV text file."""
    for bom, reason in BOMS.items():
        if head.startswith(bom):
            raise NotTabular(NOT_CSV.format(reason=reason))
    for signature, reason in SIGNATURES.items():
        if head.startswith(signature):
            raise NotTabular(NOT_CSV.format(reason=reason))
    if len(head) >= 4 and (
        head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4
    ):
        raise NotTabular(NOT_CSV.format(reason="encodage UTF-16 sans marque"))
    if _looks_binary(head):
        raise NotTabular(NOT_CSV.format(reason="fichier binaire"))


def check_cell(value) -> str | None:
    """A French error for a cell value that cannot be stored, or None."""
    if isinstance(value, str) and "\x00" in value:
        return "caractère nul (octet 0) interdit : retirez-le de la cellule"
    return None


def csv_error_message(exc: csv.Error, line: int | None = None) -> str:
    """French message for an error of the `csv` module (its own messages are English)."""
    where = f"ligne {line} : " if line else ""
    text = str(exc)
    if "field larger than field limit" in text:
        limit = csv.field_size_limit()
        return f"{where}une cellule dépasse {limit} caractères (guillemet non fermé ?)."
    if "new-line character seen in unquoted field" in text:
        return f"{where}retour à la ligne inattendu : enregistrez le fichier au format CSV."
    return f"{where}ligne CSV illisible (guillemets mal placés ?)."


def open_workbook(data: bytes):
    """The openpyxl workbook (read-only, values only) of an XLSX file, or NotTabular."""
    import openpyxl

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise NotTabular(
            "Le fichier XLSX est illisible : ce n'est pas un classeur Office Open XML. "
            "Enregistrez-le au format XLSX, ou exportez-le en CSV."
        )
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors (KeyError, ValueError…)
        raise NotTabular(
            "Le classeur XLSX est illisible ou abîmé : ouvrez-le dans un tableur, enregistrez-le "
            "de nouveau au format XLSX, ou exportez-le en CSV."
        ) from exc
