"""Retention periods: the purge command, its purgers and its audit entry."""

import datetime
import json
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from maillage.audit.guard import guard_lifted
from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.services import record
from maillage.core import retention
from maillage.core.imports import ImportStatus
from maillage.core.models import Job, JobStatus, Parameter
from maillage.core.schedule import SCHEDULE
from maillage.directory.models import DirectoryImport

TODAY = datetime.date(2026, 6, 15)


def _at(days_before: int) -> datetime.datetime:
    moment = datetime.datetime.combine(TODAY, datetime.time(12)) - datetime.timedelta(
        days=days_before
    )
    return timezone.make_aware(moment)


def _backdate_entry(entry, days_before):
    with guard_lifted(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET at = %s WHERE id = %s", [_at(days_before), entry.pk]
        )


def _import(organisation, status, days_before, name):
    batch = DirectoryImport(kind="structures", filename=name, organisation=organisation,
                            status=status)  # fmt: skip
    batch.file.save(name, ContentFile(b"nom;adresse"), save=False)
    batch.save()
    DirectoryImport.objects.filter(pk=batch.pk).update(updated_at=_at(days_before))
    return batch


@pytest.fixture
def records(alice, organisations):
    carros = organisations["06033"]
    old_entry = record(AuditAction.VIEW, actor=alice, message="il y a 13 mois")
    _backdate_entry(old_entry, 400)
    kept_entry = record(AuditAction.VIEW, actor=alice, message="il y a 2 mois")
    _backdate_entry(kept_entry, 60)
    imported_old = _import(carros, ImportStatus.IMPORTED, 45, "ancien.csv")
    imported_new = _import(carros, ImportStatus.IMPORTED, 10, "recent.csv")
    cancelled_old = _import(carros, ImportStatus.CANCELLED, 8, "abandon.csv")
    previewed_new = _import(carros, ImportStatus.PREVIEWED, 2, "en-cours.csv")
    job_old = Job.objects.create(
        kind="k", label="ancienne", status=JobStatus.DONE, finished_at=_at(31)
    )
    job_running = Job.objects.create(kind="k", label="en cours", status=JobStatus.RUNNING)
    return {
        "old_entry": old_entry,
        "kept_entry": kept_entry,
        "imported_old": imported_old,
        "imported_new": imported_new,
        "cancelled_old": cancelled_old,
        "previewed_new": previewed_new,
        "job_old": job_old,
        "job_running": job_running,
    }


def _run(*args) -> str:
    out = StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def test_dry_run_counts_per_kind_and_changes_nothing(records):
    entries = AuditEntry.objects.count()
    output = _run("--date", TODAY.isoformat())
    assert "simulation" in output
    assert (
        "Entrées du journal d'audit (journaux de sécurité) (au-delà de 12 mois, avant le 15/06/2025) : 1 à purger"
        in output
    )
    assert (
        "Fichiers importés (annuaire) (au-delà de 30 jours, avant le 16/05/2026) : 1 à purger"
        in output
    )
    assert (
        "jamais confirmés (annuaire) (au-delà de 7 jours, avant le 08/06/2026) : 1 à purger"
        in output
    )
    assert (
        "Tâches de fond terminées et leurs résultats (au-delà de 30 jours, avant le 16/05/2026) : 1 à purger"
        in output
    )
    assert AuditEntry.objects.count() == entries
    assert DirectoryImport.objects.count() == 4 and Job.objects.count() == 2


def test_apply_purges_each_kind_and_records_one_audit_entry(records):
    payload = json.loads(_run("--apply", "--date", TODAY.isoformat(), "--format", "json"))
    counts = {line["kind"]: line["count"] for line in payload["kinds"]}
    assert payload["applied"] is True
    assert counts == {
        "application-closed": 0,
        "application-drafts": 0,
        "application-import-cancelled": 0,
        "application-import-files": 0,
        "audit-entries": 1,
        "directory-import-cancelled": 1,
        "directory-import-files": 1,
        "figure-import-cancelled": 0,
        "figure-import-files": 0,
        "task-results": 1,
    }
    kept = DirectoryImport.objects.all()
    assert {batch.filename for batch in kept} == {"recent.csv", "en-cours.csv"}
    assert all(batch.file.storage.exists(batch.file.name) for batch in kept)
    assert not records["imported_old"].file.storage.exists(records["imported_old"].file.name)
    assert list(Job.objects.values_list("label", flat=True)) == ["en cours"]
    messages = set(AuditEntry.objects.values_list("message", flat=True))
    assert "il y a 13 mois" not in messages and "il y a 2 mois" in messages
    purge = AuditEntry.objects.get(action=AuditAction.PURGE)
    assert purge.changes == counts and purge.actor_label == "système"
    # a second run has nothing left to do
    again = json.loads(_run("--apply", "--date", TODAY.isoformat(), "--format", "json"))
    assert {line["count"] for line in again["kinds"]} == {0}


def test_periods_come_from_dated_parameters(records):
    Parameter.objects.filter(key="retention-audit-months").update(value=1)
    payload = json.loads(_run("--date", TODAY.isoformat(), "--format", "json"))
    audit = next(line for line in payload["kinds"] if line["kind"] == "audit-entries")
    assert audit["period"] == 1 and audit["count"] == 2


def test_a_missing_parameter_is_reported_and_the_others_still_run(records):
    Parameter.objects.filter(key="retention-import-files-days").delete()
    output = _run("--apply", "--date", TODAY.isoformat())
    assert "Fichiers importés (annuaire) : ignoré. Aucune valeur du paramètre" in output
    assert (
        "jamais confirmés (annuaire) (au-delà de 7 jours, avant le 08/06/2026) : 1 purgé(s)"
        in output
    )
    assert DirectoryImport.objects.filter(filename="ancien.csv").exists()


def test_bad_date_is_a_clear_french_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        _run("--date", "15/06/2026")


def test_the_scheduler_runs_the_purge_daily(records, django_capture_on_commit_callbacks):
    entry = next(p for p in SCHEDULE if p.name == "purge-personal-data")
    assert entry.at and entry.task == "maillage.audit.tasks.purge_personal_data"
    from maillage.audit.tasks import purge_personal_data

    with django_capture_on_commit_callbacks(execute=True):
        purge_personal_data.enqueue()
    # run today: everything created above is older than its period except the recent records
    assert not Job.objects.filter(label="ancienne").exists()
    assert AuditEntry.objects.filter(action=AuditAction.PURGE).count() == 1


def test_each_domain_declares_its_purgers():
    kinds = {p.kind for p in retention.purgers()}
    assert {
        "audit-entries",
        "directory-import-files",
        "directory-import-cancelled",
        "figure-import-files",
        "figure-import-cancelled",
        "task-results",
    } <= kinds


def test_subtract_months_clamps_to_the_end_of_the_month():
    assert retention.subtract_months(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert retention.subtract_months(datetime.date(2026, 1, 15), 13) == datetime.date(2024, 12, 15)


@pytest.mark.django_db(transaction=True)
def test_flush_still_erases_the_whole_database(alice):
    record(AuditAction.VIEW, actor=alice, message="m")
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0
