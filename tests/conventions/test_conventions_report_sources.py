"""The annual report draws from what exists (measurements, action progress, meetings,
decisions) and says plainly what is missing."""

import datetime

import pytest

from maillage.conventions import documents
from maillage.conventions.editing import record_meeting, save_progress
from maillage.conventions.enums import ReportKind
from maillage.conventions.services import generate_report
from tests.conventions.test_conventions_documents import pdf_text


@pytest.mark.django_db
def test_an_empty_year_says_what_is_missing(convention, alice):
    report = generate_report(convention, kind=ReportKind.ANNUAL, year=2022, by=alice)
    missing = report.data["missing"]
    assert any("1 indicateur(s) sur 1 sans aucune mesure saisie" in m for m in missing)
    assert any("jamais été renseignés : 1.2.1" in m for m in missing)
    assert "Aucune réunion des instances enregistrée sur la période." in missing
    text = pdf_text(documents.report_pdf(report))
    assert "Ce que le rapport ne peut pas dire" in text and "aucune mesure" in text


@pytest.mark.django_db
def test_meetings_decisions_and_measurements_are_drawn_in(convention, alice):
    action = convention.axes.get().perspectives.get(code="1.2").actions.get()
    save_progress(action, status="ongoing", progress=40)
    indicator = action.indicators.get()
    indicator.target = 6
    indicator.save()
    indicator.record(value=3, on=datetime.date(2022, 6, 30), by=alice)
    record_meeting(
        convention,
        body="COPIL",
        date=datetime.date(2022, 12, 1),
        decisions="Lancer l'étude du RAM itinérant (cf 1.2.1)",
        actor=alice,
    )
    report = generate_report(convention, kind=ReportKind.ANNUAL, year=2022, by=alice)
    data = report.data
    assert data["decisions"] == [
        {
            "date": "2022-12-01",
            "body": "COPIL",
            "text": "Lancer l'étude du RAM itinérant (cf 1.2.1)",
            "actions": ["1.2.1"],
        }
    ]
    assert not any("1.2.1" in m for m in data["missing"])
    assert not any("réunion" in m for m in data["missing"])
    assert data["indicators"][0]["value"] == 3
