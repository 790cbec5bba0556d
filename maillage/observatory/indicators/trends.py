"""A rate over periods, with the change from one point to the next."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class TrendPoint:
    period: str
    value: float | None
    change: float | None  # difference with the previous known value (points)
    label: str = ""


def trend(points: Iterable[tuple[str, float | None]] | Iterable[tuple[str, float | None, str]]):
    """Sorted by period (string order: "2017" < "2020" < "2026-11"); change in points."""
    items = sorted(((tuple(p) + ("",))[:3] for p in points), key=lambda p: p[0])
    result, previous = [], None
    for period, value, label in items:
        change = None if value is None or previous is None else value - previous
        result.append(TrendPoint(period=period, value=value, change=change, label=label))
        if value is not None:
            previous = value
    return result
