"""Deadlines run by the daily task: late births on hold, confirmations of interest, archiving,
reactivation during the grace period, D-15 and D-3 reminders sent once, before the deadline."""

import datetime

import pytest
from django.core import mail

from maillage.applications import services
from maillage.applications.enums import DeadlineKind, State
from maillage.applications.models import Application, Household
from maillage.applications.tasks import run_application_deadlines
from maillage.audit.workflow import TransitionNotAllowed
from maillage.core.schedule import SCHEDULE
from tests.applications.factories import ApplicationFactory, ChildFactory, HouseholdFactory

TODAY = datetime.date.today()


def _app(guichet, state, **kwargs):
    household = HouseholdFactory(territory=guichet["territory"])
    child = ChildFactory(
        household=household,
        birth_date=None if state == State.AWAITING_BIRTH else TODAY - datetime.timedelta(days=90),
        expected_date=TODAY - datetime.timedelta(days=10)
        if state == State.AWAITING_BIRTH
        else None,
    )
    return ApplicationFactory(household=household, child=child, state=state, **kwargs)


def test_the_task_is_scheduled_daily():
    entry = next(p for p in SCHEDULE if p.name == "application-deadlines")
    assert entry.task == "maillage.applications.tasks.run_application_deadlines"
    assert entry.at


def test_late_birth_confirmation_puts_the_application_on_hold(
    guichet, django_capture_on_commit_callbacks
):
    late = _app(guichet, State.AWAITING_BIRTH, deadline_kind=DeadlineKind.BIRTH,
                deadline=TODAY - datetime.timedelta(days=1))  # fmt: skip
    on_time = _app(guichet, State.AWAITING_BIRTH, deadline_kind=DeadlineKind.BIRTH,
                   deadline=TODAY + datetime.timedelta(days=20))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run_application_deadlines.call()
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.state == State.ON_HOLD
    assert on_time.state == State.AWAITING_BIRTH
    assert any("suspens" in m.subject for m in mail.outbox)
    # confirming the birth later brings it back
    services.confirm_birth(late, TODAY - datetime.timedelta(days=5), actor=None)
    assert late.state == State.WAITING


@pytest.mark.parametrize(
    "days_left, expected_key",
    [(20, None), (15, "J-15"), (10, "J-15"), (3, "J-3"), (0, "J-3")],
)
def test_reminders_before_the_deadline(
    guichet, days_left, expected_key, django_capture_on_commit_callbacks
):
    deadline = TODAY + datetime.timedelta(days=days_left)
    application = _app(guichet, State.TO_CONFIRM, deadline_kind=DeadlineKind.INTEREST,
                       deadline=deadline)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        report = services.run_deadlines(TODAY)
        again = services.run_deadlines(TODAY)  # the same day: nothing sent twice
    keys = list(application.notices.values_list("key", flat=True))
    if expected_key is None:
        assert keys == [] and report.reminders == 0
    else:
        assert keys == [f"reminder:interest:{deadline}:{expected_key}"]
        assert report.reminders == 1 and again.reminders == 0
        assert len(mail.outbox) == 1
        assert f"{deadline:%d/%m/%Y}" in mail.outbox[0].body
        assert mail.outbox[0].to == [application.household.email]
        # in the application's history
        assert any(item["kind"] == "email" for item in services.timeline(application))


def test_both_reminders_over_the_period(guichet):
    deadline = TODAY + datetime.timedelta(days=30)
    application = _app(guichet, State.AWAITING_BIRTH, deadline_kind=DeadlineKind.BIRTH,
                       deadline=deadline)  # fmt: skip
    for offset in range(0, 31):
        services.run_deadlines(TODAY + datetime.timedelta(days=offset))
    keys = sorted(application.notices.values_list("key", flat=True))
    assert keys == [f"reminder:birth:{deadline}:J-15", f"reminder:birth:{deadline}:J-3"]
    application.refresh_from_db()
    assert application.state == State.AWAITING_BIRTH  # the deadline day itself is not late


def test_periodic_confirmation_then_archive_then_reactivation(
    guichet, django_capture_on_commit_callbacks
):
    rules = guichet["rules"]
    due_app = _app(
        guichet, State.WAITING, interest_confirmed_on=TODAY - datetime.timedelta(days=200)
    )
    recent = _app(guichet, State.WAITING, interest_confirmed_on=TODAY - datetime.timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        report = services.run_deadlines(TODAY)
    due_app.refresh_from_db()
    recent.refresh_from_db()
    assert report.interest_requested == 1
    assert due_app.state == State.TO_CONFIRM
    assert due_app.deadline == TODAY + datetime.timedelta(days=rules.interest_answer_days)
    assert recent.state == State.WAITING
    assert "toujours une place" in mail.outbox[0].subject
    # silent past the deadline: archived
    services.run_deadlines(due_app.deadline + datetime.timedelta(days=1))
    due_app.refresh_from_db()
    assert due_app.state == State.ARCHIVED
    # reactivable during the grace period
    Application.objects.filter(pk=due_app.pk).update(archived_on=TODAY)
    due_app.refresh_from_db()
    services.confirm_interest(due_app, actor=None)
    assert due_app.state == State.WAITING
    assert due_app.interest_confirmed_on == TODAY


def test_no_reactivation_after_the_grace_period(guichet):
    application = _app(guichet, State.ARCHIVED, deadline_kind=DeadlineKind.INTEREST,
                       archived_on=TODAY - datetime.timedelta(days=31))  # fmt: skip
    with pytest.raises(TransitionNotAllowed, match="délai de grâce"):
        services.confirm_interest(application, actor=None)
    assert Application.objects.get(pk=application.pk).state == State.ARCHIVED


def test_closed_applications_are_deleted_after_the_retention_period(guichet, emma):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from maillage.applications.tasks import purge_expired_applications
    from maillage.applications.workflow import application_workflow
    from maillage.audit.models import AuditAction, AuditEntry

    old = _app(guichet, State.WAITING)
    document = services.add_document(
        old, "address", SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), actor=emma
    )
    storage, name = document.file.storage, document.file.name
    application_workflow.apply(old, "withdraw")
    open_one = _app(guichet, State.WAITING)
    household_id = old.household_id
    later = services.add_months(TODAY, guichet["rules"].retention_months)
    assert services.purge_expired(later) == 0  # exactly at the limit: kept
    assert services.purge_expired(later + datetime.timedelta(days=1)) == 1
    assert not Application.objects.filter(pk=old.pk).exists()
    assert not storage.exists(name)
    assert not Household.objects.filter(pk=household_id).exists()
    assert Application.objects.filter(pk=open_one.pk).exists()  # open: never purged
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(old.pk)).exists()
    purge_expired_applications.call()  # the task runs alone (nothing left to delete today)
