"""Runs of the engine on a frozen session, stored so that each can be replayed bit for bit.

`run_session` parses the frozen instance, runs `solver.run`, stores the `Run` (the output as
canonical JSON without its duration, its SHA-256, the counts, who ran it) and replaces the
session's decisions (one per entry: placed, unplaced or excluded, with the structured
explanation the letters are rendered from), carrying the commission's earlier decisions over
(`carry_overrides`), and stores the proposal's statistics on the run. `replay` runs the same instance, method, seed and
time limit again and compares: a difference is an alarm (log error, audit entry, flag on the
run)."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from maillage.applications.changes import queue_changed
from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.audit.workflow import WorkflowError
from maillage.commission import bulk
from maillage.commission.allocation import solver
from maillage.commission.allocation.canonical import canonical_bytes
from maillage.commission.allocation.validate import parse_instance
from maillage.commission.allocation.version import __version__ as ENGINE_VERSION
from maillage.commission.enums import DecisionOutcome, Method, SessionStatus
from maillage.commission.instance import structure_key, structure_pk
from maillage.commission.models import Decision, Run, SessionEntry
from maillage.commission.sessions import SessionError
from maillage.commission.workflow import session_workflow

logger = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]
RUNNABLE = (SessionStatus.FROZEN, SessionStatus.RUN)


def _stored_output(output: dict) -> tuple[str, str, float]:
    """(canonical text without the duration, its SHA-256, the duration in seconds)."""
    import hashlib

    output = dict(output)
    meta = dict(output["run"])
    seconds = meta.pop("duration_seconds", 0.0) or 0.0
    output["run"] = meta
    data = canonical_bytes(output)
    return data.decode("utf-8"), hashlib.sha256(data).hexdigest(), seconds


def _actor_label(actor) -> str:
    return (actor.email if getattr(actor, "pk", None) else "système")[:255]


def run_session(
    session,
    method: str | None = None,
    seed: int = 0,
    actor=None,
    progress: ProgressFn | None = None,
    *,
    time_limit: float | None = None,
    organisation=None,
) -> tuple[Run, dict]:
    """Run the engine on the session's frozen instance; returns the run and the engine's whole
    output (with its duration, as the CLI writes it)."""
    if session.status not in RUNNABLE:
        if session.status == SessionStatus.DRAFT:
            raise SessionError("Arrêtez d'abord la liste : le calcul porte sur la liste arrêtée.")
        raise SessionError("La proposition est validée : elle ne peut plus être recalculée.")
    method = method or _default_method(session)
    if method not in Method.values:
        raise SessionError(
            f"Méthode « {method} » inconnue ; attendu l'une de : {', '.join(Method.values)}."
        )
    limit = time_limit if time_limit is not None else solver.DEFAULT_TIME_LIMIT
    started = time.perf_counter()
    instance = parse_instance(json.loads(session.instance))
    if instance.input_sha256 != session.instance_sha256:
        raise SessionError(
            "L'instance enregistrée ne correspond plus à son empreinte : calcul refusé."
        )
    output = solver.run(instance, method, seed=seed, time_limit=limit, progress=progress)
    text, digest, _duration = _stored_output(output)
    if progress is not None:
        progress("enregistrement", 0, 1)
    try:
        run = _store_run(session, method, seed, limit, instance, output, text, digest, actor,
                         organisation)  # fmt: skip
    except WorkflowError as exc:
        raise SessionError(str(exc)) from exc
    run.seconds = round(time.perf_counter() - started, 3)
    Run.objects.filter(pk=run.pk).update(seconds=run.seconds)
    return run, output


@transaction.atomic
def _store_run(session, method, seed, limit, instance, output, text, digest, actor, organisation):
    stats = output["stats"]
    run = Run.objects.create(
        session=session,
        method=method,
        seed=seed,
        time_limit=limit if method == Method.OPTIMAL else None,
        engine_version=output["run"]["engine_version"],
        input_sha256=instance.input_sha256,
        output=text,
        output_sha256=digest,
        placed=stats["placed"],
        unplaced=stats["children"] - stats["placed"],
        blocking_pairs=stats["blocking_pairs"],
        blocking_coalitions=stats["blocking_coalitions"],
        seconds=0,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_by_label=_actor_label(actor),
    )
    store_decisions(session, run, output)
    carried = run.carried_overrides
    if carried:
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=session,
            changes={
                "carried_overrides": [None, len(carried["carried"])],
                "dropped_overrides": [None, len(carried["dropped"])],
            },
            message=(
                f"Calcul {run.pk} : {len(carried['carried'])} décision(s) de la commission "
                f"reprise(s) du calcul {carried['from_run']}, {len(carried['dropped'])} "
                "retirée(s) car le nouveau calcul propose déjà la même chose"
            ),
        )
    from maillage.commission.sessions import store_statistics

    store_statistics(session, run, output=output)
    session_workflow.apply(
        session,
        "run",
        actor=actor,
        organisation=organisation,
        reason=f"calcul {run.pk}, méthode {method}",
    )
    return run


def _default_method(session) -> str:
    from maillage.commission.grids import settings_in_force

    return settings_in_force(session.territory, session.date).default_method


def _cutoff_for(cutoffs: dict, key: str, group: str):
    """The engine's cutoff of one market, without the ids of the children admitted there."""
    found = cutoffs.get(key, {}).get(group)
    if found is None:
        return None
    found = copy.deepcopy(found)
    found.pop("admitted", None)
    for part in (found.get("cutoff"), (found.get("reserve") or {}).get("cutoff")):
        if isinstance(part, dict):
            part.pop("child", None)
    if isinstance(found.get("reserve"), dict):
        found["reserve"].pop("admitted", None)
    return found


def store_decisions(session, run: Run, output: dict) -> int:
    """Replace the session's decisions by those of `run`. The commission's decisions made on
    an earlier run (overrides) are carried over onto the new proposal (`carry_overrides`)."""
    assignment = output["assignment"]
    explanations = output["explanations"]
    cutoffs = output["cutoffs"]
    earlier = _earlier_overrides(session)
    entries = list(
        SessionEntry.objects.filter(session=session).only(
            "pk", "child_key", "age_group", "wishes", "exclusion"
        )
    )
    decisions = []
    stripped: dict[tuple[str, str], dict | None] = {}

    def cutoff(key: str, group: str):
        found = stripped.get((key, group), False)
        if found is False:
            found = stripped[(key, group)] = _cutoff_for(cutoffs, key, group)
        return found

    for entry in entries:
        if entry.exclusion:
            decisions.append(
                Decision(
                    session_id=session.pk,
                    entry_id=entry.pk,
                    run_id=run.pk,
                    outcome=DecisionOutcome.EXCLUDED,
                    explanation={"engine": {}, "cutoffs": {}, "exclusion": entry.exclusion},
                )
            )
            continue
        key = assignment.get(entry.child_key)
        pk = structure_pk(key) if key else None
        decisions.append(
            Decision(
                session_id=session.pk,
                entry_id=entry.pk,
                run_id=run.pk,
                outcome=DecisionOutcome.PLACED if key else DecisionOutcome.UNPLACED,
                proposed_structure_id=pk,
                structure_id=pk,
                wish_rank=entry.wishes.index(key) + 1 if key in entry.wishes else None,
                explanation={
                    "engine": explanations.get(entry.child_key),
                    "cutoffs": {wish: cutoff(wish, entry.age_group) for wish in entry.wishes},
                    "exclusion": "",
                },
            )
        )
    if earlier:
        run.carried_overrides = carry_overrides(entries, decisions, earlier)
        Run.objects.filter(pk=run.pk).update(carried_overrides=run.carried_overrides)
    old = Decision.objects.filter(session=session)
    if session.offers.exists():  # never after publication (runs stop at validation)
        old.delete()
    else:  # nothing points to these rows: one DELETE instead of the collector's queries
        old._raw_delete(old.db)
    bulk.insert(Decision, decisions)
    queue_changed()  # « sans place après une commission »
    return len(decisions)


def _earlier_overrides(session) -> dict[int, dict]:
    """The commission's decisions on the current proposal, by entry id (one query)."""
    rows = Decision.objects.filter(session=session, overridden=True).values(
        "entry_id", "run_id", "structure_id", "override_reason", "overridden_by_id",
        "entry__child_key", "entry__application__number",
    )  # fmt: skip
    return {row["entry_id"]: row for row in rows}


def carry_overrides(entries, decisions: list[Decision], earlier: dict[int, dict]) -> dict:
    """Re-apply each earlier decision of the commission (same entry, same structure or no
    place, same reason, same author) on top of the new proposal, in place on `decisions`; an
    override the new proposal already equals is dropped. Returns what was done:
    {"from_run", "carried": [{child_key, number}], "dropped": [...]}."""
    by_entry = {decision.entry_id: decision for decision in decisions}
    wishes = {entry.pk: entry.wishes for entry in entries}
    carried, dropped = [], []
    from_run = None
    for entry_id, row in sorted(earlier.items(), key=lambda item: item[1]["entry__child_key"]):
        decision = by_entry.get(entry_id)
        if decision is None or decision.outcome == DecisionOutcome.EXCLUDED:
            continue
        from_run = row["run_id"] if from_run is None else max(from_run, row["run_id"] or 0)
        item = {"child_key": row["entry__child_key"], "number": row["entry__application__number"]}
        decided = row["structure_id"]
        if decided == decision.proposed_structure_id:
            dropped.append(item)
            continue
        key = structure_key(decided) if decided else None
        proposed = (
            structure_key(decision.proposed_structure_id)
            if decision.proposed_structure_id
            else None
        )
        entry_wishes = wishes.get(entry_id, [])
        decision.outcome = DecisionOutcome.PLACED if decided else DecisionOutcome.UNPLACED
        decision.structure_id = decided
        decision.wish_rank = entry_wishes.index(key) + 1 if key in entry_wishes else None
        decision.overridden = True
        decision.override_reason = row["override_reason"]
        decision.overridden_by_id = row["overridden_by_id"]
        decision.explanation = {
            **decision.explanation,
            "override": {
                "reason": row["override_reason"],
                "proposed": proposed,
                "decided": key,
                "carried_from_run": row["run_id"],
            },
        }
        carried.append(item)
    if not carried and not dropped:
        return {}
    return {"from_run": from_run, "carried": carried, "dropped": dropped}


@dataclass
class Replay:
    run: Run
    identical: bool
    replayed_sha256: str
    differences: list[str]

    def as_dict(self) -> dict:
        return {
            "run_id": self.run.pk,
            "session": self.run.session.slug,
            "identical": self.identical,
            "input_sha256": self.run.input_sha256,
            "output_sha256": self.run.output_sha256,
            "replayed_sha256": self.replayed_sha256,
            "differences": self.differences,
        }


def replay(run: Run, actor=None, *, organisation=None) -> Replay:
    """Run again on the stored instance; identical means the same output bit for bit (the
    duration aside). A mismatch is an alarm."""
    session = run.session
    differences = []
    data = json.loads(session.instance)
    instance = parse_instance(data)
    if instance.input_sha256 != run.input_sha256:
        differences.append("l'instance enregistrée n'a plus l'empreinte du calcul")
    if run.engine_version != ENGINE_VERSION:
        differences.append(
            f"version du moteur {ENGINE_VERSION} au lieu de {run.engine_version} lors du calcul"
        )
    limit = run.time_limit if run.time_limit is not None else solver.DEFAULT_TIME_LIMIT
    output = solver.run(instance, run.method, seed=run.seed, time_limit=limit)
    text, digest, _duration = _stored_output(output)
    if digest != run.output_sha256:
        differences.append("le résultat n'a pas l'empreinte enregistrée")
    if text != run.output:
        differences.append("le résultat diffère du résultat enregistré")
    identical = not differences
    Run.objects.filter(pk=run.pk).update(
        last_replay_at=timezone.now(), last_replay_identical=identical
    )
    run.last_replay_identical = identical
    if not identical:
        logger.error(
            "Rejeu du calcul %s (séance %s) différent : %s",
            run.pk,
            session.slug,
            " ; ".join(differences),
        )
    record(
        AuditAction.UPDATE,
        actor=actor,
        organisation=organisation,
        obj=run,
        changes={"identical": [None, identical]},
        message=(
            "Rejeu identique"
            if identical
            else "ALERTE rejeu différent : " + " ; ".join(differences)
        ),
    )
    return Replay(run, identical, digest, differences)


STAGES = {
    "contrôle": "Contrôle de l'affectation",
    "enregistrement": "Enregistrement des décisions",
}


def start_run(session, method: str, seed: int = 0, *, actor=None):
    """From the web: the run as a background job (one at a time per session)."""
    from maillage.commission.tasks import run_session_task
    from maillage.core.jobs import start_job

    if session.status not in RUNNABLE:
        raise SessionError(
            "Arrêtez d'abord la liste."
            if session.status == SessionStatus.DRAFT
            else "La proposition est validée : elle ne peut plus être recalculée."
        )
    if method not in Method.values:
        raise SessionError(f"Méthode « {method} » inconnue.")
    return start_job(
        "commission-run",
        f"Calcul de la proposition — {session.name}",
        run_session_task,
        session.pk,
        method,
        seed,
        getattr(actor, "pk", None),
        user=actor,
        key=run_job_key(session),
    )


def run_job_key(session) -> str:
    return f"commission-run:{session.pk}"


def current_job(session):
    from maillage.core.models import Job

    return Job.objects.filter(key=run_job_key(session)).first()


def run_session_job(job_id: int, session_id: int, method: str, seed: int, user_id) -> None:
    from django.contrib.auth import get_user_model

    from maillage.commission.models import Session
    from maillage.core.jobs import JobError, run_job

    with run_job(job_id) as job:
        session = Session.objects.select_related("territory").get(pk=session_id)
        actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None

        def progress(stage: str, done: int, total: int) -> None:
            job.progress(done, total, STAGES.get(stage, stage.capitalize()))

        try:
            run, _output = run_session(session, method, seed, actor, progress)
        except SessionError as exc:
            raise JobError(str(exc)) from exc
        job.result = {"run_id": run.pk, "placed": run.placed, "unplaced": run.unplaced}
