"""Background tasks of the observatory: the diagnostic partagé, preview and import of figures."""

from django_tasks import task


@task()
def generate_diagnostic_task(job_id: int) -> None:
    """Generate the edition of the diagnostic partagé attached to the job (see
    `diagnostic.request_edition`)."""
    from maillage.observatory.diagnostic import run_generation_job

    run_generation_job(job_id)


@task()
def preview_figure_import(job_id: int, batch_id: int) -> None:
    from maillage.observatory.figure_imports import run_preview

    run_preview(job_id, batch_id)


@task()
def run_figure_import(job_id: int, batch_id: int) -> None:
    from maillage.observatory.figure_imports import run_import

    run_import(job_id, batch_id)


@task()
def refresh_demand() -> None:
    """Recompute the stored expressed demand of the territories (after a change of the
    guichet's queue, enqueued by `applications.changes.queue_changed`, and periodically)."""
    from maillage.observatory.demand import refresh_stored

    refresh_stored()
