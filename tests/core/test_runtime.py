"""The runtime spine: jobs, the workflow helper, the scheduler, the worker and /sante/."""

import datetime
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import close_old_connections, connection
from django.test import override_settings
from django.utils import timezone
from django_tasks import task

from maillage.audit.models import AuditEntry, TransitionLog
from maillage.audit.workflow import (
    Transition,
    TransitionConflict,
    TransitionNotAllowed,
    Workflow,
    history,
)
from maillage.core import heartbeat
from maillage.core.jobs import GENERIC_FAILURE, JobError, run_job, start_job
from maillage.core.management.commands.scheduler import next_due, tick
from maillage.core.models import Heartbeat, Job, JobStatus, ScheduledRun
from maillage.core.schedule import SCHEDULE, Periodic

ROOT = Path(__file__).resolve().parents[2]
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def count_to(job_id: int, total: int) -> None:
    with run_job(job_id) as job:
        for i in range(1, total + 1):
            job.progress(i, total, f"Étape {i}")
        job.result = {"counted": total}


@task()
def fail_politely(job_id: int) -> None:
    with run_job(job_id):
        raise JobError("Le fichier ne contient aucune ligne.")


@task()
def crash(job_id: int) -> None:
    with run_job(job_id):
        raise RuntimeError("boom: /etc/secret")


class JobFlow(Workflow):
    field = "status"
    transitions = [
        Transition("start", [JobStatus.QUEUED], JobStatus.RUNNING, "Démarrer"),
        Transition("finish", [JobStatus.RUNNING], JobStatus.DONE, "Terminer"),
        Transition(
            "fail",
            [JobStatus.RUNNING],
            JobStatus.FAILED,
            "Marquer en échec",
            guard=lambda job: "" if job.message else "Indiquez la cause de l'échec.",
        ),
    ]


flow = JobFlow()


# --- jobs ---------------------------------------------------------------------------------


def test_a_job_runs_its_task_and_keeps_its_result(db, django_capture_on_commit_callbacks, alice):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job("test", "Compter", count_to, 3, user=alice)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result == {"counted": 3}
    assert job.created_by == alice and job.started_at and job.finished_at


def test_the_same_key_twice_enqueues_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = start_job("test", "Compter", count_to, 2, key="compter:1")
        second = start_job("test", "Compter", count_to, 2, key="compter:1")
    assert first.pk == second.pk
    assert len(callbacks) == 1
    callbacks[0]()
    # Finished: the key may be used again for a new run.
    with django_capture_on_commit_callbacks(execute=True):
        third = start_job("test", "Compter", count_to, 2, key="compter:1")
    assert third.pk != first.pk
    assert Job.objects.get(pk=first.pk).key is None


def test_a_job_error_is_shown_in_french_and_a_crash_hides_its_details(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        polite = start_job("test", "Échec prévu", fail_politely)
        crashed = start_job("test", "Plantage", crash)
    polite.refresh_from_db()
    crashed.refresh_from_db()
    assert polite.status == JobStatus.FAILED
    assert polite.error == "Le fichier ne contient aucune ligne."
    assert crashed.status == JobStatus.FAILED
    assert crashed.error == GENERIC_FAILURE
    assert "secret" not in crashed.error


# --- workflow -----------------------------------------------------------------------------


def test_a_transition_changes_the_state_and_writes_log_and_audit(db, alice, organisations):
    job = Job.objects.create(kind="t", label="Suivi")
    log = flow.apply(job, "start", actor=alice, organisation=organisations["caf"], reason="go")
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert (log.source, log.target, log.actor, log.reason) == ("queued", "running", alice, "go")
    assert list(history(job)) == [log]
    entry = AuditEntry.objects.for_object(job).get()
    assert entry.action == "transition"
    assert entry.changes == {"status": ["queued", "running"]}
    assert entry.organisation == organisations["caf"]


def test_a_forbidden_move_is_refused_in_french(db):
    job = Job.objects.create(kind="t", label="Suivi")
    with pytest.raises(TransitionNotAllowed, match="l'état actuel est « En attente »"):
        flow.apply(job, "finish")
    with pytest.raises(TransitionNotAllowed, match="Action inconnue"):
        flow.apply(job, "teleport")
    flow.apply(job, "start")
    with pytest.raises(TransitionNotAllowed, match="Indiquez la cause"):
        flow.apply(job, "fail")
    assert [t.name for t in flow.available(job)] == ["finish", "fail"]
    assert not TransitionLog.objects.filter(target="done").exists()


def test_a_stale_object_gets_a_conflict_not_a_second_move(db):
    job = Job.objects.create(kind="t", label="Suivi")
    stale = Job.objects.get(pk=job.pk)
    flow.apply(job, "start")
    with pytest.raises(TransitionConflict, match="maintenant « En cours »"):
        flow.apply(stale, "start")
    assert TransitionLog.objects.filter(object_id=str(job.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_one_wins_the_others_get_a_conflict():
    job = Job.objects.create(kind="t", label="Suivi")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt():
        try:
            mine = Job.objects.get(pk=job.pk)
            barrier.wait(timeout=30)
            flow.apply(mine, "start")
            outcomes.append("ok")
        except TransitionConflict:
            outcomes.append("conflict")
        except Exception as exc:  # any other error is a defect
            outcomes.append(f"error: {exc!r}")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    assert TransitionLog.objects.filter(object_id=str(job.pk)).count() == 1


# --- scheduler ----------------------------------------------------------------------------


def test_periodic_jobs_are_due_by_interval_or_time_of_day():
    every = Periodic("p", "x", "p", every=30)
    now = timezone.now()
    assert next_due(every, None, now)
    assert not next_due(every, now - datetime.timedelta(seconds=10), now)
    assert next_due(every, now - datetime.timedelta(seconds=31), now)
    daily = Periodic("d", "x", "d", at="07:00")
    paris = datetime.timezone(datetime.timedelta(hours=1))
    at_8 = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=paris)
    at_6 = datetime.datetime(2026, 11, 30, 6, 0, tzinfo=paris)
    assert next_due(daily, at_8 - datetime.timedelta(days=1), at_8)
    assert not next_due(daily, at_8 - datetime.timedelta(minutes=30), at_8)
    assert not next_due(daily, at_6 - datetime.timedelta(hours=2), at_6)


def test_the_schedule_names_real_tasks():
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    assert len({entry.name for entry in SCHEDULE}) == len(SCHEDULE)
    for entry in SCHEDULE:
        assert isinstance(import_string(entry.task), Task), entry.task
        assert (entry.every is None) != (entry.at is None), entry.name


def test_a_tick_enqueues_each_due_job_once(db, mailoutbox):
    now = timezone.now()
    first = tick(now)
    assert "heartbeat" in first
    assert heartbeat.is_alive(heartbeat.WORKER, now)  # the immediate backend ran it
    assert heartbeat.is_alive(heartbeat.SCHEDULER, now)
    assert tick(now + datetime.timedelta(seconds=1)) == []
    assert tick(now + datetime.timedelta(seconds=31)) == ["heartbeat"]
    assert ScheduledRun.objects.count() == len(first)


# --- health -------------------------------------------------------------------------------


def test_health_answers_503_without_a_live_worker_and_200_with_one(client, db):
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json() == {"status": "indisponible", "database": True, "worker": False}
    Heartbeat.objects.create(name="worker", at=timezone.now() - datetime.timedelta(hours=1))
    assert client.get("/sante/").status_code == 503
    heartbeat.beat(heartbeat.WORKER)
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


# --- the real worker ----------------------------------------------------------------------


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_a_queued_task_once():
    """The database backend queues the task; `maillage worker --batch` (a separate process on
    the same database) runs it, reports progress and beats for /sante/."""
    with override_settings(TASKS=DB_BACKEND):
        job = start_job("test", "Compter", count_to, 4)
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MAILLAGE_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "maillage.manage", "worker", "--batch", "--queue-name", "*",
         "--no-startup-delay", "--no-reload", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.result == {"counted": 4}
    assert heartbeat.is_alive(heartbeat.WORKER)
