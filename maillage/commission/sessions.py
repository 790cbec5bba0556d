"""Commission sessions: create one, declare the places that open, freeze the queue, adopt a run,
and change a decision with a written reason. Every state change goes through
`workflow.session_workflow` (row lock, transition log, audit)."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify

from maillage.applications.changes import queue_changed
from maillage.applications.models import GuichetSettings
from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.audit.workflow import WorkflowError
from maillage.commission import bulk, grids
from maillage.commission import instance as instance_module
from maillage.commission.enums import DecisionOutcome, Exclusion, SessionKind, SessionStatus
from maillage.commission.instance import FreezeError, structure_key
from maillage.commission.models import Decision, Run, Session, SessionEntry, SessionPlaces
from maillage.commission.workflow import session_workflow


class SessionError(Exception):
    """A French message a person can act on."""


# -- creation and places --------------------------------------------------------------------


def age_bands(session_or_territory, on: datetime.date | None = None) -> list[dict]:
    territory = getattr(session_or_territory, "territory", session_or_territory)
    on = on or getattr(session_or_territory, "date", None)
    return grids.age_bands(territory, on)


def guichet_rules(territory, on: datetime.date | None = None) -> GuichetSettings | None:
    return (
        GuichetSettings.objects.filter(territory=territory)
        .in_force(on)
        .order_by("-valid_from")
        .first()
    )


def participating_structures(territory, on: datetime.date | None = None):
    """The structures that take part in the territory's guichet (where places are declared)."""
    rules = guichet_rules(territory, on)
    if rules is None:
        from maillage.directory.models import Structure

        return Structure.objects.none()
    return rules.participating_structures.select_related("commune").order_by("name", "pk")


def _unique_slug(base: str) -> str:
    slug, n = base[:80], 2
    while Session.objects.filter(slug=slug).exists():
        slug = f"{base[:74]}-{n}"
        n += 1
    return slug


def create_session(
    territory,
    *,
    date: datetime.date,
    reference_date: datetime.date,
    entry_from: datetime.date,
    entry_until: datetime.date,
    kind: str = SessionKind.MAIN,
    name: str = "",
    freeze_date: datetime.date | None = None,
    actor=None,
    organisation=None,
) -> Session:
    """A draft session. The list is frozen `freeze_days` (guichet rule) before the sitting
    unless a date is given."""
    if entry_from > entry_until:
        raise SessionError("La période d'entrée doit commencer avant de finir.")
    if freeze_date is None:
        rules = guichet_rules(territory, date)
        days = rules.freeze_days if rules is not None else 0
        freeze_date = date - datetime.timedelta(days=days)
    if freeze_date > date:
        raise SessionError("La liste doit être arrêtée au plus tard le jour de la commission.")
    label = SessionKind(kind).label
    name = name.strip() or f"{label} du {date:%d/%m/%Y}"
    with transaction.atomic():
        try:
            session = Session.objects.create(
                territory=territory,
                slug=_unique_slug(slugify(f"{territory.slug}-{date:%Y-%m-%d}")),
                name=name,
                kind=kind,
                date=date,
                freeze_date=freeze_date,
                reference_date=reference_date,
                entry_from=entry_from,
                entry_until=entry_until,
            )
        except IntegrityError as exc:  # pragma: no cover - a concurrent creation took the slug
            raise SessionError(
                "Une séance vient d'être créée à cette date : rechargez la page."
            ) from exc
        record(
            AuditAction.CREATE,
            actor=actor,
            organisation=organisation,
            obj=session,
            message=f"Séance de commission créée : {session.name}",
        )
    return session


@dataclass
class PlacesLine:
    structure: object
    age_group: str
    places: int
    start_date: datetime.date | None


def declare_places(
    session, lines: list[PlacesLine], *, actor=None, organisation=None, structures=None
) -> int:
    """Set the places that open at the session (0 removes a line). Only before the freeze.
    `structures`: those the declarant may declare (default: every participating structure)."""
    if session.status != SessionStatus.DRAFT:
        raise SessionError("La liste est arrêtée : les places ne peuvent plus être modifiées.")
    groups = {band["code"] for band in age_bands(session)}
    if structures is None:
        structures = participating_structures(session.territory, session.date)
    allowed = set(structures.values_list("pk", flat=True))
    changed = 0
    with transaction.atomic():
        for line in lines:
            if line.age_group not in groups:
                raise SessionError(f"Tranche d'âge inconnue : « {line.age_group} ».")
            if line.structure.pk not in allowed:
                raise SessionError(
                    f"La structure « {line.structure} » ne participe pas au guichet unique."
                )
            if line.places < 0:
                raise SessionError("Un nombre de places ne peut pas être négatif.")
            if line.places == 0:
                changed += SessionPlaces.objects.filter(
                    session=session, structure=line.structure, age_group=line.age_group
                ).delete()[0]
                continue
            start = line.start_date or session.entry_from
            if not (session.entry_from <= start <= session.entry_until):
                raise SessionError(
                    f"La date d'entrée du {start:%d/%m/%Y} est hors de la période d'entrée de la "
                    f"commission ({session.entry_from:%d/%m/%Y} – {session.entry_until:%d/%m/%Y})."
                )
            SessionPlaces.objects.update_or_create(
                session=session,
                structure=line.structure,
                age_group=line.age_group,
                defaults={"places": line.places, "start_date": start, "declared_by": actor},
            )
            changed += 1
        queue_changed()  # the places opening in the window (0 removes a line)
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=session,
            changes={"places": [None, places_total(session)]},
            message="Places déclarées pour la séance",
        )
    return changed


def places_total(session) -> int:
    return session.places.aggregate(total=Sum("places"))["total"] or 0


# -- freeze ---------------------------------------------------------------------------------


def freeze(session, actor=None, *, organisation=None, run_next: bool = False) -> dict:
    """Freeze the queue: store the grid, one entry per application examined, the instance and
    its SHA-256. Returns the counts (entries, children, structures, families, excluded).

    `run_next`: a run follows in this process (the command line's `run` on a draft session):
    the instance validated here is kept for it (`instance.recall`), not read again."""
    if session.status != SessionStatus.DRAFT:
        raise SessionError("La liste de cette séance est déjà arrêtée.")
    try:
        built = instance_module.build(session)
    except FreezeError as exc:
        raise SessionError(str(exc)) from exc
    try:
        _store_freeze(session, built, actor, organisation)
    except WorkflowError as exc:
        raise SessionError(str(exc)) from exc
    if run_next and built.parsed is not None:
        instance_module.remember(built.parsed)
    summary = {**built.counts, "sha256": built.sha256, "warnings": built.warnings}
    return summary


@transaction.atomic
def _store_freeze(session, built, actor, organisation) -> None:
    session_workflow.apply(
        session,
        "freeze",
        actor=actor,
        organisation=organisation,
        extra_updates={
            "grid": built.grid,
            "frozen_at": timezone.now(),
            "instance_sha256": built.sha256,
        },
    )
    # megabytes: sent apart from the statement (same transaction as the state change)
    bulk.write_text(Session, session.pk, instance=built.text)
    session.instance = built.text
    bulk.copy(
        SessionEntry,
        ("session_id", *instance_module.ENTRY_COLUMNS),
        ((session.pk, *entry.row()) for entry in built.entries),
    )


def ensure_frozen(session, actor=None, *, organisation=None, run_next: bool = False) -> Session:
    if session.status == SessionStatus.DRAFT:
        freeze(session, actor, organisation=organisation, run_next=run_next)
    return session


# -- runs, validation, overrides ---------------------------------------------------------------


def latest_run(session) -> Run | None:
    """The session's latest run (its output, megabytes on a main session, read on access)."""
    return session.runs.defer("output").order_by("-created_at", "-id").first()


def validate(session, actor=None, *, organisation=None) -> Session:
    """The commission adopts the latest run (its decisions, overrides included)."""
    run = latest_run(session)
    if run is None:
        raise SessionError("Calculez d'abord une proposition avant de la valider.")
    try:
        _validate(session, run, actor, organisation)
    except WorkflowError as exc:
        raise SessionError(str(exc)) from exc
    return session


def _validate(session, run, actor, organisation) -> None:
    session_workflow.apply(
        session,
        "validate",
        actor=actor,
        organisation=organisation,
        extra_updates={
            "validated_run": run,
            "validated_at": timezone.now(),
            "validated_by": actor if getattr(actor, "pk", None) else None,
        },
    )


def override(
    decision: Decision, structure, reason: str, *, actor=None, organisation=None
) -> Decision:
    """The commission changes a proposal: a place at `structure` (one of the structures of the
    instance) or no place (`structure=None`), with a written reason quoted in the letter."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise SessionError(
            "Écrivez le motif de la commission (au moins quelques mots) : il est cité dans le "
            "courrier de la famille."
        )
    session = decision.session
    if session.status != SessionStatus.RUN:
        raise SessionError(
            "Une décision ne se modifie qu'entre le calcul et la validation de la proposition."
        )
    entry = decision.entry
    if entry.exclusion:
        raise SessionError("Cette demande n'a pas été étudiée : la décision ne peut être changée.")
    key = structure_key(structure.pk) if structure is not None else None
    if key is not None and key not in instance_structures(session):
        raise SessionError("Cette structure n'a pas de place ouverte à cette commission.")
    proposed = (
        structure_key(decision.proposed_structure_id) if decision.proposed_structure_id else None
    )
    before = {"outcome": decision.outcome, "structure": decision.structure_id}
    explanation = dict(decision.explanation or {})
    explanation["override"] = {"reason": reason, "proposed": proposed, "decided": key}
    with transaction.atomic():
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        locked.outcome = DecisionOutcome.PLACED if key else DecisionOutcome.UNPLACED
        locked.structure_id = structure.pk if structure is not None else None
        locked.wish_rank = entry.wishes.index(key) + 1 if key in entry.wishes else None
        locked.overridden = True
        locked.override_reason = reason
        locked.overridden_by = actor if getattr(actor, "pk", None) else None
        locked.explanation = explanation
        locked.save(
            update_fields=[
                "outcome", "structure", "wish_rank", "overridden", "override_reason",
                "overridden_by", "explanation",
            ]
        )  # fmt: skip
        queue_changed()  # « sans place après une commission »
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=locked,
            changes={
                "outcome": [before["outcome"], locked.outcome],
                "structure": [before["structure"], locked.structure_id],
            },
            message=f"Décision de la commission modifiée : {reason}",
        )
        run = Run.objects.filter(pk=locked.run_id).only("pk", "statistics").first()
        if run is not None:
            store_statistics(session, run, reuse_figures=True)
    return locked


def instance_structures(session) -> dict[str, dict]:
    """The structures of the frozen instance, by key (read from the stored JSON)."""
    import json

    if not session.instance:
        return {}
    return {s["id"]: s for s in json.loads(session.instance)["structures"]}


REASON_LABELS = {
    "cutoff": "places allées à des enfants mieux classés",
    "reserved": "places réservées à une catégorie",
    "no_place": "aucune place ouverte dans la tranche d'âge",
    "not_acceptable": "ordre explicite de la structure",
    "joint_option": "option commune de la fratrie impossible",
    "blocking": "affectation non stable sur ce vœu",
}


# -- summaries ------------------------------------------------------------------------------


def summary(session) -> dict:
    """What `maillage commission sessions` prints for one session."""
    frozen = session.status != SessionStatus.DRAFT
    return {
        "slug": session.slug,
        "date": session.date.isoformat(),
        "status": session.status,
        "places": places_total(session),
        "applications": (
            session.entries.count() if frozen else instance_module.queue_count(session)
        ),
    }


def proposal_statistics(session, run: Run | None = None) -> dict:
    """The commission's view of a proposal (see `compute_statistics`), read from the run where
    they were stored when it was computed and after each decision changed: a page view never
    reads the session's entries."""
    run = run or latest_run(session)
    if run is None:
        return {"run": None, **empty_statistics()}
    stats = run.statistics or compute_statistics(session, run)  # runs stored before: computed
    return {"run": run, **empty_statistics(), **stats}


def empty_statistics() -> dict:
    return {
        "outcomes": {"placed": 0, "unplaced": 0, "excluded": 0},
        "first_wish": 0, "overridden": 0, "carried_over": 0, "siblings_apart": 0,
        "per_commune": [], "per_criterion": [], "per_structure": [], "reserves": [],
        "excluded": [], "unplaced_reasons": [],
    }  # fmt: skip


def compute_statistics(
    session, run: Run, figures: dict | None = None, output: dict | None = None
) -> dict:
    """Placed per commune, per criterion, per structure, reserves filled, cutoffs, placed at
    first wish, decisions changed by the commission, unplaced and excluded with reasons — from
    the session's entries and decisions (read as tuples, one query) and the run's output
    (`output` when the caller has it parsed already; JSON values only)."""
    rows = SessionEntry.objects.filter(session=session).values_list(
        "exclusion", "siblings_apart", "points_detail", "decision__outcome",
        "decision__wish_rank", "decision__overridden", "application__household__commune__name",
    )  # fmt: skip
    outcomes: Counter = Counter()
    per_commune: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_criterion: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    excluded: Counter = Counter()
    first_wish = overridden = apart = 0
    placed_code = str(DecisionOutcome.PLACED)
    for exclusion, siblings_apart, detail, outcome, wish_rank, changed, commune in rows.iterator(
        chunk_size=2000
    ):
        if outcome:
            outcomes[outcome] += 1
        if exclusion:
            excluded[exclusion] += 1
            continue
        apart += int(siblings_apart)
        placed = outcome == placed_code
        counts = per_commune[commune or "Commune inconnue"]
        counts[0] += 1
        counts[1] += int(placed)
        for line in detail or ():
            counts = per_criterion[line["label"]]
            counts[0] += 1
            counts[1] += int(placed)
        if placed and wish_rank == 1:
            first_wish += 1
        if changed:
            overridden += 1
    carried = Decision.objects.filter(
        session=session, overridden=True, explanation__override__has_key="carried_from_run"
    ).count()
    figures = figures or run_figures(session, run, output)
    return {
        "outcomes": {
            "placed": outcomes.get(DecisionOutcome.PLACED, 0),
            "unplaced": outcomes.get(DecisionOutcome.UNPLACED, 0),
            "excluded": outcomes.get(DecisionOutcome.EXCLUDED, 0),
        },
        "first_wish": first_wish,
        "overridden": overridden,
        "carried_over": carried,
        "siblings_apart": apart,
        "per_commune": [
            {"name": name, "examined": n, "placed": p}
            for name, (n, p) in sorted(per_commune.items())
        ],
        "per_criterion": [
            {"label": str(label), "examined": n, "placed": p}
            for label, (n, p) in sorted(per_criterion.items())
        ],
        "per_structure": figures["per_structure"],
        "reserves": figures["reserves"],
        "excluded": [
            {"code": str(code), "label": str(Exclusion(code).label), "count": n}
            for code, n in sorted(excluded.items())
        ],
        "unplaced_reasons": figures["unplaced_reasons"],
    }


def store_statistics(
    session, run: Run, *, reuse_figures: bool = False, output: dict | None = None
) -> dict:
    """Compute the proposal's statistics and keep them on the run (when it is stored, and
    after each decision changed by the commission: the engine's figures per structure, reserve
    and reason do not change then, and are reused)."""
    figures = None
    if reuse_figures and run.statistics:
        figures = {k: run.statistics[k] for k in ("per_structure", "reserves", "unplaced_reasons")}
    stats = compute_statistics(session, run, figures, output)
    Run.objects.filter(pk=run.pk).update(statistics=stats)
    run.statistics = stats
    return stats


def run_figures(session, run: Run, output: dict | None = None) -> dict:
    """What a run's output says per structure and age group (places, applicants, admitted,
    cutoff), per reserve (employer reserves named), and why children got no place."""
    import json

    from maillage.commission.employers import employer_names

    output = output if output is not None else json.loads(run.output)
    names = {key: key for key in output["cutoffs"]} | structure_names(output["cutoffs"])
    per_structure, reserves = [], []
    for skey in sorted(names, key=lambda k: (names[k], k)):
        for group, cutoff in sorted(output["cutoffs"].get(skey, {}).items()):
            per_structure.append(
                {
                    "key": skey,
                    "name": names[skey],
                    "age_group": group,
                    "places": cutoff.get("places", 0),
                    "applicants": cutoff.get("applicants", 0),
                    "admitted": len(cutoff.get("admitted", [])),
                    "vacant": cutoff.get("vacant", 0),
                    "cutoff": {
                        k: v for k, v in (cutoff.get("cutoff") or {}).items() if k != "child"
                    },
                }
            )
            reserve = cutoff.get("reserve")
            if reserve:
                reserves.append(
                    {
                        "name": names[skey],
                        "age_group": group,
                        "tag": reserve.get("tag"),
                        "places": reserve.get("places", 0),
                        "filled": reserve.get("filled", 0),
                        "hard": reserve.get("hard"),
                    }
                )
    employers = employer_names([r["tag"] or "" for r in reserves])
    for reserve in reserves:
        reserve["label"] = reserve_kind_label(reserve["tag"] or "", employers)
    unplaced: Counter = Counter()
    for explanation in output["explanations"].values():
        if explanation.get("obtained") is None:
            reasons = {item.get("reason") for item in explanation.get("not_obtained", [])}
            label = " ; ".join(REASON_LABELS.get(r, r) for r in sorted(r for r in reasons if r))
            unplaced[label or "Aucun vœu étudié"] += 1
    return {
        "per_structure": per_structure,
        "reserves": reserves,
        "unplaced_reasons": [{"reasons": r, "count": n} for r, n in unplaced.most_common()],
    }


def reserve_kind_label(tag: str, employers: dict[str, str]) -> str:
    """A reserve's category for the agents: its kind, and the employer's name."""
    from maillage.commission.enums import ReserveKind

    if tag.startswith("employer:"):
        name = employers.get(tag, "")
        return f"{ReserveKind.EMPLOYER.label} ({name})" if name else str(ReserveKind.EMPLOYER.label)
    if tag in ReserveKind.values:
        return str(ReserveKind(tag).label)
    return tag


def employer_tag_names(tags) -> dict[str, str]:
    """{"employer:<pk>": employer} for the employer tags among `tags` (one query, none when
    there is no such tag)."""
    from maillage.commission.employers import employer_names

    return employer_names(tags)


def overrides_count(session) -> int:
    """The commission's decisions on the current proposal (carried over by a new run)."""
    return Decision.objects.filter(session=session, overridden=True).count()


def structure_names(keys) -> dict[str, str]:
    """{structure key: name} for the keys of a page (one query, never the whole instance)."""
    from maillage.directory.models import Structure

    pks = {instance_module.structure_pk(k) for k in keys}
    if not pks:
        return {}
    return {
        structure_key(pk): name
        for pk, name in Structure.objects.filter(pk__in=pks).values_list("pk", "name")
    }


# -- reads by agents (audited) --------------------------------------------------------------


def record_entries_read(entries, *, actor, organisation=None, message: str = "") -> int:
    """One audit entry per application shown on a page of the proposal (fields, never values)."""
    from maillage.audit.services import record_many

    applications = [entry.application for entry in entries]
    if not applications or not getattr(actor, "is_authenticated", False):
        return 0
    return record_many(
        AuditAction.VIEW,
        applications,
        actor=actor,
        organisation=organisation,
        changes=[{"fields": ["commission_decision", "points", "wishes"]}] * len(applications),
        message=message or "Consultation de la proposition de la commission",
    )


def record_decision_read(decision, *, actor, organisation=None) -> None:
    from maillage.audit.services import record_read

    record_read(
        decision.entry.application,
        actor=actor,
        organisation=organisation,
        fields=["commission_decision", "points", "wishes", "explanation"],
        message=f"Consultation de la décision de la commission ({decision.session.slug})",
    )


def proposal_page(session, *, outcome: str = "", page: int = 1, per_page: int = 50):
    """The decisions of a session, by outcome, paginated (for the proposal page)."""
    from django.core.paginator import Paginator

    decisions = (
        Decision.objects.filter(session=session)
        .select_related(
            "entry__application__household__commune", "entry__application__child", "structure"
        )
        .order_by("entry__child_key")
    )
    if outcome in DecisionOutcome.values:
        decisions = decisions.filter(outcome=outcome)
    return Paginator(decisions, per_page).get_page(page)


def decision_in_session(session, pk: int) -> Decision | None:
    return (
        Decision.objects.filter(session=session, pk=pk)
        .select_related(
            "session", "entry__application__household__commune", "entry__application__child",
            "structure", "proposed_structure",
        )
        .first()
    )  # fmt: skip
