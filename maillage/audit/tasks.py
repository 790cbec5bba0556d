"""Periodic task of the audit app: the daily retention purge."""

from django_tasks import task


@task()
def purge_personal_data() -> None:
    """Enqueued daily by the scheduler: purge what is past its retention period."""
    from maillage.audit.retention import run_purge

    run_purge(apply=True)
