"""Background tasks of the commission (run by `maillage worker`)."""

from django_tasks import task


@task()
def run_session_task(job_id: int, session_id: int, method: str, seed: int, user_id) -> None:
    """Run the engine on a frozen session with progress (the session page polls it)."""
    from maillage.commission.runs import run_session_job

    run_session_job(job_id, session_id, method, seed, user_id)
