"""The coverage report is cached per process under the version of its data: a second request
reads no directory table, and any change of places, figures or parameters is seen at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.core.concurrency import save_if_unchanged
from maillage.core.models import Parameter
from maillage.observatory.enums import Indicator
from maillage.observatory.parameters import SECRECY_KEY
from maillage.observatory.services import coverage_report
from tests.observatory.factories import ChildminderFactory, FigureFactory, StructureFactory


@pytest.fixture
def carros(bassin):
    carros = bassin["06033"]
    FigureFactory(commune=carros, value=100, period="2021")
    crèche = StructureFactory(commune=carros, places_babies=10, places_toddlers=12, places_older=8)
    ChildminderFactory.create_batch(2, commune=carros, agreement_places=4)
    return {"commune": carros, "crèche": crèche}


def _row(commune):
    return coverage_report([commune]).as_dict(raw_codes={commune.insee_code})["communes"][0]


def _directory_reads(commune) -> int:
    with CaptureQueriesContext(connection) as queries:
        coverage_report([commune])
    return sum("directory_structure" in q["sql"] and "COUNT(*)" not in q["sql"] for q in queries)


def test_second_report_comes_from_the_cache(carros):
    commune = carros["commune"]
    assert _directory_reads(commune) > 0
    assert _directory_reads(commune) == 0


def test_edited_places_are_seen_at_once(carros):
    commune, crèche = carros["commune"], carros["crèche"]
    assert _row(commune)["modes"]["eaje"]["places"] == 30
    crèche.places_older = 18
    save_if_unchanged(crèche, crèche.version, ["places_older"])  # an UPDATE without save()
    assert _row(commune)["modes"]["eaje"]["places"] == 40


def test_closed_and_deleted_supply_is_seen_at_once(carros):
    commune, crèche = carros["commune"], carros["crèche"]
    assert _row(commune)["modes"]["assistants_maternels"]["places"] == 8
    commune.childminders.first().delete()
    assert _row(commune)["modes"]["assistants_maternels"]["places"] == 4
    crèche.is_active = False
    crèche.save()
    assert _row(commune)["modes"]["eaje"]["places"] == 0


def test_new_figure_is_seen_at_once(carros):
    commune = carros["commune"]
    assert _row(commune)["children_under_3"]["value"] == 100
    FigureFactory(commune=commune, indicator=Indicator.CHILDREN_UNDER_3, value=50, period="2023")
    assert _row(commune)["children_under_3"]["value"] == 50


def test_edited_parameter_is_seen_at_once(carros):
    commune = carros["commune"]
    assert coverage_report([commune]).params.threshold == 5
    row = Parameter.objects.for_key(SECRECY_KEY).order_by("-valid_from").first()
    row.value = 11
    row.save()
    assert coverage_report([commune]).params.threshold == 11


def _home_care(client, url) -> dict:
    return client.get(url).context["row"]["modes"]["garde_a_domicile"]


def test_masking_stays_per_person_with_a_cached_report(client, demo_bassin, alice):
    """The cached report holds raw counts; each request masks them for the person asking."""
    url = reverse("web:observatory_commune", args=["06066"])  # Gilette: 1 place at home
    client.force_login(alice)  # the Caf covers Gilette: raw counts
    assert _home_care(client, url)["places"] == 1
    client.logout()
    public = _home_care(client, url)  # the same cached report, anonymous
    assert public["masked"] is True
    assert public["places"] is None
    client.force_login(alice)
    assert _home_care(client, url)["places"] == 1
