import datetime

import pytest

from maillage.core.models import Parameter
from maillage.territories.enums import Competence
from maillage.territories.models import CompetenceTransfer
from maillage.territories.sppe import (
    competence_is_mandatory,
    duties_for_commune,
    extra_duty_is_mandatory,
    thresholds_at,
)
from tests.territories.factories import CommuneFactory, EpciFactory

ON = datetime.date(2026, 3, 1)


def by_code(duties):
    return {d.code: d for d in duties}


@pytest.fixture
def thresholds(db):
    return thresholds_at(ON)


def test_thresholds_are_dated_parameters_with_their_source(thresholds):
    assert (thresholds.planning_above, thresholds.schema_rpe_above) == (3500, 10000)
    assert thresholds.rpe_from == datetime.date(2026, 1, 1)
    assert "L. 214-1-3" in thresholds.source_label


@pytest.mark.parametrize(
    ("population", "planning", "schema"),
    [
        (800, False, False),
        (3500, False, False),
        (3501, True, False),
        (10000, True, False),
        (10001, True, True),
    ],
)
def test_duties_follow_the_population_thresholds(thresholds, population, planning, schema):
    assert competence_is_mandatory(Competence.CENSUS, population, thresholds)[0] is True
    assert competence_is_mandatory(Competence.INFORMATION, population, thresholds)[0] is True
    assert competence_is_mandatory(Competence.PLANNING, population, thresholds)[0] is planning
    assert competence_is_mandatory(Competence.QUALITY, population, thresholds)[0] is planning
    assert extra_duty_is_mandatory("schema", population, ON, thresholds)[0] is schema
    assert extra_duty_is_mandatory("rpe", population, ON, thresholds)[0] is schema


def test_rpe_duty_starts_on_1_january_2026(thresholds):
    mandatory, reason = extra_duty_is_mandatory("rpe", 20000, datetime.date(2025, 6, 1), thresholds)
    assert not mandatory and "01/01/2026" in reason
    assert extra_duty_is_mandatory("schema", 20000, datetime.date(2025, 6, 1), thresholds)[0]


def test_commune_duties_without_transfer(db):
    carros = CommuneFactory(insee_code="06033", name="Carros", population=13803)
    duties = by_code(duties_for_commune(carros, ON))
    assert all(
        d.authority_kind == "commune" and d.authority_name == "Carros" for d in duties.values()
    )
    assert duties["planifier"].mandatory and duties["schema"].mandatory and duties["rpe"].mandatory


def test_transfer_to_epci_sums_the_population_of_the_transferring_communes(db):
    epci = EpciFactory(name="CC des Petites Communes")
    small = [CommuneFactory(population=p, epci=epci) for p in (3000, 4000, 3500)]
    keeps = CommuneFactory(population=3000, epci=epci)
    for commune in small:
        CompetenceTransfer.objects.create(
            commune=commune,
            competence=Competence.PLANNING,
            epci=epci,
            since=datetime.date(2025, 6, 1),
        )
    duties = by_code(duties_for_commune(small[0], ON))
    assert duties["planifier"].authority_kind == "epci"
    assert duties["planifier"].population == 10500
    assert duties["planifier"].mandatory
    assert duties["schema"].mandatory  # 10,500 > 10,000 summed over the transferring communes
    assert duties["qualite"].authority_kind == "commune" and not duties["qualite"].mandatory
    assert by_code(duties_for_commune(keeps, ON))["planifier"].authority_kind == "commune"
    # A transfer dated after the day asked about does not count yet.
    assert (
        by_code(duties_for_commune(small[0], datetime.date(2025, 3, 1)))["planifier"].authority_kind
        == "commune"
    )


def test_new_thresholds_apply_from_their_date_without_code_change(db):
    Parameter.objects.create(
        key="sppe-thresholds",
        label="Seuils (hypothèse de test)",
        valid_from=datetime.date(2030, 1, 1),
        value={"planning_above": 5000, "schema_rpe_above": 20000, "rpe_from": "2026-01-01"},
        source_label="test",
    )
    commune = CommuneFactory(population=15000)
    assert by_code(duties_for_commune(commune, datetime.date(2029, 12, 31)))["schema"].mandatory
    assert not by_code(duties_for_commune(commune, datetime.date(2030, 1, 1)))["schema"].mandatory
