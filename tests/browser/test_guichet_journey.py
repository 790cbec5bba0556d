"""A family, on a phone (390×844), creates its account, completes an application and gets the
receipt — every page accessible (axe)."""

import datetime

from playwright.sync_api import expect

from maillage.applications.models import Application
from tests.applications.conftest import guichet  # noqa: F401  (fixture)

PDF = b"%PDF-1.4\n% justificatif de test\n"


def test_family_applies_on_a_phone_and_gets_the_receipt(
    mobile_page,
    live_url,
    assert_accessible,
    guichet,  # noqa: F811
):
    page = mobile_page
    page.goto(live_url("/guichet/bassin-de-vie-carros/comment-ca-marche/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("comment ça marche")
    assert_accessible(page)
    page.get_by_role("link", name="Faire une demande").click()

    expect(page.get_by_role("heading", name="Créer mon compte famille")).to_be_visible()
    expect(page.get_by_text("Ce que nous gardons et pourquoi")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Adresse électronique").fill("lina@exemple.fr")
    page.locator("#id_password").fill("un mot de passe long")
    page.get_by_label("Mot de passe (confirmation)").fill("un mot de passe long")
    page.get_by_role("button", name="Créer mon compte").click()

    expect(page.get_by_role("heading", name="Mes demandes de place")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nouvelle demande — Bassin de vie de Carros").click()

    expect(page.get_by_role("heading", name="Nouvelle demande de place")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Votre prénom").fill("Lina")
    page.get_by_label("Votre nom").fill("Martin")
    page.get_by_label("Commune où vit l'enfant").select_option(label="Gattières")
    page.get_by_label("Parents qui travaillent").select_option(label="Les deux parents")
    page.get_by_label("Prénom de l'enfant").fill("Noé")
    page.get_by_role("textbox", name="Nom de l'enfant", exact=True).fill("Martin")
    page.get_by_role("radio", name="Oui").check()
    born = datetime.date.today() - datetime.timedelta(days=80)
    page.get_by_label("Date de naissance").fill(born.isoformat())
    start = datetime.date.today() + datetime.timedelta(days=200)
    page.get_by_label("Date d'entrée souhaitée").fill(start.isoformat())
    page.get_by_label("Jours par semaine").select_option("4")
    page.get_by_label("Choix n° 1 (le plus souhaité)").select_option(index=1)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.get_by_role("heading", name="Pièces justificatives")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Pièce").select_option(label="Justificatif de domicile de moins de 3 mois")
    page.get_by_label("Fichier (PDF, JPEG ou PNG)").set_input_files(
        {"name": "domicile.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Envoyer cette pièce").click()
    expect(page.get_by_text("Pièce bien reçue.")).to_be_visible()
    page.get_by_role("button", name="Déposer ma demande").click()

    expect(page.get_by_role("heading", name="Demande bien reçue")).to_be_visible()
    application = Application.objects.get()
    expect(page.get_by_text(application.number)).to_be_visible()
    expect(page.get_by_role("heading", name="Et maintenant ?")).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger l'accusé de réception (PDF)")).to_be_visible()
    assert_accessible(page)
    assert application.state == "submitted"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_agent_pages_of_the_import_and_the_merge_are_accessible(
    browser_page,
    live_url,
    login,
    assert_accessible,
    guichet,  # noqa: F811
    bruno,
    password,
):
    from tests.applications.factories import ApplicationFactory, HouseholdFactory

    application = ApplicationFactory(
        household=HouseholdFactory(territory=guichet["territory"]), wishes=[guichet["carros"]]
    )
    page = browser_page
    login(page, bruno.email, password)
    page.goto(live_url("/guichet/bassin-de-vie-carros/import/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Importer une liste d'attente")
    expect(page.get_by_role("table", name="Colonnes du fichier")).to_be_visible()
    assert_accessible(page)
    page.goto(live_url(f"/guichet/file/{application.number}/"))
    expect(page.get_by_role("button", name="Fusionner")).to_be_visible()
    assert_accessible(page)
    page.goto(live_url("/guichet/file/"))
    expect(page.get_by_role("link", name="Exporter (XLSX minimisé)")).to_be_visible()
    assert_accessible(page)


def test_a_second_child_reuses_the_household_on_a_phone(
    mobile_page,
    live_url,
    login,
    assert_accessible,
    guichet,  # noqa: F811
    emma,
    password,
):
    """A family with a first application applies for a second child: the household is
    prefilled, the wishes can be listed near work, and both applications end up linked."""
    from maillage.applications.enums import State
    from tests.applications.factories import ApplicationFactory, ChildFactory, HouseholdFactory

    gattieres = guichet["territory"].communes.get(insee_code="06064")
    gattieres.latitude, gattieres.longitude = 43.76, 7.17
    gattieres.save()
    household = HouseholdFactory(
        territory=guichet["territory"], account=emma, parent_first_name="Lina",
        parent_last_name="Martin", email=emma.email,
    )  # fmt: skip
    first = ApplicationFactory(
        number="CAR-2025-00007", household=household, state=State.SUBMITTED,
        child=ChildFactory(household=household, first_name="Noé"), wishes=[guichet["carros"]],
    )  # fmt: skip
    page = mobile_page
    login(page, emma.email, password)
    page.goto(live_url("/guichet/mes-demandes/"))
    page.get_by_role("link", name="Demande pour un autre enfant — Bassin de vie de Carros").click()

    expect(page.get_by_text("Votre foyer est repris")).to_be_visible()
    expect(page.get_by_label("Votre prénom")).to_have_value("Lina")
    expect(page.get_by_text("Cette demande sera liée")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Prénom de l'enfant").fill("Zoé")
    page.get_by_role("textbox", name="Nom de l'enfant", exact=True).fill("Martin")
    page.get_by_role("radio", name="Oui").check()
    born = datetime.date.today() - datetime.timedelta(days=100)
    page.get_by_label("Date de naissance").fill(born.isoformat())
    start = datetime.date.today() + datetime.timedelta(days=200)
    page.get_by_label("Date d'entrée souhaitée").fill(start.isoformat())
    page.get_by_label("Près de votre travail (facultatif)").fill("Gattières")
    page.get_by_role("button", name="Proposer les structures proches").click()

    expect(page.get_by_text("Rien n'est encore enregistré")).to_be_visible()
    expect(page.get_by_text("Près de votre travail :")).to_be_visible()
    expect(page.get_by_label("Prénom de l'enfant")).to_have_value("Zoé")  # nothing lost
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Choix n° 1 (le plus souhaité)").select_option(index=1)
    page.get_by_label("seulement s'ils sont accueillis ensemble").check()
    page.get_by_role("button", name="Enregistrer et continuer").click()

    expect(page.get_by_role("heading", name="Pièces justificatives")).to_be_visible()
    second = Application.objects.get(child__first_name="Zoé")
    assert second.household_id == first.household_id and second.siblings_together
    assert list(second.siblings.all()) == [first]
