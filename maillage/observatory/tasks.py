"""Background tasks of the observatory: preview and import of uploaded figures."""

from django_tasks import task


@task()
def preview_figure_import(job_id: int, batch_id: int) -> None:
    from maillage.observatory.figure_imports import run_preview

    run_preview(job_id, batch_id)


@task()
def run_figure_import(job_id: int, batch_id: int) -> None:
    from maillage.observatory.figure_imports import run_import

    run_import(job_id, batch_id)
