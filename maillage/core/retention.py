"""Retention periods: a registry of purgers, one per kind of record, each declared by its domain.

A domain app declares what it keeps too long in its own `retention.py` module:

    from maillage.core.retention import Purger, register

    register(Purger(
        kind="import-files",
        label="Fichiers importés dans l'annuaire",
        parameter="retention-import-files-days",
        unit="days",
        count=lambda limit: DirectoryImport.objects.filter(created_at__lt=limit).count(),
        purge=lambda limit: DirectoryImport.objects.filter(created_at__lt=limit).delete()[0],
    ))

`limit` is an aware datetime: every record older than it is past its period. A purger whose
records each carry their own period (a dated per-territory setting, e.g. the guichet's
`GuichetSettings.retention_months`) is declared with `dated=True`: its `count` and `purge` then
receive the reference date itself and resolve each record's period; `parameter` is the default
period, used where no such setting applies, and `note` says where the periods come from. The period itself
is a dated `core.Parameter` (value = a number of days or months), so a deployment changes it in
the admin, with its source, without touching code. `purge` deletes or anonymises and returns how
many records it handled; it runs inside the caller's transaction.

The kernel never imports domain apps: `purgers()` imports `<app>.retention` for each installed
Maillage app. The command `maillage purge_personal_data` (audit app) runs them and records the
outcome in the audit trail; the scheduler runs it daily (core/schedule.py).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.utils import timezone

from maillage.core.models import parameter_at

UNITS = {"days": "jours", "months": "mois"}


@dataclass(frozen=True)
class Purger:
    kind: str
    label: str
    parameter: str
    unit: str  # "days" or "months"
    count: Callable[[datetime.datetime], int]
    purge: Callable[[datetime.datetime], int]
    action: str = "suppression"  # or "anonymisation"
    note: str = field(default="", compare=False)
    # True: `count` and `purge` take the reference date (each record has its own period)
    dated: bool = False

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"Unité de durée inconnue : {self.unit!r} (days ou months).")

    def period(self, on: datetime.date) -> int:
        return int(parameter_at(self.parameter, on).value)

    def limit(self, on: datetime.date) -> datetime.datetime:
        """Records strictly older than this moment are past their period on `on`."""
        amount = self.period(on)
        if self.unit == "days":
            day = on - datetime.timedelta(days=amount)
        else:
            day = subtract_months(on, amount)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


_REGISTRY: dict[str, Purger] = {}


def register(purger: Purger) -> Purger:
    """Declare a purger (idempotent: a module imported twice registers the same one)."""
    _REGISTRY[purger.kind] = purger
    return purger


def purgers() -> list[Purger]:
    """Every declared purger, after importing the `retention` module of each Maillage app."""
    for app in apps.get_app_configs():
        if not app.name.startswith("maillage."):
            continue
        module = f"{app.name}.retention"
        try:
            import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return sorted(_REGISTRY.values(), key=lambda p: p.kind)


def subtract_months(day: datetime.date, months: int) -> datetime.date:
    """`day` minus `months` calendar months (31 March minus 1 month = 28/29 February)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


@dataclass
class PurgeLine:
    kind: str
    label: str
    action: str
    period: int | None
    unit: str
    limit: datetime.datetime | None
    count: int
    error: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "action": self.action,
            "period": self.period,
            "unit": self.unit,
            "limit": self.limit.isoformat() if self.limit else None,
            "count": self.count,
            "error": self.error,
            "note": self.note,
        }


def run(on: datetime.date, *, apply: bool) -> list[PurgeLine]:
    """Count (dry run) or purge what each purger finds past its period on `on`.

    A purger whose parameter has no value in force is reported with a French error and skipped,
    the others still run. The caller holds the transaction.
    """
    from maillage.core.models import ParameterMissing

    lines = []
    for purger in purgers():
        try:
            period = purger.period(on)
            limit = purger.limit(on)
        except ParameterMissing as exc:
            lines.append(
                PurgeLine(
                    purger.kind, purger.label, purger.action, None, purger.unit, None, 0, str(exc)
                )
            )
            continue
        if purger.dated:
            count = purger.purge(on) if apply else purger.count(on)
            lines.append(
                PurgeLine(purger.kind, purger.label, purger.action, period, purger.unit, None,
                          count, note=purger.note)
            )  # fmt: skip
            continue
        count = purger.purge(limit) if apply else purger.count(limit)
        lines.append(
            PurgeLine(purger.kind, purger.label, purger.action, period, purger.unit, limit, count)
        )
    return lines


# The kernel's own records: finished background jobs (`core.Job`, which may name who asked and
# carry a result) and django-tasks' stored results.


def _finished_jobs(limit):
    from maillage.core.models import Job, JobStatus

    return Job.objects.filter(status__in=[JobStatus.DONE, JobStatus.FAILED], finished_at__lt=limit)


def _finished_task_results(limit):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.finished().filter(finished_at__lt=limit)


def _count_task_results(limit) -> int:
    return _finished_jobs(limit).count() + _finished_task_results(limit).count()


def _purge_task_results(limit) -> int:
    jobs = _finished_jobs(limit).delete()[0]
    results = _finished_task_results(limit).delete()[0]
    return jobs + results


register(
    Purger(
        kind="task-results",
        label="Tâches de fond terminées et leurs résultats",
        parameter="retention-task-results-days",
        unit="days",
        count=_count_task_results,
        purge=_purge_task_results,
    )
)
