"""A form refused by the server as too large (French 400 page): what was typed comes back in the
form on the way back, never lost."""

import pytest
from django.urls import reverse

from tests.conventions import conftest as conventions_fixtures

convention = conventions_fixtures.convention

pytestmark = pytest.mark.browser


def test_a_too_large_meeting_form_keeps_its_texts(
    browser_page, live_url, login, convention, bruno, password, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3000
    page = browser_page
    login(page, bruno.email, password)
    page.goto(live_url(reverse("web:convention_governance", kwargs={"slug": convention.slug})))
    minutes = "Compte rendu de la réunion du comité de pilotage. " * 80  # about 4 000 characters
    page.get_by_label("Ordre du jour").fill("Bilan 2022")
    page.get_by_label("Compte rendu").fill(minutes)
    page.locator("#id_date").fill("2022-12-01")
    page.get_by_role("button", name="Enregistrer la réunion").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Requête invalide").is_visible()
    assert page.get_by_text("vos textes y seront remis").is_visible()
    page.go_back()
    page.wait_for_load_state()
    assert page.get_by_label("Compte rendu").input_value() == minutes
    assert page.get_by_label("Ordre du jour").input_value() == "Bilan 2022"
    # Put back by the script (the page was loaded again, not kept by the browser).
    assert page.get_by_text("Votre saisie précédente a été remise dans le formulaire").is_visible()
