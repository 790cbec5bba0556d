"""Background tasks of the directory: preview and import of uploaded files."""

from django_tasks import task


@task()
def preview_directory_import(job_id: int, batch_id: int) -> None:
    from maillage.directory.services import run_preview

    run_preview(job_id, batch_id)


@task()
def run_directory_import(job_id: int, batch_id: int) -> None:
    from maillage.directory.services import run_import

    run_import(job_id, batch_id)
