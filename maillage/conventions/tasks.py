"""Background tasks of the conventions."""

from django_tasks import task


@task()
def send_convention_reminders() -> None:
    """Daily: reminders of meetings and deadlines, through the conventions' domain service."""
    from maillage.conventions.reminders import send_due_reminders

    send_due_reminders()
