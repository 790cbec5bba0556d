"""Agents' offers API: list a session's offers, accept or refuse (200 done, 409 no longer
open), organisation key or session, only the organisation operating the guichet."""

import pytest

from maillage.accounts.models import ApiToken
from maillage.applications.enums import State
from maillage.applications.models import Application
from maillage.audit.models import AuditAction, AuditEntry
from maillage.commission import offers
from maillage.commission.enums import OfferChannel, OfferStatus
from maillage.commission.models import Offer
from tests.commission.offer_world import World

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commission/offers/"


@pytest.fixture
def world(bassin, organisations):
    world = World(bassin, organisations)
    world.a = world.child(30, [world.s1])
    world.b = world.child(20, [world.s2])
    world.c = world.child(10, [world.s2])
    world.freeze()
    world.place(world.a, world.s1)
    world.place(world.b, world.s2)
    offers.publish(world.session, None)
    return world


def key_of(user, organisation):
    return ApiToken.issue(user, organisation)[1]


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_list_gives_each_offer_with_id_and_status_and_is_audited(client, world, bruno):
    key = key_of(bruno, world.carros)
    response = client.get(LIST, {"session": world.session.slug}, **auth(key))
    assert response.status_code == 200
    rows = response.json()
    assert {r["status"] for r in rows} == {"open"} and len(rows) == 2
    assert {r["id"] for r in rows} == set(Offer.objects.values_list("id", flat=True))
    assert {r["application"] for r in rows} == {world.a.application.number,
                                               world.b.application.number}  # fmt: skip
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, actor=bruno).exists()


def test_list_errors(client, world, bruno, charlie, organisations):
    key = key_of(bruno, world.carros)
    assert client.get(LIST, **auth(key)).status_code == 400
    assert client.get(LIST, {"session": "inconnue"}, **auth(key)).status_code == 404
    assert client.get(LIST, {"session": world.session.slug}).status_code in (401, 403)
    assert client.get(LIST, {"session": world.session.slug}, **auth("faux")).status_code == 401
    other = key_of(charlie, organisations["06025"])  # Le Broc does not operate the guichet
    assert client.get(LIST, {"session": world.session.slug}, **auth(other)).status_code == 403


def test_accept_then_409(client, world, bruno):
    key = key_of(bruno, world.carros)
    offer = Offer.objects.get(application=world.a.application)
    url = f"{LIST}{offer.pk}/accept/"
    response = client.post(url, {"keep_better_wishes": True}, content_type="application/json",
                           **auth(key))  # fmt: skip
    assert response.status_code == 200
    assert response.json()["status"] == "accepted" and response.json()["id"] == offer.pk
    offer.refresh_from_db()
    assert offer.channel == OfferChannel.API and offer.answered_by == bruno
    assert Application.objects.get(pk=world.a.application.pk).state == State.ACCEPTED
    again = client.post(url, content_type="application/json", **auth(key))
    assert again.status_code == 409 and "n'attend plus de réponse" in again.json()["detail"]
    refuse = client.post(f"{LIST}{offer.pk}/refuse/", content_type="application/json",
                         **auth(key))  # fmt: skip
    assert refuse.status_code == 409


def test_refuse_reoffers_and_answers_200(client, world, bruno):
    key = key_of(bruno, world.carros)
    offer = Offer.objects.get(application=world.b.application)
    response = client.post(f"{LIST}{offer.pk}/refuse/", {"reason": "Trop loin"},
                           content_type="application/json", **auth(key))  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "refused"
    assert Offer.objects.get(application=world.c.application).status == OfferStatus.OPEN


def test_answer_errors(client, world, bruno, charlie, organisations):
    offer = Offer.objects.get(application=world.a.application)
    url = f"{LIST}{offer.pk}/accept/"
    assert client.post(url, content_type="application/json").status_code in (401, 403)
    assert client.post(url, content_type="application/json", **auth("faux")).status_code == 401
    other = key_of(charlie, organisations["06025"])
    assert client.post(url, content_type="application/json", **auth(other)).status_code == 403
    key = key_of(bruno, world.carros)
    assert client.post(f"{LIST}999999/accept/", content_type="application/json",
                       **auth(key)).status_code == 404  # fmt: skip
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN


def test_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/commission/offers/" in schema["paths"]
    assert "/api/v1/commission/offers/{id}/accept/" in schema["paths"]
