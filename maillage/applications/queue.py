"""The agents' queue: filters, search, sort over the applications an organisation may see, and
the minimised CSV export (no contact details, no household resources)."""

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q

from maillage.applications import perms
from maillage.applications.models import (
    Application,
    Child,
    Document,
    GuichetSettings,
    Household,
    Wish,
)

SORTS = {"registered_on", "-submitted_at", "desired_start", "number"}
SEARCH_IDS = 2000


@dataclass
class QueueFilters:
    q: str = ""
    state: str = ""
    commune: str = ""
    structure: int | None = None
    start_month: str = ""  # "YYYY-MM"
    missing: bool = False
    sort: str = "registered_on"


def filter_choices(membership) -> tuple[list, list]:
    """(value, label) pairs of the queue's commune and structure filters: the communes of the
    territories the organisation operates and those it covers, the structures taking part in
    its guichets (pairs, not model instances: there may be hundreds of structures)."""
    from maillage.directory.models import Structure
    from maillage.territories.models import Commune

    organisation = membership.organisation
    territories = perms.operated_territory_ids(organisation)
    covered = organisation.communes.through.objects.filter(organisation=organisation)
    communes = (
        Commune.objects.filter(
            Q(territory_groups__in=territories) | Q(pk__in=covered.values("commune_id"))
        )
        .distinct()
        .order_by("name")
        .values_list("insee_code", "name")
    )
    participating = GuichetSettings.participating_structures.through.objects.filter(
        guichetsettings__territory__in=territories
    )
    structures = (
        Structure.objects.filter(pk__in=participating.values("structure_id"))
        .order_by("name")
        .values_list("pk", "name")
    )
    return list(communes), list(structures)


def _filtered(membership, filters: QueueFilters):
    """The visible applications matching `filters`, in the order asked, one row each (filters are
    subqueries, never joins that multiply rows: no DISTINCT to sort or count)."""
    applications = perms.visible_applications(membership)
    if filters.q:
        text = filters.q.strip()
        # subqueries on children and households (each scanned once) rather than joining both
        # to every application before matching
        children = Child.objects.filter(
            Q(last_name__icontains=text) | Q(first_name__icontains=text)
        ).values("pk")
        households = Household.objects.filter(parent_last_name__icontains=text).values("pk")
        search = (
            Q(number__icontains=text) | Q(child_id__in=children) | Q(household_id__in=households)
        )
        # A search matches few applications: their ids are read first (one scan, no sort), so
        # that the planner does not walk a sort index hoping to meet the rare matches early
        found = list(Application.objects.filter(search).values_list("pk", flat=True)[:SEARCH_IDS])
        if len(found) < SEARCH_IDS:
            applications = applications.filter(pk__in=found)
        else:
            applications = applications.filter(search)
    if filters.state:
        applications = applications.filter(state=filters.state)
    if filters.commune:
        applications = applications.filter(
            household_id__in=Household.objects.filter(commune__insee_code=filters.commune).values(
                "pk"
            )
        )
    if filters.structure:
        applications = applications.filter(
            Exists(Wish.objects.filter(application=OuterRef("pk"), structure_id=filters.structure))
        )
    if filters.start_month:
        try:
            first = datetime.datetime.strptime(filters.start_month, "%Y-%m").date()
        except ValueError:
            first = None
        if first is not None:  # a range, not EXTRACT(…): the index on desired_start serves it
            following = (first + datetime.timedelta(days=31)).replace(day=1)
            applications = applications.filter(
                desired_start__gte=first, desired_start__lt=following
            )
    if filters.missing:
        applications = applications.filter(missing_documents_condition())
    sort = filters.sort if filters.sort in SORTS else "registered_on"
    return applications.order_by(sort, "number")


def missing_documents_condition() -> Q:
    """The applications lacking a document their territory asks for under the rules in force
    (`services.missing_documents` for one application: a birth certificate only once the child
    is born). Territories asking for the same documents share one condition, and each document
    kind is one uncorrelated `id NOT IN (documents of that kind)` that PostgreSQL hashes once
    (one scan of the documents), never a correlated `NOT EXISTS` per application and kind; the
    birth condition reads the born children by a subquery, not a join of every application to
    its child. One query for the rules."""
    latest: dict[int, list[str]] = {}
    for territory_id, required in (
        GuichetSettings.objects.in_force()
        .order_by("territory_id", "-valid_from")
        .values_list("territory_id", "required_documents")
    ):
        latest.setdefault(territory_id, sorted(set(required or [])))
    by_documents: dict[tuple[str, ...], list[int]] = {}
    for territory_id, required in latest.items():
        if required:
            by_documents.setdefault(tuple(required), []).append(territory_id)
    missing = Q(pk__in=[])
    born = Child.objects.filter(birth_date__isnull=False).values("pk")
    for kinds, territory_ids in by_documents.items():
        lacking = Q(pk__in=[])
        for kind in kinds:
            lacks = ~Q(pk__in=Document.objects.filter(kind=kind).values("application_id"))
            if kind == "birth":  # asked once the child is born
                lacks &= Q(child_id__in=born)
            lacking |= lacks
        missing |= Q(territory_id__in=territory_ids) & lacking
    return missing


def queue(membership, filters: QueueFilters):
    """The queue with what a row shows (the export iterates it)."""
    return _filtered(membership, filters).select_related("child", "household__commune")


class QueuePaginator(Paginator):
    """Pages of the queue in two steps: the numbers of the page's applications are chosen on the
    applications table alone (sort and limit without joining children and households for every
    match), then the page's 50 rows are read with what they show."""

    def page(self, number):
        page = super().page(number)
        ids = list(page.object_list.values_list("pk", flat=True))
        rows = Application.objects.select_related("child", "household__commune").in_bulk(ids)
        page.object_list = [rows[pk] for pk in ids if pk in rows]
        return page


def queue_page(membership, filters: QueueFilters, number, per_page: int = 50):
    """One page of the queue (an out-of-range or malformed page number gives the nearest page)."""
    return QueuePaginator(_filtered(membership, filters), per_page).get_page(number)


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
