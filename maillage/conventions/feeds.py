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


FEEDS: dict[str, Callable] = {
    AutoSource.COVERAGE_RATE.value: coverage_rate,
}


def read(indicator, on: datetime.date):
    feed = FEEDS.get(indicator.auto_source)
    if feed is None:
        raise FeedUnavailable(f"Source automatique inconnue : « {indicator.auto_source} ».")
    return feed(indicator, on)
