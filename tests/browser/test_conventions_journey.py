"""The chargé de coopération's journey on the demo convention: open it, update an action and an
indicator, see the next COPIL and COTECH computed from the rules, generate the annual report and
the convention as DOCX and PDF — every page accessible."""

from pathlib import Path

import pypdfium2
import pytest
from docx import Document
from playwright.sync_api import expect

from maillage.accounts.enums import Role
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions import conftest as conventions_fixtures

# The demo convention, imported from its YAML file (fixtures of tests/conventions).
demo_organisations = conventions_fixtures.demo_organisations
demo_convention = conventions_fixtures.demo_convention

pytestmark = pytest.mark.browser

SLUG = "ctg-bassin-de-vie-carros-2021-2024"


@pytest.fixture
def cooperation_officer(demo_organisations):
    user = UserFactory(email="cooperation@maillage.example", first_name="Chloé")
    MembershipFactory(user=user, organisation=demo_organisations["commune-carros"], role=Role.AGENT)
    return user


def test_cooperation_officer_journey(
    browser_page,
    live_url,
    login,
    assert_accessible,
    demo_convention,
    cooperation_officer,
    password,
):
    page = browser_page
    login(page, cooperation_officer.email, password)
    page.get_by_role("link", name="Conventions", exact=True).click()
    page.get_by_role("link", name=demo_convention.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo_convention.title)
    assert_accessible(page)

    # The calendar computed from the rules (COPIL once a year, COTECH twice a year).
    page.get_by_role("link", name="Pilotage et calendrier").click()
    page.get_by_label("Calendrier au").fill("2023-10-20")
    page.get_by_role("button", name="Afficher").click()
    next_meetings = page.locator("#prochaines-reunions")
    expect(next_meetings.locator("li", has_text="COPIL")).to_contain_text(
        "mercredi 15 novembre 2023"
    )
    expect(next_meetings.locator("li", has_text="COTECH")).to_contain_text("vendredi 15 mars 2024")
    assert_accessible(page)

    # Update a Carros-led action inline (htmx), then enter an indicator.
    page.get_by_role("link", name="Plan d'actions").click()
    page.get_by_label("Pilote", exact=True).select_option(label="Commune de Carros")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("status").first).to_contain_text("3 actions correspondant aux filtres")
    assert_accessible(page)
    # The printable plan: menus, filters and buttons disappear on paper.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Filtrer")).to_be_hidden()
    expect(page.locator("#action-1\\.2\\.1")).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="1.2.1", exact=True).click()
    progress = page.locator("#avancement")
    progress.get_by_label("État").select_option(label="En cours")
    progress.get_by_label("Avancement (%)").fill("150")
    progress.get_by_role("button", name="Enregistrer l'avancement").click()
    expect(page.locator("#avancement")).to_contain_text("L'avancement ne peut pas dépasser 100 %.")
    expect(page.locator("#avancement").get_by_label("Avancement (%)")).to_have_value("150")
    page.locator("#avancement").get_by_label("Avancement (%)").fill("50")
    page.locator("#avancement").get_by_role("button", name="Enregistrer l'avancement").click()
    expect(page.locator("#avancement")).to_contain_text("Avancement enregistré.")
    expect(page.locator("#etat-action")).to_have_text("En cours")
    expect(page.locator("#avancement-action")).to_have_text("50 %")

    indicator = page.locator(".indicator", has_text="Nombre de communes ayant adhéré à l'action")
    indicator.get_by_text("Saisir une mesure").click()
    indicator.get_by_label("Valeur").fill("3")
    indicator.get_by_label("Date de la mesure").fill("2023-06-30")
    indicator.get_by_label("Source").fill("Relevé du comité technique")
    indicator.get_by_role("button", name="Enregistrer la mesure").click()
    indicator = page.locator(".indicator", has_text="Nombre de communes ayant adhéré à l'action")
    expect(indicator).to_contain_text("Mesure enregistrée : 3,00 au 30/06/2023.")
    expect(indicator.locator("td.valeur")).to_have_text("3,00")
    assert_accessible(page)

    # The annual evaluation report, generated from the data, with editable conclusions.
    page.get_by_role("link", name="Évaluation").click()
    page.get_by_label("Rapport").select_option(label="Bilan annuel")
    page.get_by_label("Année (bilan annuel)").select_option("2023")
    page.get_by_role("button", name="Générer le rapport").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilan annuel 2023")
    expect(page.locator("table").first).to_contain_text("50 %")
    page.get_by_label("Conclusions").fill("Le RAM itinérant avance : trois communes ont adhéré.")
    page.get_by_role("button", name="Enregistrer les conclusions").click()
    expect(page.get_by_text("Conclusions enregistrées.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Générer le rapport en DOCX").click()
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("link", name="Télécharger le rapport en DOCX").click(timeout=30_000)
    report = Document(download.value.path())
    assert "Le RAM itinérant avance : trois communes ont adhéré." in [
        p.text for p in report.paragraphs
    ]

    # The convention with its annexes, as DOCX and PDF, generated in the background: the page
    # shows the progress and then offers the file.
    page.get_by_role("link", name="Convention", exact=True).click()
    page.get_by_role("button", name="Générer la convention en DOCX").click()
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("link", name="Télécharger la convention en DOCX").click(timeout=30_000)
    doc = Document(download.value.path())
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Annexe — Plan d'actions" in headings
    assert any(h.startswith("Action 1.2.1 :") for h in headings)
    assert_accessible(page)
    # WeasyPrint lays out ~30 pages: allow for a loaded machine.
    page.get_by_role("button", name="Générer la convention en PDF").click()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Télécharger la convention en PDF").click(timeout=60_000)
    # A reload keeps the generated documents on offer.
    page.reload()
    expect(page.get_by_role("link", name="Télécharger la convention en PDF")).to_be_visible()
    pdf = pypdfium2.PdfDocument(Path(download.value.path()).read_bytes())
    text = " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in pdf)
    pdf.close()
    assert "État : En cours (50 %)" in text


@pytest.fixture
def caf_admin(demo_organisations):
    user = UserFactory(email="caf@maillage.example", first_name="Camille")
    MembershipFactory(
        user=user, organisation=demo_organisations["caf-alpes-maritimes"], role=Role.ADMIN
    )
    return user


def test_caf_records_an_avenant_and_the_bonus_territoire(
    browser_page, live_url, login, assert_accessible, demo_convention, caf_admin, password
):
    page = browser_page
    login(page, caf_admin.email, password)
    page.goto(live_url(f"/conventions/{SLUG}/avenants/"))
    page.get_by_label("Objet de l'avenant").fill("Prolongation d'un an")
    page.get_by_label("Nouvelle durée (années, de 1 à 5)").fill("9")
    page.get_by_role("button", name="Enregistrer l'avenant").click()
    expect(page.get_by_role("alert")).to_contain_text("La durée va de 1 à 5 ans.")
    expect(page.get_by_label("Objet de l'avenant")).to_have_value("Prolongation d'un an")
    page.get_by_label("Nouvelle durée (années, de 1 à 5)").fill("5")
    page.get_by_label("Article modifié ou ajouté (numéro, ex. « ARTICLE 10 »)").fill("ARTICLE 10")
    page.get_by_label("Nouveau texte de l'article").fill(
        "La présente convention est conclue à compter du 1er janvier 2021 jusqu'au 31 décembre "
        "2025."
    )
    page.get_by_role("button", name="Enregistrer l'avenant").click()
    expect(page.get_by_role("heading", name="Avenant n° 1 — Prolongation d'un an")).to_be_visible()
    expect(page.locator(".diff ins").first).to_contain_text("2025-12-31")
    assert_accessible(page)

    page.get_by_role("link", name="Financements").click()
    page.get_by_label("Montant CEJ N-1 (€)").fill("vingt mille")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Saisissez un montant en euros")
    page.get_by_label("Montant CEJ N-1 (€)").fill("24000")
    page.get_by_label("Règle de répartition").select_option(label="À parts égales")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Bonus territoire mis à jour.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Convention", exact=True).click()
    page.get_by_label("Changement d'état").select_option(label="Constater l'échéance")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.get_by_text("Convention : Arrivée à échéance.")).to_be_visible()
    assert_accessible(page)


def test_a_stale_inline_progress_comes_back_with_the_conflict_message(
    browser_page, live_url, login, assert_accessible, demo_convention, caf_admin, password
):
    """Someone saves the action's progress while the page is open: the inline (htmx) form gets
    the 409 answer swapped in — French message, typed value kept — and saves on a second try."""
    from maillage.conventions.editing import save_progress
    from maillage.conventions.models import Action

    page = browser_page
    login(page, caf_admin.email, password)
    page.goto(live_url(f"/conventions/{SLUG}/actions/1.2.1/"))
    save_progress(
        Action.objects.of(demo_convention).get(code="1.2.1"), status="ongoing", progress=20
    )
    progress = page.locator("#avancement")
    progress.get_by_label("Avancement (%)").fill("70")
    progress.get_by_role("button", name="Enregistrer l'avancement").click()
    expect(page.locator("#avancement")).to_contain_text(
        "Quelqu'un d'autre a modifié cette fiche pendant que vous la modifiiez."
    )
    expect(page.locator("#avancement").get_by_label("Avancement (%)")).to_have_value("70")
    assert_accessible(page)
    page.locator("#avancement").get_by_role("button", name="Enregistrer l'avancement").click()
    expect(page.locator("#avancement")).to_contain_text("Avancement enregistré.")
    expect(page.locator("#avancement-action")).to_have_text("70 %")
