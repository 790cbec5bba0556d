"""The daily reminders, run the way production runs them: the scheduler's tick enqueues the
declared task (maillage/core/schedule.py), the immediate backend runs it, Django's locmem outbox
receives the e-mails."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from maillage.accounts.enums import Role
from maillage.conventions.schedule import add_months
from maillage.core.management.commands.scheduler import tick
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory, PartyFactory


@pytest.fixture
def ending_soon(organisations, alice, bruno, charlie):
    """A one-year convention between the Caf and Carros ending in 20 days (its notice deadline
    is long past: one reminder is due, the end of the convention)."""
    end = datetime.date.today() + datetime.timedelta(days=20)
    convention = ConventionFactory(
        slug="ending-soon",
        title="Convention qui s'achève",
        active=True,
        duration_years=1,
        start_date=add_months(end + datetime.timedelta(days=1), -12),
        notice_months=6,
    )
    assert 0 <= (convention.end_date - datetime.date.today()).days <= 30
    PartyFactory(convention=convention, organisation=organisations["caf"], order=0)
    PartyFactory(convention=convention, organisation=organisations["06033"], order=1)
    elected = UserFactory(email="elu.carros@maillage.example")
    MembershipFactory(user=elected, organisation=organisations["06033"], role=Role.ELECTED)
    return convention


@pytest.mark.django_db
def test_the_scheduled_task_mails_the_parties_admins_and_agents_once(
    ending_soon, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        enqueued = tick(now)
    assert "convention-reminders" in enqueued
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("[Maillage] Convention qui s'achève : fin de la convention")
    # Admins and agents of the parties; not the elected member, not Le Broc's agent.
    assert sorted(message.to) == ["alice@maillage.example", "bruno@maillage.example"]
    assert "dans 20 jours" in message.body
    # The next day's run finds the same reminder already sent: nothing goes out twice.
    with django_capture_on_commit_callbacks(execute=True):
        enqueued = tick(now + datetime.timedelta(days=1))
    assert "convention-reminders" in enqueued
    assert len(mail.outbox) == 1
