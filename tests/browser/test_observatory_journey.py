"""Observatory journey: public dashboard and maps, then a partner edits the commentary and
generates the diagnostic partagé, reads it and downloads its PDF — accessible throughout."""

import pytest
from playwright.sync_api import expect

from tests.observatory.factories import load_observatory_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def observatory_demo(bassin):
    load_observatory_demo(bassin)
    return bassin


def test_public_dashboard_and_thematic_maps(
    browser_page, live_url, assert_accessible, observatory_demo
):
    page = browser_page
    page.goto(live_url("/"))
    page.get_by_role("link", name="Observatoire").first.click()
    expect(
        page.get_by_role("heading", name="Observatoire de l'accueil du jeune enfant")
    ).to_be_visible()
    page.get_by_role("link", name="Bassin de vie de Carros").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bassin de vie de Carros")
    table = page.get_by_role("table", name="Places d'accueil pour 100 enfants de moins de 3 ans")
    expect(table.get_by_role("row", name="Carros")).to_contain_text("30")
    expect(table).to_contain_text("estimé")
    expect(page.get_by_role("img", name="Taux de couverture par commune").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Carros").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carros")
    expect(page.get_by_role("table", name="Places et taux par mode d'accueil")).to_contain_text(
        "Annuaire Maillage"
    )
    assert_accessible(page)

    page.goto(live_url("/observatoire/bassin-de-vie-carros/cartes/"))
    # the commune shapes and the structures are drawn by Leaflet from the GeoJSON
    expect(page.locator("#carte-observatoire path.leaflet-interactive").first).to_be_attached()
    count = page.locator("#carte-observatoire path.leaflet-interactive").count()
    assert count >= 6 + 3  # six communes, three structures
    page.get_by_role("checkbox", name="Animation de la vie sociale").uncheck()
    expect(page.locator('[data-theme-list="animation_vie_sociale"]')).to_be_hidden()
    expect(page.locator("#carte-observatoire path.leaflet-interactive")).to_have_count(count - 1)
    assert_accessible(page)


def test_partner_comments_and_generates_the_diagnostic(
    browser_page,
    live_url,
    login,
    assert_accessible,
    observatory_demo,
    organisations,
    bruno,
    password,
    settings,
):
    settings.MAILLAGE_DIAGNOSTIC_SYNC = True
    # the commune porteuse of the bassin, named party for it (a commune alone may not write)
    organisations["06033"].territory_groups.add(observatory_demo["group"])
    page = browser_page
    login(page, bruno.email, password)
    page.goto(live_url("/observatoire/bassin-de-vie-carros/diagnostic/"))
    expect(
        page.get_by_role("heading", name="Diagnostic partagé — Bassin de vie de Carros")
    ).to_be_visible()
    assert_accessible(page)

    field = page.get_by_role("textbox", name="Commentaire des partenaires").nth(3)
    field.fill("Créer un relais petite enfance itinérant intercommunal.")
    page.get_by_role("button", name="Enregistrer « Axes de développement prioritaires »").click()
    expect(
        page.get_by_text("Commentaire « Axes de développement prioritaires » enregistré")
    ).to_be_visible()

    page.get_by_role("button", name="Générer une nouvelle édition").click()
    expect(page.get_by_text("Édition n° 1 du diagnostic en cours de génération.")).to_be_visible()
    status = page.get_by_role("status").filter(has_text="Terminée")
    expect(status).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Lire l'édition n° 1").click()
    for heading in (
        "1. Portrait social et démographique",
        "2. État des lieux de l'offre",
        "3. Écart entre le besoin et l'offre",
        "4. Axes de développement prioritaires",
    ):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(
        page.get_by_text("Créer un relais petite enfance itinérant intercommunal.")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Cartographie Petite enfance")).to_be_visible()
    assert_accessible(page)
    with page.expect_response(lambda r: r.url.endswith("/pdf/")) as response:
        page.evaluate(
            "url => fetch(url)", live_url("/observatoire/bassin-de-vie-carros/diagnostic/1/pdf/")
        )
    assert response.value.headers["content-type"] == "application/pdf"
