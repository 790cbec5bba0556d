"""Offer pages: the family's offer panel and its confirmation pages; the agents' offers list with
the counter actions and the publication."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.applications.enums import State
from maillage.applications.models import Application
from maillage.commission import offers
from maillage.commission.enums import OfferChannel, OfferStatus, SessionStatus
from maillage.commission.models import Offer
from tests.commission.offer_world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(bassin, organisations, emma):
    world = World(bassin, organisations)
    world.a = world.child(30, [world.s2, world.s1], account=emma)
    world.b = world.child(20, [world.s1])
    world.freeze()
    world.place(world.a, world.s1)
    offers.publish(world.session, None)
    world.offer = Offer.objects.get(application=world.a.application)
    return world


def family_url(world, what=""):
    return f"/guichet/mes-demandes/{world.a.application.number}/{what}"


def test_family_sees_the_offer_and_accepts_keeping_her_better_wish(client, world, emma):
    client.force_login(emma)
    page = client.get(family_url(world)).content.decode()
    assert "Une place vous est proposée" in page and "Maison de l&#x27;Enfance" in page
    assert "Accepter la place" in page and "Refuser la place" in page
    confirm = client.get(family_url(world, "proposition/accepter/"))
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Garder mes choix mieux classés en attente" in text and world.s2.name in text
    response = client.post(family_url(world, "proposition/accepter/"),
                           {"version": world.offer.version, "keep_better_wishes": "1"})  # fmt: skip
    assert response.status_code == 302
    world.offer.refresh_from_db()
    assert world.offer.status == OfferStatus.ACCEPTED and world.offer.keep_better_wishes
    assert world.offer.channel == OfferChannel.FAMILY
    page = client.get(family_url(world)).content.decode()
    assert "Votre place" in page and "Vos vœux mieux classés restent en attente" in page


def test_family_refuses_with_the_rule_stated(client, world, emma):
    client.force_login(emma)
    confirm = client.get(family_url(world, "proposition/refuser/")).content.decode()
    assert "après 2 refus, elle est archivée" in confirm
    client.post(family_url(world, "proposition/refuser/"),
                {"version": world.offer.version, "reason": "Trop loin"})  # fmt: skip
    world.offer.refresh_from_db()
    assert world.offer.status == OfferStatus.REFUSED
    assert Offer.objects.get(application=world.b.application).status == OfferStatus.OPEN


def test_family_stale_page_gets_a_french_message_and_nothing_is_lost(client, world, emma):
    client.force_login(emma)
    response = client.post(family_url(world, "proposition/refuser/"),
                           {"version": world.offer.version + 5, "reason": "Trop loin"})  # fmt: skip
    assert response.status_code == 409
    text = response.content.decode()
    assert "a changé depuis l&#x27;affichage" in text and "Trop loin" in text
    # answered meanwhile at the counter: the family is told, nothing happens twice
    offers.accept(world.offer, actor=None, channel=OfferChannel.COUNTER)
    response = client.post(family_url(world, "proposition/refuser/"), follow=True)
    assert "Aucune place n&#x27;attend votre réponse" in response.content.decode()
    assert Offer.objects.get(pk=world.offer.pk).status == OfferStatus.ACCEPTED


def test_other_families_and_professionals_cannot_answer(client, world, bruno, password):
    from tests.accounts.factories import UserFactory

    other = UserFactory(email="autre@exemple.fr", family=True)
    client.force_login(other)
    assert client.get(family_url(world, "proposition/accepter/")).status_code == 404
    client.logout()
    client.login(email=bruno.email, password=password)
    assert client.post(family_url(world, "proposition/accepter/")).status_code == 403


def agent_url(world, what=""):
    return f"/commission/seances/{world.session.slug}/{what}"


def test_agent_list_counter_actions_and_departure(client, world, bruno, password):
    client.login(email=bruno.email, password=password)
    response = client.get(agent_url(world, "propositions/"))
    assert response.status_code == 200
    assert world.a.application.number in response.content.decode()
    action = agent_url(world, f"propositions/{world.offer.pk}/action/")
    client.post(action, {"action": "accept", "version": world.offer.version})
    world.offer.refresh_from_db()
    assert world.offer.status == OfferStatus.ACCEPTED
    assert world.offer.channel == OfferChannel.COUNTER and world.offer.answered_by == bruno
    # a stale second click: a French message, nothing twice
    response = client.post(action, {"action": "refuse", "version": 1}, follow=True)
    assert "a changé depuis l&#x27;affichage" in response.content.decode()
    client.post(action, {"action": "depart", "version": world.offer.version,
                         "reason": "Déménagement"})  # fmt: skip
    world.offer.refresh_from_db()
    assert world.offer.left_at is not None
    assert Application.objects.get(pk=world.a.application.pk).state == State.LEFT
    assert Offer.objects.get(application=world.b.application).reoffer_reason["cause"] == "left"


def test_agent_list_pins_its_queries(client, world, bruno, password):
    client.login(email=bruno.email, password=password)
    client.get(agent_url(world, "propositions/"))
    with CaptureQueriesContext(connection) as few:
        client.get(agent_url(world, "propositions/"))
    offers.refuse(world.offer, actor=None)  # one more offer (the re-offer)
    with CaptureQueriesContext(connection) as more:
        client.get(agent_url(world, "propositions/"))
    assert len(more) == len(few) <= 20


def test_only_the_guichet_operator_handles_offers(client, world, charlie, dora, password):
    for person in (charlie, dora):
        client.login(email=person.email, password=password)
        assert client.get(agent_url(world, "propositions/")).status_code == 403
        client.logout()


def test_publish_from_the_web(client, bassin, organisations, bruno, password,
                              django_capture_on_commit_callbacks):  # fmt: skip
    world = World(bassin, organisations)
    a = world.child(30, [world.s1])
    world.freeze()
    world.place(a, world.s1)
    client.login(email=bruno.email, password=password)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(agent_url(world, "publier/"))
    assert response.status_code == 302
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.PUBLISHED
    assert Offer.objects.filter(application=a.application, status=OfferStatus.OPEN).exists()
