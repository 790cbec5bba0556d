"""The one adapter between the observatory and the directory (structures, assistants maternels).

Everything the observatory reads from `maillage.directory` goes through this module, so that a
rename in the directory touches one place.
"""

from collections import defaultdict

from django.db.models import F, Sum

from maillage.directory.enums import EAJE_KINDS, Theme, theme_of
from maillage.directory.models import Childminder, Structure

# The directory tables the observatory's figures derive from (their version keys the cache).
SUPPLY_MODELS = (Structure, Childminder)

SOURCE_LABEL = "Annuaire Maillage (structures et assistants maternels actifs)"

THEMES = [(theme.value, theme.label) for theme in Theme]
EARLY_CHILDHOOD = Theme.EARLY_CHILDHOOD.value


def _total():
    return F("places_babies") + F("places_toddlers") + F("places_older") + F("places_other")


def eaje_places_by_commune(commune_ids) -> dict[int, float]:
    """Authorised places of the active EAJE, summed per commune id."""
    rows = (
        Structure.objects.active()
        .filter(commune_id__in=list(commune_ids), kind__in=[k.value for k in EAJE_KINDS])
        .values("commune_id")
        .annotate(places=Sum(_total()))
    )
    return {row["commune_id"]: float(row["places"] or 0) for row in rows}


def eaje_points(commune_ids) -> list[tuple[int, float | None, float | None, float]]:
    """(commune id, latitude, longitude, places) of each active EAJE with places."""
    rows = (
        Structure.objects.active()
        .filter(commune_id__in=list(commune_ids), kind__in=[k.value for k in EAJE_KINDS])
        .annotate(total=_total())
        .filter(total__gt=0)
        .values_list("commune_id", "latitude", "longitude", "total")
    )
    return [(c, lat, lon, float(total)) for c, lat, lon, total in rows]


def eaje_capacities(commune_ids) -> list[tuple[int, str, str, float]]:
    """(structure id, name, commune INSEE code, authorised places) of each active EAJE."""
    rows = (
        Structure.objects.active()
        .filter(commune_id__in=list(commune_ids), kind__in=[k.value for k in EAJE_KINDS])
        .annotate(total=_total())
        .values_list("pk", "name", "commune__insee_code", "total")
        .order_by("name", "pk")
    )
    return [(pk, name, code, float(total or 0)) for pk, name, code, total in rows]


def childminder_places_by_commune(commune_ids) -> dict[int, tuple[int, float]]:
    """(number of active assistants maternels, sum of their agreement places) per commune id."""
    result: dict[int, tuple[int, float]] = {}
    rows = (
        Childminder.objects.active()
        .filter(commune_id__in=list(commune_ids))
        .values("commune_id")
        .annotate(places=Sum("agreement_places"))
        .order_by()
    )
    counts = defaultdict(int)
    for commune_id in (
        Childminder.objects.active()
        .filter(commune_id__in=list(commune_ids))
        .values_list("commune_id", flat=True)
    ):
        counts[commune_id] += 1
    for row in rows:
        result[row["commune_id"]] = (counts[row["commune_id"]], float(row["places"] or 0))
    return result


def markers(commune_ids) -> list[dict]:
    """Active structures with coordinates, as map markers grouped by theme."""
    rows = (
        Structure.objects.active()
        .filter(commune_id__in=list(commune_ids), latitude__isnull=False, longitude__isnull=False)
        .select_related("commune")
        .order_by("name")
    )
    result = []
    for s in rows:
        theme = theme_of(s.kind)
        result.append(
            {
                "name": s.name,
                "kind": s.kind,
                "kind_label": s.get_kind_display(),
                "theme": theme,
                "theme_label": Theme(theme).label,
                "latitude": s.latitude,
                "longitude": s.longitude,
                "commune": s.commune.insee_code,
                "commune_name": s.commune.name,
                "places": s.places_total,
                "approximate": s.is_approximate,
            }
        )
    return result


def structures_by_theme(commune_ids) -> dict[str, dict[str, int]]:
    """{theme: {kind label: number of active structures}} — the inventory of the offer."""
    result: dict[str, dict[str, int]] = {value: {} for value, _ in THEMES}
    for s in Structure.objects.active().filter(commune_id__in=list(commune_ids)).only("kind"):
        label = s.get_kind_display()
        bucket = result[theme_of(s.kind)]
        bucket[label] = bucket.get(label, 0) + 1
    return result


def communes_with_supply(commune_ids) -> set[int]:
    """Ids of the communes where the directory holds at least one active structure or
    assistant maternel (communes the directory covers)."""
    ids = list(commune_ids)
    found = set(
        Structure.objects.active().filter(commune_id__in=ids).values_list("commune_id", flat=True)
    )
    found |= set(
        Childminder.objects.active().filter(commune_id__in=ids).values_list("commune_id", flat=True)
    )
    return found
