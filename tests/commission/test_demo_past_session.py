"""The commission demo's past session: published through the real services, with offers
accepted, refused, expired and re-offered, letters queued, dates in the past; the demo family
has her letter; the upcoming session is ready to be run."""

import pytest
from django.utils import timezone

from maillage.accounts import demo as accounts_demo
from maillage.accounts.models import User
from maillage.applications import demo as applications_demo
from maillage.commission import demo
from maillage.commission.enums import DecisionOutcome, OfferStatus, SessionStatus
from maillage.commission.models import Decision, Offer, Session
from maillage.directory import demo as directory_demo

pytestmark = pytest.mark.django_db


class Out:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text)


def _load():
    out = Out()
    accounts_demo.load(out)
    directory_demo.load(out)
    applications_demo.load(out)
    demo.load(out)
    return out


def test_demo_past_session_published_and_answered(bassin, client, password):
    out = _load()
    today = timezone.localdate()
    past = Session.objects.get(slug=demo.PAST_SLUG)
    assert past.status == SessionStatus.PUBLISHED
    assert past.date < today and past.freeze_date < past.date
    assert timezone.localdate(past.published_at) == past.date
    assert past.validated_run is not None and past.instance_sha256
    statuses = set(Offer.objects.filter(session=past).values_list("status", flat=True))
    assert {OfferStatus.ACCEPTED, OfferStatus.REFUSED, OfferStatus.EXPIRED} <= statuses
    reoffers = Offer.objects.filter(session=past, reoffer_of__isnull=False)
    assert reoffers.count() >= 2
    assert {o.reoffer_of.status for o in reoffers} == {OfferStatus.REFUSED, OfferStatus.EXPIRED}
    # answered offers were answered in the past; the open ones can still be answered
    assert all(o.deadline >= today for o in Offer.objects.open().filter(session=past))
    assert not Decision.objects.filter(session=past, letter_queued_at__isnull=True).exists()
    assert "séance passée « carros-commission-passee » publiée" in " ".join(out.lines)

    # the demo family: examined at the past session, her letter is there, she stays on the list
    family = User.objects.get(email=demo.FAMILY_EMAIL)
    decision = Decision.objects.select_related("entry__application").get(
        session=past, entry__application__household__account=family
    )
    assert decision.outcome in (DecisionOutcome.PLACED, DecisionOutcome.UNPLACED)
    if decision.outcome == DecisionOutcome.PLACED:  # her offer is left for her to answer
        assert Offer.objects.open().filter(application=decision.entry.application).exists()
    number = decision.entry.application.number
    client.force_login(family)
    page = client.get(f"/guichet/mes-demandes/{number}/courrier/")
    assert page.status_code == 200
    status = client.get(f"/guichet/mes-demandes/{number}/").content.decode()
    assert "Décisions de la commission" in status and "Où en suis-je ?" in status

    # the upcoming session is ready to be run by a newcomer
    upcoming = Session.objects.get(slug=demo.SESSION_SLUG)
    assert upcoming.status == SessionStatus.DRAFT and upcoming.date > today
    assert upcoming.places.exists()

    # idempotent: loading again gives the same picture
    counts = (Session.objects.count(), Offer.objects.filter(session__slug=demo.PAST_SLUG).count())
    _load()
    assert Session.objects.filter(slug=demo.PAST_SLUG).count() == 1
    assert (
        Session.objects.count(),
        Offer.objects.filter(session__slug=demo.PAST_SLUG).count(),
    ) == counts

    # the newcomer runs the upcoming session: a sibling family is examined jointly, one is
    # examined separately (no common wish), and the employer's reserve is filled
    from maillage.commission import runs, sessions
    from maillage.commission.models import Run, SessionEntry

    upcoming = Session.objects.get(slug=demo.SESSION_SLUG)
    summary = sessions.freeze(upcoming)
    assert summary["families"] >= 1
    entries = SessionEntry.objects.filter(session=upcoming)
    assert entries.exclude(family_key="").count() >= 2
    assert entries.filter(siblings_apart=True).count() == 2
    upcoming.refresh_from_db()
    run, _output = runs.run_session(upcoming)
    statistics = Run.objects.get(pk=run.pk).statistics
    employer = [r for r in statistics["reserves"] if r["tag"].startswith("employer:")]
    assert len(employer) == 1 and employer[0]["filled"] == 1
    assert demo.EMPLOYER in employer[0]["label"]
    assert statistics["siblings_apart"] == 2
