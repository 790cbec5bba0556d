"""The simulator through the dated parameters seeded by the migration (core.Parameter)."""

import datetime
from decimal import Decimal

import pytest

from maillage.core.models import Parameter, ParameterMissing
from maillage.directory.simulation import CareKind, simulate_cmg, simulate_psu

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("on", "ceiling", "hourly"),
    [
        (D(2024, 6, 15), 6000, "3.71"),  # 6 000 × 0.0619 % = 3.714
        (D(2024, 8, 31), 6000, "3.71"),
        (D(2024, 9, 1), 7000, "4.33"),  # 4.333
        (D(2025, 8, 31), 7000, "4.33"),
        (D(2025, 9, 1), 8500, "5.26"),  # 5.2615
        (D(2026, 3, 1), 8500, "5.26"),
    ],
)
def test_ceiling_in_force_at_the_date(on, ceiling, hourly):
    result = simulate_psu(on=on, monthly_resources=20000, children=1, hours_per_month=100)
    assert result.ceiling == Decimal(ceiling)
    assert result.hourly_price == Decimal(hourly)


@pytest.mark.parametrize(
    ("on", "floor", "hourly", "monthly", "verified"),
    [
        (D(2023, 5, 1), "754.16", "0.47", "46.68", True),  # 0.46682504
        (D(2024, 5, 1), "765.77", "0.47", "47.40", True),  # 0.47401163
        (D(2025, 5, 1), "801.00", "0.50", "49.58", False),  # derived: flagged
        (D(2026, 5, 1), "814.62", "0.50", "50.42", False),  # 0.50424978, flagged
    ],
)
def test_floor_in_force_at_the_date(on, floor, hourly, monthly, verified):
    result = simulate_psu(on=on, monthly_resources=0, children=1, hours_per_month=100)
    assert result.floor == Decimal(floor)
    assert result.hourly_price == Decimal(hourly)
    assert result.monthly_price == Decimal(monthly)
    assert result.is_verified is verified
    floor_param = next(p for p in result.parameters if p.key == "psu-resources-floor")
    assert floor_param.source_label and floor_param.valid_from == f"{on.year}-01-01"


def test_every_parameter_carries_its_source_and_validity():
    result = simulate_psu(
        on=D(2025, 10, 1), monthly_resources=3000, children=2, hours_per_month=160
    )
    assert result.hourly_price == Decimal("1.55")
    for param in result.parameters:
        assert param.source_label
        assert param.valid_from
    assert {p.key for p in result.parameters} == {
        "psu-effort-rates",
        "psu-resources-floor",
        "psu-resources-ceiling",
    }


def test_an_edited_parameter_changes_the_result():
    """Unverified values stay editable (in the admin): the simulator reads the new value."""
    row = Parameter.objects.get(key="psu-resources-floor", valid_from=D(2026, 1, 1))
    row.value = "820.00"
    row.verified = True
    row.save()
    result = simulate_psu(on=D(2026, 2, 1), monthly_resources=0, children=1, hours_per_month=100)
    assert result.floor == Decimal("820.00")
    assert result.is_verified


def test_familiale_barème_is_not_invented():
    result = simulate_psu(
        on=D(2025, 10, 1),
        care_kind=CareKind.FAMILIALE,
        monthly_resources=3000,
        children=1,
        hours_per_month=100,
    )
    assert not result.is_verified
    assert any("crèches familiales" in w for w in result.warnings)
    assert result.parameters[0].verified is False


def test_no_parameter_before_2023():
    with pytest.raises(ParameterMissing):
        simulate_psu(on=D(2021, 1, 1), monthly_resources=3000, children=1, hours_per_month=10)


def test_cmg_uses_dated_unverified_parameters():
    result = simulate_cmg(
        on=D(2025, 10, 1),
        monthly_resources=3000,
        children=1,
        hours_per_month=160,
        hourly_wage=Decimal("4.50"),
    )
    assert result.cmg == Decimal("552.87")
    assert len(result.warnings) == 2
    with pytest.raises(ParameterMissing):
        simulate_cmg(
            on=D(2025, 8, 1),
            monthly_resources=3000,
            children=1,
            hours_per_month=160,
            hourly_wage=4,
        )
