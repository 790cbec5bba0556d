"""A new run of a session carries the commission's earlier decisions over: same entry, same
structure or no place, same reason, same author; one the new proposal already equals is
dropped and said so; one audit entry; agents see which decisions were carried over, and are
warned before re-running."""

import pytest

from maillage.audit.models import AuditEntry
from maillage.commission import runs, sessions
from maillage.commission.enums import DecisionOutcome
from maillage.commission.instance import structure_key
from maillage.commission.models import Decision, Run
from tests.commission.session_world import commission_fixture  # noqa: F401
from tests.commission.test_sessions_runs import _decisions, frozen  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "/commission/seances/carros-test/"
PMI = "Situation signalée par la PMI : accueil urgent demandé par la commission."
KEEP = "La commission confirme la proposition après examen du dossier."


def test_a_new_run_carries_the_overrides_over(frozen, client):  # noqa: F811
    world = frozen
    session, agent = world["session"], world["agent"]
    first, _output = runs.run_session(session, actor=agent)
    session.refresh_from_db()
    decisions = _decisions(world)
    sessions.override(decisions[world["third"].pk], world["s2"], PMI, actor=agent)
    # a decision equal to the proposal: the next run proposes it too, so it is dropped
    sessions.override(decisions[world["best"].pk], world["s1"], KEEP, actor=agent)
    client.force_login(agent)
    detail = client.get(BASE).content.decode()
    assert "La commission a modifié 2 décisions de la proposition actuelle" in detail
    assert "Un nouveau calcul les reprendra" in detail

    audits = AuditEntry.objects.filter(object_type="commission.session").count()
    second, _output = runs.run_session(session, "da", actor=agent)
    second = Run.objects.get(pk=second.pk)
    decisions = _decisions(world)
    third, best = decisions[world["third"].pk], decisions[world["best"].pk]
    assert third.run_id == second.pk and third.proposed_structure is None
    assert third.outcome == DecisionOutcome.PLACED and third.structure == world["s2"]
    assert third.wish_rank == 2 and third.overridden and third.override_reason == PMI
    assert third.overridden_by == agent
    assert third.explanation["override"] == {
        "reason": PMI, "proposed": None, "decided": structure_key(world["s2"].pk),
        "carried_from_run": first.pk,
    }  # fmt: skip
    assert not best.overridden and best.structure == world["s1"] and best.override_reason == ""
    assert second.carried_overrides == {
        "from_run": first.pk,
        "carried": [{"child_key": third.entry.child_key, "number": world["third"].number}],
        "dropped": [{"child_key": best.entry.child_key, "number": world["best"].number}],
    }
    entries = AuditEntry.objects.filter(object_type="commission.session")
    carried_entries = [e for e in entries if "reprise(s) du calcul" in e.message]
    assert entries.count() == audits + 2  # the carry-over and the workflow's transition
    assert len(carried_entries) == 1
    assert carried_entries[0].message.startswith(f"Calcul {second.pk} : 1 décision(s)")
    assert second.statistics["overridden"] == 1 and second.statistics["carried_over"] == 1

    body = client.get(BASE + "proposition/").content.decode()
    assert f"Décisions de la commission reprises du calcul n° {first.pk}" in body
    assert f"même motif, même auteur) : {world['third'].number}." in body
    assert f"ce calcul propose déjà la décision de la commission : {world['best'].number}." in body
    assert f"décision de la commission, reprise du calcul n° {first.pk}" in body
    assert "dont 1 reprise du calcul précédent" in body
    page = client.get(f"{BASE}decisions/{third.pk}/").content.decode()
    assert f"(décision reprise du calcul n° {first.pk})" in page

    # a third run carries it again, from the second; a run without overrides says nothing
    third_run, _output = runs.run_session(session, actor=agent)
    assert Run.objects.get(pk=third_run.pk).carried_overrides["from_run"] == second.pk
    assert Decision.objects.get(pk__in=[d.pk for d in Decision.objects.filter(
        session=session, entry__application=world["third"])]).structure == world["s2"]  # fmt: skip


def test_a_run_without_overrides_carries_nothing(frozen):  # noqa: F811
    world = frozen
    runs.run_session(world["session"], actor=world["agent"])
    run, _output = runs.run_session(world["session"], "da", actor=world["agent"])
    assert Run.objects.get(pk=run.pk).carried_overrides == {}
    assert not AuditEntry.objects.filter(message__contains="reprise(s) du calcul").exists()
