"""The whole command-line chain on a small territory built with the factories: sessions →
export-instance → run → publish → letters → replay, each command reading what the previous one
wrote (the integration of the four commission areas)."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from maillage.applications.enums import State
from maillage.applications.models import Application, SentNotice
from maillage.commission.enums import OfferStatus, SessionStatus
from maillage.commission.models import Decision, Offer
from tests.commission.session_world import add_application, commission_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _call(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("commission", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_cli_chain_from_the_queue_to_the_letters(commission, tmp_path):
    world = commission
    first = add_application(world, wishes=[world["s1"]])
    second = add_application(world, wishes=[world["s2"]])
    third = add_application(world, wishes=[world["s1"]])
    slug = world["session"].slug

    code, out = _call("sessions", "--territory", world["territory"].slug, "--format", "json")
    assert code == 0 and json.loads(out)[0]["status"] == "draft"

    instance = tmp_path / "instance.json"
    code, _out = _call("export-instance", "--session", slug, "-o", str(instance))
    assert code == 0
    children = {c["id"] for c in json.loads(instance.read_text())["children"]}
    assert len(children) == 3

    result = tmp_path / "result.json"
    code, out = _call("run", "--session", slug, "-o", str(result), "--format", "json")
    assert code == 0
    run = json.loads(out)
    assert run["placed"] == 2 and run["unplaced"] == 1  # one place in s1 for two children
    assert set(json.loads(result.read_text())["assignment"]) == children

    code, _out = _call("publish", "--session", slug)
    assert code == 0
    code, out = _call("sessions", "--territory", world["territory"].slug, "--format", "json")
    assert json.loads(out)[0]["status"] == SessionStatus.PUBLISHED
    offers = Offer.objects.filter(session__slug=slug)
    assert offers.count() == 2 and {o.status for o in offers} == {OfferStatus.OPEN}
    offered = set(offers.values_list("application_id", flat=True))
    states = dict(
        Application.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list(
            "pk", "state"
        )
    )
    assert [states[pk] for pk in offered] == [State.OFFERED, State.OFFERED]
    # the letters are queued: one e-mail per application examined
    assert Decision.objects.filter(session__slug=slug, letter_queued_at__isnull=True).count() == 0
    assert SentNotice.objects.filter(application__in=[first, second, third]).count() == 3

    letters = tmp_path / "courriers"
    code, _out = _call("letters", "--session", slug, "-o", str(letters))
    assert code == 0
    written = sorted(p.name for p in letters.iterdir())
    assert written == sorted(f"{a.number}.pdf" for a in (first, second, third))
    assert all((letters / name).read_bytes().startswith(b"%PDF") for name in written)

    code, out = _call("replay", str(run["run_id"]), "--format", "json")
    assert code == 0 and json.loads(out)["identical"] is True
    with pytest.raises(CommandError, match="déjà publiée"):
        _call("publish", "--session", slug)


def test_a_child_to_confirm_placed_by_the_commission_gets_her_offer(commission):
    """The freeze examines the applications « à confirmer » (still on the list): when the
    commission places one, publishing offers her the place (the offer stands for the
    confirmation of interest) instead of passing it to the next child; likewise a re-offer."""
    from maillage.commission import offers, runs, sessions

    world = commission
    to_confirm = add_application(world, wishes=[world["s1"]], state=State.TO_CONFIRM)
    session = world["session"]
    sessions.freeze(session, world["agent"])
    session.refresh_from_db()
    runs.run_session(session, actor=world["agent"])
    report = offers.publish(session, world["agent"])
    assert report.offers == 1 and report.skipped == []
    to_confirm.refresh_from_db()
    assert to_confirm.state == State.OFFERED and to_confirm.deadline_kind == ""
    assert Offer.objects.get(application=to_confirm).status == OfferStatus.OPEN
