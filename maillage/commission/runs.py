"""Runs of the engine on a frozen session, stored so that each can be replayed bit for bit.

`run_session` parses the frozen instance (or takes the one the freeze of this process just
validated, once the stored text is checked against its SHA-256), runs `solver.run`, stores the
`Run` (the output as canonical JSON without its duration, its SHA-256, the counts, who ran it)
and replaces the session's decisions (one per entry: placed, unplaced or excluded, with a
reference to the child's explanation in the run's output, see `outputs`), carrying the
commission's earlier decisions over (`carry_overrides`), and stores the proposal's statistics
on the run. `replay` runs the same instance, method, seed and time limit again and compares: a
difference is an alarm (log error, audit entry, flag on the run)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from maillage.applications.changes import queue_changed
from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.audit.workflow import WorkflowError
from maillage.commission import bulk, outputs
from maillage.commission import instance as instance_module
from maillage.commission.allocation import solver
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
    text, digest, seconds, _spans = outputs.stored_output(output)
    return text, digest, seconds


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
    instance = instance_module.recall(session.instance, session.instance_sha256)
    if instance is None:
        instance = parse_instance(json.loads(session.instance))
    if instance.input_sha256 != session.instance_sha256:
        raise SessionError(
            "L'instance enregistrée ne correspond plus à son empreinte : calcul refusé."
        )
    output = solver.run(instance, method, seed=seed, time_limit=limit, progress=progress)
    text, digest, _duration, spans = outputs.stored_output(output)
    if progress is not None:
        progress("enregistrement", 0, 1)
    try:
        run = _store_run(session, method, seed, limit, instance, output, text, digest, actor,
                         organisation, spans)  # fmt: skip
    except WorkflowError as exc:
        raise SessionError(str(exc)) from exc
    run.seconds = round(time.perf_counter() - started, 3)
    Run.objects.filter(pk=run.pk).update(seconds=run.seconds)
    return run, output


@transaction.atomic
def _store_run(
    session, method, seed, limit, instance, output, text, digest, actor, organisation, spans
):
    stats = output["stats"]
    run = Run.objects.create(
        session=session,
        method=method,
        seed=seed,
        time_limit=limit if method == Method.OPTIMAL else None,
        engine_version=output["run"]["engine_version"],
        input_sha256=instance.input_sha256,
        output="",  # written just below, sent apart from the statement
        output_sha256=digest,
        placed=stats["placed"],
        unplaced=stats["children"] - stats["placed"],
        blocking_pairs=stats["blocking_pairs"],
        blocking_coalitions=stats["blocking_coalitions"],
        seconds=0,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_by_label=_actor_label(actor),
    )
    bulk.write_text(Run, run.pk, output=text)
    run.output = text
    store_decisions(session, run, output, spans=spans)
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


DECISION_COLUMNS = (
    "session_id", "entry_id", "run_id", "outcome", "proposed_structure_id", "structure_id",
    "wish_rank", "overridden", "override_reason", "overridden_by_id", "explanation",
    "letter_queued_at",
)  # fmt: skip


def store_decisions(session, run: Run, output: dict, *, spans=None) -> int:
    """Replace the session's decisions by those of `run`; the commission's decisions made on an
    earlier run (overrides) are carried over onto the new proposal (`carry_overrides`). Each
    decision refers to the child's explanation in the run's output (`outputs`): `spans` are
    their offsets in `run.output` (`outputs.stored_output`; computed again when not given)."""
    if spans is None:
        spans = outputs.stored_output(output)[3]
    assignment = output["assignment"]
    earlier = _earlier_overrides(session)  # read before the old decisions are deleted
    old = Decision.objects.filter(session=session)
    if session.offers.exists():  # never after publication (runs stop at validation)
        old.delete()
    else:  # nothing points to these rows: one DELETE instead of the collector's queries
        old._raw_delete(old.db)
    if connection.vendor == "postgresql" and _plain_keys(assignment):
        count = _insert_decisions(session, run, assignment, spans)
    else:
        count = bulk.copy(
            Decision, DECISION_COLUMNS, _decision_rows(session, run, assignment, spans)
        )
    if earlier:
        run.carried_overrides = carry_overrides(session, earlier)
        Run.objects.filter(pk=run.pk).update(carried_overrides=run.carried_overrides)
    queue_changed()  # « sans place après une commission »
    return count


def _decision_rows(session, run: Run, assignment: dict, spans: dict):
    """The decisions as rows of `DECISION_COLUMNS`, from the session's entries."""
    # the wishes as JSON text: read (json.loads) only for the children placed
    entries = (
        SessionEntry.objects.filter(session=session)
        .annotate(wishes_text=Cast("wishes", TextField()))
        .values_list("pk", "child_key", "wishes_text", "exclusion")
    )
    excluded = DecisionOutcome.EXCLUDED.value
    placed, unplaced = DecisionOutcome.PLACED.value, DecisionOutcome.UNPLACED.value
    for pk, key, wishes, exclusion in entries:
        if exclusion:
            explanation = bulk.JsonText(json.dumps({"exclusion": exclusion}))
            yield (session.pk, pk, run.pk, excluded, None, None, None, False, "", None,
                   explanation, None)  # fmt: skip
            continue
        got = assignment.get(key)
        structure = structure_pk(got) if got else None
        span = spans.get(key)
        explanation = bulk.JsonText(outputs.reference(*span) if span else "{}")
        rank = None
        if got:
            wishes = json.loads(wishes)
            rank = wishes.index(got) + 1 if got in wishes else None
        yield (session.pk, pk, run.pk, placed if got else unplaced, structure, structure, rank,
               False, "", None, explanation, None)  # fmt: skip


def _plain_keys(assignment: dict) -> bool:
    """Every key and structure is a plain identifier (`C000001`, `S000001`)."""
    return all(
        key.isalnum() and (got is None or (got.isalnum() and got[1:].isdigit()))
        for key, got in assignment.items()
    )


# The same rows as `_decision_rows`, in one statement on PostgreSQL: the engine's assignment
# and the offsets of the explanations are sent as four comma-separated lists, joined to the
# entries by child key (nothing read back, nothing formatted per row in Python).
INSERT_DECISIONS = """
INSERT INTO commission_decision (
    session_id, entry_id, run_id, outcome, proposed_structure_id, structure_id, wish_rank,
    overridden, override_reason, overridden_by_id, explanation, letter_queued_at
)
SELECT
    e.session_id, e.id, %(run)s,
    CASE WHEN e.exclusion <> '' THEN 'excluded'
         WHEN a.got IS NOT NULL THEN 'placed' ELSE 'unplaced' END,
    CASE WHEN e.exclusion = '' THEN substr(a.got, 2)::integer END,
    CASE WHEN e.exclusion = '' THEN substr(a.got, 2)::integer END,
    CASE WHEN e.exclusion = '' AND a.got IS NOT NULL THEN (
        SELECT min(w.position) FROM jsonb_array_elements_text(e.wishes)
            WITH ORDINALITY AS w(structure, position)
        WHERE w.structure = a.got
    ) END,
    false, '', NULL,
    CASE WHEN e.exclusion <> '' THEN jsonb_build_object('exclusion', e.exclusion)
         WHEN a.start IS NOT NULL THEN jsonb_build_object('output', jsonb_build_array(a.start, a.stop))
         ELSE '{}'::jsonb END,
    NULL
FROM commission_sessionentry e
LEFT JOIN (
    SELECT child, NULLIF(got, '') AS got, NULLIF(start, -1) AS start, NULLIF(stop, -1) AS stop
    FROM unnest(
        string_to_array(%(children)s, ','), string_to_array(%(got)s, ','),
        string_to_array(%(start)s, ',')::integer[], string_to_array(%(stop)s, ',')::integer[]
    ) AS a(child, got, start, stop)
) a ON a.child = e.child_key
WHERE e.session_id = %(session)s
"""


def _insert_decisions(session, run: Run, assignment: dict, spans: dict) -> int:
    children = list(assignment)
    missing = (-1, -1)
    params = {
        "run": run.pk,
        "session": session.pk,
        "children": ",".join(children),
        "got": ",".join(assignment[c] or "" for c in children),
        "start": ",".join(str(spans.get(c, missing)[0]) for c in children),
        "stop": ",".join(str(spans.get(c, missing)[1]) for c in children),
    }
    with connection.cursor() as cursor:
        cursor.execute(INSERT_DECISIONS, params)
        return cursor.rowcount


def _earlier_overrides(session) -> dict[int, dict]:
    """The commission's decisions on the current proposal, by entry id (one query)."""
    rows = Decision.objects.filter(session=session, overridden=True).values(
        "entry_id", "run_id", "structure_id", "override_reason", "overridden_by_id",
        "entry__child_key", "entry__application__number",
    )  # fmt: skip
    return {row["entry_id"]: row for row in rows}


def carry_overrides(session, earlier: dict[int, dict]) -> dict:
    """Re-apply each earlier decision of the commission (same entry, same structure or no
    place, same reason, same author) on top of the new proposal just stored; an override the
    new proposal already equals is dropped. Returns what was done:
    {"from_run", "carried": [{child_key, number}], "dropped": [...]}."""
    decisions = {
        decision.entry_id: decision
        for decision in Decision.objects.filter(session=session, entry_id__in=list(earlier))
        .select_related("entry")
        .only(
            "pk", "entry_id", "outcome", "proposed_structure_id", "structure_id", "explanation",
            "entry__wishes",
        )
    }  # fmt: skip
    carried, dropped, changed = [], [], []
    from_run = None
    for entry_id, row in sorted(earlier.items(), key=lambda item: item[1]["entry__child_key"]):
        decision = decisions.get(entry_id)
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
        entry_wishes = decision.entry.wishes or []
        decision.outcome = DecisionOutcome.PLACED if decided else DecisionOutcome.UNPLACED
        decision.structure_id = decided
        decision.wish_rank = entry_wishes.index(key) + 1 if key in entry_wishes else None
        decision.overridden = True
        decision.override_reason = row["override_reason"]
        decision.overridden_by_id = row["overridden_by_id"]
        decision.explanation = {
            **(decision.explanation or {}),
            "override": {
                "reason": row["override_reason"],
                "proposed": proposed,
                "decided": key,
                "carried_from_run": row["run_id"],
            },
        }
        changed.append(decision)
        carried.append(item)
    if changed:
        Decision.objects.bulk_update(
            changed,
            ["outcome", "structure", "wish_rank", "overridden", "override_reason",
             "overridden_by", "explanation"],
        )  # fmt: skip
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
