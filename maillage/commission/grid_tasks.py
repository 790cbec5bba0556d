"""Background task of the points grid: the simulation of a draft on the whole queue (run by
`maillage worker`; the page polls its job)."""

from django_tasks import task


@task()
def simulate_grid(job_id: int, grid_id: int) -> None:
    from maillage.commission.grids import run_simulation

    run_simulation(job_id, grid_id)
