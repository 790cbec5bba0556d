import hashlib
import io
import json
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from maillage.audit.models import AuditEntry
from maillage.commission import instance as instance_module
from maillage.commission import runs, sessions
from maillage.commission.allocation.canonical import canonical_bytes
from maillage.commission.allocation.validate import parse_instance
from maillage.commission.enums import DecisionOutcome, SessionStatus
from maillage.commission.instance import structure_key
from maillage.commission.models import Decision, Run
from maillage.commission.outputs import (
    RunOutput,
    encode_output,
    explanation_of,
    stored_output,
)
from tests.applications.factories import HouseholdFactory
from tests.commission.session_world import (
    add_application,
    commission_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(commission):
    """Four children for two places of Carros: the best two get them, one is excluded."""
    world = commission
    s1, s2 = world["s1"], world["s2"]
    single = HouseholdFactory(
        territory=world["territory"], commune=world["carros"], single_parent=True,
        parents_working=1,
    )  # fmt: skip
    world["best"] = add_application(world, household=single, wishes=[s1, s2])
    world["second"] = add_application(world, wishes=[s1, s2])
    broc = HouseholdFactory(territory=world["territory"], commune=world["le_broc"])
    world["third"] = add_application(world, household=broc, wishes=[s1, s2])
    world["excluded"] = add_application(world, wishes=[s1], age_days=5 * 365)
    sessions.freeze(world["session"], world["agent"])
    world["session"].refresh_from_db()
    return world


def _decisions(world):
    return {
        d.entry.application_id: d
        for d in Decision.objects.filter(session=world["session"]).select_related("entry")
    }


def test_run_stores_a_replayable_run_and_the_decisions(frozen):
    world = frozen
    session = world["session"]
    run, output = runs.run_session(session, actor=world["agent"])
    session.refresh_from_db()
    assert session.status == SessionStatus.RUN
    assert run.method == "siblings" and run.seed == 0
    assert run.input_sha256 == session.instance_sha256
    assert (run.placed, run.unplaced, run.blocking_pairs) == (2, 1, 0)
    assert run.created_by == world["agent"] and run.created_by_label == world["agent"].email
    stored = json.loads(run.output)
    assert "duration_seconds" not in stored["run"] and "duration_seconds" in output["run"]
    decisions = _decisions(world)
    best, second, third = (decisions[world[k].pk] for k in ("best", "second", "third"))
    assert best.outcome == DecisionOutcome.PLACED and best.structure == world["s1"]
    assert best.wish_rank == 1 and best.proposed_structure == world["s1"]
    assert second.outcome == DecisionOutcome.PLACED and second.structure == world["s2"]
    assert second.wish_rank == 2
    assert third.outcome == DecisionOutcome.UNPLACED and third.structure is None
    excluded = decisions[world["excluded"].pk]
    assert excluded.outcome == DecisionOutcome.EXCLUDED
    assert excluded.explanation == {"exclusion": "outside_age_bands"}
    assert explanation_of(excluded) == {
        "engine": {},
        "cutoffs": {},
        "exclusion": "outside_age_bands",
    }
    # a decision stores a reference to the child's explanation in the run's output, no copy
    start, end = third.explanation["output"]
    assert set(third.explanation) == {"output"}
    engine = output["explanations"][third.entry.child_key]
    assert json.loads(run.output.encode()[start:end]) == engine
    # the explanation contract: the engine's, the cutoffs of her wishes (no child ids)
    explanation = explanation_of(third)
    assert set(explanation) == {"engine", "cutoffs", "exclusion"}
    assert explanation["engine"] == engine and explanation["engine"]["obtained"] is None
    assert [n["reason"] for n in explanation["engine"]["not_obtained"]] == ["cutoff", "cutoff"]
    cutoff = explanation["cutoffs"][structure_key(world["s1"].pk)]
    assert cutoff["places"] == 1 and cutoff["cutoff"]["score"] == best.entry.points + 10
    assert "admitted" not in cutoff and "child" not in cutoff["cutoff"]
    # a second run replaces the decisions
    runs.run_session(session, "da", actor=world["agent"])
    assert Decision.objects.filter(session=session).count() == 4
    assert Decision.objects.filter(session=session, run__method="da").count() == 4


def test_run_needs_a_frozen_list_and_stops_after_validation(commission, frozen):
    world = frozen
    session = world["session"]
    with pytest.raises(sessions.SessionError, match="Méthode"):
        runs.run_session(session, "magic")
    runs.run_session(session)
    sessions.validate(session, world["agent"])
    session.refresh_from_db()
    assert session.status == SessionStatus.VALIDATED
    assert session.validated_run == sessions.latest_run(session)
    assert session.validated_by == world["agent"]
    with pytest.raises(sessions.SessionError, match="validée"):
        runs.run_session(session)


def test_override_requires_a_written_reason_and_is_audited(frozen):
    world = frozen
    runs.run_session(world["session"])
    world["session"].refresh_from_db()
    third = _decisions(world)[world["third"].pk]
    with pytest.raises(sessions.SessionError, match="motif"):
        sessions.override(third, world["s2"], "  ", actor=world["agent"])
    with pytest.raises(sessions.SessionError, match="pas de place ouverte"):
        sessions.override(third, world["s3"].__class__.objects.create(
            name="Ailleurs", kind="multi_accueil", commune=world["carros"]), "Motif assez long",
            actor=world["agent"])  # fmt: skip
    reason = "Situation signalée par la PMI : accueil urgent demandé par la commission."
    changed = sessions.override(third, world["s2"], reason, actor=world["agent"])
    changed.refresh_from_db()
    assert changed.outcome == DecisionOutcome.PLACED and changed.structure == world["s2"]
    assert changed.proposed_structure is None and changed.wish_rank == 2
    assert changed.overridden and changed.override_reason == reason
    assert changed.overridden_by == world["agent"]
    assert changed.explanation["override"] == {
        "reason": reason, "proposed": None, "decided": structure_key(world["s2"].pk),
    }  # fmt: skip
    # the reference to the engine's explanation is kept beside the override
    assert explanation_of(changed)["override"]["reason"] == reason
    assert explanation_of(changed)["engine"]["obtained"] is None
    entry = AuditEntry.objects.filter(object_type="commission.decision").latest("pk")
    assert reason in entry.message and entry.actor == world["agent"]
    excluded = _decisions(world)[world["excluded"].pk]
    with pytest.raises(sessions.SessionError, match="pas été étudiée"):
        sessions.override(excluded, world["s1"], reason, actor=world["agent"])
    # validation keeps the override
    sessions.validate(world["session"], world["agent"])
    with pytest.raises(sessions.SessionError):
        sessions.override(changed, None, reason, actor=world["agent"])


def test_replay_identical_then_mismatch_is_an_alarm(frozen, caplog):
    world = frozen
    run, _output = runs.run_session(world["session"])
    result = runs.replay(run)
    assert result.identical and result.differences == []
    run.refresh_from_db()
    assert run.last_replay_identical is True and run.last_replay_at is not None
    # tamper with the stored output
    tampered = json.loads(run.output)
    tampered["assignment"][next(iter(tampered["assignment"]))] = None
    Run.objects.filter(pk=run.pk).update(output=json.dumps(tampered))
    run.refresh_from_db()
    with caplog.at_level(logging.ERROR, logger="maillage.commission.runs"):
        result = runs.replay(run)
    assert not result.identical
    assert "le résultat diffère du résultat enregistré" in result.differences
    assert any("différent" in r.getMessage() for r in caplog.records)
    run.refresh_from_db()
    assert run.last_replay_identical is False
    alarm = AuditEntry.objects.filter(object_type="commission.run").latest("pk")
    assert alarm.message.startswith("ALERTE")


def test_stored_output_is_the_canonical_json_with_the_offsets_of_each_explanation(frozen):
    run, output = runs.run_session(frozen["session"])
    without_duration = {**output, "run": {k: v for k, v in output["run"].items()
                                          if k != "duration_seconds"}}  # fmt: skip
    data, spans = encode_output(without_duration)
    assert data == canonical_bytes(without_duration) == run.output.encode("utf-8")
    assert run.output_sha256 == hashlib.sha256(data).hexdigest()
    assert set(spans) == set(output["explanations"])
    for child, (start, end) in spans.items():
        assert json.loads(data[start:end]) == output["explanations"][child]
    # with keys of any length and text outside ASCII before and after the explanations
    odd = {"a": "é « »", "explanations": {"C1": {"x": "œ"}, "C10": [], "C2": None}, "z": 1.5}
    data, spans = encode_output(odd)
    assert data == canonical_bytes(odd)
    assert {c: json.loads(data[a:b]) for c, (a, b) in spans.items()} == odd["explanations"]
    # the cutoffs are read from the top level only, before the explanations
    document = {"assignment": {"C1": "S1"}, "cutoffs": {"S1": {"bebe": {"places": 1,
                "admitted": ["C1"], "cutoff": {"child": "C1", "score": 3}}}},
                "explanations": {"C1": {"cutoffs": 0}}, "z": {"cutoffs": 2}}  # fmt: skip
    read = RunOutput(encode_output(document)[0])
    assert read.market("S1", "bebe") == {"places": 1, "cutoff": {"score": 3}}
    assert RunOutput(canonical_bytes({"explanations": {}, "z": {"cutoffs": 1}})).cutoffs == {}


def test_decisions_written_in_one_statement_are_those_of_the_rows(frozen):
    """On PostgreSQL the decisions are one INSERT … SELECT; the same as the rows built in
    Python (what SQLite writes)."""
    session = frozen["session"]
    run, output = runs.run_session(session)
    spans = stored_output(output)[3]
    expected = sorted(
        (*row[:10], json.loads(row[10]), row[11])
        for row in runs._decision_rows(session, run, output["assignment"], spans)
    )
    stored = sorted(Decision.objects.filter(session=session).values_list(*runs.DECISION_COLUMNS))
    assert stored == expected
    outcomes = {row[3] for row in stored}
    assert outcomes == {"placed", "unplaced", "excluded"}


def test_a_run_right_after_the_freeze_reuses_the_validated_instance_once(commission):
    world = commission
    add_application(world, wishes=[world["s1"]])
    sessions.freeze(world["session"], world["agent"], run_next=True)
    session = world["session"]
    session.refresh_from_db()
    parsed = parse_instance(json.loads(session.instance))
    # the freeze kept the instance it validated: the same as the stored text read again
    kept = instance_module.recall(session.instance, session.instance_sha256)
    assert kept is not None and kept == parsed and kept.input_sha256 == session.instance_sha256
    assert instance_module.recall(session.instance, session.instance_sha256) is None  # once
    # a stored text that no longer has its SHA-256 is read again (and refused by the run)
    instance_module.remember(parsed)
    assert instance_module.recall(session.instance + " ", session.instance_sha256) is None


# -- command line ---------------------------------------------------------------------------


def _call(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("commission", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_cli_sessions_export_run_replay(commission, tmp_path):
    world = commission
    add_application(world, wishes=[world["s1"], world["s2"]])
    add_application(world, wishes=[world["s2"]])
    code, out = _call("sessions", "--territory", world["territory"].slug, "--format", "json")
    assert code == 0
    assert json.loads(out) == [
        {"slug": "carros-test", "date": world["session"].date.isoformat(), "status": "draft",
         "places": 3, "applications": 2}
    ]  # fmt: skip
    target = tmp_path / "instance.json"
    code, out = _call("export-instance", "--session", "carros-test", "-o", str(target))
    assert code == 0
    world["session"].refresh_from_db()
    assert world["session"].status == "frozen"
    assert json.loads(target.read_text())["format"] == "creche-matching-instance"
    result = tmp_path / "result.json"
    code, out = _call(
        "run", "--session", "carros-test", "--method", "optimal", "-o", str(result),
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    printed = json.loads(out)
    assert set(printed) == {
        "run_id", "session", "method", "placed", "unplaced", "blocking_pairs",
        "blocking_coalitions", "seconds", "input_sha256",
    }  # fmt: skip
    assert printed["method"] == "optimal" and printed["placed"] == 2
    assert printed["input_sha256"] == world["session"].instance_sha256
    engine = json.loads(result.read_text())
    assert set(engine["assignment"]) == {c["id"] for c in json.loads(target.read_text())[
        "children"]}  # fmt: skip
    code, out = _call("replay", str(printed["run_id"]), "--format", "json")
    assert code == 0 and json.loads(out)["identical"] is True
    Run.objects.filter(pk=printed["run_id"]).update(output_sha256="0" * 64)
    code, _out = _call("replay", str(printed["run_id"]))
    assert code == 1
    code, out = _call("replay", "999999", "--format", "json")
    assert code == 2 and json.loads(out)["error"] == "unknown_run"
    code, _out = _call("sessions", "--territory", world["territory"].slug)
    assert code == 0
    with pytest.raises(CommandError):
        _call("run", "--session", "inconnue")
