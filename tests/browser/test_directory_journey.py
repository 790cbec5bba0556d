"""The family journey on a phone: crèches and available childminders within 10 km of Le Broc
for a 6-month-old who needs care until 19:00, on the list and the map, then the price."""

import io

import pytest
from playwright.sync_api import expect

from maillage.directory import demo
from maillage.territories.demo import load_bassin_contours

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_directory(bassin):
    load_bassin_contours()
    demo.load(io.StringIO())
    return bassin


def test_family_finds_care_near_le_broc_and_simulates_the_price(
    mobile_page, live_url, assert_accessible, demo_directory
):
    page = mobile_page
    page.goto(live_url("/"))
    page.get_by_role("link", name="Trouver un mode d'accueil").click()
    expect(
        page.get_by_role("heading", name="Trouver un mode d'accueil ou un service")
    ).to_be_visible()
    assert_accessible(page)

    commune = page.get_by_label("Commune ou code postal")
    commune.fill("Le Br")
    # the autocomplete reads /api/v1/communes/?q= and proposes "Le Broc (06510)"
    expect(page.locator("#communes-suggestions option[value='Le Broc (06510)']")).to_have_count(1)
    commune.fill("Le Broc (06510)")
    expect(page.locator("input[name=insee]")).to_have_value("06025")
    page.get_by_label("Distance maximale (km)").fill("10")
    page.get_by_label("Âge de l'enfant (en mois)").fill("6")
    page.get_by_text("Jours, horaires et besoins particuliers").click()
    page.get_by_label("Jusqu'à").fill("19:00")
    page.get_by_role("button", name="Rechercher").click()

    results = page.get_by_role("heading", name="résultats")
    expect(results).to_contain_text("à moins de 10 km de Le Broc")
    list_ = page.locator("ol.directory-results")
    expect(list_.get_by_text("Assistant maternel").first).to_be_visible()
    expect(list_.get_by_text("disponible").first).to_be_visible()
    # a crèche closing at 18:30 is not proposed
    expect(list_.get_by_role("link", name="Crèche Le Jardin des Etoiles")).to_have_count(0)
    # the map shows the markers (clustered) without any tile server
    expect(page.locator("#carte-resultats.directory-map-ready")).to_be_visible()
    expect(page.locator("#carte-resultats .leaflet-marker-icon").first).to_be_attached()
    expect(
        page.locator("#carte-resultats path.leaflet-interactive, #carte-resultats svg path").first
    ).to_be_attached()
    expect(page.get_by_role("heading", name="Qui peut m'aider ?")).to_be_visible()
    assert_accessible(page)

    # 20 results at a time: « Voir plus » appends the next ones (htmx), their markers join the
    # map and the focus moves to the first new result
    rows = list_.locator("> li")
    expect(rows).to_have_count(20)
    page.get_by_role("link", name="Voir plus de résultats").click()
    expect(rows).to_have_count(36)
    expect(page.locator("#resultat-21")).to_be_focused()
    expect(page.get_by_text("Les 36 résultats sont affichés.")).to_be_visible()
    expect(page.locator("#carte-resultats-plus-data")).to_have_count(0)  # read by the map
    expect(list_.get_by_role("link", name="Maison de l'Enfance")).to_be_visible()
    expect(list_.get_by_role("link", name="Crèche Le Jardin des Etoiles")).to_have_count(0)
    assert_accessible(page)

    list_.get_by_role("link", name="Maison de l'Enfance").click()
    expect(page.get_by_role("heading", name="Maison de l'Enfance", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="estimer le prix pour ma famille").click()

    expect(
        page.get_by_role("heading", name="Combien va coûter l'accueil de mon enfant ?")
    ).to_be_visible()
    page.get_by_label("Ressources mensuelles du foyer (€)").fill("3000")
    page.get_by_label("Enfants à charge").fill("2")
    page.get_by_label("Heures d'accueil par mois").fill("160")
    page.get_by_label("Date de l'accueil").fill("2025-10-01")
    page.get_by_role("button", name="Calculer").click()
    expect(page.get_by_role("heading", name="Prix estimé")).to_contain_text(
        "1,55 € de l'heure, 247,68 € par mois"
    )
    expect(page.get_by_text("Le calcul, étape par étape")).to_be_visible()
    assert_accessible(page)


def test_bad_search_keeps_the_values(mobile_page, live_url, assert_accessible, demo_directory):
    page = mobile_page
    page.goto(live_url("/annuaire/"))
    page.get_by_label("Commune ou code postal").fill("Nullepart")
    page.get_by_label("Âge de l'enfant (en mois)").fill("6")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("alert")).to_contain_text("Aucune commune ne correspond")
    expect(page.get_by_label("Commune ou code postal")).to_have_value("Nullepart")
    expect(page.get_by_label("Âge de l'enfant (en mois)")).to_have_value("6")
    assert_accessible(page)


BAD_CSV = """nom;type;code_insee;ouverture;fermeture
Crèche correcte;multi_accueil;06033;07:30;18:30
Crèche inconnue;garderie;99999;07:30;18:30
"""


def test_agent_imports_a_csv_with_errors(
    browser_page, live_url, login, assert_accessible, bruno, password, demo_directory
):
    page = browser_page
    login(page, bruno.email, password)
    page.goto(live_url("/annuaire/import/"))
    assert_accessible(page)
    page.get_by_label("Structures").check()
    page.get_by_label("Fichier CSV ou XLSX").set_input_files(
        files=[{"name": "offre.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}]
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("heading", name="Rapport d'erreurs")).to_be_visible()
    row = page.get_by_role("row", name="3")
    expect(row).to_contain_text("type « garderie » inconnu")
    expect(row).to_contain_text("code INSEE « 99999 » inconnu")
    assert_accessible(page)
    page.get_by_role("button", name="Importer seulement les lignes valides (1)").click()
    expect(page.get_by_text("Import terminé : 1 fiche(s) créée(s)")).to_be_visible()
