"""A rate over periods, with the change from one point to the next of the same series.

A change is only computed between two points of the same `series` (same method and source):
a published 2017 diagnostic figure and a 2026 estimate from the directory are not comparable,
so no "évolution" is printed between them and charts draw them as separate series.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class TrendPoint:
    period: str
    value: float | None
    change: float | None  # difference with the previous known value of the same series
    label: str = ""
    series: str = ""


def trend(points: Iterable[tuple]):
    """Points are (period, value[, label[, series]]), sorted by period (string order: "2017" <
    "2020" < "2026-11"); change in points within a series (the label when no series)."""
    items = []
    for p in points:
        period, value, label, series = (tuple(p) + ("", ""))[:4]
        items.append((period, value, label, series or label))
    items.sort(key=lambda p: p[0])
    result, previous = [], {}
    for period, value, label, series in items:
        before = previous.get(series)
        change = None if value is None or before is None else value - before
        result.append(TrendPoint(period, value, change, label, series))
        if value is not None:
            previous[series] = value
    return result
