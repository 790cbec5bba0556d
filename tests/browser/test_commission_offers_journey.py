"""A family, on a phone (390×844), sees the place offered to her, accepts it keeping her better
wish; the agent's offers list is accessible and fits a phone; a refusal at the counter re-offers
the place at once — to that family, whose kept wish outranks the next child."""

from playwright.sync_api import expect

from maillage.commission import offers
from maillage.commission.enums import OfferStatus
from maillage.commission.models import Offer
from tests.commission.offer_world import World


def test_family_accepts_on_a_phone_and_agent_refuses_at_the_counter(
    mobile_page, live_url, login, assert_accessible, bassin, organisations, emma, bruno,
    password,
):  # fmt: skip
    world = World(bassin, organisations)
    a = world.child(30, [world.s2, world.s1], account=emma)
    b = world.child(25, [world.s2])
    c = world.child(10, [world.s2])
    world.freeze()
    world.place(a, world.s1)
    world.place(b, world.s2)
    offers.publish(world.session, None)

    page = mobile_page
    login(page, emma.email, password)
    page.goto(live_url(f"/guichet/mes-demandes/{a.application.number}/"))
    expect(page.get_by_role("heading", name="Une place vous est proposée")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="Accepter la place…").click()
    expect(page.get_by_role("heading", name="Accepter la place")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Garder mes choix mieux classés en attente").check()
    page.get_by_role("button", name="Je confirme : j'accepte la place").click()
    expect(page.get_by_text("Place acceptée.")).to_be_visible()
    expect(page.get_by_role("heading", name="Votre place")).to_be_visible()
    offer = Offer.objects.get(application=a.application)
    assert offer.status == OfferStatus.ACCEPTED and offer.keep_better_wishes

    page.context.clear_cookies()
    login(page, bruno.email, password)
    page.goto(live_url(f"/commission/seances/{world.session.slug}/propositions/"))
    expect(page.get_by_role("heading", name="Propositions de place")).to_be_visible()
    assert_accessible(page)
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 391)
        .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 15)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    page.get_by_role("button", name="Refuser pour la famille").click()
    expect(page.get_by_text("la place est proposée à l'enfant suivant")).to_be_visible()
    # the place goes to Emma's child, who kept her better-ranked wish, before c (fewer points)
    better = Offer.objects.get(application=a.application, status=OfferStatus.OPEN)
    assert better.structure == world.s2 and not Offer.objects.filter(application=c.application)
