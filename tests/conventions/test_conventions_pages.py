"""The pages of a convention: inline updates (htmx), errors in French keeping what was typed,
meetings and decisions, calendar export, reports, avenants, bonus territoire, filters."""

import datetime

import pytest
from django.urls import reverse

from maillage.conventions.enums import BonusRule
from maillage.conventions.models import BonusBeneficiary, Meeting, TerritoryBonus


def url(name, convention, **kwargs):
    return reverse(name, kwargs={"slug": convention.slug, **kwargs})


@pytest.mark.django_db
class TestInlineUpdates:
    def test_bad_progress_is_refused_in_french_and_the_typed_value_is_kept(
        self, client, convention, bruno
    ):
        client.force_login(bruno)
        response = client.post(
            url("web:convention_action_progress", convention, code="1.2.1"),
            {"status": "ongoing", "progress": "140"},
            HTTP_HX_REQUEST="true",
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "L&#x27;avancement ne peut pas dépasser 100 %." in page
        assert 'value="140"' in page
        assert convention.axes.get().perspectives.get(code="1.2").actions.get().progress == 0

    def test_a_measurement_is_entered_inline_and_listed(self, client, convention, bruno):
        client.force_login(bruno)
        indicator = convention.indicators.get()
        endpoint = url("web:convention_measurement_add", convention, pk=indicator.pk)
        response = client.post(
            endpoint,
            {
                f"i{indicator.pk}-value": "4,5",
                f"i{indicator.pk}-on": "2023-06-30",
                f"i{indicator.pk}-source": "Relevé du relais",
            },
            HTTP_HX_REQUEST="true",
        )
        page = response.content.decode()
        assert "Mesure enregistrée : 4,50 au 30/06/2023." in page
        measurement = indicator.measurements.get()
        assert (measurement.value, measurement.entered_by, measurement.source) == (
            4.5,
            bruno,
            "Relevé du relais",
        )
        future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
        response = client.post(
            endpoint,
            {f"i{indicator.pk}-value": "abc", f"i{indicator.pk}-on": future},
            HTTP_HX_REQUEST="true",
        )
        page = response.content.decode()
        assert "Saisissez un nombre (par exemple 12 ou 12,5)." in page
        assert "La date de la mesure ne peut pas être dans le futur." in page
        assert 'value="abc"' in page and indicator.measurements.count() == 1


@pytest.mark.django_db
class TestPlanAndCalendar:
    def test_filters_by_status_lead_and_commune(self, client, convention, charlie):
        client.force_login(charlie)
        plan = url("web:convention_plan", convention)
        page = client.get(plan, {"etat": "ongoing"}).content.decode()
        assert "1.1.1" in page and "RAM itinérant" not in page
        page = client.get(plan, {"pilote": "commune-06033"}).content.decode()
        assert "RAM itinérant" in page and "crèche inter-entreprise" not in page
        action = convention.axes.get().perspectives.get(code="1.1").actions.get()
        action.communes.set([convention.territory.communes.get(insee_code="06064")])
        page = client.get(plan, {"commune": "06025"}).content.decode()
        assert "RAM itinérant" in page and "crèche inter-entreprise" not in page
        assert "data-conventions-print" in client.get(plan).content.decode()

    def test_overview_shows_the_next_copil_and_cotech_computed_from_the_rules(
        self, client, convention, bruno
    ):
        client.force_login(bruno)
        page = client.get(
            url("web:convention_detail", convention), {"au": "2023-10-20"}
        ).content.decode()
        assert 'datetime="2023-11-15">mercredi 15 novembre 2023' in page  # COPIL
        assert 'datetime="2024-03-15">vendredi 15 mars 2024' in page  # COTECH
        assert "31/10/2023</time> — Comité de pilotage : envoi des documents" in page
        page = client.get(
            url("web:convention_detail", convention), {"au": "2026-01-05"}
        ).content.decode()
        assert "La période de la convention s'est achevée le 31/12/2024" in page

    def test_a_meeting_with_decisions_linked_to_actions_moves_the_calendar(
        self, client, convention, bruno
    ):
        client.force_login(bruno)
        response = client.post(
            url("web:convention_governance", convention),
            {
                "body": "COPIL",
                "date": "2022-12-01",
                "agenda": "Bilan 2022",
                "attendees": [str(convention.parties.first().organisation_id)],
                "minutes": "Validation du bilan annuel.",
                "decisions": "Lancer l'étude du RAM itinérant (cf 1.2.1)\nReporter le point logement",
            },
        )
        assert response.status_code == 302
        meeting = Meeting.objects.get()
        decisions = list(meeting.decisions.all())
        assert [list(d.actions.values_list("code", flat=True)) for d in decisions] == [
            ["1.2.1"],
            [],
        ]
        events = convention.calendar()
        suivi = [e.date for e in events if e.body == "SUIVI" and e.kind == "meeting"]
        assert datetime.date(2022, 11, 1) in suivi  # one month before the fixed COPIL
        page = client.get(url("web:convention_action", convention, code="1.2.1")).content.decode()
        assert "Lancer l&#x27;étude du RAM itinérant" in page

    def test_a_meeting_without_date_is_refused_and_the_form_keeps_the_agenda(
        self, client, convention, bruno
    ):
        client.force_login(bruno)
        response = client.post(
            url("web:convention_governance", convention),
            {"body": "COPIL", "date": "", "agenda": "Bilan 2022"},
        )
        page = response.content.decode()
        assert response.status_code == 400 and "Indiquez la date." in page and "Bilan 2022" in page

    def test_ics_download(self, client, convention, charlie):
        client.force_login(charlie)
        response = client.get(url("web:convention_ics", convention))
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        body = response.content.decode()
        assert body.startswith("BEGIN:VCALENDAR\r\n") and "DTSTART;VALUE=DATE:20211115" in body


@pytest.mark.django_db
class TestEvaluationAndAmendments:
    def test_annual_report_generation_and_editable_conclusions(
        self, client, convention, bruno, django_capture_on_commit_callbacks
    ):
        client.force_login(bruno)
        response = client.post(
            url("web:convention_evaluation", convention), {"kind": "annual", "year": "2023"}
        )
        report = convention.reports.get()
        assert response["Location"] == url("web:convention_report", convention, pk=report.pk)
        client.post(response["Location"], {"conclusions": "Deux actions lancées."})
        report.refresh_from_db()
        assert report.conclusions == "Deux actions lancées." and report.year == 2023
        # The DOCX is generated in the background (here: on commit), then downloaded.
        download = url("web:convention_report_download", convention, pk=report.pk, fmt="docx")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(download)
        assert response["Location"].endswith("#documents")
        docx = client.get(download)
        assert (
            docx["Content-Disposition"]
            == 'attachment; filename="bilan-annuel-2023-ctg-du-bassin-de-carros.docx"'
        )
        response = client.post(
            url("web:convention_evaluation", convention), {"kind": "annual", "year": ""}
        )
        assert (
            response.status_code == 400
            and "Choisissez l&#x27;année du bilan." in response.content.decode()
        )

    def test_the_caf_records_an_avenant_and_everyone_reads_the_diff(
        self, client, convention, alice, charlie
    ):
        client.force_login(alice)
        response = client.post(
            url("web:convention_amendments", convention),
            {
                "title": "Prolongation",
                "duration_years": "5",
                "clause_number": "ARTICLE 10",
                "clause_text": "Conclue jusqu'au 31 décembre 2025.",
            },
        )
        assert response.status_code == 302
        client.force_login(charlie)
        page = client.get(url("web:convention_amendments", convention)).content.decode()
        assert "Avenant n° 1 — Prolongation" in page and "<del" in page and "<ins" in page
        text = client.get(
            url("web:convention_amendment_diff", convention, number=1, fmt="txt")
        ).content.decode()
        assert "+Conclue jusqu'au 31 décembre 2025." in text
        assert (
            client.post(url("web:convention_amendments", convention), {"title": "x"}).status_code
            == 403
        )

    def test_a_bad_avenant_is_refused_and_the_typed_text_is_kept(self, client, convention, alice):
        client.force_login(alice)
        response = client.post(
            url("web:convention_amendments", convention),
            {"title": "Trop long", "duration_years": "7", "clause_text": "Texte sans numéro"},
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert (
            "La durée va de 1 à 5 ans." in page and "Indiquez le numéro de l&#x27;article" in page
        )
        assert "Texte sans numéro" in page and not convention.amendments.exists()

    def test_bonus_territoire_shows_the_computation(self, client, convention, alice):
        bonus = TerritoryBonus.objects.create(
            convention=convention, reference_year=2020, rule=BonusRule.PRO_RATA_PLACES
        )
        BonusBeneficiary.objects.create(bonus=bonus, name="Maison de l'Enfance", places=30)
        BonusBeneficiary.objects.create(bonus=bonus, name="Les Canailous", places=10)
        client.force_login(alice)
        client.post(
            url("web:convention_funding", convention),
            {"reference_amount": "20000", "rule": "pro_rata_places"},
        )
        page = client.get(url("web:convention_funding", convention)).content.decode()
        assert "20 000,00 € × 30 / 40 places" in page and "15000,00" in page
        response = client.post(
            url("web:convention_funding", convention),
            {"reference_amount": "beaucoup", "rule": "equal_shares"},
        )
        assert (
            response.status_code == 400
            and "Saisissez un montant en euros" in response.content.decode()
        )


@pytest.mark.django_db
class TestFicheAndMeansEditing:
    def test_the_lead_edits_the_fiche_and_its_indicators(self, client, convention, bruno):
        client.force_login(bruno)
        action = convention.axes.get().perspectives.get(code="1.2").actions.get()
        indicator = action.indicators.get()
        edit = url("web:convention_action_edit", convention, code="1.2.1")
        assert client.get(edit).status_code == 200
        p = f"ind{indicator.pk}"
        response = client.post(
            edit,
            {
                "title": action.title,
                "deadline": "2024-06-30",
                "deadline_label": "Juin 2024",
                "implementation": "Informer les communes\n\nS'appuyer sur l'étude (cf 1.1.1)\n",
                f"{p}-label": indicator.label,
                f"{p}-unit": "communes",
                f"{p}-baseline": "1",
                f"{p}-target": "6",
                "nouvel-label": "Nombre d'assistants maternels accueillis",
                "nouvel-target": "48",
            },
        )
        assert response.status_code == 302
        action.refresh_from_db()
        indicator.refresh_from_db()
        assert action.implementation == [
            "Informer les communes",
            "S'appuyer sur l'étude (cf 1.1.1)",
        ]
        assert list(action.references.values_list("code", flat=True)) == ["1.1.1"]
        assert (indicator.baseline, indicator.target) == (1, 6)
        assert action.indicators.get(label="Nombre d'assistants maternels accueillis").target == 48

    def test_a_bad_fiche_keeps_what_was_typed(self, client, convention, bruno):
        client.force_login(bruno)
        indicator = convention.indicators.get()
        response = client.post(
            url("web:convention_action_edit", convention, code="1.2.1"),
            {
                "title": "",
                "deadline": "bientôt",
                "diagnosis": "Constat partagé",
                f"ind{indicator.pk}-label": "x",
                f"ind{indicator.pk}-target": "six",
            },
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "Saisissez une date valide (jj/mm/aaaa)." in page and "Constat partagé" in page
        assert "Saisissez un nombre (par exemple 12 ou 12,5)." in page and 'value="six"' in page

    def test_a_commune_records_its_own_means_only(self, client, convention, bruno, alice):
        client.force_login(bruno)
        carros = convention.parties.get(organisation__slug="commune-06033").organisation
        broc = convention.parties.get(organisation__slug="commune-06025").organisation
        page = client.get(url("web:convention_funding", convention)).content.decode()
        assert "Commune de Carros" in page and f'value="{broc.pk}"' not in page
        response = client.post(
            url("web:convention_means_add", convention),
            {
                "organisation": str(carros.pk),
                "kind": "equipment",
                "label": "Maison de l'Enfance",
                "year": "2022",
                "amount": "120000,50",
                "nature": "operating",
            },
        )
        assert response.status_code == 302
        entry = convention.means.get()
        assert (entry.organisation, str(entry.amount)) == (carros, "120000.50")
        response = client.post(
            url("web:convention_means_add", convention),
            {
                "organisation": str(broc.pk),
                "kind": "equipment",
                "label": "Crèche",
                "year": "2022",
                "amount": "-5",
                "nature": "operating",
            },
        )
        page = response.content.decode()
        assert response.status_code == 400 and "Le montant ne peut pas être négatif." in page
        assert "Sélectionnez un choix valide." in page and convention.means.count() == 1
        client.force_login(alice)
        response = client.post(
            url("web:convention_means_add", convention),
            {
                "organisation": str(broc.pk),
                "kind": "action",
                "label": "Ludothèque",
                "year": "2023",
                "amount": "3000",
                "nature": "investment",
            },
        )
        assert response.status_code == 302 and convention.means.count() == 2


@pytest.mark.django_db
def test_charlie_cannot_edit_a_carros_fiche(client, convention, charlie):
    client.force_login(charlie)
    assert (
        client.get(url("web:convention_action_edit", convention, code="1.2.1")).status_code == 403
    )
    assert (
        client.post(
            url("web:convention_action_edit", convention, code="1.2.1"), {"title": "x"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_cooperation_posts_are_recorded_with_yearly_totals(client, convention, bruno):
    client.force_login(bruno)
    carros = convention.parties.get(organisation__slug="commune-06033").organisation
    for person, fte in [("Mme Y", "0,8"), ("M. Z", "0,5")]:
        response = client.post(
            url("web:convention_cooperation_add", convention),
            {
                "organisation": str(carros.pk),
                "person": person,
                "year": "2022",
                "fte": fte,
                "caf_amount": "20000",
                "local_amount": "15000",
            },
        )
        assert response.status_code == 302
    page = client.get(url("web:convention_funding", convention)).content.decode()
    assert "2022 : 1,30 ETP, Caf 40000,00 €, collectivités 30000,00 €" in page
    response = client.post(
        url("web:convention_cooperation_add", convention),
        {
            "organisation": str(carros.pk),
            "person": "Mme W",
            "year": "2030",
            "fte": "7",
            "caf_amount": "x",
            "local_amount": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Au plus 5 ETP par ligne." in page
    assert "Sélectionnez un choix valide." in page and 'value="Mme W"' in page
    assert convention.cooperation_posts.count() == 2
