"""Background tasks of the offers (run by `maillage worker`): the daily expiry and reminders,
and the publication of a session started from the web."""

from django_tasks import task


@task()
def run_offer_deadlines() -> None:
    """Daily: expire the offers past their deadline (places re-offered), send the reminders."""
    from maillage.commission.offers import run_offer_deadlines as run

    run()


@task()
def publish_session(job_id: int, session_id: int, user_id: int | None = None) -> None:
    """Publish a session (offers created, letters queued) with progress."""
    from django.contrib.auth import get_user_model

    from maillage.audit.workflow import WorkflowError
    from maillage.commission.models import Session
    from maillage.commission.offers import OfferError, publish
    from maillage.core.jobs import JobError, run_job

    with run_job(job_id) as job:
        session = Session.objects.get(pk=session_id)
        actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        job.progress(0, 1, "Création des propositions")
        try:
            report = publish(session, actor, progress=lambda done, total: job.progress(
                done, total, "Création des propositions"))  # fmt: skip
        except (OfferError, WorkflowError) as exc:
            raise JobError(str(exc)) from exc
        job.result = report.as_dict()
