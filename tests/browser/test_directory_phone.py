"""On a phone (390×844): after « Rechercher » or « Calculer » the result is in view and has the
focus (a screen reader reads it), the form is folded; a postal code shared by several communes
searches around each; an empty search offers the nearest wider searches with their counts."""

import io

import pytest
from playwright.sync_api import expect

from maillage.directory import demo
from maillage.territories.demo import load_bassin_contours
from tests.applications.conftest import guichet  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_directory(bassin):
    load_bassin_contours()
    demo.load(io.StringIO())
    return bassin


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and 0 <= box["y"] < height and box["y"] + box["height"] <= height


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_search_result_in_view_and_announced_on_a_phone(
    mobile_page, live_url, assert_accessible, demo_directory
):
    page = mobile_page
    page.goto(live_url("/annuaire/"))
    page.get_by_label("Commune ou code postal").fill("06510")
    page.get_by_label("Distance maximale (km)").fill("5")
    page.get_by_text("Jours, horaires et besoins particuliers").click()
    page.get_by_label("Jusqu'à").fill("19:30")
    page.get_by_role("button", name="Rechercher").click()

    heading = page.get_by_role("heading", name="résultats")
    expect(heading).to_contain_text("communes du 06510")
    expect(page.get_by_text("Le code postal 06510 est partagé par 3 communes")).to_be_visible()
    assert _in_view(page, heading)
    assert _focused_id(page) == "resultats"
    # « Tard le soir » childminders are among the results of « jusqu'à 19:30 »
    expect(page.locator("ol.directory-results").get_by_text("Tard le soir").first).to_be_attached()
    # the form is folded below the results, and opens again
    form_button = page.get_by_role("button", name="Rechercher")
    expect(form_button).to_be_hidden()
    page.get_by_text("Modifier la recherche").click()
    expect(form_button).to_be_visible()
    expect(page.get_by_label("Commune ou code postal")).to_have_value("06510")
    assert_accessible(page)


def test_empty_search_offers_wider_searches_on_a_phone(
    mobile_page, live_url, assert_accessible, demo_directory
):
    page = mobile_page
    page.goto(live_url("/annuaire/?commune=Le+Broc&radius_km=1&kind=eaje&days=6"))
    heading = page.get_by_role("heading", name="0 résultat")
    expect(heading).to_be_visible()
    assert _in_view(page, heading) and _focused_id(page) == "resultats"
    wider = page.locator("ul.directory-wider")
    expect(wider.get_by_role("link").first).to_be_visible()
    expect(wider).to_contain_text("résultat")
    assert_accessible(page)
    wider.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="résultat")).not_to_contain_text("0 résultat")


def test_simulator_result_in_view_and_announced_on_a_phone(
    mobile_page, live_url, assert_accessible, db
):
    page = mobile_page
    page.goto(live_url("/simulateur/"))
    page.get_by_label("Ressources mensuelles du foyer (€)").fill("3000")
    page.get_by_label("Enfants à charge").fill("2")
    page.get_by_label("Heures d'accueil par mois").fill("160")
    page.get_by_label("Date de l'accueil").fill("2025-10-01")
    page.get_by_role("button", name="Calculer").click()
    heading = page.get_by_role("heading", name="Prix estimé")
    expect(heading).to_contain_text("1,55 € de l'heure")
    assert _in_view(page, heading)
    assert _focused_id(page) == "resultat"
    expect(page.get_by_role("button", name="Calculer")).to_be_hidden()
    page.get_by_text("Les mots du calcul, expliqués").click()
    expect(
        page.get_by_text("versée par la Caf pour un enfant en situation de handicap")
    ).to_be_visible()
    assert_accessible(page)


def test_structure_page_leads_to_the_guichet_with_the_structure_chosen(
    mobile_page,
    live_url,
    assert_accessible,
    guichet,  # noqa: F811
):
    """« Faire une demande » on a structure's page: a visitor without an account signs up and
    lands on the new application with that structure as first wish."""
    page = mobile_page
    structure = guichet["le_broc"]
    page.goto(live_url(f"/annuaire/structures/{structure.pk}/"))
    assert_accessible(page)
    page.get_by_role("link", name="Faire une demande").click()
    expect(page.get_by_role("heading", name="Créer mon compte famille")).to_be_visible()
    page.get_by_label("Adresse électronique").fill("sami@exemple.fr")
    page.locator("#id_password").fill("un mot de passe long")
    page.get_by_label("Mot de passe (confirmation)").fill("un mot de passe long")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Nouvelle demande de place")).to_be_visible()
    expect(page.get_by_label("Choix n° 1 (le plus souhaité)")).to_have_value(str(structure.pk))
    assert_accessible(page)
