"""Without consent, every public output locates an assistant maternel at her commune's centre:
the map data of the search page, the API (position, distance, order), the exports, her page.
Re-importing her without consent clears a geocoded point."""

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from maillage.directory import importers
from maillage.directory.enums import CoordinatesPrecision
from maillage.directory.geo import haversine_km
from maillage.directory.models import Childminder
from tests.directory.factories import AvailabilityFactory, ChildminderFactory

HOME = (43.7905, 7.1830)  # her (private) home in Carros, about 1 km from the town centre


@pytest.fixture
def withdrawn(located_bassin):
    """Geocoded at home while she consented, then consent withdrawn."""
    carros = located_bassin["06033"]
    childminder = ChildminderFactory(
        commune=carros,
        first_name="Odile",
        last_name="Retirée",
        contact_consent=True,
        latitude=HOME[0],
        longitude=HOME[1],
        coordinates_precision=CoordinatesPrecision.ADDRESS,
        external_id="AM-42",
    )
    AvailabilityFactory(childminder=childminder)
    childminder.contact_consent = False
    childminder.save()
    return childminder


@pytest.fixture
def legacy_private_point(withdrawn):
    """The same, written by a path that bypasses `save()` (bulk update, old rows)."""
    Childminder.objects.filter(pk=withdrawn.pk).update(
        latitude=HOME[0], longitude=HOME[1], coordinates_precision=CoordinatesPrecision.ADDRESS
    )
    return withdrawn


def _centre(commune):
    return commune.latitude, commune.longitude


def test_withdrawing_consent_keeps_only_the_commune_centre(withdrawn, located_bassin):
    withdrawn.refresh_from_db()
    carros = located_bassin["06033"]
    assert (withdrawn.latitude, withdrawn.longitude) == _centre(carros)
    assert withdrawn.coordinates_precision == CoordinatesPrecision.COMMUNE
    location = withdrawn.public_location()
    assert (location.latitude, location.longitude) == _centre(carros) and location.approximate


def test_search_map_data_uses_the_commune_centre(client, withdrawn, located_bassin):
    response = client.get(
        reverse("web:directory_search"),
        {
            "commune": "Carros (06033)",
            "insee": "06033",
            "radius_km": 10,
            "kind": "assistant_maternel",
        },
    )
    page = response.content.decode()
    data = json.loads(
        page.split('id="carte-resultats-data" type="application/json">')[1].split("</script>")[0]
    )
    [item] = [i for i in data["items"] if i["childminder"]]
    assert (item["lat"], item["lon"]) == _centre(located_bassin["06033"])
    assert item["approximate"] is True
    assert str(HOME[0]) not in page and str(HOME[1]) not in page


@pytest.mark.parametrize(
    "probe", [(43.80, 7.10), (43.75, 7.20), (43.85, 7.25)], ids=["ouest", "sud", "nord-est"]
)
def test_api_distance_is_measured_from_the_commune_centre(
    client, legacy_private_point, located_bassin, probe
):
    """Three probes cannot trilaterate her home: every distance is to the commune centre."""
    carros = located_bassin["06033"]
    response = client.get(
        "/api/v1/childminders/",
        {"latitude": probe[0], "longitude": probe[1], "radius_km": 30, "only_available": "false"},
    )
    [item] = response.json()
    assert (item["latitude"], item["longitude"]) == _centre(carros)
    assert item["coordinates_precision"] == "commune"
    expected = haversine_km(probe[0], probe[1], *_centre(carros))
    assert item["distance_km"] == pytest.approx(round(expected, 2), abs=0.01)
    assert item["distance_km"] != pytest.approx(
        round(haversine_km(probe[0], probe[1], *HOME), 2), abs=0.01
    )


def test_api_order_follows_the_public_location(client, legacy_private_point, located_bassin):
    """Another childminder at the Carros centre: a private point nearer the probe gives no lead."""
    carros = located_bassin["06033"]
    other = ChildminderFactory(
        commune=carros,
        contact_consent=True,
        latitude=carros.latitude,
        longitude=carros.longitude,
        coordinates_precision=CoordinatesPrecision.ADDRESS,
    )
    AvailabilityFactory(childminder=other)
    # probe right at her (private) home: her home is nearer than the centre, but must not count
    items = client.get(
        "/api/v1/childminders/",
        {"latitude": HOME[0], "longitude": HOME[1], "radius_km": 5, "only_available": "false"},
    ).json()
    distances = {i["id"]: i["distance_km"] for i in items}
    assert distances[legacy_private_point.pk] == distances[other.pk]
    assert [i["id"] for i in items] == sorted(distances, key=lambda pk: (distances[pk], pk))


def test_exports_use_the_commune_centre(client, legacy_private_point, located_bassin):
    carros = located_bassin["06033"]
    content = client.get(
        reverse("web:directory_export", args=["assistants-maternels", "csv"])
    ).content
    [row] = csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
    assert (float(row["latitude"]), float(row["longitude"])) == _centre(carros)
    assert row["precision_coordonnees"] == "commune"
    xlsx = client.get(reverse("web:directory_export", args=["assistants-maternels", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header, values = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    record = dict(zip(header, values, strict=True))
    assert (record["latitude"], record["longitude"]) == _centre(carros)


def test_result_list_flags_the_distance_as_approximate(client, legacy_private_point):
    response = client.get(
        reverse("web:directory_search"),
        {"commune": "Carros (06033)", "insee": "06033", "kind": "assistant_maternel"},
    )
    [hit] = response.context["result"].hits
    assert hit.obj.is_approximate
    assert "km (≈)" in response.content.decode()


def test_reimport_without_consent_clears_the_geocoded_point(located_bassin):
    carros = located_bassin["06033"]
    ChildminderFactory(
        commune=carros,
        first_name="Odile",
        last_name="Retirée",
        contact_consent=True,
        latitude=HOME[0],
        longitude=HOME[1],
        coordinates_precision=CoordinatesPrecision.ADDRESS,
        address="1 place de la Mairie",
        external_id="AM-42",
    )
    text = (
        "identifiant;prenom;nom;code_insee;adresse;places_agrement;consentement_coordonnees\n"
        "AM-42;Odile;Retirée;06033;1 place de la Mairie;4;non\n"
    )
    report = importers.check(text.encode(), "am.csv", "childminders")
    assert not report.has_errors
    importers.apply(report)
    childminder = Childminder.objects.get(external_id="AM-42")
    assert not childminder.contact_consent
    assert childminder.coordinates_precision == CoordinatesPrecision.COMMUNE
    assert (childminder.latitude, childminder.longitude) == _centre(carros)
