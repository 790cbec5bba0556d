"""PSU family price and CMG estimate.

PSU (domain reference §6.1): hourly price = clamp(monthly resources N-2, floor, ceiling) × taux
d'effort; the taux d'effort depends on the number of dependent children, lowered one step per
child receiving the AEEH. CMG (§6.2, art. D. 531-18 CSS): monthly CMG = monthly cost ×
(1 − monthly resources × taux d'effort ÷ coût horaire de référence), never below zero.

Amounts are Decimals; prices are rounded half-up to the cent at the end only.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_HOURS_PER_MONTH = Decimal("744")  # 31 days × 24 h


@dataclass(frozen=True)
class ParameterValue:
    """A value with where it comes from (a dated core.Parameter row, or a test fixture)."""

    key: str
    label: str
    value: object
    unit: str = ""
    valid_from: str = ""
    valid_until: str = ""
    source_label: str = ""
    source_url: str = ""
    verified: bool = True

    @property
    def period_label(self) -> str:
        """« du 01/09/2025 » or « du 01/01/2023 au 31/12/2023 »."""

        def fr(iso: str) -> str:
            return "/".join(reversed(iso.split("-"))) if iso else ""

        text = f"du {fr(self.valid_from)}"
        return f"{text} au {fr(self.valid_until)}" if self.valid_until else text

    @property
    def value_label(self) -> str:
        if isinstance(self.value, list):  # a rate table [[from_children, rate], …]
            rows = sorted((int(start), str(rate)) for start, rate in self.value)
            parts = []
            for i, (start, rate) in enumerate(rows):
                end = rows[i + 1][0] - 1 if i + 1 < len(rows) else None
                if end is None:
                    who = f"{start} enfant{'s' if start > 1 else ''} et plus"
                elif end > start:
                    who = f"{start} à {end} enfants"
                else:
                    who = f"{start} enfant{'s' if start > 1 else ''}"
                parts.append(f"{who} : {rate.replace('.', ',')} %")
            return " · ".join(parts)
        return f"{str(self.value).replace('.', ',')} {self.unit}".strip()

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until or None,
            "source_label": self.source_label,
            "source_url": self.source_url,
            "verified": self.verified,
        }


class PricingInputError(ValueError):
    """Bad input; `errors` maps each field to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k} : {v}" for k, v in errors.items()))
        self.errors = errors


def _decimal(value, name: str, errors: dict, *, minimum=Decimal(0), maximum=None):
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", "").replace("\u202f", ""))
    except (InvalidOperation, ValueError):
        errors[name] = "Saisissez un nombre."
        return None
    if not number.is_finite():
        errors[name] = "Saisissez un nombre."
        return None
    if number < minimum:
        errors[name] = f"La valeur doit être supérieure ou égale à {minimum}."
        return None
    if maximum is not None and number > maximum:
        errors[name] = f"La valeur doit être inférieure ou égale à {maximum}."
        return None
    return number


def _integer(value, name: str, errors: dict, *, minimum=0, maximum=30):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = "Saisissez un nombre entier."
        return None
    if number < minimum or number > maximum:
        errors[name] = f"La valeur doit être comprise entre {minimum} et {maximum}."
        return None
    return number


def fmt_eur(amount: Decimal, places: int = 2) -> str:
    """French formatting: 1 234,56 €."""
    quantum = Decimal(1).scaleb(-places)
    text = f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
    return text.replace(",", "\u202f").replace(".", ",") + " €"


def fmt_rate(rate_percent: Decimal) -> str:
    return f"{rate_percent:.4f}".replace(".", ",") + " %"


def effort_rate_for(table, rank: int) -> Decimal:
    """Rate (in %) of a table [[from_children, rate_percent], …] for `rank` children."""
    rows = sorted(((int(k), Decimal(str(v))) for k, v in table), key=lambda row: row[0])
    chosen = None
    for start, rate in rows:
        if rank >= start:
            chosen = rate
    if chosen is None:
        raise PricingInputError({"children": "Aucun taux d'effort pour ce nombre d'enfants."})
    return chosen


@dataclass(frozen=True)
class PsuParameters:
    rates: ParameterValue  # value: [[from_children, rate_percent], …]
    floor: ParameterValue  # value: monthly €
    ceiling: ParameterValue  # value: monthly €
    notes: tuple[str, ...] = ()  # e.g. "collective rates applied to a crèche familiale"


@dataclass
class PsuResult:
    hourly_price: Decimal
    monthly_price: Decimal
    effort_rate: Decimal  # in %
    rate_rank: int
    resources_used: Decimal
    floor: Decimal
    ceiling: Decimal
    hours_per_month: Decimal
    parameters: list[ParameterValue]
    steps: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def unverified(self) -> list[ParameterValue]:
        return [p for p in self.parameters if not p.verified]

    @property
    def is_verified(self) -> bool:
        """True when no unverified value nor approximation determined the result."""
        return not self.warnings


def psu_price(
    *,
    monthly_resources,
    children,
    aeeh_children=0,
    hours_per_month,
    parameters: PsuParameters,
) -> PsuResult:
    """Family price in a PSU-funded EAJE. Raises PricingInputError on bad input."""
    errors: dict[str, str] = {}
    resources = _decimal(monthly_resources, "monthly_resources", errors)
    n_children = _integer(children, "children", errors, minimum=1)
    n_aeeh = _integer(aeeh_children, "aeeh_children", errors, minimum=0)
    hours = _decimal(hours_per_month, "hours_per_month", errors, maximum=MAX_HOURS_PER_MONTH)
    if n_children is not None and n_aeeh is not None and n_aeeh > n_children:
        errors["aeeh_children"] = (
            "Le nombre d'enfants bénéficiaires de l'AEEH ne peut pas dépasser le nombre "
            "d'enfants à charge."
        )
    if errors:
        raise PricingInputError(errors)

    floor = Decimal(str(parameters.floor.value))
    ceiling = Decimal(str(parameters.ceiling.value))
    steps = []
    if resources < floor:
        used = floor
        steps.append(
            f"Ressources mensuelles déclarées ({fmt_eur(resources)}) inférieures au plancher "
            f"({fmt_eur(floor)}) : le plancher est retenu."
        )
    elif resources > ceiling:
        used = ceiling
        steps.append(
            f"Ressources mensuelles déclarées ({fmt_eur(resources)}) supérieures au plafond "
            f"({fmt_eur(ceiling)}) : le plafond est retenu."
        )
    else:
        used = resources
        steps.append(
            f"Ressources mensuelles retenues : {fmt_eur(resources)} (entre le plancher "
            f"{fmt_eur(floor)} et le plafond {fmt_eur(ceiling)})."
        )
    rank = n_children + n_aeeh
    rate = effort_rate_for(parameters.rates.value, rank)
    if n_aeeh:
        steps.append(
            f"{n_children} enfant(s) à charge dont {n_aeeh} bénéficiaire(s) de l'AEEH : le taux "
            f"de la tranche inférieure s'applique, comme pour {rank} enfants."
        )
    else:
        steps.append(f"{n_children} enfant(s) à charge.")
    steps.append(f"Taux d'effort horaire : {fmt_rate(rate)}.")
    hourly_exact = used * rate / Decimal(100)
    hourly = hourly_exact.quantize(CENT, rounding=ROUND_HALF_UP)
    steps.append(
        f"Prix horaire = {fmt_eur(used)} × {fmt_rate(rate)} = {fmt_eur(hourly_exact, 4)}, "
        f"arrondi à {fmt_eur(hourly)}."
    )
    monthly = (hourly_exact * hours).quantize(CENT, rounding=ROUND_HALF_UP)
    steps.append(
        f"Prix mensuel = prix horaire non arrondi × {hours.normalize():f} h = {fmt_eur(monthly)}."
    )
    result = PsuResult(
        hourly_price=hourly,
        monthly_price=monthly,
        effort_rate=rate,
        rate_rank=rank,
        resources_used=used,
        floor=floor,
        ceiling=ceiling,
        hours_per_month=hours,
        parameters=[parameters.rates, parameters.floor, parameters.ceiling],
        steps=steps,
        warnings=list(parameters.notes),
    )
    applied = [parameters.rates]
    if used == floor:
        applied.append(parameters.floor)
    if used == ceiling:
        applied.append(parameters.ceiling)
    for param in applied:
        if not param.verified:
            result.warnings.append(
                f"Valeur non vérifiée : « {param.label} » ({param.value} {param.unit}, en vigueur "
                f"depuis le {param.valid_from}) — estimation à confirmer auprès de la Caf."
            )
    return result


@dataclass(frozen=True)
class CmgParameters:
    rates: ParameterValue  # [[from_children, rate_percent], …]
    reference_hourly_cost: ParameterValue  # € per hour


@dataclass
class CmgResult:
    monthly_cost: Decimal
    family_hourly_share: Decimal
    cmg: Decimal
    remaining_cost: Decimal
    effort_rate: Decimal
    parameters: list[ParameterValue]
    steps: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def unverified(self) -> list[ParameterValue]:
        return [p for p in self.parameters if not p.verified]


def estimate_cmg(
    *,
    monthly_resources,
    children,
    aeeh_children=0,
    hours_per_month,
    hourly_wage,
    parameters: CmgParameters,
) -> CmgResult:
    """Estimate of the CMG for a childminder (art. D. 531-18 CSS), before cotisations."""
    errors: dict[str, str] = {}
    resources = _decimal(monthly_resources, "monthly_resources", errors)
    n_children = _integer(children, "children", errors, minimum=1)
    n_aeeh = _integer(aeeh_children, "aeeh_children", errors, minimum=0)
    hours = _decimal(hours_per_month, "hours_per_month", errors, maximum=MAX_HOURS_PER_MONTH)
    wage = _decimal(hourly_wage, "hourly_wage", errors, minimum=Decimal("0.01"), maximum=100)
    if n_children is not None and n_aeeh is not None and n_aeeh > n_children:
        errors["aeeh_children"] = (
            "Le nombre d'enfants bénéficiaires de l'AEEH ne peut pas dépasser le nombre "
            "d'enfants à charge."
        )
    if errors:
        raise PricingInputError(errors)
    reference = Decimal(str(parameters.reference_hourly_cost.value))
    rate = effort_rate_for(parameters.rates.value, n_children + n_aeeh)
    cost = (wage * hours).quantize(CENT, rounding=ROUND_HALF_UP)
    share = resources * rate / Decimal(100)
    ratio = min(Decimal(1), share / reference) if reference else Decimal(1)
    cmg = max(Decimal(0), cost * (1 - ratio)).quantize(CENT, rounding=ROUND_HALF_UP)
    steps = [
        f"Coût mensuel de l'accueil = {fmt_eur(wage)} × {hours.normalize():f} h = {fmt_eur(cost)}.",
        f"Taux d'effort : {fmt_rate(rate)} ({n_children} enfant(s)"
        + (f", dont {n_aeeh} bénéficiaire(s) de l'AEEH" if n_aeeh else "")
        + ").",
        f"Participation horaire de la famille = {fmt_eur(resources)} × {fmt_rate(rate)} = "
        f"{fmt_eur(share, 4)}.",
        f"CMG = {fmt_eur(cost)} × (1 − {fmt_eur(share, 4)} ÷ {fmt_eur(reference)}) = "
        f"{fmt_eur(cmg)} (jamais négatif).",
        f"Reste à charge estimé, hors cotisations : {fmt_eur(cost - cmg)}.",
    ]
    result = CmgResult(
        monthly_cost=cost,
        family_hourly_share=share.quantize(CENT, rounding=ROUND_HALF_UP),
        cmg=cmg,
        remaining_cost=cost - cmg,
        effort_rate=rate,
        parameters=[parameters.rates, parameters.reference_hourly_cost],
        steps=steps,
    )
    for param in result.unverified:
        result.warnings.append(
            f"Valeur non vérifiée : « {param.label} » — estimation indicative, le montant exact "
            "est calculé par Pajemploi."
        )
    return result
