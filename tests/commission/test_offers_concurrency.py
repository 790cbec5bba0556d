"""Concurrent answers to one offer: exactly one effect, a clear French message for the others
(409 in the API). Sequential stale copies on any database; real threads, each with its own
connection (run on PostgreSQL with DATABASE_URL, on SQLite otherwise)."""

import threading

import pytest
from django.db import connection

from maillage.applications.enums import State
from maillage.applications.models import Application
from maillage.audit.models import TransitionLog
from maillage.audit.workflow import WorkflowError
from maillage.commission import offers
from maillage.commission.enums import OfferStatus
from maillage.commission.models import Offer
from tests.commission.offer_world import World


def build(bassin, organisations):
    world = World(bassin, organisations)
    a = world.child(30, [world.s1])
    b = world.child(20, [world.s1])
    world.freeze()
    world.place(a, world.s1)
    offers.publish(world.session, None)
    return world, a, b


@pytest.mark.django_db
def test_stale_copies_one_effect_then_french_conflicts(bassin, organisations):
    world, a, b = build(bassin, organisations)
    first = Offer.objects.get(application=a.application)
    second = Offer.objects.get(pk=first.pk)  # another click, loaded before the first answer
    third = Offer.objects.get(pk=first.pk)
    offers.accept(first, actor=None)
    with pytest.raises(WorkflowError, match="n'attend plus de réponse.*acceptée"):
        offers.refuse(second, actor=None)
    with pytest.raises(WorkflowError, match="n'attend plus de réponse"):
        offers.accept(third, actor=None)
    assert Offer.objects.get(pk=first.pk).status == OfferStatus.ACCEPTED
    assert Application.objects.get(pk=a.application.pk).state == State.ACCEPTED
    assert Application.objects.get(pk=a.application.pk).refusals == 0
    assert not Offer.objects.filter(application=b.application).exists()  # no re-offer
    assert TransitionLog.objects.filter(object_type="commission.offer").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_threads_accept_and_refuse_one_offer(bassin, organisations):
    world, a, b = build(bassin, organisations)
    pk = Offer.objects.get(application=a.application).pk
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def answer(name):
        try:
            offer = Offer.objects.get(pk=pk)
            barrier.wait(timeout=60)
            try:
                if name == "accept":
                    offers.accept(offer, actor=None)
                else:
                    offers.refuse(offer, actor=None)
                results[name] = "done"
            except WorkflowError as exc:
                results[name] = str(exc)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(n,)) for n in ("accept", "refuse")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    done = [n for n, r in results.items() if r == "done"]
    assert len(done) == 1, results
    loser = next(n for n in results if n not in done)
    assert "n'attend plus de réponse" in results[loser]
    offer = Offer.objects.get(pk=pk)
    application = Application.objects.get(pk=a.application.pk)
    if done == ["accept"]:
        assert offer.status == OfferStatus.ACCEPTED and application.state == State.ACCEPTED
        assert not Offer.objects.filter(application=b.application).exists()
    else:
        assert offer.status == OfferStatus.REFUSED and application.refusals == 1
        assert Offer.objects.filter(application=b.application, status="open").count() == 1
    assert TransitionLog.objects.filter(object_type="commission.offer").count() == 1
