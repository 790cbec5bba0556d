"""Uploaded tables that are not what they claim: a French message, never a database error nor
an English library message. The directory import and the observatory figures import alike."""

import io
import zipfile

import openpyxl
import pytest

from maillage.core.tabular import NotTabular, check_cell, decode_csv_bytes
from maillage.directory import importers
from maillage.directory.models import Structure
from maillage.observatory.importers import FigureImportError, import_figures
from maillage.observatory.models import Figure

STRUCTURES = "nom;type;code_insee\nCrèche A;multi_accueil;06025\nCrèche B;multi_accueil;06025\n"
FIGURES = (
    "indicator,commune,territory,period,value,method,source\n"
    "births,06025,,2022,10,measured,INSEE\n"
    "births,06033,,2022,12,measured,INSEE\n"
)
ENGLISH = ("File is not a zip file", "openpyxl", "There is no item", "codec", "Error")


def _xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["nom", "type", "code_insee"])
    book.active.append(["Crèche", "multi_accueil", "06025"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _damaged_xlsx() -> bytes:
    """A zip that looks like XLSX but whose sheet is not XML."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = b"<worksheet><sheetData><row><c r='A1' t='s'><v>99</v>"
            target.writestr(item, data)
    return out.getvalue()


NOT_CSV = {
    "utf16": STRUCTURES.encode("utf-16"),
    "utf16-no-bom": STRUCTURES.encode("utf-16-le"),
    "binary": bytes(range(256)) * 8,
    "xlsx renamed": _xlsx_bytes(),
    "pdf": b"%PDF-1.7\n" + bytes(range(256)),
}


@pytest.mark.parametrize("name", sorted(NOT_CSV))
def test_not_a_csv_file_is_said_before_the_columns(located_bassin, name):
    report = importers.check(NOT_CSV[name], "fichier.csv", "structures")
    assert len(report.file_errors) == 1
    assert report.file_errors[0].startswith("Ce fichier n'est pas un fichier CSV (")
    assert "Colonnes" not in report.file_errors[0]
    with pytest.raises(FigureImportError) as error:
        import_figures(NOT_CSV[name])
    assert error.value.errors[0].startswith("Ce fichier n'est pas un fichier CSV (")


def test_a_nul_byte_in_a_cell_is_an_error_of_its_line(located_bassin):
    data = STRUCTURES.replace("Crèche B", "Crèche\x00B").encode()
    report = importers.check(data, "fichier.csv", "structures")
    assert not report.file_errors
    assert [r.line for r in report.error_rows] == [3]
    assert "caractère nul" in report.error_rows[0].errors[0]
    importers.apply(report, valid_only=True)  # the valid line is stored, no DataError
    assert list(Structure.objects.values_list("name", flat=True)) == ["Crèche A"]
    with pytest.raises(FigureImportError) as error:
        import_figures(FIGURES.replace("INSEE\nbirths,06033", "INS\x00EE\nbirths,06033").encode())
    assert error.value.errors == [
        "ligne 2 : colonne « source » : caractère nul (octet 0) interdit : retirez-le de la cellule"
    ]
    assert not Figure.objects.exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04 pas un classeur", "XLSX est illisible"),
        (b"nom;type\nA;B\n", "XLSX est illisible"),
        (_damaged_xlsx(), "XLSX est illisible"),
    ],
)
def test_a_broken_xlsx_gets_a_french_message(located_bassin, data, expected):
    report = importers.check(data, "offre.xlsx", "structures")
    assert len(report.file_errors) == 1 and expected in report.file_errors[0]
    assert not any(word in report.file_errors[0] for word in ENGLISH)


def test_an_overlong_cell_is_a_french_error(located_bassin):
    data = ('nom;type;code_insee\n"' + "x" * 200_000 + ";multi_accueil;06025\n").encode()
    report = importers.check(data, "fichier.csv", "structures")
    assert "dépasse" in report.file_errors[0] and "ligne" in report.file_errors[0]
    with pytest.raises(FigureImportError) as error:
        import_figures(FIGURES.replace("INSEE\n", '"' + "x" * 200_000 + "\n", 1).encode())
    assert "dépasse" in error.value.errors[0]


def test_helpers():
    assert decode_csv_bytes("é;ü\n".encode()) == "é;ü\n"
    assert decode_csv_bytes("é;ü\n".encode("cp1252")) == "é;ü\n"
    assert decode_csv_bytes(b"a;b\x00c\n") == "a;b\x00c\n"  # one NUL: a cell's problem
    with pytest.raises(NotTabular, match="UTF-16"):
        decode_csv_bytes("a;b\n".encode("utf-16"))
    assert check_cell("ok") is None and "nul" in check_cell("a\x00b")


def test_huge_numbers_are_line_errors(located_bassin):
    data = (
        "nom;type;code_insee;places_bebes;age_max_mois\n"
        f"A;multi_accueil;06025;{'9' * 400};12\n"
        "B;multi_accueil;06025;3;99999999999\n"
    ).encode()
    report = importers.check(data, "fichier.csv", "structures")
    assert [r.line for r in report.error_rows] == [2, 3]
    assert "n'est pas un nombre entier" in report.error_rows[0].errors[0]
    assert "nombre trop grand" in report.error_rows[1].errors[0]
