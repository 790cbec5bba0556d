"""Pure tests of the price engine (no database): hand-computed cases."""

from decimal import Decimal

import pytest

from maillage.directory.pricing import (
    CmgParameters,
    ParameterValue,
    PricingInputError,
    PsuParameters,
    effort_rate_for,
    estimate_cmg,
    psu_price,
)

RATES = [[1, "0.0619"], [2, "0.0516"], [3, "0.0413"], [4, "0.0310"], [8, "0.0206"]]


def params(floor="801.00", ceiling=8500, floor_verified=True, rates_verified=True):
    return PsuParameters(
        rates=ParameterValue("psu-effort-rates", "Taux", RATES, verified=rates_verified),
        floor=ParameterValue("psu-resources-floor", "Plancher", floor, verified=floor_verified),
        ceiling=ParameterValue("psu-resources-ceiling", "Plafond", ceiling),
    )


@pytest.mark.parametrize(
    ("children", "rate", "hourly", "monthly"),
    [
        # 3 000 € × rate ; monthly = unrounded hourly × 160 h
        (1, "0.0619", "1.86", "297.12"),  # 1.857
        (2, "0.0516", "1.55", "247.68"),  # 1.548 (the Suresnes example)
        (3, "0.0413", "1.24", "198.24"),  # 1.239
        (4, "0.0310", "0.93", "148.80"),  # 0.93
        (7, "0.0310", "0.93", "148.80"),  # 4 to 7 children: same rate
        (8, "0.0206", "0.62", "98.88"),  # 0.618
        (11, "0.0206", "0.62", "98.88"),
    ],
)
def test_rate_by_number_of_children(children, rate, hourly, monthly):
    result = psu_price(
        monthly_resources=3000, children=children, hours_per_month=160, parameters=params()
    )
    assert result.effort_rate == Decimal(rate)
    assert result.hourly_price == Decimal(hourly)
    assert result.monthly_price == Decimal(monthly)
    assert result.resources_used == Decimal(3000)
    assert result.is_verified


def test_floor_applies_below_it():
    result = psu_price(monthly_resources=500, children=1, hours_per_month=100, parameters=params())
    # 801.00 × 0.0619 % = 0.495819 → 0.50 €/h ; × 100 h = 49.58 €
    assert result.resources_used == Decimal("801.00")
    assert result.hourly_price == Decimal("0.50")
    assert result.monthly_price == Decimal("49.58")
    assert "plancher" in result.steps[0]


def test_ceiling_applies_above_it():
    result = psu_price(
        monthly_resources=12000, children=1, hours_per_month=100, parameters=params()
    )
    # 8 500 × 0.0619 % = 5.2615 → 5.26 €/h ; × 100 h = 526.15 €
    assert result.resources_used == Decimal(8500)
    assert result.hourly_price == Decimal("5.26")
    assert result.monthly_price == Decimal("526.15")
    assert "plafond" in result.steps[0]


@pytest.mark.parametrize(
    ("children", "aeeh", "rank", "rate"),
    [
        (1, 1, 2, "0.0516"),  # the only child receives the AEEH: rate of 2 children
        (2, 1, 3, "0.0413"),
        (3, 1, 4, "0.0310"),
        (2, 2, 4, "0.0310"),  # once per child receiving the AEEH
        (7, 1, 8, "0.0206"),
    ],
)
def test_aeeh_moves_to_the_next_lower_rate_once_per_child(children, aeeh, rank, rate):
    result = psu_price(
        monthly_resources=3000,
        children=children,
        aeeh_children=aeeh,
        hours_per_month=10,
        parameters=params(),
    )
    assert result.rate_rank == rank
    assert result.effort_rate == Decimal(rate)
    assert result.hourly_price == (Decimal(3000) * Decimal(rate) / 100).quantize(Decimal("0.01"))
    assert "AEEH" in result.steps[1]


def test_unverified_floor_is_flagged_only_when_it_is_applied():
    unverified = params(floor_verified=False)
    above = psu_price(monthly_resources=3000, children=1, hours_per_month=1, parameters=unverified)
    below = psu_price(monthly_resources=100, children=1, hours_per_month=1, parameters=unverified)
    assert above.warnings == [] and above.is_verified
    assert len(below.warnings) == 1 and "non vérifiée" in below.warnings[0]
    assert not below.is_verified
    assert [p.verified for p in below.parameters] == [True, False, True]


def test_unverified_rates_are_always_flagged():
    result = psu_price(
        monthly_resources=3000,
        children=1,
        hours_per_month=1,
        parameters=params(rates_verified=False),
    )
    assert any("Taux" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"monthly_resources": "abc"}, "monthly_resources"),
        ({"monthly_resources": -1}, "monthly_resources"),
        ({"children": 0}, "children"),
        ({"children": 2, "aeeh_children": 3}, "aeeh_children"),
        ({"hours_per_month": 800}, "hours_per_month"),
        ({"hours_per_month": "nan"}, "hours_per_month"),
    ],
)
def test_bad_input_gets_a_french_message(inputs, field):
    values = {"monthly_resources": 3000, "children": 1, "hours_per_month": 100, **inputs}
    with pytest.raises(PricingInputError) as excinfo:
        psu_price(parameters=params(), **values)
    assert field in excinfo.value.errors
    message = excinfo.value.errors[field]
    assert message[0].isupper() and message.endswith(".")


def test_effort_rate_table_lookup():
    assert effort_rate_for(RATES, 5) == Decimal("0.0310")
    with pytest.raises(PricingInputError):
        effort_rate_for(RATES, 0)


def cmg_params(reference="8.00"):
    return CmgParameters(
        rates=ParameterValue("cmg-effort-rates", "Taux CMG", RATES, verified=False),
        reference_hourly_cost=ParameterValue(
            "cmg-reference-hourly-cost", "Coût de référence", reference, verified=False
        ),
    )


def test_cmg_estimate_follows_d531_18():
    result = estimate_cmg(
        monthly_resources=3000,
        children=1,
        hours_per_month=160,
        hourly_wage="4.50",
        parameters=cmg_params(),
    )
    # cost 4.50 × 160 = 720 ; share 3000 × 0.0619 % = 1.857 ; 720 × (1 − 1.857 / 8) = 552.87
    assert result.monthly_cost == Decimal("720.00")
    assert result.cmg == Decimal("552.87")
    assert result.remaining_cost == Decimal("167.13")
    assert len(result.warnings) == 2  # both parameters are unverified


def test_cmg_is_never_negative():
    result = estimate_cmg(
        monthly_resources=20000,
        children=1,
        hours_per_month=100,
        hourly_wage=5,
        parameters=cmg_params(),
    )
    assert result.cmg == Decimal("0.00")
    assert result.remaining_cost == result.monthly_cost == Decimal("500.00")


def test_parameter_labels_in_french():
    rates = ParameterValue("psu-effort-rates", "Taux", RATES, valid_from="2022-01-01")
    assert rates.value_label == (
        "1 enfant : 0,0619 % · 2 enfants : 0,0516 % · 3 enfants : 0,0413 % · "
        "4 à 7 enfants : 0,0310 % · 8 enfants et plus : 0,0206 %"
    )
    assert rates.period_label == "du 01/01/2022"
    floor = ParameterValue(
        "f", "Plancher", "754.16", "€ par mois", valid_from="2023-01-01", valid_until="2023-12-31"
    )
    assert floor.value_label == "754,16 € par mois"
    assert floor.period_label == "du 01/01/2023 au 31/12/2023"
