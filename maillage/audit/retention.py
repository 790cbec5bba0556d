"""Retention of the audit trail, and the purge service that runs every domain's purgers.

`purge_entries(before)` is the one way to delete audit entries: it lifts the database's
append-only guard (audit.guard) for its own transaction only.
"""

import datetime

from django.db import connection, transaction

from maillage.audit.guard import guard_lifted
from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.services import record
from maillage.core import retention


def purge_entries(before: datetime.datetime) -> int:
    """Delete the audit entries recorded before `before`; returns how many."""
    with guard_lifted(connection.alias), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE at < %s", [before])
        return cursor.rowcount


retention.register(
    retention.Purger(
        kind="audit-entries",
        label="Entrées du journal d'audit (journaux de sécurité)",
        parameter="retention-audit-months",
        unit="months",
        count=lambda limit: AuditEntry.objects.filter(at__lt=limit).count(),
        purge=purge_entries,
    )
)


def run_purge(
    on: datetime.date | None = None, *, apply: bool = False, actor=None
) -> list[retention.PurgeLine]:
    """Dry run by default: what each purger would handle on `on` (today by default).

    With `apply`, everything is purged in one transaction and one audit entry sums it up (written
    after the purge of the audit trail itself, so it is kept).
    """
    on = on or datetime.date.today()
    if not apply:
        return retention.run(on, apply=False)
    with transaction.atomic():
        lines = retention.run(on, apply=True)
        record(
            AuditAction.PURGE,
            actor=actor,
            changes={line.kind: line.count for line in lines},
            message=(
                f"Purge des données au-delà de leur durée de conservation ({on:%d/%m/%Y}) : "
                + ", ".join(f"{line.label} {line.count}" for line in lines)
            ),
        )
    return lines
