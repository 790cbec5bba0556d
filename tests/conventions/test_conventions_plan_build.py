"""The action plan built in the site (issue 14): « Ajouter un axe » and « Ajouter une fiche
action » on the plan page, for the parties' admins and agents while the plan is open; and the
slugs reserved by the pages' addresses."""

import datetime
import textwrap

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from maillage.audit.models import AuditEntry
from maillage.conventions import editing, renewal
from maillage.conventions.enums import ReportKind
from maillage.conventions.importer import ConventionImportError, import_text
from maillage.conventions.models import Action, Axis, Convention
from tests.conventions.test_conventions_importer import VALID


def url(name, convention):
    return reverse(name, kwargs={"slug": convention.slug})


def close_plan(convention):
    report = editing.create_report(convention, kind=ReportKind.FINAL, year=None)
    editing.adopt_report(report, on=datetime.date(2025, 3, 14))


@pytest.mark.django_db
class TestServices:
    def test_an_axis_is_numbered_after_the_last_one_and_audited(self, convention, alice):
        axis = renewal.add_axis(
            convention, title="  Jeunesse ", description="Peu d'accueil des 12-17 ans", actor=alice
        )
        assert (axis.code, axis.title, axis.diagnosis) == (
            "2",
            "Jeunesse",
            "Peu d'accueil des 12-17 ans",
        )
        assert axis.order > Axis.objects.get(convention=convention, code="1").order
        assert AuditEntry.objects.filter(object_id=str(axis.pk), actor=alice).exists()
        with pytest.raises(ValidationError, match="intitulé de l'axe"):
            renewal.add_axis(convention, title="   ")

    def test_a_fiche_gets_the_next_code_or_the_one_typed(self, convention, organisations):
        axis = Axis.objects.get(convention=convention, code="1")
        carros = organisations["06033"]
        action = renewal.add_action(
            convention,
            axis=axis,
            title="Ouvrir une MAM",
            lead=carros,
            objective="10 places\n\nouvertes en 2026",
            deadline=datetime.date(2026, 9, 1),
        )
        # The first perspective of the axis (1.1 holds 1.1.1): the next free number.
        assert action.code == "1.1.2"
        assert action.operational_objectives == ["10 places", "ouvertes en 2026"]
        assert action.deadline == datetime.date(2026, 9, 1) and action.lead == carros
        typed = renewal.add_action(convention, axis=axis, title="Autre", lead=carros, code="1.9")
        assert typed.code == "1.9"
        with pytest.raises(ValidationError) as error:
            renewal.add_action(convention, axis=axis, title="Double", lead=carros, code="1.2.1")
        assert "La fiche 1.2.1 existe déjà" in str(error.value)
        with pytest.raises(ValidationError, match="au plus 12 caractères"):
            renewal.add_action(convention, axis=axis, title="X", lead=carros, code="1/2")

    def test_an_axis_without_perspective_gets_one(self, convention, organisations):
        axis = renewal.add_axis(convention, title="Jeunesse")
        action = renewal.add_action(
            convention, axis=axis, title="Un accueil ados", lead=organisations["caf"]
        )
        assert action.code == "2.1.1"
        assert (action.perspective.code, action.perspective.title) == ("2.1", "Jeunesse")

    def test_the_lead_must_be_a_party(self, convention, outsider):
        axis = Axis.objects.get(convention=convention, code="1")
        other = outsider.memberships.get().organisation
        with pytest.raises(ValidationError, match="Le pilote doit être une partie"):
            renewal.add_action(convention, axis=axis, title="X", lead=other)

    def test_nothing_is_added_once_the_plan_is_closed(self, convention, organisations):
        close_plan(convention)
        axis = Axis.objects.get(convention=convention, code="1")
        with pytest.raises(editing.PlanLocked, match="Le plan d'actions est clos"):
            renewal.add_axis(convention, title="Jeunesse")
        with pytest.raises(editing.PlanLocked):
            renewal.add_action(convention, axis=axis, title="X", lead=organisations["caf"])
        assert Axis.objects.filter(convention=convention).count() == 1


@pytest.mark.django_db
class TestPages:
    def test_the_caf_adds_an_axis_then_a_fiche_led_by_a_commune(
        self, client, convention, alice, organisations
    ):
        client.force_login(alice)
        page = client.get(url("web:convention_plan", convention)).content.decode()
        assert "Ajouter un axe" in page and "Ajouter une fiche action" in page
        response = client.post(
            url("web:convention_plan_axis_add", convention),
            {"axe-title": "Jeunesse", "axe-description": ""},
        )
        assert response.status_code == 302
        axis = Axis.objects.get(convention=convention, code="2")
        response = client.post(
            url("web:convention_plan_action_add", convention),
            {
                "fiche-axis": str(axis.pk),
                "fiche-title": "Un accueil ados",
                "fiche-code": "",
                "fiche-lead": str(organisations["06033"].pk),
                "fiche-deadline": "2026-06-30",
            },
        )
        action = Action.objects.of(convention).get(code="2.1.1")
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "web:convention_action_edit", kwargs={"slug": convention.slug, "code": "2.1.1"}
        )
        assert action.lead == organisations["06033"]

    def test_errors_are_french_and_nothing_typed_is_lost(
        self, client, convention, bruno, organisations
    ):
        client.force_login(bruno)
        axis = Axis.objects.get(convention=convention, code="1")
        lead = str(organisations["06033"].pk)
        response = client.post(
            url("web:convention_plan_action_add", convention),
            {
                "fiche-axis": str(axis.pk),
                "fiche-title": "Mon intitulé soigné",
                "fiche-code": "1.2.1",
                "fiche-objective": "Un objectif précis",
                "fiche-deadline": "1900-01-01",
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "Saisissez une date comprise entre" in page
        assert "Mon intitulé soigné" in page and "Un objectif précis" in page
        response = client.post(
            url("web:convention_plan_action_add", convention),
            {
                "fiche-axis": str(axis.pk),
                "fiche-title": "Mon intitulé",
                "fiche-code": "1.2.1",
                "fiche-lead": lead,
            },
        )
        assert response.status_code == 400
        assert "La fiche 1.2.1 existe déjà" in response.content.decode()
        response = client.post(url("web:convention_plan_axis_add", convention), {"axe-title": ""})
        assert response.status_code == 400
        assert "Indiquez l&#x27;intitulé de l&#x27;axe." in response.content.decode()
        assert Action.objects.of(convention).count() == 2

    def test_a_commune_leads_the_fiches_it_adds(self, client, convention, bruno, organisations):
        """Bruno (Carros) may only name Carros lead: he goes on editing the fiche he adds."""
        client.force_login(bruno)
        axis = Axis.objects.get(convention=convention, code="1")
        data = {"fiche-axis": str(axis.pk), "fiche-title": "Un relais"}
        response = client.post(
            url("web:convention_plan_action_add", convention),
            {**data, "fiche-lead": str(organisations["caf"].pk)},
        )
        assert response.status_code == 400
        assert "Choisissez un pilote de la liste." in response.content.decode()
        response = client.post(
            url("web:convention_plan_action_add", convention),
            {**data, "fiche-lead": str(organisations["06033"].pk)},
        )
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 200

    def test_readers_and_outsiders_are_refused(self, client, convention, elected, outsider):
        client.force_login(elected)
        assert (
            "Ajouter un axe"
            not in client.get(url("web:convention_plan", convention)).content.decode()
        )
        response = client.post(url("web:convention_plan_axis_add", convention), {"axe-title": "X"})
        assert response.status_code == 403
        client.force_login(outsider)
        response = client.post(url("web:convention_plan_axis_add", convention), {"axe-title": "X"})
        assert response.status_code == 403
        assert not Axis.objects.filter(title="X").exists()

    def test_refused_once_the_plan_is_closed(self, client, convention, alice):
        close_plan(convention)
        client.force_login(alice)
        page = client.get(url("web:convention_plan", convention)).content.decode()
        assert "Ajouter un axe" not in page
        response = client.post(url("web:convention_plan_axis_add", convention), {"axe-title": "X"})
        assert response.status_code == 403
        assert "Le plan d&#x27;actions est clos" in response.content.decode()

    def test_get_is_not_allowed(self, client, convention, alice):
        client.force_login(alice)
        assert client.get(url("web:convention_plan_axis_add", convention)).status_code == 405
        assert client.get(url("web:convention_plan_action_add", convention)).status_code == 405


@pytest.mark.django_db
class TestReservedSlugs:
    def test_the_slug_generator_skips_the_page_words(self, bassin):
        assert renewal._unique_slug("Nouvelle") == "nouvelle-2"

    def test_the_creation_never_takes_a_page_word(self, bassin, organisations, alice):
        convention = renewal.create_convention(
            title="Nouvelle",
            kind="ctg",
            territory=bassin["group"],
            start_date=datetime.date(2026, 1, 1),
            duration_years=4,
        )
        assert convention.slug != "nouvelle"
        assert reverse("web:convention_detail", kwargs={"slug": convention.slug}) != reverse(
            "web:convention_create"
        )

    def test_the_importer_refuses_a_reserved_slug(self, demo_organisations):
        text = textwrap.dedent(VALID).replace("slug: ctg-essai", "slug: nouvelle")
        with pytest.raises(ConventionImportError) as error:
            import_text(text, filename="essai.yaml")
        assert any("« nouvelle » est réservé" in e for e in error.value.errors)
        assert not Convention.objects.filter(slug="nouvelle").exists()
