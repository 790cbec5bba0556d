"""Background tasks of the guichet unique (run by `maillage worker`)."""

from django_tasks import task


@task()
def send_notice(notice_id: int) -> None:
    """Send one queued e-mail to a family."""
    from maillage.applications.services import deliver_notice

    deliver_notice(notice_id)


@task()
def run_application_deadlines() -> None:
    """Daily: late births on hold, confirmations of interest, archiving, D-15/D-3 reminders."""
    from maillage.applications.services import run_deadlines

    run_deadlines()


@task()
def purge_expired_applications() -> None:
    """Delete the closed applications past their territory's retention period (the daily purge
    `maillage.audit.tasks.purge_personal_data` does it through the retention registry; kept to
    run it alone)."""
    from maillage.applications.services import purge_expired

    purge_expired()


@task()
def clean_up_drafts() -> None:
    """Daily: warn families before a draft never submitted is deleted, then delete the drafts
    past their period (see services.run_draft_cleanup)."""
    from maillage.applications.services import run_draft_cleanup

    run_draft_cleanup()


@task()
def preview_application_import(job_id: int, batch_id: int) -> None:
    """Check an uploaded waiting list and store its report."""
    from maillage.applications.batch_imports import run_preview

    run_preview(job_id, batch_id)


@task()
def run_application_import(job_id: int, batch_id: int) -> None:
    """Write the rows of a confirmed waiting list."""
    from maillage.applications.batch_imports import run_import

    run_import(job_id, batch_id)


@task()
def send_invitation(invitation_id: int) -> None:
    """Send a family the single-use link to claim an application registered at the counter."""
    from maillage.applications.invitations import deliver_invitation

    deliver_invitation(invitation_id)
