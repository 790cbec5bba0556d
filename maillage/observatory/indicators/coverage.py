"""Coverage rate (taux de couverture global): places ÷ children under 3 × 100.

The four components stay separate (EAJE, assistants maternels, garde à domicile,
préscolarisation); the global rate is the sum of the places of all modes over the same
denominator. Aggregates (EPCI, territory group, département) sum places and children first and
divide afterwards — never an average of communal rates.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

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
    # one pass: per key, [children sum, known children, rows, incomplete, codes, places per mode]
    acc: dict[str, list] = {}
    for row in rows:
        name = "total" if key is None else key(row)
        bucket = acc.get(name)
        if bucket is None:
            bucket = acc[name] = [0.0, 0, 0, False, [], [None] * len(modes)]
        if row.children_under_3 is not None:
            bucket[0] += row.children_under_3
            bucket[1] += 1
        bucket[2] += 1
        bucket[3] = bucket[3] or bool(row.missing_modes)
        bucket[4].append(row.code)
        sums = bucket[5]
        for i, mode in enumerate(modes):
            value = row.places.get(mode)
            if value is not None:
                sums[i] = value if sums[i] is None else sums[i] + value
    result = {}
    for name, (child_sum, known, count, missing, codes, sums) in acc.items():
        children = float(child_sum) if known else None
        places = {
            mode: (None if v is None else float(v)) for mode, v in zip(modes, sums, strict=True)
        }
        total = float(sum(v for v in places.values() if v is not None))
        result[name] = AreaCoverage(
            key=name,
            communes=tuple(codes),
            children_under_3=children,
            places=places,
            rates={mode: rate(places[mode], children) for mode in modes},
            total_places=total,
            rate=rate(total, children),
            incomplete=known < count or missing,
        )
    return result


def coverage_arrays(
    children: np.ndarray,
    places: Mapping[str, np.ndarray],
    groups: Mapping[str, np.ndarray] | None = None,
) -> dict:
    """The same formula on numpy arrays, for national-scale recomputation.

    `children`: children under 3 per commune (NaN = unknown); `places`: mode → places per
    commune (NaN = unknown); `groups`: name → integer group index per commune (EPCI,
    département…). Returns rates per commune and, per grouping, sums and rates per group
    (places and children summed first, then divided).
    """
    groups = groups or {}
    children = np.asarray(children, dtype=float)
    known = {mode: np.nan_to_num(np.asarray(v, dtype=float)) for mode, v in places.items()}
    total = sum(known.values()) if known else np.zeros_like(children)
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = children > 0
        result = {
            "rate": np.where(valid, total / np.where(valid, children, 1) * 100, np.nan),
            "rates": {
                mode: np.where(valid, v / np.where(valid, children, 1) * 100, np.nan)
                for mode, v in known.items()
            },
            "groups": {},
        }
        kids = np.nan_to_num(children)
        for name, index in groups.items():
            index = np.asarray(index)
            size = int(index.max()) + 1 if len(index) else 0
            child_sum = np.bincount(index, weights=kids, minlength=size)
            place_sum = np.bincount(index, weights=total, minlength=size)
            ok = child_sum > 0
            result["groups"][name] = {
                "children_under_3": child_sum,
                "places": place_sum,
                "rate": np.where(ok, place_sum / np.where(ok, child_sum, 1) * 100, np.nan),
            }
    return result
