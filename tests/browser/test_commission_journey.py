"""A commission session runs from the queue to the letters, in a browser: the agent (desktop)
freezes the list, runs the engine, reads the proposal, the commission validates and publishes;
a family (phone, 390×844) reads her letter and accepts her place; another family refuses and
the place goes at once to the next child, who sees it in her space. Every page accessible (axe).
"""

import pytest
from playwright.sync_api import expect

from maillage.commission.enums import OfferStatus, SessionStatus
from maillage.commission.models import Offer, Session
from tests.accounts.factories import UserFactory
from tests.applications.factories import HouseholdFactory
from tests.commission.session_world import add_application, commission_fixture  # noqa: F401

SLUG = "carros-test"


def _family(world, email, name):
    user = UserFactory(email=email, first_name=name, family=True)
    household = HouseholdFactory(
        territory=world["territory"], account=user, email=email, commune=world["carros"]
    )
    return user, household


def _phone(_browser):
    context = _browser.new_context(
        locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.mark.usefixtures("live_server")
def test_commission_from_the_queue_to_the_letters(
    _browser, browser_page, live_url, login, assert_accessible, commission, password
):
    world = commission
    lou_parent, lou_household = _family(world, "famille.lou@exemple.fr", "Nina")
    first_parent, first_household = _family(world, "famille.une@exemple.fr", "Sarah")
    second_parent, second_household = _family(world, "famille.deux@exemple.fr", "Yanis")
    lou = add_application(world, wishes=[world["s1"]], household=lou_household)
    rivals = {
        add_application(world, wishes=[world["s2"]], household=first_household).pk: first_parent,
        add_application(world, wishes=[world["s2"]], household=second_household).pk: second_parent,
    }

    # -- the agent, on a desktop: freeze, run, proposal, validate, publish --------------------
    page = browser_page
    login(page, world["agent"].email, password)
    page.goto(live_url(f"/commission/seances/{SLUG}/"))
    assert_accessible(page)
    page.get_by_role("button", name="Arrêter la liste").click()
    expect(page.get_by_role("button", name="Lancer le calcul")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Lancer le calcul").click()
    page.goto(live_url(f"/commission/seances/{SLUG}/"))
    expect(page.get_by_role("heading", name="Dernier calcul")).to_be_visible()
    page.get_by_role("link", name="Voir la proposition et ses statistiques").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.goto(live_url(f"/commission/seances/{SLUG}/"))
    page.get_by_role("button", name="Valider la proposition").click()
    page.wait_for_load_state()
    assert Session.objects.get(slug=SLUG).status == SessionStatus.VALIDATED
    page.goto(live_url(f"/commission/seances/{SLUG}/propositions/"))
    assert_accessible(page)
    page.get_by_role("button", name="Publier la séance").click()
    page.wait_for_load_state()
    page.goto(live_url(f"/commission/seances/{SLUG}/propositions/"))
    expect(page.get_by_text("Publiée").first).to_be_visible()
    assert_accessible(page)
    assert Session.objects.get(slug=SLUG).status == SessionStatus.PUBLISHED

    # -- a family, on her phone: reads her letter and accepts -------------------------------
    context, phone = _phone(_browser)
    try:
        login(phone, lou_parent.email, password)
        phone.goto(live_url(f"/guichet/mes-demandes/{lou.number}/"))
        expect(phone.get_by_role("heading", name="Une place vous est proposée")).to_be_visible()
        assert_accessible(phone)
        phone.get_by_role("link", name="lire le courrier").first.click()
        expect(phone.get_by_role("heading", name="La décision")).to_be_visible()
        assert_accessible(phone)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.goto(live_url(f"/guichet/mes-demandes/{lou.number}/"))
        phone.get_by_role("link", name="Accepter la place…").click()
        expect(phone.get_by_role("heading", name="Accepter la place")).to_be_visible()
        assert_accessible(phone)
        phone.get_by_role("button", name="Je confirme : j'accepte la place").click()
        expect(phone.get_by_role("heading", name="Votre place")).to_be_visible()
        assert_accessible(phone)
    finally:
        context.close()
    assert Offer.objects.get(application=lou).status == OfferStatus.ACCEPTED

    # -- another family refuses: the place goes to the next child ----------------------------
    offered = Offer.objects.get(session__slug=SLUG, structure=world["s2"])
    next_pk = next(pk for pk in rivals if pk != offered.application_id)
    context, phone = _phone(_browser)
    try:
        login(phone, rivals[offered.application_id].email, password)
        number = offered.application.number
        phone.goto(live_url(f"/guichet/mes-demandes/{number}/"))
        phone.get_by_role("link", name="Refuser la place…").click()
        expect(phone.get_by_role("heading", name="Refuser la place")).to_be_visible()
        assert_accessible(phone)
        phone.get_by_label("Motif (facultatif)").fill("Trop loin de notre travail")
        phone.get_by_role("button", name="Je confirme : je refuse la place").click()
        phone.wait_for_load_state()
    finally:
        context.close()
    offered.refresh_from_db()
    assert offered.status == OfferStatus.REFUSED
    reoffer = Offer.objects.get(reoffer_of=offered)
    assert reoffer.application_id == next_pk and reoffer.status == OfferStatus.OPEN

    context, phone = _phone(_browser)
    try:
        login(phone, rivals[next_pk].email, password)
        phone.goto(live_url(f"/guichet/mes-demandes/{reoffer.application.number}/"))
        expect(phone.get_by_role("heading", name="Une place vous est proposée")).to_be_visible()
        expect(phone.get_by_text(world["s2"].name).first).to_be_visible()
        assert_accessible(phone)
    finally:
        context.close()
