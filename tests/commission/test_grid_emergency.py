"""Emergency admissions between sessions: recorded with a reason, audited, the application
moved through the guichet's workflow, reported with the next session."""

import datetime

import pytest

from maillage.applications.enums import State
from maillage.audit.models import AuditAction, AuditEntry, TransitionLog
from maillage.commission import emergency
from maillage.commission.models import EmergencyAdmission
from tests.commission import grid_fixtures
from tests.commission.factories import SessionFactory
from tests.commission.grid_fixtures import TODAY, waiting

commission = grid_fixtures.commission

pytestmark = pytest.mark.django_db
REASON = "Demande de la PMI : protection de l'enfance, accueil urgent."


def admit(commission, application, actor, admitted_on=TODAY, **changes):
    values = {
        "number": application.number,
        "structure": commission["le_broc"],
        "age_group": "bebe",
        "admitted_on": admitted_on,
        "reason": REASON,
    }
    values.update(changes)
    return emergency.record_emergency(
        commission["territory"], emergency.EmergencyInput(**values), actor=actor
    )


def test_an_emergency_admission_places_the_child_through_the_workflow(commission, bruno):
    application = waiting(commission, state=State.TO_CONFIRM)
    admission = admit(commission, application, bruno)
    application.refresh_from_db()
    assert application.state == State.PLACED
    moves = list(
        TransitionLog.objects.filter(object_type="applications.application",
                                     object_id=str(application.pk))
        .order_by("id").values_list("transition", flat=True)
    )  # fmt: skip
    assert moves == ["confirm_interest", "offer", "accept_offer", "place"]
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(admission.pk))
    assert entry.actor == bruno and application.number in entry.message
    assert admission.recorded_by == bruno


def test_a_future_admission_stops_at_accepted(commission, bruno):
    application = waiting(commission)
    admit(commission, application, bruno, admitted_on=TODAY + datetime.timedelta(days=7))
    application.refresh_from_db()
    assert application.state == State.ACCEPTED


def test_refusals_are_in_french_and_change_nothing(commission, bruno):
    offered = waiting(commission, state=State.OFFERED)
    with pytest.raises(emergency.EmergencyError) as caught:
        admit(commission, offered, bruno)
    assert "Une place est déjà proposée" in caught.value.errors["number"][0]
    submitted = waiting(commission, state=State.SUBMITTED)
    with pytest.raises(emergency.EmergencyError) as caught:
        admit(commission, submitted, bruno, structure=commission["outside"], age_group="x",
              reason="urgent")  # fmt: skip
    errors = caught.value.errors
    assert "seule une demande en liste d'attente" in errors["number"][0]
    assert errors["structure"] and errors["age_group"] and errors["reason"]
    with pytest.raises(emergency.EmergencyError, match="Aucune demande de ce numéro"):
        admit(commission, submitted, bruno, number="CAR-1999-99999")
    assert not EmergencyAdmission.objects.exists()
    offered.refresh_from_db()
    assert offered.state == State.OFFERED


def test_the_session_report_lists_the_admissions_since_the_previous_session(commission, bruno):
    territory = commission["territory"]
    previous = SessionFactory(territory=territory, date=TODAY - datetime.timedelta(days=30),
                              freeze_date=TODAY - datetime.timedelta(days=45))  # fmt: skip
    session = SessionFactory(territory=territory, date=TODAY + datetime.timedelta(days=30))
    before = admit(commission, waiting(commission), bruno,
                   admitted_on=previous.date - datetime.timedelta(days=1))  # fmt: skip
    between = [
        admit(commission, waiting(commission), bruno, admitted_on=TODAY),
        admit(commission, waiting(commission), bruno, admitted_on=TODAY,
              structure=commission["carros"], age_group="moyen"),
    ]  # fmt: skip
    report = emergency.for_session_report(session)
    assert report["since"] == previous.date and report["until"] == session.date
    assert report["count"] == 2
    assert [a.pk for a in report["admissions"]] == [a.pk for a in between]
    assert before not in report["admissions"]
    assert report["by_structure"] == [
        {"structure": "Crèche du Broc", "structure_id": commission["le_broc"].pk,
         "age_group": "bebe", "count": 1},
        {"structure": "Maison de l'Enfance", "structure_id": commission["carros"].pk,
         "age_group": "moyen", "count": 1},
    ]  # fmt: skip
    first = emergency.for_session_report(previous)
    assert first["since"] is None and first["count"] == 1


def test_the_page_records_and_lists_admissions(client, commission, bruno, password):
    application = waiting(commission)
    client.login(email=bruno.email, password=password)
    url = "/commission/bassin-de-vie-carros/urgences/"
    form = {
        "number": application.number,
        "structure": commission["le_broc"].pk,
        "age_group": "bebe",
        "admitted_on": TODAY.isoformat(),
        "reason": "urgent",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "Indiquez le motif" in refused.content.decode()
    assert "urgent</textarea>" in refused.content.decode()
    response = client.post(url, {**form, "reason": REASON}, follow=True)
    text = response.content.decode()
    assert "Admission en urgence enregistrée" in text
    assert application.number in text and "protection de l&#x27;enfance" in text


def test_reading_the_list_is_recorded(client, commission, bruno, password):
    application = waiting(commission)
    admit(commission, application, bruno)
    client.login(email=bruno.email, password=password)
    assert client.get("/commission/bassin-de-vie-carros/urgences/").status_code == 200
    entry = AuditEntry.objects.filter(
        action=AuditAction.VIEW, object_type="applications.application",
        object_id=str(application.pk),
    ).get()  # fmt: skip
    assert entry.actor == bruno and entry.changes == {"fields": ["emergency_admission.reason"]}
