"""Coverage rate (taux de couverture global): places ÷ children under 3 × 100.

The four components stay separate (EAJE, assistants maternels, garde à domicile,
préscolarisation); the global rate is the sum of the places of all modes over the same
denominator. Aggregates (EPCI, territory group, département) sum places and children first and
divide afterwards — never an average of communal rates.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

# Order of display; values are the English codes used in the API.
MODES = ("eaje", "assistants_maternels", "garde_a_domicile", "prescolarisation")


def rate(places: float | None, children: float | None) -> float | None:
    """Places per 100 children, or None when the denominator is unknown or zero."""
    if places is None or children is None or children <= 0:
        return None
    return places / children * 100.0


@dataclass(frozen=True)
class CommuneInput:
    """The plain inputs of one commune. `places` maps a mode of MODES to a number of places.

    A mode missing from `places` is unknown (not zero): it is left out of the sum and reported
    in `missing_modes`.
    """

    code: str
    children_under_3: float | None
    places: Mapping[str, float] = field(default_factory=dict)
    name: str = ""
    groups: Mapping[str, str] = field(default_factory=dict)  # e.g. {"epci": "2000…", "dep": "06"}


@dataclass(frozen=True)
class CommuneCoverage:
    code: str
    name: str
    children_under_3: float | None
    places: dict[str, float | None]
    rates: dict[str, float | None]
    total_places: float
    rate: float | None
    missing_modes: tuple[str, ...]


@dataclass(frozen=True)
class AreaCoverage:
    key: str
    communes: tuple[str, ...]
    children_under_3: float | None
    places: dict[str, float | None]
    rates: dict[str, float | None]
    total_places: float
    rate: float | None
    incomplete: bool  # some commune lacks its children count or a mode


def commune_coverage(item: CommuneInput, modes: Iterable[str] = MODES) -> CommuneCoverage:
    modes = tuple(modes)
    unknown = set(item.places) - set(modes)
    if unknown:
        raise ValueError(f"modes inconnus : {', '.join(sorted(unknown))}")
    places = {mode: item.places.get(mode) for mode in modes}
    missing = tuple(mode for mode in modes if places[mode] is None)
    total = float(sum(v for v in places.values() if v is not None))
    return CommuneCoverage(
        code=item.code,
        name=item.name,
        children_under_3=item.children_under_3,
        places=places,
        rates={mode: rate(places[mode], item.children_under_3) for mode in modes},
        total_places=total,
        rate=rate(total, item.children_under_3),
        missing_modes=missing,
    )


def aggregate(
    rows: Iterable[CommuneCoverage],
    key: Callable[[CommuneCoverage], str] | None = None,
    modes: Iterable[str] = MODES,
) -> dict[str, AreaCoverage]:
    """Sum places and children per key (all rows under "total" when `key` is None)."""
    modes = tuple(modes)
    buckets: dict[str, list[CommuneCoverage]] = {}
    for row in rows:
        buckets.setdefault("total" if key is None else key(row), []).append(row)
    result = {}
    for name, items in buckets.items():
        known_children = [r.children_under_3 for r in items if r.children_under_3 is not None]
        children = float(sum(known_children)) if known_children else None
        places: dict[str, float | None] = {}
        for mode in modes:
            values = [r.places[mode] for r in items if r.places.get(mode) is not None]
            places[mode] = float(sum(values)) if values else None
        total = float(sum(v for v in places.values() if v is not None))
        result[name] = AreaCoverage(
            key=name,
            communes=tuple(r.code for r in items),
            children_under_3=children,
            places=places,
            rates={mode: rate(places[mode], children) for mode in modes},
            total_places=total,
            rate=rate(total, children),
            incomplete=len(known_children) < len(items) or any(r.missing_modes for r in items),
        )
    return result
