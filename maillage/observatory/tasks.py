"""Background tasks of the observatory."""

from django_tasks import task


@task()
def generate_diagnostic_task(job_id: int) -> None:
    """Generate the edition of the diagnostic partagé attached to the job (see
    `diagnostic.request_edition`)."""
    from maillage.observatory.diagnostic import run_generation_job

    run_generation_job(job_id)
