"""Supply/demand gap per commune.

Without application data the need is the number of children under 3 (the denominator of the
coverage rate). When the guichet provides active applications, pass them in `demand`
(commune code → number of active applications): the need is then the expressed demand.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from maillage.observatory.indicators.coverage import CommuneCoverage


@dataclass(frozen=True)
class Gap:
    code: str
    name: str
    need: float | None
    need_kind: str  # "children_under_3" or "applications"
    places: float
    gap: float | None  # need − places: positive means places are missing
    places_to_target: int | None  # places to add to reach the target rate (0 when reached)
    below_target: bool | None
    pressure: float | None  # applications per 100 places (only with demand)


def supply_demand_gaps(
    rows: Iterable[CommuneCoverage],
    *,
    target_rate: float,
    demand: Mapping[str, float] | None = None,
) -> list[Gap]:
    """One Gap per commune; `target_rate` is the reference rate (e.g. the national one)."""
    result = []
    for row in rows:
        children = row.children_under_3
        if demand is not None and row.code in demand:
            need, kind = float(demand[row.code]), "applications"
            pressure = need / row.total_places * 100.0 if row.total_places else None
        else:
            need, kind, pressure = children, "children_under_3", None
        if children is None or children <= 0:
            to_target, below = None, None
        else:
            missing = target_rate / 100.0 * children - row.total_places
            to_target = max(0, math.ceil(round(missing, 9)))
            below = row.rate is not None and row.rate < target_rate
        result.append(
            Gap(
                code=row.code,
                name=row.name,
                need=need,
                need_kind=kind,
                places=row.total_places,
                gap=None if need is None else need - row.total_places,
                places_to_target=to_target,
                below_target=below,
                pressure=pressure,
            )
        )
    return result
