"""The state a convention's pages show follows its dates (never written by a page view)."""

import datetime

import pytest
from django.urls import reverse

from maillage.conventions.enums import ConventionStatus


@pytest.mark.django_db
def test_past_its_end_date_an_active_convention_is_shown_as_ended_without_a_write(
    client, convention, bruno
):
    assert convention.end_date == datetime.date(2024, 12, 31)
    assert convention.shown_status(datetime.date(2026, 11, 29)) == (
        "ended",
        "Arrivée à échéance",
    )
    assert convention.shown_status(datetime.date(2023, 3, 1))[1] == "En vigueur"
    # Within the notice period before the end: to renew.
    code, label = convention.shown_status(convention.notice_deadline)
    assert (code, label) == ("to_renew", "À renouveler (échéance le 31/12/2024)")
    client.force_login(bruno)
    version = convention.version
    page = client.get(reverse("web:convention_detail", args=[convention.slug])).content.decode()
    listing = client.get(reverse("web:conventions")).content.decode()
    assert "Arrivée à échéance" in page and "constatez l'échéance" in page
    assert "Arrivée à échéance" in listing and "En vigueur" not in listing
    convention.refresh_from_db()
    assert (convention.status, convention.version) == (ConventionStatus.ACTIVE, version)


@pytest.mark.django_db
def test_draft_and_terminated_conventions_show_their_stored_state(convention):
    convention.status = ConventionStatus.DRAFT
    assert convention.shown_status(datetime.date(2026, 11, 29))[1] == "En préparation"
    convention.status = ConventionStatus.TERMINATED
    assert convention.shown_status(datetime.date(2026, 11, 29))[1] == "Résiliée"
