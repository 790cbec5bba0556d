"""The first journey: home page, login as a demo agent, switch organisation — accessible."""

from playwright.sync_api import expect


def test_home_login_and_switch_organisation(
    browser_page, live_url, login, assert_accessible, bruno, password
):
    page = browser_page
    page.goto(live_url("/"))
    expect(page).to_have_title("Accueil · Maillage")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)

    # The skip link is the first focusable element and leads to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()

    page.get_by_role("link", name="Espace professionnel").click()
    assert_accessible(page)
    login(page, bruno.email, password)
    expect(page.get_by_role("heading", name="Mon espace")).to_be_visible()
    expect(page.get_by_role("row", name="Commune de Carros")).to_contain_text("Organisation active")
    assert_accessible(page)

    page.get_by_label("J'agis pour").select_option(label="Commune de Gattières")
    page.get_by_role("button", name="Changer d'organisation").click()
    expect(page.get_by_text("Vous agissez désormais pour : Commune de Gattières.")).to_be_visible()
    expect(page.get_by_role("row", name="Commune de Gattières")).to_contain_text(
        "Organisation active"
    )

    # Acting for Gattières, the Gattières workspace opens and Carros' does not.
    page.goto(live_url("/communes/06064/espace/"))
    expect(page.get_by_role("heading", name="Espace de travail — Gattières")).to_be_visible()
    response = page.goto(live_url("/communes/06033/espace/"))
    assert response.status == 403
    expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()


def test_failed_login_keeps_the_email_and_says_why(
    browser_page, live_url, assert_accessible, bruno
):
    page = browser_page
    page.goto(live_url("/connexion/"))
    page.get_by_label("Adresse électronique").fill(bruno.email)
    page.get_by_label("Mot de passe").fill("mauvais mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Adresse électronique ou mot de passe incorrect"
    )
    expect(page.get_by_label("Adresse électronique")).to_have_value(bruno.email)
    assert_accessible(page)
