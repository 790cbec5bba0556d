"""Background tasks of the conventions."""

from django_tasks import task


@task()
def send_convention_reminders() -> None:
    """Daily: reminders of meetings and deadlines, through the conventions' domain service."""
    from maillage.conventions.reminders import send_due_reminders

    send_due_reminders()


@task()
def build_convention_document(job_id: int) -> None:
    """The convention and its annexes as PDF or DOCX (see exports.py)."""
    from maillage.conventions.exports import build_document

    build_document(job_id)


@task()
def refresh_indicator_feeds() -> None:
    """Daily: one measurement of each automatically fed indicator (coverage rate measured by
    the observatory, expressed demand, satisfaction rate, delay to placement)."""
    import datetime

    from maillage.conventions.feeds import refresh_all

    refresh_all(datetime.date.today())
