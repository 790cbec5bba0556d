"""The public page « Comment sont attribuées les places » of a territory (CRPA L. 312-1-3: the
rules of an algorithmic processing that grounds individual decisions are published): the grid in
force with each criterion's points and reason, the adopted versions and their dates, the
commission's composition and calendar, and the reserved places. Nothing personal."""

from __future__ import annotations

import datetime

from maillage.commission.enums import ReserveKind, SessionStatus
from maillage.commission.grids import (
    history,
    line_dicts,
    settings_in_force,
    today,
)
from maillage.commission.models import CommissionSettings, PointsGrid, Session
from maillage.commission.reserves import quota_rule, reserves_of

# Past sessions shown in the calendar (the year before).
PAST_DAYS = 365


def public_rules(territory, on: datetime.date | None = None) -> dict:
    on = on or today()
    settings = settings_in_force(territory, on)
    grid = (
        PointsGrid.objects.filter(territory=territory)
        .in_force(on)
        .prefetch_related("criteria")
        .first()
    )
    bands = settings.age_bands or []
    labels = {band["code"]: band["label"] for band in bands}
    sessions = list(
        Session.objects.filter(
            territory=territory, date__gte=on - datetime.timedelta(days=PAST_DAYS)
        ).order_by("date")
    )
    reserves = [
        {
            "structure": reserve.structure.name,
            "commune": reserve.structure.commune.name,
            "age_group": labels.get(reserve.age_group, reserve.age_group),
            "kind": reserve.get_kind_display(),
            "employer": reserve.employer,
            "places": reserve.places,
            "release_if_unused": reserve.release_if_unused,
            "reason": reserve.reason,
            "valid_until": reserve.valid_until,
        }
        for reserve in reserves_of(territory, on=on, current_only=True)
    ]
    return {
        "settings": settings,
        "has_settings": settings.pk is not None,
        "grid": grid,
        "lines": line_dicts(grid),
        "history": history(territory, on, current=grid),
        "bands": bands,
        "upcoming": [s for s in sessions if s.date >= on],
        "past": [s for s in sessions if s.date < on],
        "published_statuses": [SessionStatus.PUBLISHED, SessionStatus.CLOSED],
        "reserves": reserves,
        "reserve_kinds": ReserveKind.choices,
        "quota": quota_rule(on),
        "next_settings": CommissionSettings.objects.filter(territory=territory, valid_from__gt=on)
        .order_by("valid_from")
        .first(),
        "on": on,
    }
