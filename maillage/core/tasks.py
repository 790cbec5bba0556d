"""Tasks of the kernel: the worker's heartbeat."""

from django_tasks import task

from maillage.core.heartbeat import WORKER, beat


@task()
def heartbeat() -> None:
    """Enqueued by the scheduler every few seconds: proves a worker takes tasks."""
    beat(WORKER)
