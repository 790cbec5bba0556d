"""Tasks of the kernel: the worker's heartbeat."""

from django_tasks import task

from maillage.core.heartbeat import WORKER, beat


@task()
def heartbeat() -> None:
    """Enqueued by the scheduler every few seconds: proves a worker takes tasks."""
    beat(WORKER)


@task()
def prune_task_results() -> None:
    """Finished task results (django-tasks' rows) older than 30 days are deleted."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    limit = timezone.now() - datetime.timedelta(days=30)
    DBTaskResult.objects.finished().filter(finished_at__lt=limit).delete()
