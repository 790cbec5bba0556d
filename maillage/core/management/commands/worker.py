"""`maillage worker`: runs the background tasks (django-tasks' database worker) and reports
that it is alive for /sante/."""

from django_tasks_db.management.commands import db_worker

from maillage.core.heartbeat import WORKER, beat


class HeartbeatWorker(db_worker.Worker):
    def run(self) -> None:
        beat(WORKER)
        super().run()

    def run_task(self, db_task_result) -> None:
        beat(WORKER)
        try:
            super().run_task(db_task_result)
        finally:
            beat(WORKER)


class Command(db_worker.Command):
    help = (
        "Exécute les tâches de fond (imports, PDF, rappels…) en attente dans la base de données. "
        "Lancez-en un ou plusieurs à côté du serveur web ; `--batch` traite la file puis s'arrête."
    )

    def handle(self, *args, **options):
        original = db_worker.Worker
        db_worker.Worker = HeartbeatWorker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
