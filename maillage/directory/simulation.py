"""Cost simulations on the dated parameters in force at a date (core.Parameter → pure engine)."""

import datetime

from maillage.core.models import Parameter, parameter_at
from maillage.directory.enums import StructureKind
from maillage.directory.pricing import (
    CmgParameters,
    ParameterValue,
    PsuParameters,
    estimate_cmg,
    psu_price,
)


class CareKind:
    """Kinds of care the PSU simulator knows (a subset of StructureKind, plus labels)."""

    COLLECTIVE = "collective"
    FAMILIALE = "familiale"
    PARENTALE = "parentale"
    CHOICES = [
        (COLLECTIVE, "Crèche collective, multi-accueil, halte-garderie, micro-crèche PSU"),
        (FAMILIALE, "Crèche familiale"),
        (PARENTALE, "Crèche parentale"),
    ]

    @classmethod
    def of_structure_kind(cls, kind: str) -> str | None:
        if kind == StructureKind.CRECHE_FAMILIALE:
            return cls.FAMILIALE
        if kind == StructureKind.CRECHE_PARENTALE:
            return cls.PARENTALE
        if kind == StructureKind.MICRO_CRECHE_PAJE:
            return None
        return cls.COLLECTIVE


def parameter_value(row: Parameter) -> ParameterValue:
    return ParameterValue(
        key=row.key,
        label=row.label,
        value=row.value,
        unit=row.unit,
        valid_from=row.valid_from.isoformat(),
        valid_until=row.valid_until.isoformat() if row.valid_until else "",
        source_label=row.source_label,
        source_url=row.source_url,
        verified=row.verified,
    )


def psu_parameters(on: datetime.date, care_kind: str = CareKind.COLLECTIVE) -> PsuParameters:
    """Raises core.models.ParameterMissing when a value is not in force at `on`."""
    notes: tuple[str, ...] = ()
    rates = parameter_value(parameter_at("psu-effort-rates", on))
    if care_kind in (CareKind.FAMILIALE, CareKind.PARENTALE):
        own = Parameter.objects.for_key(f"psu-effort-rates-{care_kind}").in_force(on).first()
        if own is not None:
            rates = parameter_value(own)
        else:
            notes = (
                "Le barème propre aux crèches familiales et parentales n'est pas encore "
                "renseigné : les taux de l'accueil collectif sont appliqués à titre indicatif "
                "(non vérifié).",
            )
            rates = ParameterValue(**{**rates.__dict__, "verified": False})
    return PsuParameters(
        rates=rates,
        floor=parameter_value(parameter_at("psu-resources-floor", on)),
        ceiling=parameter_value(parameter_at("psu-resources-ceiling", on)),
        notes=notes,
    )


def simulate_psu(*, on: datetime.date, care_kind: str = CareKind.COLLECTIVE, **inputs):
    return psu_price(parameters=psu_parameters(on, care_kind), **inputs)


def cmg_parameters(on: datetime.date) -> CmgParameters:
    return CmgParameters(
        rates=parameter_value(parameter_at("cmg-effort-rates", on)),
        reference_hourly_cost=parameter_value(parameter_at("cmg-reference-hourly-cost", on)),
    )


def simulate_cmg(*, on: datetime.date, **inputs):
    return estimate_cmg(parameters=cmg_parameters(on), **inputs)
