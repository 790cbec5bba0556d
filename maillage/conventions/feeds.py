"""Indicators fed automatically: a registry from a source key (`Indicator.auto_source`) to a
callable `(indicator, on_date) -> (value, source_label, vintage) | None`.

`maillage refresh_indicators` records one Measurement per auto-fed indicator. A feed returns None
when it has nothing to say (no data, or the providing app is not available), and sets
`FeedUnavailable` with a French explanation when it cannot run at all.
"""

import datetime
from collections.abc import Callable

from maillage.conventions.enums import AutoSource


class FeedUnavailable(Exception):
    """The source cannot be read; the message says why, in French."""


def coverage_rate(indicator, on: datetime.date):
    """Coverage rate of the indicator's commune, or of the convention's whole territory."""
    try:
        from maillage.observatory.services import coverage_report
    except ImportError as exc:  # the observatory is optional for the conventions
        raise FeedUnavailable(
            "Le taux de couverture n'est pas disponible : l'observatoire ne fournit pas encore "
            "`maillage.observatory.services.coverage_report`."
        ) from exc
    if indicator.commune_id:
        communes = [indicator.commune]
    else:
        communes = list(indicator.convention.territory.communes.all())
    if not communes:
        return None
    report = coverage_report(communes, on=on)
    if indicator.commune_id:
        row = report.rows.get(indicator.commune.insee_code)
        value = row.rate if row else None
        incomplete = bool(row and row.missing_modes)
    else:
        value, incomplete = report.total.rate, report.total.incomplete
    if value is None:
        return None
    label = "Observatoire Maillage (annuaire et données importées)"
    if incomplete:
        label += ", données partielles"
    return round(value, 1), label, on.strftime("%m/%Y")


def _communes(indicator):
    if indicator.commune_id:
        return [indicator.commune]
    return list(indicator.convention.territory.communes.all())


def _demand(indicator, on: datetime.date):
    """The observatory's presentation of the expressed demand (masked as for any partner: the
    same figure as the dashboard, the API and the diagnostic), or None without communes."""
    try:
        from maillage.observatory.demand import demand_summary
        from maillage.observatory.services import coverage_report
    except ImportError as exc:  # the observatory is optional for the conventions
        raise FeedUnavailable(
            "La demande exprimée n'est pas disponible : l'observatoire ne fournit pas encore "
            "`maillage.observatory.demand.demand_summary`."
        ) from exc
    communes = _communes(indicator)
    if not communes:
        return None
    report = coverage_report(communes, on=on)
    demand = report.as_dict(demand=demand_summary(report.communes, on))["demand"]
    return demand if demand["has_queue"] else None


def _demand_source(demand) -> str:
    return f"Observatoire Maillage : {demand['source']}"


def unmet_demand(indicator, on: datetime.date):
    """Waiting applications whose desired start falls in the window (masked when small)."""
    demand = _demand(indicator, on)
    if demand is None or demand["total"]["in_window"] is None:
        return None
    return demand["total"]["in_window"], _demand_source(demand), on.strftime("%m/%Y")


def satisfaction_rate(indicator, on: datetime.date):
    demand = _demand(indicator, on)
    if demand is None or demand["total"]["satisfaction_rate"] is None:
        return None
    return demand["total"]["satisfaction_rate"], _demand_source(demand), on.strftime("%m/%Y")


def placement_delay(indicator, on: datetime.date):
    demand = _demand(indicator, on)
    if demand is None or demand["total"]["median_delay_days"] is None:
        return None
    return demand["total"]["median_delay_days"], _demand_source(demand), on.strftime("%m/%Y")


FEEDS: dict[str, Callable] = {
    AutoSource.COVERAGE_RATE.value: coverage_rate,
    AutoSource.UNMET_DEMAND.value: unmet_demand,
    AutoSource.SATISFACTION_RATE.value: satisfaction_rate,
    AutoSource.PLACEMENT_DELAY.value: placement_delay,
}


def read(indicator, on: datetime.date):
    feed = FEEDS.get(indicator.auto_source)
    if feed is None:
        raise FeedUnavailable(f"Source automatique inconnue : « {indicator.auto_source} ».")
    return feed(indicator, on)


def refresh_all(on: datetime.date, *, write=None, progress=lambda items: items) -> int:
    """Record today's measurement of every automatically fed indicator (a measurement of the
    same day written by a previous run is replaced; measurements typed by people are kept).
    Returns the number recorded; `write(text, error=False)` reports each indicator."""
    from maillage.conventions.models import Indicator

    say = write or (lambda text, error=False: None)
    indicators = list(
        Indicator.objects.exclude(auto_source="").select_related("convention", "commune")
    )
    recorded = 0
    for indicator in progress(indicators):
        try:
            result = read(indicator, on)
        except FeedUnavailable as exc:
            say(f"{indicator} : {exc}", error=True)
            continue
        if result is None:
            say(f"{indicator} : aucune valeur disponible au {on:%d/%m/%Y}.")
            continue
        value, source, vintage = result
        indicator.measurements.filter(on=on, entered_by__isnull=True).delete()
        indicator.record(value=value, on=on, source=source, vintage=vintage)
        recorded += 1
        say(f"{indicator} : {value} ({source}, {vintage})")
    return recorded
