"""The result list shows PAGE_SIZE results at a time: « Voir plus de résultats » appends the next
ones (htmx) or, without JavaScript, reloads the page with one more page; the map shows the
results listed. The search itself is unchanged (count, order, at most 100)."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.territories.models import Commune
from maillage.web.directory.views import PAGE_SIZE
from tests.directory.factories import AvailabilityFactory, ChildminderFactory, StructureFactory

# The search page by commune: the commune (by INSEE code); the structures (nearest first, one
# round of the bounding box per growth of the radius: 3, 9, then 15 km), their admitted
# communes and their rows; the childminders likewise, with their availabilities; the communes
# of the hits; the outlines of the communes shown; « Qui peut m'aider ? » (relais and their
# admitted communes); the commune's own service.
SEARCH_QUERIES = 16
# « Voir plus » (htmx): the same search, without outlines, helpers nor commune services
MORE_QUERIES = 12


def _crèches(commune, n: int, start: int = 0):
    # 1 km apart at most, one every ~10 m going north: the order is the creation order
    return [
        StructureFactory(
            commune=commune,
            name=f"Crèche {start + i:03d}",
            latitude=commune.latitude + 0.0001 * (start + i),
            longitude=commune.longitude,
        )
        for i in range(n)
    ]


def _get(client, page=None, htmx=False, **extra):
    query = {"commune": "Carros (06510)", "insee": "06033", "radius_km": 15, **extra}
    if page is not None:
        query["page"] = page
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(reverse("web:directory_search"), query, headers=headers)


def _names(html: str) -> list[str]:
    return re.findall(r'<h3 class="h6 mb-1"><a href="[^"]+">([^<]+)</a>', html)


def _map_items(html: str, script_id: str) -> list[dict]:
    data = json.loads(
        html.split(f'id="{script_id}" type="application/json">')[1].split("</script>")[0]
    )
    return data["items"] if isinstance(data, dict) else data


@pytest.mark.django_db
def test_the_first_page_lists_page_size_results_and_links_to_more(client, located_bassin):
    carros = located_bassin["06033"]
    _crèches(carros, 2 * PAGE_SIZE + 5)
    response = _get(client)
    page = response.content.decode()
    total = 2 * PAGE_SIZE + 5
    assert len(response.context["result"].hits) == total  # the search is whole
    assert f"{total} résultats" in page
    assert _names(page) == [f"Crèche {i:03d}" for i in range(PAGE_SIZE)]
    assert f"{PAGE_SIZE} résultats affichés sur {total}" in page
    # the map shows the results listed
    items = _map_items(page, "carte-resultats-data")
    assert [i["name"] for i in items] == _names(page)
    # « Voir plus »: a link that works without JavaScript, and its htmx request
    link = re.search(
        r'<a class="btn btn-outline-primary" href="\?([^"]+)" hx-get="\?([^"]+)"', page
    )
    fallback, htmx = (g.replace("&amp;", "&") for g in link.groups())
    assert fallback == htmx + f"#resultat-{PAGE_SIZE + 1}"
    assert "page=2" in htmx and "commune=Carros+%2806510%29" in htmx and "insee=06033" in htmx
    assert 'hx-target="#liste-resultats" hx-swap="beforeend"' in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_without_javascript_the_next_page_shows_the_results_up_to_it(client, located_bassin):
    _crèches(located_bassin["06033"], 2 * PAGE_SIZE + 5)
    page = _get(client, page=2).content.decode()
    assert _names(page) == [f"Crèche {i:03d}" for i in range(2 * PAGE_SIZE)]
    assert f'id="resultat-{PAGE_SIZE + 1}"' in page
    assert f"#resultat-{2 * PAGE_SIZE + 1}" in page and "page=3" in page
    assert len(_map_items(page, "carte-resultats-data")) == 2 * PAGE_SIZE
    last = _get(client, page=3).content.decode()
    assert len(_names(last)) == 2 * PAGE_SIZE + 5
    assert "Voir plus de résultats" not in last
    assert f"Les {2 * PAGE_SIZE + 5} résultats sont affichés." in last
    # a page out of range or not a number: the nearest page that exists
    assert _names(_get(client, page=99).content.decode()) == _names(last)
    assert len(_names(_get(client, page="deux").content.decode())) == PAGE_SIZE


@pytest.mark.django_db
def test_voir_plus_answers_only_the_next_rows_with_their_markers(client, located_bassin):
    _crèches(located_bassin["06033"], 2 * PAGE_SIZE + 5)
    response = _get(client, page=2, htmx=True)
    fragment = response.content.decode()
    assert "<html" not in fragment and "Qui peut m" not in fragment
    assert _names(fragment) == [f"Crèche {i:03d}" for i in range(PAGE_SIZE, 2 * PAGE_SIZE)]
    assert f'id="resultat-{PAGE_SIZE + 1}" tabindex="-1"' in fragment
    # the control below the list, swapped out of band, now asks for page 3
    assert '<div id="resultats-suite" class="d-print-none mb-3" hx-swap-oob="true">' in fragment
    assert "page=3" in fragment and f"{2 * PAGE_SIZE} résultats affichés sur" in fragment
    # the markers of the new rows, for the map
    items = _map_items(fragment, "carte-resultats-plus-data")
    assert [i["name"] for i in items] == _names(fragment)
    assert "HX-Request" in response["Vary"]
    last = _get(client, page=3, htmx=True).content.decode()
    assert len(_names(last)) == 5 and "Voir plus de résultats" not in last


@pytest.mark.django_db
def test_the_rows_say_what_they_said(client, located_bassin):
    """Display values are computed by the view now: the same words as before."""
    carros, gaude = located_bassin["06033"], located_bassin["06065"]
    StructureFactory(
        commune=carros, name="Crèche du Parc", address="2 rue du Parc", opening_days=0b11111,
        latitude=carros.latitude, longitude=carros.longitude, admitted=[gaude],
    )  # fmt: skip
    childminder = ChildminderFactory(commune=carros, agreement_places=1, contact_consent=False)
    AvailabilityFactory(childminder=childminder, places=2)
    page = _get(client, radius_km=5).content.decode()
    assert (
        '<p class="mb-1 small">2 rue du Parc, Carros · 0,0 km</p>\n'
        '              <p class="mb-1 small">du lundi au vendredi, 07:30 – 18:30 · 30 places</p>'
    ) in page
    assert "<strong>Réservé aux familles de :</strong> La Gaude</p>" in page
    assert f">{childminder.public_name}</a>" in page
    assert "· agrément 1 place</p>" in page and "(≈)" in page
    assert "<strong>2 places disponibles</strong> à partir du " in page


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_results(client, located_bassin):
    carros = located_bassin["06033"]
    _crèches(carros, 5)
    AvailabilityFactory(childminder=ChildminderFactory(commune=carros, last_name="Premier"))
    _get(client)  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        _get(client)
    _crèches(carros, 3 * PAGE_SIZE, start=5)
    for i in range(3):
        AvailabilityFactory(childminder=ChildminderFactory(commune=carros, last_name=f"N{i}"))
    with CaptureQueriesContext(connection) as many:
        page = _get(client).content.decode()
    assert "Voir plus de résultats" in page
    assert len(many) == len(few) == SEARCH_QUERIES
    with CaptureQueriesContext(connection) as more:
        _get(client, page=2, htmx=True)
    assert len(more) == MORE_QUERIES


@pytest.mark.django_db
def test_postal_code_lookup_is_the_exact_membership(located_bassin):
    """`with_postal_code` (a GIN-indexed JSON containment on PostgreSQL) finds what the text
    search checked in Python finds."""
    for code in ("06510", "06670", "0651", "06033", "99999"):
        expected = [c for c in Commune.objects.search(code) if code in (c.postal_codes or [])]
        assert list(Commune.objects.with_postal_code(code)) == expected
    assert {c.name for c in Commune.objects.with_postal_code("06510")} == {
        "Carros", "Gattières", "Le Broc",
    }  # fmt: skip
