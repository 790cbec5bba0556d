"""Reading the audit trail: who may, what they see, and the trace of the reading itself.

Administrators read their organisation's entries, data-protection officers (DPO) the whole
trail they answer for (see `AuditEntryQuerySet.visible_to`). Reading the trail is itself a read
of personal data: one entry per page shown (not one per row), with the filters used (names and
non-personal values) and the page number.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator

from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.services import record

PAGE_SIZE = 50
# what the page shows of each entry (recorded as the fields read)
SHOWN_FIELDS = ["at", "actor_label", "organisation", "action", "object_type", "object_label"]


@dataclass
class TrailFilters:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    organisation_id: int | None = None
    date_from: datetime.date | None = None
    date_until: datetime.date | None = None

    def used(self) -> dict:
        """The filters in use, as recorded in the trail (no personal value among them)."""
        return {
            name: str(value)
            for name, value in vars(self).items()
            if value not in (None, "")  # fmt: skip
        }


def require_trail_reader(membership):
    if membership is None or not getattr(membership, "reads_audit_trail", False):
        raise PermissionDenied(
            "Le journal d'audit est réservé aux administrateurs et aux délégués à la protection "
            "des données d'une organisation."
        )
    return membership


def visible_entries(membership, filters: TrailFilters | None = None):
    filters = filters or TrailFilters()
    entries = AuditEntry.objects.visible_to(membership).select_related("organisation")
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id)
    if filters.organisation_id:
        entries = entries.filter(organisation_id=filters.organisation_id)
    if filters.date_from:
        entries = entries.filter(at__date__gte=filters.date_from)
    if filters.date_until:
        entries = entries.filter(at__date__lte=filters.date_until)
    return entries


def read_trail(membership, *, actor, filters: TrailFilters | None = None, page=1) -> Page:
    """One page of the trail `membership` may read; records ONE read entry for the page."""
    require_trail_reader(membership)
    filters = filters or TrailFilters()
    shown = Paginator(visible_entries(membership, filters), PAGE_SIZE).get_page(page)
    entries = list(shown.object_list)  # read before the read entry is written
    shown.object_list = entries
    record(
        AuditAction.VIEW,
        actor=actor,
        organisation=membership.organisation,
        changes={
            "fields": SHOWN_FIELDS,
            "page": shown.number,
            "rows": len(entries),
            "filters": filters.used(),
        },
        message="Consultation du journal d'audit",
    )
    return shown


def object_types(membership) -> list[str]:
    """The kinds of objects present in the trail this member may read (for the filter)."""
    return sorted(
        set(
            AuditEntry.objects.visible_to(membership)
            .exclude(object_type="")
            .values_list("object_type", flat=True)
            .distinct()
        )
    )
