"""Background work a person waits for: a `Job` row plus a django-tasks task.

    job = start_job("diagnostic", "Rapport du bassin", generate_report_task, edition.pk,
                    user=request.user, key=f"diagnostic:{edition.pk}")

The task receives the job id first and reports through `JobReporter`:

    @task()
    def generate_report_task(job_id, edition_id):
        with run_job(job_id) as job:
            job.progress(1, 7, "Cartes")
            ...
            job.result = {"url": ...}

A job is enqueued after the surrounding transaction commits (the worker must see its rows); with
the immediate backend (tests) it runs then and there. Errors a person can act on are raised as
`JobError` with a French message; anything else is logged and shown as a generic French failure.
"""

import contextlib
import logging
from collections.abc import Callable, Iterator

from django.db import IntegrityError, transaction
from django.utils import timezone

from maillage.core.models import Job, JobStatus

logger = logging.getLogger(__name__)

GENERIC_FAILURE = (
    "Le traitement a échoué à cause d'une erreur interne. Réessayez ; si l'erreur persiste, "
    "contactez l'administrateur de la plateforme."
)


class JobError(Exception):
    """A failure whose French message is shown to the person as it is."""


def start_job(
    kind: str,
    label: str,
    task: Callable,
    *args,
    user=None,
    key: str | None = None,
    **kwargs,
) -> Job:
    """Create the job and enqueue `task(job.pk, *args, **kwargs)` once the transaction commits.

    With `key`, a job with the same key that is still queued or running is returned instead
    (double clicks do nothing twice); a finished one is renamed so the key can be reused.
    """
    if key is not None:
        existing = Job.objects.filter(key=key).first()
        if existing is not None and not existing.finished:
            return existing
        if existing is not None:
            Job.objects.filter(pk=existing.pk).update(key=None)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, label=label[:255], key=key, created_by=user if _saved(user) else None
            )
    except IntegrityError:
        # Another request with the same key won the race: answer with its job.
        return Job.objects.get(key=key)
    transaction.on_commit(lambda: task.enqueue(job.pk, *args, **kwargs))
    return job


def _saved(user) -> bool:
    return user is not None and getattr(user, "pk", None) is not None


class JobReporter:
    def __init__(self, job: Job):
        self.job = job
        self.result: dict = {}
        self._last_write = 0.0

    def progress(self, done: int, total: int | None = None, message: str | None = None):
        """Record progress; throttled to a write every half second except for the last step."""
        now = timezone.now().timestamp()
        is_last = total is not None and done >= total
        if not is_last and now - self._last_write < 0.5:
            return
        self._last_write = now
        fields = {"done": done}
        if total is not None:
            fields["total"] = total
        if message is not None:
            fields["message"] = message[:255]
        Job.objects.filter(pk=self.job.pk).update(**fields)


@contextlib.contextmanager
def run_job(job_id: int) -> Iterator[JobReporter]:
    """Mark the job running, yield a reporter, then store its result or a French error."""
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=timezone.now())
    job = Job.objects.get(pk=job_id)
    reporter = JobReporter(job)
    try:
        yield reporter
    except JobError as exc:
        _finish(job_id, JobStatus.FAILED, error=str(exc))
        return
    except Exception:
        logger.exception("Tâche de fond %s (%s) en échec", job_id, job.kind)
        _finish(job_id, JobStatus.FAILED, error=GENERIC_FAILURE)
        return
    _finish(job_id, JobStatus.DONE, result=reporter.result)


def _finish(job_id: int, status: str, *, error: str = "", result: dict | None = None):
    fields = {"status": status, "finished_at": timezone.now(), "error": error}
    if result is not None:
        fields["result"] = result
    if status == JobStatus.DONE:
        job = Job.objects.filter(pk=job_id).only("total").first()
        if job is not None and job.total:
            fields["done"] = job.total
    Job.objects.filter(pk=job_id).update(**fields)
