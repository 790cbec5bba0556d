"""Generated documents are opened back: python-docx reads the DOCX, pypdfium2 the PDF."""

import io

import pypdfium2
import pytest
from docx import Document

from maillage.conventions import documents
from maillage.conventions.editing import save_progress
from maillage.conventions.enums import ReportKind
from maillage.conventions.services import generate_report


def pdf_text(content: bytes) -> str:
    pdf = pypdfium2.PdfDocument(content)
    try:
        text = " ".join(page.get_textpage().get_text_range() for page in pdf)
        return " ".join(text.split())  # lines wrap anywhere in a PDF
    finally:
        pdf.close()


def docx_headings(content: bytes) -> list[str]:
    doc = Document(io.BytesIO(content))
    return [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]


@pytest.mark.django_db
class TestConventionDocuments:
    def test_docx_has_the_clauses_the_annexes_and_every_action(self, demo_convention):
        content = documents.convention_docx(demo_convention)
        headings = docx_headings(content)
        assert headings[0] == demo_convention.title
        for heading in [
            "ARTICLE 7 Échanges de données",
            "Compétences des communes",
            "Annexe — Équipements et services par commune",
            "Annexe — Plan d'actions",
            "Annexe — Évaluation",
            "Annexe — Pilotage et calendrier",
            "Comité de pilotage (COPIL)",
        ]:
            assert heading in headings
        codes = [h.split(" ")[1] for h in headings if h.startswith("Action ")]
        assert codes == [
            "1.1.1",
            "1.2.1",
            "1.2.2",
            "1.2.3",
            "2.1.1",
            "3.1.1",
            "4.1.1",
            "4.1.2",
            "5.1.1",
            "6.1.1",
            "7.1.1",
        ]
        doc = Document(io.BytesIO(content))
        # The equipment annex comes from the convention when the directory is empty.
        table_text = "\n".join(
            cell.text for t in doc.tables for row in t.rows for cell in row.cells
        )
        assert "Crèche Le Jardin des Etoiles" in table_text
        assert "Source : Annexe de la convention." in [p.text for p in doc.paragraphs]

    def test_pdf_text_has_the_title_the_actions_and_the_calendar(self, demo_convention):
        text = pdf_text(documents.convention_pdf(demo_convention))
        assert "Convention territoriale globale de services aux familles" in text
        assert "Action 1.2.1 : Étudier la faisabilité de créer un Ram Itinérant" in text
        assert "Annexe — Pilotage et calendrier" in text
        assert "15/11/2021" in text  # the first COPIL computed from the rules


@pytest.mark.django_db
def test_annual_report_documents(convention, alice):
    action = convention.axes.get().perspectives.get(code="1.2").actions.get()
    save_progress(action, status="done", progress=100)
    indicator = action.indicators.get()
    indicator.target = 6
    indicator.save()
    indicator.record(value=4, on=convention.start_date.replace(year=2022, month=6), by=alice)
    report = generate_report(convention, kind=ReportKind.ANNUAL, year=2022, by=alice)
    report.conclusions = "Le relais itinérant est créé ; deux communes restent à convaincre."
    report.save()
    # 1.2.1 is done early; 1.1.1 (due end 2024) is not planned yet for 2022.
    assert (report.data["done"], report.data["planned"]) == (1, 1)
    assert (
        report.data["indicators"][0]["value"] == 4
        and report.data["indicators"][0]["reached"] is False
    )
    headings = docx_headings(documents.report_docx(report))
    assert headings[:4] == [
        str(report),
        "Actions réalisées par rapport au prévisionnel",
        "Ce que le rapport ne peut pas dire",
        "Indicateurs au regard des cibles",
    ]
    text = pdf_text(documents.report_pdf(report))
    assert "Bilan annuel 2022" in text and "1.2.1" in text
    assert "deux communes restent à convaincre" in text
