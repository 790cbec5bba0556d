"""Retention of the guichet: each territory's own period enforced by the one purge command
(shared registry), and drafts never submitted warned then deleted."""

import datetime
import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from maillage.applications import services
from maillage.applications.enums import State
from maillage.applications.models import Application, Household, SentNotice
from maillage.applications.workflow import application_workflow
from maillage.audit.models import AuditAction, AuditEntry
from maillage.core.retention import purgers
from maillage.core.schedule import SCHEDULE
from tests.applications.factories import (
    ApplicationFactory,
    ChildFactory,
    GuichetSettingsFactory,
    HouseholdFactory,
)
from tests.territories.factories import TerritoryGroupFactory

# the domain's « today » (Europe/Paris), not the machine's UTC date: they differ late at night
TODAY = timezone.localdate()


def _closed(territory):
    application = ApplicationFactory(
        household=HouseholdFactory(territory=territory), state=State.WAITING
    )
    application_workflow.apply(application, "withdraw")
    return application


def _purge(on: datetime.date, *, apply: bool) -> dict:
    out = StringIO()
    args = ["--date", on.isoformat(), "--format", "json"] + (["--apply"] if apply else [])
    call_command("purge_personal_data", *args, stdout=out)
    payload = json.loads(out.getvalue())
    return {line["kind"]: line for line in payload["kinds"]}


@pytest.fixture
def other_territory(guichet):
    """A second guichet whose rules keep closed applications 12 months (the bassin: 36)."""
    territory = TerritoryGroupFactory(slug="autre-territoire", name="Autre territoire")
    GuichetSettingsFactory(
        territory=territory, operator=guichet["rules"].operator, number_prefix="AUT",
        retention_months=12,
    )  # fmt: skip
    return territory


def test_the_purge_command_enforces_each_territory_period(guichet, other_territory):
    assert {"application-closed", "application-drafts"} <= {p.kind for p in purgers()}
    here, there = _closed(guichet["territory"]), _closed(other_territory)
    still_open = ApplicationFactory(
        household=HouseholdFactory(territory=other_territory), state=State.WAITING
    )
    in_13_months = services.add_months(TODAY, 13)
    dry = _purge(in_13_months, apply=False)
    assert dry["application-closed"]["count"] == 1  # the 12-month territory only
    assert dry["application-closed"]["note"]
    assert Application.objects.filter(pk=there.pk).exists()  # a dry run changes nothing
    done = _purge(in_13_months, apply=True)
    assert done["application-closed"]["count"] == 1
    assert not Application.objects.filter(pk=there.pk).exists()
    assert Application.objects.filter(pk=here.pk).exists()  # 36 months in the bassin
    assert Application.objects.filter(pk=still_open.pk).exists()
    purge = AuditEntry.objects.filter(action=AuditAction.PURGE).latest("at")
    assert purge.changes["application-closed"] == 1
    # a later rule of the bassin (dated) shortens its period: applied from its date
    GuichetSettingsFactory(
        territory=guichet["territory"], operator=guichet["rules"].operator,
        valid_from=TODAY, retention_months=6,
    )  # fmt: skip
    assert _purge(services.add_months(TODAY, 7), apply=True)["application-closed"]["count"] == 1
    assert not Application.objects.filter(pk=here.pk).exists()


def test_the_text_output_says_the_period_is_set_per_territory(guichet):
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    text = out.getvalue()
    assert "Demandes closes du guichet unique" in text
    assert "réglée par territoire" in text


# --- drafts ------------------------------------------------------------------------------------


def _draft(guichet, *, days_ago: int, email="famille@exemple.fr"):
    household = HouseholdFactory(territory=guichet["territory"], email=email)
    application = ApplicationFactory(
        household=household, child=ChildFactory(household=household), state=State.DRAFT
    )
    # noon, local time, `days_ago` local days ago: never the day before or after across a change
    # of summer time or late in the evening
    last = timezone.make_aware(
        datetime.datetime.combine(TODAY - datetime.timedelta(days=days_ago), datetime.time(12))
    )
    Application.objects.filter(pk=application.pk).update(updated_at=last)
    application.refresh_from_db()
    return application


def test_draft_period_is_the_dated_parameter_unless_the_territory_sets_one(guichet):
    rules = guichet["rules"]
    assert services.draft_retention_days(rules, TODAY) == 90  # parameter, with its source
    from maillage.core.models import parameter_at

    row = parameter_at("retention-application-drafts-days", TODAY)
    assert row.source_label and row.value == 90
    rules.draft_retention_days = 60
    assert services.draft_retention_days(rules, TODAY) == 60


def test_a_draft_is_warned_then_deleted_never_silently(guichet, django_capture_on_commit_callbacks):
    fresh = _draft(guichet, days_ago=10)
    old = _draft(guichet, days_ago=75)  # 90 days: warned 15 days before, at day 75
    forgotten = _draft(guichet, days_ago=200)  # never warned: not deleted at once
    submitted = ApplicationFactory(
        household=HouseholdFactory(territory=guichet["territory"]), state=State.SUBMITTED
    )
    Application.objects.filter(pk=submitted.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=400)
    )
    household_id = forgotten.household_id
    fate = services.draft_fate(old)
    assert fate.due == TODAY + datetime.timedelta(days=15)
    assert fate.deletes_on == fate.due and fate.warned_on is None
    with django_capture_on_commit_callbacks(execute=True):
        report = services.run_draft_cleanup()
    assert (report.warned, report.deleted) == (2, 0)
    assert len(mail.outbox) == 2
    body = mail.outbox[0].body
    assert "sera supprimé le" in body and "Déposer ma demande" in body
    assert "relais petite enfance" in body
    # the forgotten draft gets its full notice period from the warning
    late = services.draft_fate(forgotten)
    assert late.warned_on == TODAY and late.deletes_on == TODAY + datetime.timedelta(days=15)
    # running again the same day sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_draft_cleanup().warned == 0
    assert len(mail.outbox) == 2
    # the scheduled task and the purge registry both delete once the date has come
    assert services.expired_drafts(TODAY + datetime.timedelta(days=14)) == []
    in_15_days = TODAY + datetime.timedelta(days=15)
    assert _purge(in_15_days, apply=False)["application-drafts"]["count"] == 2
    assert _purge(in_15_days, apply=True)["application-drafts"]["count"] == 2
    assert set(Application.objects.values_list("pk", flat=True)) == {fresh.pk, submitted.pk}
    assert not Household.objects.filter(pk=household_id).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, object_id=str(old.pk), message__contains="jamais déposé"
    ).exists()


def test_editing_a_warned_draft_moves_its_deletion_date(guichet):
    draft = _draft(guichet, days_ago=80)
    services.run_draft_cleanup()
    assert SentNotice.objects.filter(application=draft).count() == 1
    Application.objects.filter(pk=draft.pk).update(updated_at=timezone.now())  # edited today
    draft.refresh_from_db()
    fate = services.draft_fate(draft)
    assert fate.due == TODAY + datetime.timedelta(days=90) and fate.warned_on is None
    assert services.run_draft_cleanup(TODAY + datetime.timedelta(days=80)).deleted == 0


def test_a_territory_period_and_the_daily_task(guichet, django_capture_on_commit_callbacks):
    guichet["rules"].draft_retention_days = 30
    guichet["rules"].draft_warning_days = 7
    guichet["rules"].save()
    draft = _draft(guichet, days_ago=25)
    entry = next(p for p in SCHEDULE if p.name == "application-drafts")
    assert entry.task == "maillage.applications.tasks.clean_up_drafts" and entry.at
    from maillage.applications.tasks import clean_up_drafts

    with django_capture_on_commit_callbacks(execute=True):
        clean_up_drafts.enqueue()
    assert len(mail.outbox) == 1
    assert services.draft_fate(draft).deletes_on == TODAY + datetime.timedelta(days=7)
    assert services.run_draft_cleanup(TODAY + datetime.timedelta(days=7)).deleted == 1


def test_the_status_page_says_when_a_draft_will_be_deleted(client, guichet, emma, password):
    household = HouseholdFactory(territory=guichet["territory"], account=emma)
    draft = ApplicationFactory(
        household=household, child=ChildFactory(household=household), state=State.DRAFT
    )
    client.login(email=emma.email, password=password)
    due = TODAY + datetime.timedelta(days=90)
    text = client.get(f"/guichet/mes-demandes/{draft.number}/").content.decode()
    assert "sera supprimé le" in text and f"{due:%d/%m/%Y}" in text
    home = client.get("/guichet/mes-demandes/").content.decode()
    assert f"{due:%d/%m/%Y}" in home
