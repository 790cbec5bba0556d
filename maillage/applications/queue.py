"""The agents' queue: filters, search, sort over the applications an organisation may see, and
the minimised CSV export (no contact details, no household resources)."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from maillage.applications import perms
from maillage.applications.models import Document, GuichetSettings

SORTS = {"registered_on", "-submitted_at", "desired_start", "number"}


@dataclass
class QueueFilters:
    q: str = ""
    state: str = ""
    commune: str = ""
    structure: int | None = None
    start_month: str = ""  # "YYYY-MM"
    missing: bool = False
    sort: str = "registered_on"


def queue(membership, filters: QueueFilters):
    applications = perms.visible_applications(membership)
    if filters.q:
        text = filters.q.strip()
        applications = applications.filter(
            Q(number__icontains=text)
            | Q(child__last_name__icontains=text)
            | Q(child__first_name__icontains=text)
            | Q(household__parent_last_name__icontains=text)
        )
    if filters.state:
        applications = applications.filter(state=filters.state)
    if filters.commune:
        applications = applications.filter(household__commune__insee_code=filters.commune)
    if filters.structure:
        applications = applications.filter(wishes__structure_id=filters.structure)
    if filters.start_month:
        try:
            first = datetime.datetime.strptime(filters.start_month, "%Y-%m").date()
        except ValueError:
            first = None
        if first is not None:
            applications = applications.filter(
                desired_start__year=first.year, desired_start__month=first.month
            )
    if filters.missing:
        missing = Q(pk__in=[])
        latest = {}
        for rules in GuichetSettings.objects.order_by("territory_id", "-valid_from"):
            latest.setdefault(rules.territory_id, rules)
        for territory_id, rules in latest.items():
            for kind in rules.required_documents:
                lacking = ~Exists(Document.objects.filter(application=OuterRef("pk"), kind=kind))
                if kind == "birth":
                    lacking &= Q(child__birth_date__isnull=False)
                missing |= Q(territory_id=territory_id) & lacking
        applications = applications.filter(missing)
    sort = filters.sort if filters.sort in SORTS else "registered_on"
    return (
        applications.select_related("child", "household__commune")
        .distinct()
        .order_by(sort, "number")
    )


EXPORT_HEADER = [
    "numero", "etat", "date_demande", "commune_residence", "date_entree_souhaitee",
    "jours_par_semaine", "enfant_ne", "voeux",
]  # fmt: skip


def export_rows(applications):
    """Minimised rows: no names, no contact, no resources (the number leads to the file). Every
    cell is text, as in the CSV."""
    applications = applications.prefetch_related("wishes__structure")
    for a in applications.iterator(chunk_size=1000):
        yield dict(zip(EXPORT_HEADER, [
            a.number,
            a.get_state_display(),
            a.registered_on.isoformat() if a.registered_on else "",
            a.household.commune.insee_code,
            a.desired_start.isoformat(),
            str(a.days_per_week),
            "oui" if a.child.birth_date else "non",
            " | ".join(w.structure.name for w in sorted(a.wishes.all(), key=lambda w: w.rank)),
        ], strict=True))  # fmt: skip


def export_queue(membership, filters: QueueFilters, *, actor, fmt: str = "csv"):
    """The rows (dicts keyed by EXPORT_HEADER) of the CSV or XLSX export, recorded in the trail
    (what was exported, not the values)."""
    from maillage.audit.models import AuditAction
    from maillage.audit.services import record

    perms.require_personal_reader(membership)
    applications = queue(membership, filters)
    record(
        AuditAction.EXPORT,
        actor=actor,
        organisation=membership.organisation,
        changes={"columns": EXPORT_HEADER, "count": applications.count(), "format": fmt},
        message="Export de la file du guichet unique",
    )
    return export_rows(applications)
