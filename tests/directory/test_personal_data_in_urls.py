"""Personal values stay out of addresses: the directory search carries a birth month, never a
birth date; the cost simulator page posts the family's resources."""

import datetime
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from tests.directory.factories import StructureFactory

SEARCH = "/annuaire/"


def _query(url: str) -> dict:
    return parse_qs(urlsplit(url).query)


def test_search_url_is_the_documented_contract():
    assert reverse("web:directory_search") == SEARCH


def test_birth_month_filters_by_age(client, located_bassin):
    broc = located_bassin["06025"]
    StructureFactory(
        commune=broc, name="Bébés", age_min_months=2, age_max_months=12,
        latitude=broc.latitude, longitude=broc.longitude,
    )  # fmt: skip
    StructureFactory(
        commune=broc, name="Grands", age_min_months=18, age_max_months=36,
        latitude=broc.latitude, longitude=broc.longitude,
    )  # fmt: skip
    base = {"commune": "Le Broc (06025)", "insee": "06025", "radius_km": 10}
    response = client.get(
        SEARCH, {**base, "naissance": "2026-03", "needed_from": "2026-09-01"}
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["criteria"].age_months == 6
    assert [h.obj.name for h in response.context["result"].hits] == ["Bébés"]
    page = response.content.decode()
    assert 'type="month"' in page and 'value="2026-03"' in page


def test_a_full_birth_date_is_reduced_to_its_month_and_never_echoed(client, located_bassin):
    for params in (
        {"birth_date": "2026-03-14"},  # the former parameter
        {"naissance": "2026-03-14"},
        {"naissance": "14/03/2026"},
    ):
        response = client.get(SEARCH, {"commune": "le broc", "radius_km": 7, **params})
        assert response.status_code == 302
        location = response["Location"]
        assert "14" not in location.replace("radius_km=7", "")
        query = _query(location)
        assert query["naissance"] == ["2026-03"] and "birth_date" not in query
        assert query["commune"] == ["le broc"] and query["radius_km"] == ["7"]
        page = client.get(location).content.decode()
        assert "2026-03-14" not in page and "14/03/2026" not in page


def test_links_offered_for_an_ambiguous_commune_carry_the_month_only(client, located_bassin):
    from tests.territories.factories import CommuneFactory

    CommuneFactory(insee_code="63054", name="Le Broc", postal_codes=["63500"])
    response = client.get(SEARCH, {"commune": "le broc", "birth_date": "2026-03-14"}, follow=True)
    links = [label_url[1] for label_url in response.context["commune_choices"]]
    assert links and all("naissance=2026-03" in url for url in links)
    assert not any("14" in url or "birth_date" in url for url in links)


def test_unreadable_birth_month_gets_a_french_error(client, located_bassin):
    response = client.get(
        SEARCH, {"commune": "Le Broc (06025)", "insee": "06025", "naissance": "mars"}
    )
    assert response.status_code == 200
    assert "Saisissez un mois de naissance (aaaa-mm)." in response.content.decode()
    both = client.get(
        SEARCH,
        {"commune": "Le Broc (06025)", "insee": "06025", "naissance": "2026-03", "age_months": 4},
    )
    assert "soit le mois de naissance" in both.content.decode()


def test_simulator_page_posts_and_ignores_an_income_in_its_address(client, db):
    url = reverse("web:directory_simulator")
    page = client.get(url, {"monthly_resources": "4321", "children": 2}).content.decode()
    assert 'method="post"' in page
    assert "4321" not in page and "Prix estimé" not in page
    today = datetime.date.today().isoformat()
    body = {"care": "collective", "date": today, "monthly_resources": "4321", "children": "1",
            "aeeh_children": "0", "hours_per_month": "100"}  # fmt: skip
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):  # without JavaScript, and with htmx
        response = client.post(url, body, **headers)
        assert response.status_code == 200
        assert "Prix estimé" in response.content.decode()
