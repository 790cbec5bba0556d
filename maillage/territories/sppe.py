"""Duties of the autorité organisatrice (AO) of the service public de la petite enfance.

L. 214-1-3 CASF: every commune is AO for the four competences; the duties depend on the
population (thresholds stored as a dated Parameter, key ``sppe-thresholds``). A competence may be
transferred to an EPCI, which then exercises it with the population summed over the communes that
transferred it. The rules below are pure functions; `duties_for_commune` gathers their inputs.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Sum

from maillage.core.models import parameter_at
from maillage.territories.enums import Competence

THRESHOLDS_KEY = "sppe-thresholds"


@dataclass(frozen=True)
class Thresholds:
    planning_above: int  # competences 3 and 4 are mandatory above this population
    schema_rpe_above: int  # schéma pluriannuel and relais petite enfance above this one
    rpe_from: datetime.date  # the RPE duty applies from this date
    source_label: str
    source_url: str
    vintage: str


@dataclass(frozen=True)
class Duty:
    code: str
    label: str
    mandatory: bool
    reason: str
    authority_kind: str  # "commune" or "epci"
    authority_name: str
    population: int | None


EXTRA_DUTIES = {
    "schema": "Schéma pluriannuel de maintien et de développement de l'offre d'accueil",
    "rpe": "Relais petite enfance",
}


def thresholds_at(on: datetime.date) -> Thresholds:
    row = parameter_at(THRESHOLDS_KEY, on)
    return Thresholds(
        planning_above=int(row.value["planning_above"]),
        schema_rpe_above=int(row.value["schema_rpe_above"]),
        rpe_from=datetime.date.fromisoformat(row.value["rpe_from"]),
        source_label=row.source_label,
        source_url=row.source_url,
        vintage=row.vintage,
    )


def competence_is_mandatory(
    competence: str, population: int | None, t: Thresholds
) -> tuple[bool, str]:
    """Whether the AO must exercise `competence`, and why (in French)."""
    if competence in (Competence.CENSUS, Competence.INFORMATION):
        return True, "obligatoire pour toutes les communes"
    if population is None:
        return False, "population inconnue : obligation non déterminée"
    if population > t.planning_above:
        return True, f"population {population:,} > {t.planning_above:,} habitants".replace(
            ",", "\u202f"
        )
    return False, f"population {population:,} ≤ {t.planning_above:,} habitants".replace(
        ",", "\u202f"
    )


def extra_duty_is_mandatory(
    code: str, population: int | None, on: datetime.date, t: Thresholds
) -> tuple[bool, str]:
    """Schéma pluriannuel and RPE: above the higher threshold (RPE only from its start date)."""
    if population is None:
        return False, "population inconnue : obligation non déterminée"
    pop = f"{population:,}".replace(",", "\u202f")
    limit = f"{t.schema_rpe_above:,}".replace(",", "\u202f")
    if population <= t.schema_rpe_above:
        return False, f"population {pop} ≤ {limit} habitants"
    if code == "rpe" and on < t.rpe_from:
        return False, f"obligation applicable à partir du {t.rpe_from:%d/%m/%Y}"
    return True, f"population {pop} > {limit} habitants"


def _authority(commune, competence: str, on: datetime.date) -> tuple[str, str, int | None]:
    transfer = (
        commune.competence_transfers.filter(competence=competence, since__lte=on)
        .select_related("epci")
        .first()
    )
    if transfer is None:
        return "commune", commune.name, commune.population
    transferring = transfer.epci.received_competences.filter(competence=competence, since__lte=on)
    population = transferring.aggregate(total=Sum("commune__population"))["total"]
    return "epci", transfer.epci.name, population


def duties_for_commune(commune, on: datetime.date | None = None) -> list[Duty]:
    """The AO duties that concern `commune` on `on`, one per competence plus schéma and RPE.

    The schéma follows the authority that plans (competence 3); the RPE follows the authority that
    supports quality (competence 4), the RPE serving competences 2 and 4.
    """
    on = on or datetime.date.today()
    t = thresholds_at(on)
    duties = []
    for competence in Competence:
        kind, name, population = _authority(commune, competence, on)
        mandatory, reason = competence_is_mandatory(competence, population, t)
        duties.append(
            Duty(competence.value, competence.label, mandatory, reason, kind, name, population)
        )
    for code, competence in (("schema", Competence.PLANNING), ("rpe", Competence.QUALITY)):
        kind, name, population = _authority(commune, competence, on)
        mandatory, reason = extra_duty_is_mandatory(code, population, on, t)
        duties.append(Duty(code, EXTRA_DUTIES[code], mandatory, reason, kind, name, population))
    return duties
