"""Search of the directory: one code path for the public page, the API and the benchmark.

A bounding-box prefilter on the indexed latitude/longitude columns, the other filters in SQL,
then the exact haversine distance in Python and a sort by distance.
"""

import datetime
import math
from dataclasses import dataclass, field, replace

from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    prefetch_related_objects,
)

from maillage.directory.enums import (
    EAJE_KINDS,
    EARLY_FROM,
    LATE_UNTIL,
    AtypicalHours,
    StructureKind,
)
from maillage.directory.geo import bounding_box, haversine_km
from maillage.directory.models import (
    AVAILABILITY_FRESHNESS_DAYS,
    Childminder,
    ChildminderAvailability,
    Structure,
)
from maillage.territories.models import Commune

CHILDMINDER = "assistant_maternel"  # pseudo-kind: assistants maternels
EAJE = "eaje"  # pseudo-kind: every EAJE kind
MAX_RADIUS_KM = 100
DEFAULT_RADIUS_KM = 10
MAX_RESULTS = 100
# the columns of the communes a result list needs (never the contour, which weighs kilobytes)
COMMUNE_FIELDS = ("id", "insee_code", "name", "latitude", "longitude", "postal_codes")


def age_in_months(birth_date: datetime.date, on: datetime.date) -> int:
    """Completed months between a birth date and `on` (0 for a child not yet born)."""
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month
    if on.day < birth_date.day:
        months -= 1
    return max(0, months)


@dataclass
class SearchCriteria:
    latitude: float | None = None
    longitude: float | None = None
    commune: object | None = None  # territories.Commune: the centre, or the only commune
    # several communes (a postal code shared by several): the search runs around each of them
    communes: list = field(default_factory=list)
    # communes without coordinates: their own rows, without distance (set by `search`)
    within: list = field(default_factory=list)
    radius_km: float = DEFAULT_RADIUS_KM
    kinds: list[str] = field(default_factory=list)  # StructureKind values, EAJE, CHILDMINDER
    age_months: int | None = None
    days_mask: int = 0
    needs_from: datetime.time | None = None
    needs_until: datetime.time | None = None
    atypical: list[str] = field(default_factory=list)  # AtypicalHours values
    inclusion: bool = False
    only_available: bool = True  # childminders: only those with a current declaration
    structures_only: bool = False  # the API lists structures only
    on: datetime.date | None = None

    @property
    def structure_kinds(self) -> list[str]:
        kinds = set()
        for kind in self.kinds:
            if kind == EAJE:
                kinds |= {k.value for k in EAJE_KINDS}
            elif kind != CHILDMINDER:
                kinds.add(kind)
        return sorted(kinds)

    @property
    def wants_structures(self) -> bool:
        return self.structures_only or not self.kinds or bool(self.structure_kinds)

    @property
    def wants_childminders(self) -> bool:
        if self.structures_only:
            return False
        return not self.kinds or CHILDMINDER in self.kinds


@dataclass
class Hit:
    obj: object
    distance_km: float | None
    availability: object | None = None  # ChildminderAvailability for childminders
    admits_family: bool = True  # False: reserved to families of other communes
    admitted_communes: list = field(default_factory=list)  # when not admitting: who is

    @property
    def is_childminder(self) -> bool:
        return isinstance(self.obj, Childminder)

    @property
    def kind(self) -> str:
        return CHILDMINDER if self.is_childminder else self.obj.kind

    @property
    def kind_label(self) -> str:
        if self.is_childminder:
            return "Assistant maternel"
        return self.obj.get_kind_display()


@dataclass
class SearchResult:
    hits: list[Hit]
    centre: tuple[float, float] | None
    radius_km: float
    truncated: bool = False

    @property
    def structures(self) -> list[Hit]:
        return [h for h in self.hits if not h.is_childminder]

    @property
    def childminders(self) -> list[Hit]:
        return [h for h in self.hits if h.is_childminder]


def _centre(criteria: SearchCriteria):
    if criteria.latitude is not None and criteria.longitude is not None:
        return criteria.latitude, criteria.longitude
    commune = criteria.commune
    if commune is not None and commune.latitude is not None and commune.longitude is not None:
        return commune.latitude, commune.longitude
    return None


def _located(qs, criteria: SearchCriteria, centre):
    """Without a known centre, the commune's own rows; with one, no filter here (the bounding
    box is applied by `_nearest`)."""
    if centre is None and criteria.within:
        return qs.filter(commune__in=criteria.within)
    if centre is None and criteria.commune is not None:
        return qs.filter(commune=criteria.commune)
    return qs


def _planar_order(qs, centre):
    k = math.cos(math.radians(centre[0]))
    dlat = F("latitude") - Value(centre[0])
    dlon = (F("longitude") - Value(centre[1])) * Value(k)
    squared = ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())
    return qs.alias(_planar=squared).order_by("_planar", "pk")


def _nearest(qs, centres, radius_km: float, limit: int) -> list[tuple[float | None, object]]:
    """The `limit` nearest rows within `radius_km` of the nearest of `centres`, as (distance,
    object), nearest first.

    Bounding box on the indexed columns, planar order and LIMIT in SQL, exact haversine
    distance in Python. The box grows from 3 km (×3 each round) so that a dense area never
    sorts tens of thousands of rows: once `limit` rows lie within the current radius, nothing
    farther can be nearer. Rounds read (id, latitude, longitude) only; the objects are read
    once, at the end.

    Assistants maternels: the distance is measured from their public location (the centre of
    their commune without consent, see `Childminder.public_location`), never from a private
    point, even if one were stored.
    """
    if not centres:
        order = "name" if qs.model is Structure else "last_name"
        return [(None, obj) for obj in qs.order_by(order, "pk")[:limit]]
    private = qs.model is Childminder
    columns = ["pk", "latitude", "longitude"]
    if private:
        columns += ["contact_consent", "commune__latitude", "commune__longitude"]
    radius = min(radius_km, 3.0)
    while True:
        if len(centres) == 1:
            centre = centres[0]
            box = qs.in_bbox(*bounding_box(centre[0], centre[1], radius))
            candidates = _planar_order(box, centre).values_list(*columns)[:limit]
        else:
            # several centres close to each other (communes sharing a postal code): the box
            # that holds all their circles, the distance to the nearest centre in Python
            boxes = [bounding_box(lat, lon, radius) for lat, lon in centres]
            box = qs.in_bbox(
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            candidates = box.values_list(*columns)
        rows = []
        for pk, lat, lon, *public in candidates:
            if private and not public[0]:
                lat, lon = public[1], public[2]
                if lat is None or lon is None:
                    continue
            d = min(haversine_km(c[0], c[1], lat, lon) for c in centres)
            if d <= radius:
                rows.append((d, pk))
        if len(centres) > 1:
            rows = sorted(rows)[:limit]
        if len(rows) >= limit or radius >= radius_km:
            break
        radius = min(radius_km, radius * 3)
    objects = qs.model.objects.in_bulk([pk for _, pk in rows])
    return sorted(((d, objects[pk]) for d, pk in rows), key=lambda pair: (pair[0], pair[1].pk))


def hours_q(criteria: SearchCriteria, starts: str, ends: str, flags: str = "") -> Q:
    """The hour needs as a filter: the declared hours cover them, or a badge promises them (see
    `EARLY_FROM` / `LATE_UNTIL`): filters and badges mean the same thing."""
    q = Q()
    if criteria.needs_from is not None:
        ok = Q(**{f"{starts}__lte": criteria.needs_from}) | Q(**{f"{flags}night": True})
        if criteria.needs_from >= EARLY_FROM:
            ok |= Q(**{f"{flags}early_hours": True})
        q &= ok
    if criteria.needs_until is not None:
        ok = Q(**{f"{ends}__gte": criteria.needs_until}) | Q(**{f"{flags}night": True})
        if criteria.needs_until <= LATE_UNTIL:
            ok |= Q(**{f"{flags}late_hours": True})
        q &= ok
    return q


def covers_hours(criteria: SearchCriteria, starts, ends, badges) -> bool:
    """Python twin of `hours_q` (`badges`: the object carrying the atypical-hours flags)."""
    if criteria.needs_from is not None and not (
        (starts is not None and starts <= criteria.needs_from)
        or badges.night
        or (badges.early_hours and criteria.needs_from >= EARLY_FROM)
    ):
        return False
    if criteria.needs_until is not None and not (
        (ends is not None and ends >= criteria.needs_until)
        or badges.night
        or (badges.late_hours and criteria.needs_until <= LATE_UNTIL)
    ):
        return False
    return True


def _structures(criteria: SearchCriteria, centre):
    qs = _located(Structure.objects.active(), criteria, centre)
    kinds = criteria.structure_kinds
    if kinds:
        qs = qs.of_kinds(kinds)
    if criteria.age_months is not None:
        qs = qs.for_age(criteria.age_months)
    if criteria.days_mask:
        qs = qs.open_on(criteria.days_mask)
    qs = qs.filter(hours_q(criteria, "opens_at", "closes_at"))
    flags = {
        AtypicalHours.EARLY: "early_hours",
        AtypicalHours.LATE: "late_hours",
        AtypicalHours.NIGHT: "night",
        AtypicalHours.WEEKEND: "weekend",
        AtypicalHours.HOLIDAYS: "holidays",
    }
    for value in criteria.atypical:
        qs = qs.filter(**{flags[AtypicalHours(value)]: True})
    if criteria.inclusion:
        qs = qs.filter(Q(inclusion_referent=True) | Q(inclusion_adapted=True))
    return qs


def _covers(availability, criteria: SearchCriteria, childminder) -> bool:
    if availability is None or availability.places <= 0:
        return False
    if criteria.days_mask and (availability.days & criteria.days_mask) != criteria.days_mask:
        return False
    return covers_hours(criteria, availability.starts_at, availability.ends_at, childminder)


def _childminders(criteria: SearchCriteria, centre, on: datetime.date):
    qs = _located(Childminder.objects.active(), criteria, centre)
    if criteria.age_months is not None:
        qs = qs.for_age(criteria.age_months)
    flags = {
        AtypicalHours.EARLY: "early_hours",
        AtypicalHours.LATE: "late_hours",
        AtypicalHours.NIGHT: "night",
        AtypicalHours.WEEKEND: "weekend",
    }
    for value in criteria.atypical:
        if AtypicalHours(value) in flags:
            qs = qs.filter(**{flags[AtypicalHours(value)]: True})
        else:
            return Childminder.objects.none()  # holidays: not declared by childminders
    if criteria.inclusion:
        qs = qs.filter(inclusion_adapted=True)
    since = on - datetime.timedelta(days=AVAILABILITY_FRESHNESS_DAYS)
    needs_check = (
        criteria.only_available
        or criteria.days_mask
        or criteria.needs_from is not None
        or criteria.needs_until is not None
    )
    if needs_check:
        # SQL prefilter: a recent declaration that covers the need (the latest declaration is
        # checked in Python afterwards)
        recent = ChildminderAvailability.objects.filter(declared_on__gte=since, places__gt=0)
        recent = recent.filter(hours_q(criteria, "starts_at", "ends_at", "childminder__"))
        if criteria.days_mask:
            recent = recent.alias(_days_ok=F("days").bitand(criteria.days_mask)).filter(
                _days_ok=criteria.days_mask
            )
        qs = qs.filter(Exists(recent.filter(childminder=OuterRef("pk"))))
    return qs


def _centroid(centres):
    centres = [c for c in centres if c is not None]
    if not centres:
        return None
    return (
        sum(c[0] for c in centres) / len(centres),
        sum(c[1] for c in centres) / len(centres),
    )


def _search_around_each(criteria: SearchCriteria) -> SearchResult:
    """A postal code shared by several communes and a point given as well: the union of the
    searches around each commune, each result at its distance from the nearest of them."""
    results = [search(replace(criteria, commune=c, communes=[])) for c in criteria.communes]
    return _merge(criteria, results)


def _merge(criteria: SearchCriteria, results: list[SearchResult]) -> SearchResult:
    """The union of several searches: each result once, at its smallest known distance,
    admitting the family if one of the searches says so."""
    best: dict[tuple[str, int], Hit] = {}
    centres, truncated, radius = [], False, criteria.radius_km
    for result in results:
        centres.append(result.centre)
        truncated |= result.truncated
        radius = result.radius_km
        for hit in result.hits:
            key = (hit.kind if hit.is_childminder else "structure", hit.obj.pk)
            known = best.get(key)
            if known is None or (
                hit.distance_km is not None
                and (known.distance_km is None or hit.distance_km < known.distance_km)
            ):
                if known is not None:
                    hit.admits_family = hit.admits_family or known.admits_family
                best[key] = hit
            elif hit.admits_family:
                known.admits_family = True
    criteria.radius_km = radius
    hits = sorted(
        best.values(), key=lambda h: (h.distance_km is None, h.distance_km or 0, str(h.obj))
    )
    truncated |= len(hits) > MAX_RESULTS
    return SearchResult(hits[:MAX_RESULTS], _centroid(centres), radius, truncated)


def _located_or_not(communes) -> tuple[list, list]:
    """(communes with coordinates, communes without)."""
    located = [c for c in communes if c.latitude is not None and c.longitude is not None]
    return located, [c for c in communes if c.latitude is None or c.longitude is None]


def search(criteria: SearchCriteria) -> SearchResult:
    """The results around one point or commune, or around several communes (a postal code
    they share): then each result is at its distance from the nearest of them, and one pass
    of queries serves them all."""
    around = list(criteria.communes) if len(criteria.communes) > 1 else []
    centres = None
    if around:
        if criteria.latitude is not None:
            return _search_around_each(criteria)
        located, unlocated = _located_or_not(around)
        if located and unlocated:
            # one pass around the located communes, one for the rows of the others
            return _merge(
                criteria,
                [
                    search(replace(criteria, communes=located, commune=None)),
                    search(replace(criteria, communes=unlocated, commune=None)),
                ],
            )
        centres = [(c.latitude, c.longitude) for c in located]
        criteria.commune = None
        criteria.within = unlocated
    elif criteria.communes and criteria.commune is None:
        criteria.commune = criteria.communes[0]
    on = criteria.on or datetime.date.today()
    centre = _centroid(centres) if centres else _centre(criteria)
    centres = centres or ([centre] if centre is not None else [])
    admitting = {c.pk for c in around} if around else None
    radius = min(max(float(criteria.radius_km), 0.0), MAX_RADIUS_KM)
    criteria.radius_km = radius
    hits: list[Hit] = []
    limit = MAX_RESULTS + 1
    truncated = False
    admitted: dict[int, list[int]] = {}  # structure id: ids of the communes it admits
    if criteria.wants_structures:
        rows = _nearest(_structures(criteria, centre), centres, radius, limit)
        truncated |= len(rows) >= limit
        through = Structure.admitted_communes.through.objects.filter(
            structure_id__in=[structure.pk for _, structure in rows]
        )
        for structure_id, commune_id in through.values_list("structure_id", "commune_id"):
            admitted.setdefault(structure_id, []).append(commune_id)
        for d, structure in rows:
            codes = admitted.get(structure.pk)
            if admitting is not None:
                admits = not codes or bool(admitting.intersection(codes))
            else:
                admits = not codes or criteria.commune is None or criteria.commune.pk in codes
            hits.append(Hit(structure, d, admits_family=admits))
    if criteria.wants_childminders:
        needs_check = (
            criteria.only_available
            or criteria.days_mask
            or criteria.needs_from is not None
            or criteria.needs_until is not None
        )
        rows = _nearest(_childminders(criteria, centre, on), centres, radius, limit)
        truncated |= len(rows) >= limit
        since = on - datetime.timedelta(days=AVAILABILITY_FRESHNESS_DAYS)
        prefetch_related_objects(
            [childminder for _, childminder in rows],
            Prefetch(
                "availabilities",
                queryset=ChildminderAvailability.objects.filter(declared_on__gte=since),
            ),
        )
        for d, childminder in rows:
            availability = childminder.current_availability(on)
            if needs_check and not _covers(availability, criteria, childminder):
                continue
            hits.append(Hit(childminder, d, availability))
    # one query for the communes of all hits and those admitted by the structures reserved to
    # other communes (deduplicated), light columns only
    reserved = [h for h in hits if not h.admits_family]
    wanted = {h.obj.commune_id for h in hits} | {
        commune_id for h in reserved for commune_id in admitted[h.obj.pk]
    }
    communes = Commune.objects.only(*COMMUNE_FIELDS).in_bulk(wanted)
    for hit in hits:
        hit.obj.commune = communes[hit.obj.commune_id]
    for hit in reserved:
        hit.admitted_communes = sorted(
            (communes[i] for i in admitted[hit.obj.pk]), key=lambda c: (c.name, c.insee_code)
        )
    hits.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0, str(h.obj)))
    truncated |= len(hits) > MAX_RESULTS
    return SearchResult(hits[:MAX_RESULTS], centre, radius, truncated)


def helpers_for(commune) -> list[Structure]:
    """« Qui peut m'aider ? » — the relais petite enfance serving the family's commune (in it,
    or admitting its families), else the two nearest within 30 km."""
    return helpers_for_communes([commune])


def helpers_for_communes(communes) -> list[Structure]:
    """`helpers_for` of each commune (a postal code shared by several), in order, each relais
    once; the relais serving them are read in two queries whatever their number."""
    rpe = Structure.objects.active().filter(kind=StructureKind.RPE).select_related("commune")
    ids = [c.pk for c in communes]
    serving = list(
        rpe.filter(Q(commune_id__in=ids) | Q(admitted_communes__in=ids))
        .distinct()
        .order_by("name", "pk")
    )
    admitted: dict[int, set[int]] = {}
    through = Structure.admitted_communes.through.objects.filter(
        structure_id__in=[s.pk for s in serving], commune_id__in=ids
    )
    for structure_id, commune_id in through.values_list("structure_id", "commune_id"):
        admitted.setdefault(structure_id, set()).add(commune_id)
    helpers: list[Structure] = []
    for commune in communes:
        own = [
            s for s in serving if s.commune_id == commune.pk or commune.pk in admitted.get(s.pk, ())
        ]
        if not own and commune.latitude is not None:
            near = []
            box = bounding_box(commune.latitude, commune.longitude, 30)
            for structure in rpe.in_bbox(*box):
                d = haversine_km(
                    commune.latitude, commune.longitude, structure.latitude, structure.longitude
                )
                if d <= 30:
                    near.append((d, structure))
            own = [s for _, s in sorted(near, key=lambda pair: pair[0])[:2]]
        helpers += [h for h in own if h not in helpers]
    return helpers


@dataclass
class Widening:
    """A wider search offered when nothing matches: what changes, and how many it finds."""

    key: str  # radius, childminders, structures, days, hours, atypical, inclusion, available
    label: str
    count: int
    radius_km: float | None = None


def wider_searches(criteria: SearchCriteria) -> list[Widening]:
    """The nearest wider searches, one criterion relaxed at a time, with their counts (only
    those that find something). Each names the criterion it drops: that is why nothing
    matched."""
    options = []
    radius = float(criteria.radius_km)
    if radius < MAX_RADIUS_KM and (_centre(criteria) or criteria.communes):
        wider = float(min(MAX_RADIUS_KM, max(radius * 2, radius + 10)))
        options.append(
            (
                "radius",
                f"Jusqu'à {wider:.0f} km au lieu de {radius:.0f} km",
                {"radius_km": wider},
            )
        )
    if criteria.kinds and CHILDMINDER not in criteria.kinds:
        options.append(
            (
                "childminders",
                "Chez un assistant maternel",
                {"kinds": [CHILDMINDER]},
            )
        )
    if criteria.kinds == [CHILDMINDER]:
        options.append(("structures", "En crèche ou micro-crèche", {"kinds": [EAJE]}))
    if criteria.days_mask:
        options.append(("days", "D'autres jours (sans le critère des jours)", {"days_mask": 0}))
    if criteria.needs_from is not None or criteria.needs_until is not None:
        options.append(
            (
                "hours",
                "D'autres horaires (sans le critère des heures)",
                {"needs_from": None, "needs_until": None},
            )
        )
    if criteria.atypical:
        options.append(("atypical", "Sans les horaires atypiques", {"atypical": []}))
    if criteria.inclusion:
        options.append(("inclusion", "Sans le critère d'accueil adapté", {"inclusion": False}))
    if criteria.only_available and criteria.wants_childminders:
        options.append(
            (
                "available",
                "Avec les assistants maternels sans disponibilité déclarée",
                {"only_available": False},
            )
        )
    found = []
    for key, label, changes in options:
        count = len(search(replace(criteria, **changes)).hits)
        if count:
            found.append(Widening(key, label, count, changes.get("radius_km")))
    return found
