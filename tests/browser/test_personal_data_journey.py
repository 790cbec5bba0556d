"""Legal pages from the footer, and an agent rectifying a childminder's record — accessible."""

from playwright.sync_api import expect

from tests.directory.factories import ChildminderFactory


def test_footer_leads_to_the_three_legal_pages(browser_page, live_url, assert_accessible, db):
    page = browser_page
    page.goto(live_url("/"))
    footer = page.locator("footer")
    for text, heading in [
        ("Données personnelles", "Données personnelles"),
        ("Mentions légales", "Mentions légales"),
        ("Accessibilité", "Déclaration d'accessibilité"),
    ]:
        footer.get_by_role("link", name=text, exact=True).click()
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        assert_accessible(page)
    expect(page.locator("main")).to_contain_text("non conforme")


def test_agent_rectifies_a_childminder_record(
    browser_page, live_url, login, assert_accessible, bruno, bassin, password
):
    nadia = ChildminderFactory(first_name="Nadia", last_name="Roux", commune=bassin["06033"])
    page = browser_page
    page.goto(live_url("/connexion/"))
    login(page, bruno.email, password)
    page.goto(live_url(f"/annuaire/assistants-maternels/{nadia.pk}/"))
    page.get_by_role("link", name="Données personnelles de la fiche").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Données personnelles de la fiche")
    assert_accessible(page)
    page.get_by_role("link", name="Rectifier la fiche").click()
    assert_accessible(page)
    page.get_by_label("téléphone").fill("04 93 00 00 00")
    page.get_by_role("button", name="Enregistrer la rectification").click()
    expect(page.get_by_text("Fiche rectifiée.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("04 93 00 00 00")
    page.get_by_role("link", name="Effacer la fiche").click()
    assert_accessible(page)
