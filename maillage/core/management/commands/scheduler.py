"""`maillage scheduler`: enqueues the periodic jobs of maillage/core/schedule.py when due."""

import datetime
import signal
import time
import zoneinfo

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

from maillage.core.commands import MaillageCommand
from maillage.core.heartbeat import SCHEDULER, beat
from maillage.core.models import ScheduledRun
from maillage.core.schedule import SCHEDULE, Periodic


def next_due(entry: Periodic, last: datetime.datetime | None, now: datetime.datetime) -> bool:
    """True when `entry` should be enqueued at `now`, given its last run (None: never)."""
    if entry.every is not None:
        return last is None or (now - last).total_seconds() >= entry.every
    hour, minute = (int(part) for part in entry.at.split(":"))
    local = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    today_at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if local < today_at:
        today_at -= datetime.timedelta(days=1)
    return last is None or last < today_at


def claim(entry: Periodic, now: datetime.datetime) -> bool:
    """Compare-and-set on the entry's last run: only one scheduler enqueues a due job."""
    row = ScheduledRun.objects.filter(name=entry.name).first()
    if row is None:
        if not next_due(entry, None, now):
            return False
        _, created = ScheduledRun.objects.get_or_create(
            name=entry.name, defaults={"last_run_at": now}
        )
        return created
    if not next_due(entry, row.last_run_at, now):
        return False
    return (
        ScheduledRun.objects.filter(name=entry.name, last_run_at=row.last_run_at).update(
            last_run_at=now
        )
        == 1
    )


def tick(now: datetime.datetime | None = None, *, stdout=None) -> list[str]:
    """Enqueue every due job once; returns their names."""
    now = now or timezone.now()
    beat(SCHEDULER)
    enqueued = []
    for entry in SCHEDULE:
        if claim(entry, now):
            import_string(entry.task).enqueue()
            enqueued.append(entry.name)
            if stdout is not None and entry.every is None:
                stdout.write(f"{now:%d/%m/%Y %H:%M} — lancé : {entry.label}")
    return enqueued


class Command(MaillageCommand):
    help = (
        "Planificateur : met en file les tâches périodiques déclarées dans "
        "maillage/core/schedule.py (rappels, purges…) quand elles sont dues. "
        "Un seul suffit ; plusieurs ne lancent pas deux fois la même tâche."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Un seul passage, puis s'arrêter (tests, cron)."
        )
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Secondes entre deux passages."
        )
        parser.add_argument("--list", action="store_true", help="Affiche le calendrier déclaré.")

    def handle(self, *args, once=False, interval=10.0, list=False, **options):
        if list:
            for entry in SCHEDULE:
                when = f"toutes les {entry.every} s" if entry.every else f"chaque jour à {entry.at}"
                self.stdout.write(f"{entry.name:<24} {when:<22} {entry.label}")
            return
        if once:
            names = tick(stdout=self.stdout)
            self.stdout.write("Tâches mises en file : " + (", ".join(names) or "aucune"))
            return
        self.running = True

        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Planificateur démarré ({len(SCHEDULE)} tâches périodiques).")
        while self.running:
            close_old_connections()
            tick(stdout=self.stdout)
            slept = 0.0
            while self.running and slept < interval:
                time.sleep(0.5)
                slept += 0.5
        self.stdout.write("Planificateur arrêté.")
