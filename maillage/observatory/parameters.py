"""The dated parameters of the observatory (core.Parameter rows seeded by migration 0002)."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from maillage.core.models import Parameter, parameter_at

SECRECY_KEY = "observatory-secrecy-threshold"
UNDER3_SHARE_KEY = "observatory-under3-share"
CHILDMINDER_FACTOR_KEY = "observatory-childminder-place-factor"
CATCHMENT_KEY = "observatory-catchment"
REFERENCE_PREFIX = "coverage-reference-"
NATIONAL_KEY = "coverage-reference-fr"


@dataclass(frozen=True)
class ParameterView:
    key: str
    label: str
    value: object
    unit: str
    source_label: str
    source_url: str
    vintage: str
    verified: bool

    @classmethod
    def of(cls, row: Parameter) -> "ParameterView":
        return cls(
            key=row.key,
            label=row.label,
            value=row.value,
            unit=row.unit,
            source_label=row.source_label,
            source_url=row.source_url,
            vintage=row.vintage,
            verified=row.verified,
        )

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "source": self.source_label,
            "source_url": self.source_url,
            "vintage": self.vintage,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class ObservatoryParameters:
    on: datetime.date
    secrecy: ParameterView
    under3_share: ParameterView
    childminder_factor: ParameterView
    catchment: ParameterView

    @property
    def threshold(self) -> int:
        return int(self.secrecy.value)

    @property
    def radius_km(self) -> float:
        return float(self.catchment.value["radius_km"])

    @property
    def decay(self) -> str:
        return str(self.catchment.value.get("decay", "none"))

    @property
    def decay_label(self) -> str:
        return DECAY_LABELS.get(self.decay, self.decay)

    def as_dict(self) -> dict:
        return {
            "masking_threshold": self.secrecy.as_dict(),
            "under3_share": self.under3_share.as_dict(),
            "childminder_place_factor": self.childminder_factor.as_dict(),
            "catchment": {**self.catchment.as_dict(), "decay_label": self.decay_label},
        }


# Plain-French names of the catchment's distance decay (the code stays in the parameter).
DECAY_LABELS = {
    "none": "même poids pour tous les lieux à portée",
    "linear": "poids qui diminue régulièrement avec la distance, nul au rayon",
    "gaussian": "poids qui diminue doucement près de chez soi puis plus vite, nul au rayon",
}


def observatory_parameters(on: datetime.date | None = None) -> ObservatoryParameters:
    on = on or datetime.date.today()
    return ObservatoryParameters(
        on=on,
        secrecy=ParameterView.of(parameter_at(SECRECY_KEY, on)),
        under3_share=ParameterView.of(parameter_at(UNDER3_SHARE_KEY, on)),
        childminder_factor=ParameterView.of(parameter_at(CHILDMINDER_FACTOR_KEY, on)),
        catchment=ParameterView.of(parameter_at(CATCHMENT_KEY, on)),
    )


@dataclass(frozen=True)
class Reference:
    key: str
    label: str
    rate: float
    year: int
    modes: dict
    source_label: str
    source_url: str
    verified: bool

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "rate": self.rate,
            "year": self.year,
            "modes": self.modes,
            "source": self.source_label,
            "source_url": self.source_url,
            "vintage": str(self.year),
            "verified": self.verified,
        }


def _reference(row: Parameter) -> Reference:
    return Reference(
        key=row.key,
        label=row.label,
        rate=float(row.value["rate"]),
        year=int(row.value.get("year", row.valid_from.year)),
        modes=dict(row.value.get("modes") or {}),
        source_label=row.source_label,
        source_url=row.source_url,
        verified=row.verified,
    )


def references(
    on: datetime.date | None = None,
    *,
    departement_code: str | None = None,
    region_code: str | None = None,
) -> list[Reference]:
    """The latest reference rate of France, the région and the département known on `on`."""
    on = on or datetime.date.today()
    keys = [NATIONAL_KEY, f"{NATIONAL_KEY}-metro"]
    if region_code:
        keys.append(f"{REFERENCE_PREFIX}reg-{region_code}")
    if departement_code:
        keys.append(f"{REFERENCE_PREFIX}dep-{departement_code}")
    result = []
    for key in keys:
        row = Parameter.objects.for_key(key).filter(valid_from__lte=on).order_by("-valid_from")
        row = row.first()
        if row is not None:
            result.append(_reference(row))
    return result


def parameters_fingerprint() -> tuple:
    """Every stored row of the observatory's parameters and reference rates, in one query: a
    part of the cache key of derived figures, so that an edited parameter is seen at once."""
    rows = (
        Parameter.objects.filter(
            Q(key__startswith="observatory-") | Q(key__startswith=REFERENCE_PREFIX)
        )
        .order_by("pk")
        .values_list(
            "pk", "key", "value", "valid_from", "valid_until", "source_label", "source_url",
            "verified", "label", "unit",
        )
    )  # fmt: skip
    return tuple(rows)


def reference_history(key: str = NATIONAL_KEY) -> list[Reference]:
    return [_reference(r) for r in Parameter.objects.for_key(key).order_by("valid_from")]
