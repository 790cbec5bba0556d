"""Coverage from the database: formula, provenance flags, estimates, masking, catchment."""

import datetime

import pytest

from maillage.core.models import Parameter
from maillage.observatory.enums import Indicator, Method
from maillage.observatory.services import coverage_report
from tests.observatory.factories import ChildminderFactory, FigureFactory, StructureFactory


@pytest.fixture
def carros(bassin):
    """Carros: 100 children (measured), one crèche of 30 places, two childminders of 4
    places, 6 pre-school places; plus what must not count."""
    carros = bassin["06033"]
    FigureFactory(commune=carros, value=100, period="2021")
    FigureFactory(commune=carros, value=90, period="2019")  # older, ignored
    StructureFactory(commune=carros, places_babies=10, places_toddlers=12, places_older=8)
    StructureFactory(commune=carros, rpe=True)  # a relais has no places
    StructureFactory(commune=carros, inactive=True)  # closed
    StructureFactory(commune=carros, alsh=True)  # 3-11 ans, not under-3 care
    ChildminderFactory.create_batch(2, commune=carros, agreement_places=4)
    ChildminderFactory(commune=carros, agreement_places=4, is_active=False)
    FigureFactory(
        commune=carros,
        indicator=Indicator.PLACES_PRESCOLARISATION,
        value=6,
        source_label="Éducation nationale (test)",
        period="2022",
    )
    return carros


def test_coverage_formula_with_eaje_childminders_and_preschool(carros):
    data = coverage_report([carros]).as_dict(raw_codes={"06033"})
    row = data["communes"][0]
    assert row["children_under_3"]["value"] == 100
    assert row["modes"]["eaje"]["places"] == 30
    assert row["modes"]["assistants_maternels"]["places"] == 8
    assert row["modes"]["prescolarisation"]["places"] == 6
    assert row["modes"]["garde_a_domicile"]["places"] is None
    assert row["missing_modes"] == ["garde_a_domicile"]
    # (30 + 8 + 6) / 100 × 100
    assert row["rate"] == 44.0
    assert row["modes"]["eaje"]["rate"] == 30.0
    assert row["modes"]["prescolarisation"]["rate"] == 6.0


def test_provenance_and_estimated_flags(carros):
    row = coverage_report([carros]).as_dict(raw_codes={"06033"})["communes"][0]
    children = row["children_under_3"]
    assert children["estimated"] is False
    assert children["source"] == "INSEE, recensement (test)"
    assert children["vintage"] == "2021"
    assert row["modes"]["prescolarisation"]["source"] == "Éducation nationale (test)"
    assert row["modes"]["prescolarisation"]["estimated"] is False
    # the conversion of agreement places is an unverified parameter: flagged
    childminders = row["modes"]["assistants_maternels"]
    assert childminders["estimated"] is True
    assert "2 assistant(s) maternel(s) actif(s)" in childminders["source"]
    assert row["estimated"] is True


def test_children_are_estimated_from_population_when_no_figure(bassin):
    gilette = bassin["06066"]  # population 1 580 in the fixture
    share = Parameter.objects.get(key="observatory-under3-share").value
    row = coverage_report([gilette]).as_dict(raw_codes={"06066"})["communes"][0]
    children = row["children_under_3"]
    assert children["value"] == round(1580 * share)
    assert children["estimated"] is True
    assert children["method"] == Method.ESTIMATED
    assert children["source"].startswith("Estimation Maillage : population COG 2026")


def test_a_more_recent_population_figure_feeds_the_estimate(bassin):
    gilette = bassin["06066"]
    FigureFactory(commune=gilette, indicator=Indicator.POPULATION, value=2000, period="2027")
    share = Parameter.objects.get(key="observatory-under3-share").value
    children = coverage_report([gilette]).as_dict()["communes"][0]["children_under_3"]
    assert children["value"] == round(2000 * share)
    assert children["vintage"] == "2027"


def test_small_counts_are_masked_for_other_organisations(bassin):
    le_broc = bassin["06025"]
    FigureFactory(commune=le_broc, value=40)
    StructureFactory(commune=le_broc, places_babies=3, places_toddlers=0, places_older=0)
    report = coverage_report([le_broc])
    masked = report.as_dict()["communes"][0]
    assert masked["modes"]["eaje"] == {**masked["modes"]["eaje"], "places": None, "rate": None}
    assert masked["modes"]["eaje"]["masked"] is True
    assert masked["places_total"] is None
    assert masked["rate"] is None
    assert masked["children_under_3"]["value"] == 40  # 40 ≥ 5 stays visible
    assert report.as_dict()["masking"]["masked_communes"] == ["06025"]
    raw = report.as_dict(raw_codes={"06025"})["communes"][0]
    assert raw["modes"]["eaje"]["places"] == 3
    assert raw["rate"] == 7.5


def test_the_threshold_is_a_dated_parameter(bassin):
    le_broc = bassin["06025"]
    FigureFactory(commune=le_broc, value=40)
    StructureFactory(commune=le_broc, places_babies=7, places_toddlers=0, places_older=0)
    Parameter.objects.create(
        key="observatory-secrecy-threshold",
        label="Seuil",
        value=11,
        valid_from=datetime.date(2026, 1, 1),
        source_label="Décision locale (test)",
    )
    before = coverage_report([le_broc], on=datetime.date(2025, 6, 1)).as_dict()
    after = coverage_report([le_broc], on=datetime.date(2026, 6, 1)).as_dict()
    assert before["communes"][0]["modes"]["eaje"]["places"] == 7
    assert after["communes"][0]["modes"]["eaje"]["masked"] is True
    assert after["masking"]["threshold"] == 11


def test_territory_total_catchment_and_references(bassin):
    carros, gattieres = bassin["06033"], bassin["06064"]
    for commune, lat, lon in ((carros, 43.78, 7.18), (gattieres, 43.76, 7.17)):
        commune.latitude, commune.longitude = lat, lon
        commune.save()
    FigureFactory(commune=carros, value=300)
    FigureFactory(commune=gattieres, value=100)
    StructureFactory(
        commune=carros,
        latitude=43.78,
        longitude=7.18,
        places_babies=40,
        places_toddlers=20,
        places_older=0,
    )
    report = coverage_report([carros, gattieres], title="Deux communes")
    data = report.as_dict(raw_codes={"06033", "06064"})
    rows = {c["code"]: c for c in data["communes"]}
    assert rows["06033"]["rate"] == 20.0
    assert rows["06064"]["rate"] == 0.0
    # 2.4 km apart: Gattières' children reach the Carros crèche, whose places are shared
    assert 0 < rows["06064"]["catchment_rate"] < rows["06033"]["catchment_rate"] < 20.0
    assert data["total"]["rate"] == 15.0  # 60 / 400
    assert data["total"]["catchment_rate"] == pytest.approx(15.0, abs=0.1)
    national = [r for r in data["references"] if r["key"] == "coverage-reference-fr"]
    assert national and national[0]["rate"] == 58.8 and national[0]["year"] == 2020
    departement = [r for r in data["references"] if r["key"] == "coverage-reference-dep-06"]
    assert departement[0]["rate"] == 49.2
    gaps = {g["code"]: g for g in data["gaps"]}
    assert gaps["06064"]["places_to_target"] == 59  # ceil(58.8) − 0
    assert gaps["06033"]["below_target"] is True


def test_a_masked_mode_cannot_be_recomputed_from_the_total(bassin):
    gaude = bassin["06065"]
    FigureFactory(commune=gaude, value=100)
    StructureFactory(commune=gaude, places_babies=30, places_toddlers=0, places_older=0)
    ChildminderFactory(commune=gaude, agreement_places=3)
    public = coverage_report([gaude]).as_dict()
    row = public["communes"][0]
    assert row["modes"]["assistants_maternels"]["masked"] is True  # 3 < 5
    # 33 places in all: showing the 30 crèche places would give away the 3 by subtraction
    assert row["modes"]["eaje"]["masked"] is True and row["modes"]["eaje"]["places"] is None
    assert row["places_total"] == 33 and row["rate"] == 33.0
    assert public["total"]["modes"]["eaje"]["places"] is None
    raw = coverage_report([gaude]).as_dict(raw_codes={"06065"})["communes"][0]
    assert (
        raw["modes"]["eaje"]["places"] == 30 and raw["modes"]["assistants_maternels"]["places"] == 3
    )
