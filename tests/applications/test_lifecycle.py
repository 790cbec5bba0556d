"""The lifecycle of an application: every move allowed or refused, conflicts, services."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from maillage.applications import services
from maillage.applications.enums import OPEN_STATES, RefusalRule, State
from maillage.applications.models import Application
from maillage.applications.workflow import application_workflow
from maillage.audit.models import AuditEntry, TransitionLog
from maillage.audit.workflow import TransitionConflict, TransitionNotAllowed
from tests.applications.factories import ApplicationFactory, ChildFactory, HouseholdFactory

S = State
# The contract: every allowed move (transition name, source, target).
ALLOWED = {
    ("submit", S.DRAFT, S.SUBMITTED),
    ("request_correction", S.SUBMITTED, S.TO_CORRECT),
    ("resubmit", S.TO_CORRECT, S.SUBMITTED),
    ("complete", S.SUBMITTED, S.WAITING),
    ("complete_expected", S.SUBMITTED, S.AWAITING_BIRTH),
    ("hold", S.AWAITING_BIRTH, S.ON_HOLD),
    ("confirm_birth", S.AWAITING_BIRTH, S.WAITING),
    ("confirm_birth", S.ON_HOLD, S.WAITING),
    ("request_interest", S.WAITING, S.TO_CONFIRM),
    ("confirm_interest", S.TO_CONFIRM, S.WAITING),
    ("archive", S.TO_CONFIRM, S.ARCHIVED),
    ("reactivate", S.ARCHIVED, S.WAITING),
    ("offer", S.WAITING, S.OFFERED),
    ("accept_offer", S.OFFERED, S.ACCEPTED),
    ("refuse_offer", S.OFFERED, S.WAITING),
    ("refuse_offer_archive", S.OFFERED, S.ARCHIVED),
    ("place", S.ACCEPTED, S.PLACED),
    ("leave", S.PLACED, S.LEFT),
    ("give_up_place", S.ACCEPTED, S.LEFT),  # départ de l'enfant before her arrival (commission)
} | {
    (name, source, target)
    for name, target in (("withdraw", S.WITHDRAWN), ("cancel", S.CANCELLED), ("merge", S.MERGED))
    for source in OPEN_STATES
}
NAMES = sorted({t.name for t in application_workflow.transitions})


def test_state_codes_are_the_contract():
    assert [s.value for s in State] == [
        "draft", "submitted", "to_correct", "awaiting_birth", "on_hold", "waiting",
        "to_confirm", "offered", "accepted", "placed", "left", "archived", "withdrawn",
        "cancelled", "merged",
    ]  # fmt: skip


def test_the_table_is_exactly_the_allowed_moves():
    declared = {
        (t.name, source, t.target) for t in application_workflow.transitions for source in t.sources
    }
    assert declared == ALLOWED


def _application_in(state, guichet):
    expected = state == S.SUBMITTED
    child_kwargs = (
        {"birth_date": None, "expected_date": datetime.date.today() + datetime.timedelta(days=60)}
        if expected
        else {}
    )
    household = HouseholdFactory(territory=guichet["territory"])
    return ApplicationFactory(
        household=household,
        child=ChildFactory(household=household, **child_kwargs),
        state=state,
        archived_on=datetime.date.today() if state == S.ARCHIVED else None,
        deadline_kind="interest" if state == S.ARCHIVED else "",
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_move_is_allowed_or_refused(guichet, name):
    """For each transition, every one of the 15 states: the move happens or is refused."""
    for state in State:
        application = _application_in(state, guichet)
        target = next((t for n, s, t in ALLOWED if n == name and s == state), None)
        if target is not None:
            if name == "complete":
                application.child.expected_date = None
                application.child.birth_date = datetime.date.today() - datetime.timedelta(days=3)
                application.child.save()
            application_workflow.apply(application, name)
            application.refresh_from_db()
            assert application.state == target, (name, state)
            assert TransitionLog.objects.filter(
                object_id=str(application.pk), source=state, target=target
            ).exists()
        else:
            with pytest.raises(TransitionNotAllowed):
                application_workflow.apply(application, name)
            application.refresh_from_db()
            assert application.state == state, (name, state)


def test_a_stale_copy_cannot_move(guichet):
    application = _application_in(S.WAITING, guichet)
    stale = Application.objects.get(pk=application.pk)
    application_workflow.apply(application, "offer")
    with pytest.raises(TransitionConflict, match="juste avant vous"):
        application_workflow.apply(stale, "cancel")
    assert Application.objects.get(pk=application.pk).state == S.OFFERED


def test_guards_complete_needs_a_born_child(guichet):
    application = _application_in(S.SUBMITTED, guichet)  # expected child
    with pytest.raises(TransitionNotAllowed, match="pas encore né"):
        application_workflow.apply(application, "complete")


def _new(guichet, *, born=True, wishes=None, **data):
    household = HouseholdFactory(territory=guichet["territory"])
    child = ChildFactory(
        household=household,
        birth_date=datetime.date.today() - datetime.timedelta(days=90) if born else None,
        expected_date=None if born else datetime.date.today() + datetime.timedelta(days=90),
    )
    return services.create_application(
        guichet["territory"],
        household,
        child,
        services.ApplicationData(
            desired_start=datetime.date.today() + datetime.timedelta(days=200), **data
        ),
        wishes if wishes is not None else [guichet["carros"], guichet["gattieres"]],
    )


def test_numbers_are_human_readable_and_sequential(guichet):
    year = datetime.date.today().year
    first, second = _new(guichet), _new(guichet)
    assert first.number == f"CAR-{year}-00001"
    assert second.number == f"CAR-{year}-00002"
    assert first.state == S.DRAFT
    assert [w.structure for w in first.wishes.order_by("rank")] == [
        guichet["carros"],
        guichet["gattieres"],
    ]


@pytest.mark.parametrize(
    "wishes, message",
    [
        (lambda g: [], "au moins une"),
        (lambda g: [g["carros"], g["carros"]], "qu'une fois"),
        (lambda g: [g["outside"]], "ne participent pas"),
        (
            lambda g: [g["carros"], g["le_broc"], g["gattieres"], g["outside"]],
            "au plus 3",
        ),
    ],
)
def test_wishes_follow_the_territory_rules(guichet, wishes, message):
    with pytest.raises(ValidationError, match=message):
        _new(guichet, wishes=wishes(guichet))
    assert not Application.objects.exists()


def test_submit_sends_a_receipt_through_the_worker(guichet, django_capture_on_commit_callbacks):
    application = _new(guichet)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(application)
    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    assert application.registered_on == datetime.date.today()
    assert len(mail.outbox) == 1
    assert application.number in mail.outbox[0].body
    assert mail.outbox[0].to == [application.household.email]
    assert application.notices.get(key="receipt").sent_at is not None


def test_preregistration_before_the_allowed_month_is_refused(guichet):
    household = HouseholdFactory(territory=guichet["territory"])
    child = ChildFactory(
        household=household,
        birth_date=None,
        expected_date=datetime.date.today() + datetime.timedelta(days=200),
    )
    application = services.create_application(
        guichet["territory"],
        household,
        child,
        services.ApplicationData(desired_start=child.expected_date + datetime.timedelta(days=90)),
        [guichet["carros"]],
    )
    with pytest.raises(services.GuichetError, match="6e mois de grossesse"):
        services.submit(application)
    application.refresh_from_db()
    assert application.state == S.DRAFT


def test_correction_round_trip(guichet, bruno, organisations, django_capture_on_commit_callbacks):
    application = _new(guichet)
    services.submit(application)
    with pytest.raises(services.GuichetError):
        services.request_correction(application, "  ", actor=bruno, organisation=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_correction(
            application, "Justificatif de domicile illisible", actor=bruno,
            organisation=organisations["06033"],
        )  # fmt: skip
    application.refresh_from_db()
    assert application.state == S.TO_CORRECT
    assert "illisible" in mail.outbox[-1].body
    assert application.messages.get().text == "Justificatif de domicile illisible"
    services.resubmit(application, actor=None)
    services.mark_complete(application, actor=bruno, organisation=organisations["06033"])
    application.refresh_from_db()
    assert application.state == S.WAITING
    assert application.interest_confirmed_on == datetime.date.today()


def test_expected_child_awaits_birth_then_waits(guichet, bruno):
    application = _new(guichet, born=False)
    application_workflow.apply(application, "submit")
    services.mark_complete(application, actor=bruno, organisation=None)
    application.refresh_from_db()
    assert application.state == S.AWAITING_BIRTH
    assert application.deadline == application.child.expected_date + datetime.timedelta(days=30)
    with pytest.raises(services.GuichetError, match="futur"):
        services.confirm_birth(
            application, datetime.date.today() + datetime.timedelta(days=1), actor=None
        )
    services.confirm_birth(application, datetime.date.today(), actor=None)
    application.refresh_from_db()
    assert application.state == S.WAITING
    assert application.child.birth_date == datetime.date.today()
    assert application.deadline is None


def test_refusal_rule_archives_after_the_second_refusal(guichet):
    assert guichet["rules"].refusal_rule == RefusalRule.ARCHIVE_AFTER
    application = _application_in(S.WAITING, guichet)
    services.offer(application)
    services.refuse_offer(application, actor=None)
    assert application.state == S.WAITING
    services.offer(application)
    services.refuse_offer(application, actor=None)
    application.refresh_from_db()
    assert application.state == S.ARCHIVED
    assert application.refusals == 2


def test_refusal_rule_stay_keeps_the_application_listed(guichet):
    guichet["rules"].refusal_rule = RefusalRule.STAY
    guichet["rules"].save()
    application = _application_in(S.WAITING, guichet)
    for _ in range(3):
        services.offer(application)
        services.refuse_offer(application, actor=None)
    assert application.state == S.WAITING


def test_full_path_to_left_with_audit(guichet):
    application = _application_in(S.WAITING, guichet)
    services.offer(application)
    services.accept_offer(application, actor=None)
    services.place(application, actor=None)
    services.leave(application, actor=None)
    assert application.state == S.LEFT
    assert AuditEntry.objects.for_object(application).filter(action="transition").count() == 4


def test_withdraw_cancel_merge(guichet, bruno, organisations):
    a, b, c = (_application_in(S.WAITING, guichet) for _ in range(3))
    services.withdraw(a, actor=None)
    with pytest.raises(services.GuichetError, match="motif"):
        services.cancel(b, "", actor=bruno, organisation=organisations["06033"])
    services.cancel(b, "Déménagement", actor=bruno, organisation=organisations["06033"])
    assert (a.state, b.state, c.state) == (S.WITHDRAWN, S.CANCELLED, S.WAITING)
    with pytest.raises(TransitionNotAllowed):
        services.withdraw(a, actor=None)
