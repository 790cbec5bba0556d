"""Signs of life of the background processes, read by the health check (/sante/)."""

import datetime

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from maillage.core.models import Heartbeat

WORKER = "worker"
SCHEDULER = "scheduler"


def beat(name: str) -> None:
    try:
        Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    except DatabaseError:  # a busy database must not kill the process that reports
        pass


def is_alive(name: str, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    max_age = datetime.timedelta(seconds=settings.MAILLAGE_WORKER_HEARTBEAT_MAX_AGE)
    return Heartbeat.objects.filter(name=name, at__gte=now - max_age).exists()


def health() -> dict:
    """What /sante/ reports: the database answers and a worker took a task recently."""
    from django.db import connection

    checks = {"database": False, "worker": False}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            checks["database"] = cursor.fetchone() == (1,)
        checks["worker"] = is_alive(WORKER)
    except DatabaseError:
        pass
    return checks
