"""Publication, answers (accept with its cancellations, refusal rule), expiry and reminders,
departures, and the `publish` command."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command

from maillage.applications.enums import State
from maillage.applications.models import Application, SentNotice, Wish
from maillage.commission import offers
from maillage.commission.enums import OfferChannel, OfferStatus, SessionStatus
from maillage.commission.models import Offer
from tests.applications.factories import ApplicationFactory
from tests.commission.offer_world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(bassin, organisations):
    return World(bassin, organisations)


def published(world, placed):
    world.freeze()
    for entry, structure in placed:
        world.place(entry, structure)
    offers.publish(world.session, None)
    world.session.refresh_from_db()


def test_publish_validates_the_latest_run_creates_offers_and_moves_applications(world):
    a = world.child(30, [world.s1, world.s2])
    b = world.child(20, [world.s2])
    c = world.child(10, [world.s1])
    world.freeze()
    world.place(a, world.s1)
    world.place(b, world.s2)
    world.unplace(c)
    report = offers.publish(world.session, None)
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.PUBLISHED
    assert world.session.validated_run == world.run
    assert world.session.published_at is not None
    assert report.offers == 2
    today = datetime.date.today()
    for entry, structure in ((a, world.s1), (b, world.s2)):
        offer = Offer.objects.get(application=entry.application)
        assert offer.status == OfferStatus.OPEN and offer.structure == structure
        assert offer.deadline == today + datetime.timedelta(days=8)
        assert offer.start_date == world.session.entry_from
        assert Application.objects.get(pk=entry.application.pk).state == State.OFFERED
    assert Application.objects.get(pk=c.application.pk).state == State.WAITING
    with pytest.raises(offers.OfferError, match="déjà publiée"):
        offers.publish(world.session, None)


def test_publish_reoffers_the_place_of_a_child_no_longer_waiting(world):
    a = world.child(30, [world.s1], state=State.WITHDRAWN)
    b = world.child(20, [world.s1])
    world.freeze()
    world.place(a, world.s1)
    world.unplace(b)
    report = offers.publish(world.session, None)
    assert report.offers == 0 and report.reoffers == 1
    assert report.skipped == [{"child": a.child_key, "reason": "state:withdrawn"}]
    offer = Offer.objects.get(application=b.application)
    assert offer.reoffer_reason["cause"] == "not_waiting"


def test_publish_command_json(world):
    a = world.child(30, [world.s1])
    world.freeze()
    world.place(a, world.s1)
    out = StringIO()
    call_command("commission", "publish", "--session", world.session.slug, "--format", "json",
                 stdout=out)  # fmt: skip
    document = json.loads(out.getvalue())
    assert document["session"] == world.session.slug and document["offers"] == 1
    assert document["letters"] in ("queued", "absent")


def test_publish_command_unknown_session(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Séance inconnue"):
        call_command("commission", "publish", "--session", "nope", stdout=StringIO())


def test_accept_cancels_wishes_below_and_above_unless_kept_and_other_applications(world):
    a = world.child(30, [world.s2, world.s1, world.s3])
    other = ApplicationFactory(
        household=a.application.household, child=a.application.child, state=State.WAITING,
        wishes=[world.s3],
    )  # fmt: skip
    published(world, [(a, world.s1)])
    offer = Offer.objects.get(application=a.application)
    offers.accept(offer, actor=None, channel=OfferChannel.FAMILY)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED and offer.answered_at is not None
    application = Application.objects.get(pk=a.application.pk)
    assert application.state == State.ACCEPTED
    assert list(Wish.objects.filter(application=application).values_list("structure", flat=True)) \
        == [world.s1.pk]  # fmt: skip
    assert Application.objects.get(pk=other.pk).state == State.CANCELLED


def test_accept_keeping_better_wishes_keeps_those_above_only(world):
    a = world.child(30, [world.s2, world.s1, world.s3])
    published(world, [(a, world.s1)])
    offers.accept(Offer.objects.get(application=a.application), actor=None,
                  keep_better_wishes=True)  # fmt: skip
    ranks = dict(Wish.objects.filter(application=a.application).values_list("structure", "rank"))
    assert ranks == {world.s2.pk: 1, world.s1.pk: 2}
    assert Offer.objects.get(application=a.application).keep_better_wishes


def test_refusal_rule_stays_then_archives_after_max_refusals(world):
    a = world.child(30, [world.s1])
    published(world, [(a, world.s1)])
    offers.refuse(Offer.objects.get(application=a.application), actor=None, reason="Trop loin")
    application = Application.objects.get(pk=a.application.pk)
    assert application.state == State.WAITING and application.refusals == 1
    # a second offer, refused again: the territory archives after 2 refusals
    offer2 = Offer.objects.create(session=world.session, application=application,
                                  structure=world.s2, age_group="bebe",
                                  deadline=datetime.date.today())  # fmt: skip
    from maillage.applications import services

    services.offer(application, answer_by=offer2.deadline)
    offers.refuse(offer2, actor=None)
    application.refresh_from_db()
    assert application.state == State.ARCHIVED and application.refusals == 2


def test_refusal_rule_stay(bassin, organisations):
    world = World(bassin, organisations, refusal_rule="stay", max_refusals=1)
    a = world.child(30, [world.s1])
    published(world, [(a, world.s1)])
    offers.refuse(Offer.objects.get(application=a.application), actor=None)
    application = Application.objects.get(pk=a.application.pk)
    assert application.state == State.WAITING and application.refusals == 1


def test_refused_place_goes_to_the_next_child_at_once(world):
    a = world.child(30, [world.s1])
    b = world.child(20, [world.s1])
    published(world, [(a, world.s1)])
    offers.refuse(Offer.objects.get(application=a.application), actor=None)
    again = Offer.objects.get(application=b.application)
    assert again.status == OfferStatus.OPEN and again.reoffer_of.application == a.application
    assert again.reoffer_reason["cause"] == "refused" and again.reoffer_reason["rank"] == 2
    assert again.reoffer_reason["passed_over"] == [{"rank": 1, "reason": "refused_this_place"}]
    assert Application.objects.get(pk=b.application.pk).state == State.OFFERED
    assert SentNotice.objects.filter(application=b.application, key=f"offer:{again.pk}:new")


def test_expiry_applies_the_rule_and_reoffers_and_reminders_are_sent_once(world):
    a = world.child(30, [world.s1])
    b = world.child(20, [world.s1])
    c = world.child(25, [world.s2])
    published(world, [(a, world.s1), (c, world.s2)])
    today = datetime.date.today()
    # D-3 then D-1 before c's deadline: one reminder each, never twice
    deadline = Offer.objects.get(application=c.application).deadline
    report = offers.run_offer_deadlines(deadline - datetime.timedelta(days=3))
    assert report.reminders == 2 and report.expired == 0
    assert offers.run_offer_deadlines(deadline - datetime.timedelta(days=3)).reminders == 0
    assert offers.run_offer_deadlines(deadline - datetime.timedelta(days=1)).reminders == 2
    assert SentNotice.objects.filter(application=c.application, key__contains=":J-").count() == 2
    # a's deadline passes without an answer
    Offer.objects.filter(application=a.application).update(deadline=today - datetime.timedelta(1))
    report = offers.run_offer_deadlines(today)
    assert report.expired == 1 and report.reoffers == 1
    expired = Offer.objects.get(application=a.application)
    assert expired.status == OfferStatus.EXPIRED and expired.channel == OfferChannel.SYSTEM
    application = Application.objects.get(pk=a.application.pk)
    assert application.state == State.WAITING and application.refusals == 1
    assert Offer.objects.get(application=b.application).reoffer_reason["cause"] == "expired"


def test_departure_frees_the_place_once(world):
    a = world.child(30, [world.s1])
    b = world.child(20, [world.s1])
    published(world, [(a, world.s1)])
    offer = Offer.objects.get(application=a.application)
    offers.accept(offer, actor=None)
    offer.refresh_from_db()
    offers.record_departure(offer, actor=None, reason="Déménagement")
    assert Application.objects.get(pk=a.application.pk).state == State.LEFT
    assert Offer.objects.get(application=b.application).reoffer_reason["cause"] == "left"
    with pytest.raises(offers.TransitionConflict, match="déjà enregistré"):
        offers.record_departure(offer, actor=None)


def test_schedule_declares_the_daily_expiry():
    from maillage.core.schedule import SCHEDULE

    entry = next(p for p in SCHEDULE if p.name == "offer-deadlines")
    assert entry.task == "maillage.commission.offer_tasks.run_offer_deadlines"
