"""Supply/demand gaps per commune, two meanings kept side by side and never mixed.

- **Coverage gap** (always): need = children under 3 (the denominator of the coverage rate),
  gap = need − places, and the places missing to reach a target rate.
- **Demand gap** (when the guichet provides its queue): `demand` (commune code → waiting
  applications whose desired start falls in the window) minus `opening` (commune code → places
  declared open at the commission's sessions for a start in the same window); `pressure` is the
  waiting applications per 100 places of the commune.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from maillage.observatory.indicators.coverage import CommuneCoverage


@dataclass(frozen=True)
class Gap:
    code: str
    name: str
    need: float | None  # children under 3
    need_kind: str  # always "children_under_3" (kept for the API's readers)
    places: float
    gap: float | None  # need − places: positive means places are missing
    places_to_target: int | None  # places to add to reach the target rate (0 when reached)
    below_target: bool | None
    demand: float | None = None  # waiting applications in the window (None without guichet)
    opening: float | None = None  # places opening at the sessions in the window
    demand_gap: float | None = None  # demand − opening
    pressure: float | None = None  # waiting applications per 100 places


def supply_demand_gaps(
    rows: Iterable[CommuneCoverage],
    *,
    target_rate: float,
    demand: Mapping[str, float] | None = None,
    opening: Mapping[str, float] | None = None,
) -> list[Gap]:
    """One Gap per commune; `target_rate` is the reference rate (e.g. the national one)."""
    result = []
    for row in rows:
        children = row.children_under_3
        if children is None or children <= 0:
            to_target, below = None, None
        else:
            missing = target_rate / 100.0 * children - row.total_places
            to_target = max(0, math.ceil(round(missing, 9)))
            below = row.rate is not None and row.rate < target_rate
        wanted = opened = demand_gap = pressure = None
        if demand is not None and row.code in demand:
            wanted = float(demand[row.code])
            opened = float((opening or {}).get(row.code, 0.0))
            demand_gap = wanted - opened
            pressure = wanted / row.total_places * 100.0 if row.total_places else None
        result.append(
            Gap(
                code=row.code,
                name=row.name,
                need=children,
                need_kind="children_under_3",
                places=row.total_places,
                gap=None if children is None else children - row.total_places,
                places_to_target=to_target,
                below_target=below,
                demand=wanted,
                opening=opened,
                demand_gap=demand_gap,
                pressure=pressure,
            )
        )
    return result
