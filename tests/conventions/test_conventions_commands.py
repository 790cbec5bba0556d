"""Command-line tools: the plan report, reminders, indicator feeds, the demo loader."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from maillage.conventions import demo, feeds
from maillage.conventions.enums import AutoSource
from maillage.conventions.models import Convention
from tests.conventions.factories import IndicatorFactory


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


@pytest.mark.django_db
class TestConventionReport:
    def test_json_shape(self, demo_convention, alice):
        indicator = demo_convention.indicators.get(label="Nombre de formations organisées")
        indicator.record(value=3, on=demo_convention.start_date.replace(year=2022), by=alice)
        report = json.loads(
            run("convention_report", "--convention", demo_convention.slug, "--format", "json")
        )
        assert report["convention"]["slug"] == "ctg-bassin-de-vie-carros-2021-2024"
        assert [a["code"] for a in report["axes"]] == ["1", "2", "3", "4", "5", "6", "7"]
        first = report["axes"][0]
        assert first["title"].startswith("Développer l'offre d'accueil du jeune enfant")
        action = next(a for a in first["actions"] if a["code"] == "1.2.3")
        assert (action["status"], action["progress"], action["lead"]) == (
            "new",
            0,
            "commune-gilette",
        )
        formations = next(
            i for i in action["indicators"] if i["label"] == "Nombre de formations organisées"
        )
        assert formations["latest"] == {"value": 3.0, "date": "2022-01-01", "source": ""}
        copil = [e for e in report["calendar"] if e["body"] == "COPIL"]
        cotech = [e for e in report["calendar"] if e["body"] == "COTECH"]
        assert [e["date"] for e in copil] == [
            "2021-11-15",
            "2022-11-15",
            "2023-11-15",
            "2024-11-15",
        ]
        assert len(cotech) == 8 and cotech[0]["date"] == "2021-03-15"
        assert report["indicators"][0]["auto_source"] == "observatory.coverage_rate"

    def test_text_format_and_unknown_convention(self, convention):
        text = run("convention_report", "--convention", convention.slug)
        assert "1.2.1   Nouvelle      0 %  Étudier la faisabilité d'un RAM itinérant" in text
        assert "2021-10-31  Comité de pilotage : envoi des documents" in text
        with pytest.raises(CommandError, match="introuvable"):
            run("convention_report", "--convention", "absente")


@pytest.mark.django_db
def test_reminders_list_the_deadlines_due(convention):
    text = run("convention_reminders", "--date", "2023-10-20", "--jours", "30")
    assert text.splitlines() == [
        "31/10/2023 (dans 11 jours) — CTG du bassin de Carros — Comité de pilotage : envoi des "
        "documents (réunion du 15/11/2023)",
        "15/11/2023 (dans 26 jours) — CTG du bassin de Carros — Comité de pilotage : réunion",
    ]
    assert "Aucun rappel" in run("convention_reminders", "--date", "2025-06-01")
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        run("convention_reminders", "--date", "20/10/2023")


@pytest.mark.django_db
def test_refresh_indicators_uses_the_registry(convention):
    indicator = IndicatorFactory(
        convention=convention, auto_source=AutoSource.COVERAGE_RATE, label="Taux de couverture"
    )
    IndicatorFactory(convention=convention, label="Saisi à la main")
    assert set(feeds.FEEDS) == {
        "observatory.coverage_rate",
        "observatory.unmet_demand",
        "observatory.satisfaction_rate",
        "observatory.placement_delay",
    }
    text = run("refresh_indicators", "--date", "2024-06-30")
    measurement = indicator.measurements.get()
    assert measurement.source.startswith("Observatoire Maillage")
    assert (measurement.vintage, measurement.entered_by) == ("06/2024", None)
    assert "1 mesure(s) enregistrée(s)." in text
    # Running again the same day replaces the automatic measurement instead of adding one.
    run("refresh_indicators", "--date", "2024-06-30")
    assert indicator.measurements.count() == 1
    indicator.auto_source = "inconnue"
    with pytest.raises(feeds.FeedUnavailable, match="Source automatique inconnue"):
        feeds.read(indicator, convention.start_date)


@pytest.mark.django_db
def test_demo_loader_is_idempotent(demo_organisations):
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    convention = Convention.objects.get()
    assert convention.slug == "ctg-bassin-de-vie-carros-2021-2024"
    assert convention.versions.count() == 1
    assert "7 axes, 11 fiches actions" in out.getvalue()


@pytest.mark.django_db
def test_reminders_include_the_notice_deadline(convention):
    convention.notice_months = 6
    convention.save()
    assert convention.notice_deadline.isoformat() == "2024-06-30"
    text = run("convention_reminders", "--date", "2024-06-15", "--jours", "30")
    assert (
        "30/06/2024 — CTG du bassin de Carros — dernier jour pour dénoncer la convention (préavis "
        "de 6 mois) ou préparer sa reconduction (reconduction expresse uniquement)"
    ) in text.splitlines()
