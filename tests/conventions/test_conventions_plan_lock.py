"""The action plan stays editable until the convention's final evaluation is adopted; after
that the services refuse in French and the pages offer no edit."""

import datetime

import pytest
from django.urls import reverse

from maillage.audit.models import TransitionLog
from maillage.conventions import editing
from maillage.conventions.enums import ActionStatus, ReportKind, ReportState
from maillage.conventions.models import Action

ADOPTED_ON = datetime.date(2025, 3, 14)


def url(name, convention, **kwargs):
    return reverse(name, kwargs={"slug": convention.slug, **kwargs})


@pytest.fixture
def final_report(convention):
    return editing.create_report(convention, kind=ReportKind.FINAL, year=None)


@pytest.mark.django_db
class TestPlanLock:
    def test_editable_until_the_final_evaluation_is_adopted(self, convention, final_report):
        action = Action.objects.of(convention).select_related("perspective__axis").get(code="1.2.1")
        # An annual report adopted, or a final one not adopted yet: the plan stays open.
        annual = editing.create_report(convention, kind=ReportKind.ANNUAL, year=2023)
        editing.adopt_report(annual, on=ADOPTED_ON)
        editing.save_progress(action, status=ActionStatus.ONGOING, progress=40)
        editing.adopt_report(final_report, on=ADOPTED_ON)
        final_report.refresh_from_db()
        assert (final_report.state, final_report.adopted_on) == (ReportState.ADOPTED, ADOPTED_ON)
        assert TransitionLog.objects.filter(
            object_type="conventions.evaluationreport", object_id=str(final_report.pk)
        ).exists()
        with pytest.raises(editing.PlanLocked) as error:
            editing.save_progress(action, status=ActionStatus.DONE, progress=100)
        assert "Le plan d'actions est clos" in str(error.value)
        with pytest.raises(editing.PlanLocked):
            editing.save_fiche(action, values={"title": "Autre intitulé"})
        with pytest.raises(editing.PlanLocked):
            editing.add_measurement(action.indicators.get(), value=1, on=datetime.date(2025, 1, 1))
        action.refresh_from_db()
        assert (action.status, action.progress, action.title) == (
            ActionStatus.ONGOING,
            40,
            "Étudier la faisabilité d'un RAM itinérant intercommunal",
        )

    def test_an_adopted_report_is_neither_regenerated_nor_rewritten(self, convention, final_report):
        editing.adopt_report(final_report, on=ADOPTED_ON)
        with pytest.raises(editing.ReportAdopted, match="adopté le 14/03/2025"):
            editing.create_report(convention, kind=ReportKind.FINAL, year=None)
        with pytest.raises(editing.ReportAdopted):
            editing.save_conclusions(final_report, conclusions="Autre chose")
        with pytest.raises(editing.InvalidTransition, match="Adopté"):
            editing.adopt_report(final_report, on=ADOPTED_ON)

    def test_pages_hide_the_edit_buttons_and_refuse_the_posts(
        self, client, convention, final_report, bruno, alice
    ):
        client.force_login(bruno)
        fiche = url("web:convention_action", convention, code="1.2.1")
        assert "Modifier la fiche et ses indicateurs" in client.get(fiche).content.decode()
        report_page = url("web:convention_report", convention, pk=final_report.pk)
        assert "Adopter le rapport" in client.get(report_page).content.decode()
        # Without the confirmation nothing is adopted.
        adopt = url("web:convention_report_adopt", convention, pk=final_report.pk)
        response = client.post(adopt, {"on": "2025-03-14"}, follow=True)
        assert "Cochez la confirmation" in response.content.decode()
        final_report.refresh_from_db()
        assert final_report.state == ReportState.DRAFT
        response = client.post(adopt, {"on": "2025-03-14", "confirm": "on"}, follow=True)
        page = response.content.decode()
        assert "Le plan d&#x27;actions est désormais clos." in page
        assert "Adopter le rapport" not in page
        assert "Enregistrer les conclusions" not in page

        for user in (bruno, alice):
            client.force_login(user)
            fiche_page = client.get(fiche).content.decode()
            assert "Plan d'actions clos." in fiche_page
            assert "Modifier la fiche et ses indicateurs" not in fiche_page
            assert "Enregistrer l&#x27;avancement" not in fiche_page
            assert "Saisir une mesure" not in fiche_page
            plan = client.get(url("web:convention_plan", convention)).content.decode()
            assert "Plan d'actions clos." in plan
            assert "Mettre à jour" not in plan
            for target in (
                url("web:convention_action_edit", convention, code="1.2.1"),
                url("web:convention_action_progress", convention, code="1.2.1"),
            ):
                response = client.post(target, {"status": "done", "progress": "100"})
                assert response.status_code == 403
                assert "Le plan d&#x27;actions est clos" in response.content.decode()
            assert (
                client.get(url("web:convention_action_edit", convention, code="1.2.1")).status_code
                == 403
            )
        action = Action.objects.of(convention).get(code="1.2.1")
        assert action.status == ActionStatus.NEW


@pytest.mark.django_db
def test_the_evaluation_page_says_an_adopted_report_is_not_regenerated(
    client, convention, final_report, bruno
):
    editing.adopt_report(final_report, on=ADOPTED_ON)
    client.force_login(bruno)
    page = client.get(url("web:convention_evaluation", convention)).content.decode()
    assert "adopté le 14/03/2025" in page
    response = client.post(url("web:convention_evaluation", convention), {"kind": "final"})
    assert response.status_code == 400
    assert "Ce rapport a été adopté le 14/03/2025" in response.content.decode()
