"""The points grid of a territory, versioned and published.

A territory's grid is a series of versions. An agent creates a draft (a copy of the version in
force), edits its lines (criterion, points, cap, reason), simulates it on the current queue to
see who would gain or lose, then adopts it (`grid_workflow`, audited) from a date. An adopted
version never changes again. It applies to the sessions frozen from its date on: a session
stores its grid when it freezes (csess), so a version adopted later never reaches a session
already frozen — and adoption refuses a start date on or before the date of a frozen session.

`grid_for_session(territory, on_date)` is the contract with the sessions' freeze.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from maillage.applications.enums import ACTIVE_STATES
from maillage.applications.models import Application
from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.audit.workflow import Transition, Workflow
from maillage.commission.enums import (
    PER_STRUCTURE_CRITERIA,
    PER_UNIT_CRITERIA,
    Criterion,
    DecisionOutcome,
    GridStatus,
    SessionStatus,
)
from maillage.commission.models import (
    CommissionSettings,
    GridCriterion,
    PointsGrid,
    Session,
    SessionEntry,
)
from maillage.commission.points import (
    Scorer,
    compute_points,
    load_light,
    months_between,
    seniority_start,
)

SIMULATION_KIND = "commission-grid-simulation"
# Rows of the simulation kept for display: the largest moves first (the counts cover everyone).
SIMULATION_ROWS = 300
MAX_POINTS = Decimal(1000)
# Sessions whose unplaced children count as "a commission passed without a place".
PASSED_STATUSES = [SessionStatus.PUBLISHED, SessionStatus.CLOSED]


class GridError(Exception):
    """A refusal about a grid, in French, shown as it is."""


class GridValidationError(GridError):
    """Errors of the edit form: `errors` maps a field (or `lines`) to French messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


# --- reading ------------------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def grid_in_force(territory, on: datetime.date | None = None) -> PointsGrid | None:
    """The adopted version in force on `on` (today by default), or None."""
    return PointsGrid.objects.filter(territory=territory).in_force(on or today()).first()


def grid_for_session(territory, on_date: datetime.date) -> PointsGrid | None:
    """The adopted grid in force at `on_date` — what a session freezing at that date stores in
    `Session.grid` (the freeze belongs to csess). None when the territory has no adopted grid
    in force at that date."""
    return grid_in_force(territory, on_date)


def settings_in_force(territory, on: datetime.date | None = None) -> CommissionSettings:
    """The commission's rules in force (an unsaved default row when the territory has none)."""
    found = CommissionSettings.objects.filter(territory=territory).in_force(on or today()).first()
    return found or CommissionSettings(territory=territory, valid_from=on or today())


def age_bands(territory, on: datetime.date | None = None) -> list[dict]:
    return list(settings_in_force(territory, on).age_bands or [])


def age_group_of(birth: datetime.date | None, reference: datetime.date, bands: list[dict]) -> str:
    """The code of the age band a child born on `birth` is in at `reference`, or ""."""
    if birth is None or birth > reference:
        return ""
    months = months_between(birth, reference)
    for band in bands:
        if band["min_months"] <= months <= band["max_months"]:
            return band["code"]
    return ""


@dataclass
class HistoryItem:
    grid: PointsGrid
    valid_until: datetime.date | None
    in_force: bool
    upcoming: bool
    never_applied: bool


def history(territory, on: datetime.date | None = None, *, current=None) -> list[HistoryItem]:
    """The adopted versions, most recent first, each with the period it applied (or applies).
    `current`: the version in force on `on`, when the caller already has it."""
    on = on or today()
    grids = list(
        PointsGrid.objects.filter(territory=territory)
        .adopted()
        .order_by("valid_from", "version")
        .select_related("adopted_by")
    )
    if current is None:
        current = grid_in_force(territory, on)
    items = []
    for index, grid in enumerate(grids):
        later = [g for g in grids[index + 1 :] if g.valid_from >= grid.valid_from]
        until = (later[0].valid_from - datetime.timedelta(days=1)) if later else None
        items.append(
            HistoryItem(
                grid=grid,
                valid_until=until,
                in_force=current is not None and grid.pk == current.pk,
                upcoming=grid.valid_from > on,
                never_applied=until is not None and until < grid.valid_from,
            )
        )
    items.reverse()
    return items


def versions(territory):
    return (
        PointsGrid.objects.filter(territory=territory)
        .annotate(line_count=Count("criteria"))
        .order_by("-version")
    )


def get_version(territory, version: int) -> PointsGrid | None:
    return PointsGrid.objects.filter(territory=territory, version=version).first()


def lines_signature(grid: PointsGrid) -> str:
    """A short fingerprint of a grid's lines (a simulation is stale once it changes)."""
    lines = [
        [row.criterion, str(row.points), str(row.cap), row.reason]
        for row in grid.criteria.order_by("position", "id")
    ]
    return hashlib.sha256(json.dumps(lines).encode()).hexdigest()[:16]


def line_dicts(grid: PointsGrid | None) -> list[dict]:
    """The grid's lines for display: label, points, cap, unit, reason, per structure or not."""
    if grid is None:
        return []
    return [
        {
            "criterion": row.criterion,
            "label": Criterion(row.criterion).label,
            "points": row.points,
            "cap": row.cap,
            "per_unit": row.criterion in PER_UNIT_CRITERIA,
            "per_structure": row.criterion in PER_STRUCTURE_CRITERIA,
            "reason": row.reason,
        }
        for row in grid.criteria.all()
    ]


def sessions_passed_for(territory) -> dict[int, int]:
    """Per application of the territory: the published sessions it went through without a
    place (the `seniority_session` criterion)."""
    rows = (
        SessionEntry.objects.filter(
            session__territory=territory,
            session__status__in=PASSED_STATUSES,
            decision__outcome=DecisionOutcome.UNPLACED,
        )
        .values("application_id")
        .annotate(n=Count("id"))
    )
    return {row["application_id"]: row["n"] for row in rows}


def sessions_passed(application) -> int:
    return SessionEntry.objects.filter(
        application=application,
        session__status__in=PASSED_STATUSES,
        decision__outcome=DecisionOutcome.UNPLACED,
    ).count()


# --- drafts -------------------------------------------------------------------------------------


def create_draft(territory, *, actor, organisation=None) -> PointsGrid:
    """A new draft version: a copy of the version in force (or of the last adopted one)."""
    existing = PointsGrid.objects.filter(territory=territory, status=GridStatus.DRAFT).first()
    if existing is not None:
        raise GridError(
            f"Un projet de grille existe déjà (version {existing.version}) : modifiez-le, "
            "adoptez-le ou supprimez-le avant d'en créer un autre."
        )
    base = (
        grid_in_force(territory)
        or PointsGrid.objects.filter(territory=territory).adopted().order_by("-version").first()
    )
    try:
        with transaction.atomic():
            last = PointsGrid.objects.filter(territory=territory).aggregate(m=Max("version"))["m"]
            grid = PointsGrid.objects.create(
                territory=territory,
                version=(last or 0) + 1,
                title=base.title if base else "Grille de points",
                valid_from=max(today(), base.valid_from) if base else today(),
                status=GridStatus.DRAFT,
                is_demo=base.is_demo if base else False,
            )
            if base is not None:
                GridCriterion.objects.bulk_create(
                    GridCriterion(
                        grid=grid,
                        criterion=row.criterion,
                        points=row.points,
                        cap=row.cap,
                        reason=row.reason,
                        position=row.position,
                    )
                    for row in base.criteria.all()
                )
    except IntegrityError:
        raise GridError(
            "Quelqu'un vient de créer une version de cette grille : rechargez la page."
        ) from None
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=grid,
        changes={"version": grid.version, "copied_from": base.version if base else None},
        message=f"Projet de grille v{grid.version}"
        + (f" (copie de la v{base.version})" if base else ""),
    )
    return grid


@dataclass
class LineInput:
    criterion: str
    points: str
    cap: str
    reason: str


def _decimal(value: str) -> Decimal | None:
    text = (value or "").strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise ValueError
    return number


def clean_lines(lines: list[LineInput]) -> tuple[list[dict], list[str]]:
    """Parse the typed lines; a line with no criterion chosen is ignored. Returns the lines and
    the French errors (each naming its line)."""
    cleaned, errors, seen = [], [], set()
    valid = set(Criterion.values)
    for number, line in enumerate(lines, start=1):
        if not line.criterion:
            if (line.points or "").strip() or (line.reason or "").strip():
                errors.append(f"Ligne {number} : choisissez le critère.")
            continue
        if line.criterion not in valid:
            errors.append(f"Ligne {number} : critère inconnu.")
            continue
        label = Criterion(line.criterion).label
        if line.criterion in seen:
            errors.append(f"Ligne {number} : le critère « {label} » figure déjà dans la grille.")
            continue
        seen.add(line.criterion)
        try:
            points = _decimal(line.points)
        except ValueError:
            errors.append(f"Ligne {number} ({label}) : les points sont un nombre (ex. 10 ou -5).")
            continue
        if points is None:
            errors.append(f"Ligne {number} ({label}) : indiquez les points.")
            continue
        if abs(points) > MAX_POINTS:
            errors.append(f"Ligne {number} ({label}) : au plus {MAX_POINTS} points.")
            continue
        try:
            cap = _decimal(line.cap)
        except ValueError:
            errors.append(f"Ligne {number} ({label}) : le plafond est un nombre positif.")
            continue
        if cap is not None and cap <= 0:
            errors.append(f"Ligne {number} ({label}) : le plafond est un nombre positif.")
            continue
        reason = (line.reason or "").strip()
        if not reason:
            errors.append(
                f"Ligne {number} ({label}) : indiquez le fondement (loi, convention, "
                "délibération) : il est publié avec la grille."
            )
            continue
        cleaned.append(
            {
                "criterion": line.criterion,
                "points": points,
                "cap": cap,
                "reason": reason[:255],
            }
        )
    return cleaned, errors


def _require_draft(grid: PointsGrid) -> None:
    if grid.status != GridStatus.DRAFT:
        raise GridError(
            f"La version {grid.version} est adoptée : elle ne change plus. Créez une nouvelle "
            "version pour proposer une modification."
        )


def _lines_snapshot(grid: PointsGrid) -> list[list]:
    return [
        [row.criterion, str(row.points), None if row.cap is None else str(row.cap), row.reason]
        for row in grid.criteria.order_by("position", "id")
    ]


def update_draft(
    grid: PointsGrid,
    *,
    title: str,
    valid_from: datetime.date,
    deliberation: str,
    notes: str,
    lines: list[LineInput],
    actor,
    organisation=None,
) -> PointsGrid:
    """Save a draft's header and lines at once (the lines replace the previous ones)."""
    _require_draft(grid)
    cleaned, errors = clean_lines(lines)
    problems: dict[str, list[str]] = {}
    if errors:
        problems["lines"] = errors
    elif not cleaned:
        problems["lines"] = ["Une grille compte au moins un critère."]
    if problems:
        raise GridValidationError(problems)
    before = {
        "title": grid.title,
        "valid_from": grid.valid_from.isoformat(),
        "deliberation": grid.deliberation,
        "notes": grid.notes,
        "lines": _lines_snapshot(grid),
    }
    with transaction.atomic():
        locked = PointsGrid.objects.select_for_update().get(pk=grid.pk)
        _require_draft(locked)
        grid.title = title.strip()[:200]
        grid.valid_from = valid_from
        grid.deliberation = deliberation.strip()[:255]
        grid.notes = notes.strip()
        grid.save(update_fields=["title", "valid_from", "deliberation", "notes"])
        grid.criteria.all().delete()
        GridCriterion.objects.bulk_create(
            GridCriterion(grid=grid, position=position, **line)
            for position, line in enumerate(cleaned)
        )
        after = {
            "title": grid.title,
            "valid_from": grid.valid_from.isoformat(),
            "deliberation": grid.deliberation,
            "notes": grid.notes,
            "lines": _lines_snapshot(grid),
        }
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if changes:
            record(
                AuditAction.UPDATE,
                actor=actor,
                organisation=organisation,
                obj=grid,
                changes=changes,
                message=f"Projet de grille v{grid.version} modifié",
            )
    return grid


def delete_draft(grid: PointsGrid, *, actor, organisation=None) -> None:
    _require_draft(grid)
    version = grid.version
    with transaction.atomic():
        record(
            AuditAction.DELETE,
            actor=actor,
            organisation=organisation,
            obj=grid,
            changes={"version": version, "lines": _lines_snapshot(grid)},
            message=f"Projet de grille v{version} supprimé",
        )
        grid.delete()


# --- adoption -----------------------------------------------------------------------------------


def adoption_refusal(grid: PointsGrid, on: datetime.date | None = None) -> str:
    """Why the draft cannot be adopted as it is (French), or ""."""
    on = on or today()
    if not grid.criteria.exists():
        return "Une grille sans critère ne peut pas être adoptée."
    if grid.criteria.filter(reason="").exists():
        return "Chaque critère doit avoir son fondement avant l'adoption : il est publié."
    if grid.valid_from < on:
        return (
            f"Une grille ne s'applique jamais au passé : sa date d'application "
            f"({grid.valid_from:%d/%m/%Y}) doit être aujourd'hui ou plus tard."
        )
    frozen = (
        Session.objects.filter(territory_id=grid.territory_id, date__gte=grid.valid_from)
        .exclude(status=SessionStatus.DRAFT)
        .order_by("-date")
        .first()
    )
    if frozen is not None:
        after = frozen.date + datetime.timedelta(days=1)
        return (
            f"La liste de la séance « {frozen.name} » du {frozen.date:%d/%m/%Y} est déjà arrêtée "
            f"avec sa grille : la nouvelle version ne peut s'appliquer qu'aux commissions "
            f"suivantes, à partir du {after:%d/%m/%Y}."
        )
    return ""


class GridWorkflow(Workflow):
    field = "status"
    transitions = [
        Transition(
            "adopt", [GridStatus.DRAFT], GridStatus.ADOPTED, "Adopter la grille", adoption_refusal
        ),
    ]


grid_workflow = GridWorkflow()


def adopt(grid: PointsGrid, *, actor, organisation=None, deliberation: str = "") -> PointsGrid:
    """Adopt a draft (audited transition). It then applies to the sessions frozen from its
    date and never changes again."""
    deliberation = (deliberation or grid.deliberation).strip()[:255]
    grid_workflow.apply(
        grid,
        "adopt",
        actor=actor,
        organisation=organisation,
        reason=deliberation,
        extra_updates={
            "adopted_at": timezone.now(),
            "adopted_by": actor if getattr(actor, "pk", None) else None,
            "deliberation": deliberation,
        },
    )
    return grid


# --- simulation ---------------------------------------------------------------------------------


def simulation_reference(territory, on: datetime.date | None = None):
    """The date ages are taken at for the simulation: the reference date of the next session
    in preparation, else today. Returns (date, session or None)."""
    on = on or today()
    session = (
        Session.objects.filter(territory=territory, status=SessionStatus.DRAFT, date__gte=on)
        .order_by("date")
        .first()
    )
    return (session.reference_date if session else on), session


def simulate(
    grid: PointsGrid,
    *,
    base: PointsGrid | None = None,
    on: datetime.date | None = None,
    progress=None,
) -> dict:
    """Who would gain or lose if `grid` replaced the version in force (`base`), on the current
    queue (applications waiting or asked to confirm their interest): points before and after,
    rank before and after among the applicants of the same age group (higher points first,
    then earlier application, then number — the engine's tie-break). Per-structure bonuses are
    reported apart (at the first wish). A JSON-ready dict; no names."""
    on = on or today()
    territory = grid.territory
    if base is None:
        base = grid_in_force(territory, on)
    if base is not None and base.pk == grid.pk:
        base = None
    reference, session = simulation_reference(territory, on)
    bands = age_bands(territory, on)
    labels = {band["code"]: band["label"] for band in bands}
    new_rows = Scorer(grid.criteria.all())
    old_rows = Scorer(base.criteria.all() if base is not None else [])
    passed = sessions_passed_for(territory)
    records = load_light(Application.objects.filter(territory=territory, state__in=ACTIVE_STATES))
    total = len(records)
    if progress:
        progress(0, total, "Calcul des points")
    entries = []
    for done, application in enumerate(records, start=1):
        wishes = application.structures
        count = passed.get(application.pk, 0)
        before = compute_points(application, old_rows, on, sessions_passed=count, structures=wishes)
        after = compute_points(application, new_rows, on, sessions_passed=count, structures=wishes)
        first = wishes[0].pk if wishes else None
        child = application.child
        entries.append(
            {
                "number": application.number,
                "group": age_group_of(child.birth_date or child.expected_date, reference, bands),
                "date": (seniority_start(application) or datetime.date.max).isoformat(),
                "before": before.total,
                "after": after.total,
                "bonus_before": before.bonus_total(first) if first else Decimal(0),
                "bonus_after": after.bonus_total(first) if first else Decimal(0),
            }
        )
        if progress and done % 1000 == 0:
            progress(done, total)
    by_group: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        by_group[entry["group"]].append(entry)
    groups = []
    codes = [band["code"] for band in bands] + [""]
    for code in codes:
        members = by_group.get(code, [])
        if not members:
            continue
        for key, rank_key in (("before", "rank_before"), ("after", "rank_after")):
            members.sort(key=lambda e, k=key: (-e[k], e["date"], e["number"]))
            for rank, entry in enumerate(members, start=1):
                entry[rank_key] = rank
        gain = sum(1 for e in members if e["rank_after"] < e["rank_before"])
        lose = sum(1 for e in members if e["rank_after"] > e["rank_before"])
        groups.append(
            {
                "code": code,
                "label": labels.get(code, "Hors des tranches d'âge")
                if code
                else ("Hors des tranches d'âge (ou pas encore né)"),
                "count": len(members),
                "gain": gain,
                "lose": lose,
                "same": len(members) - gain - lose,
                "points_up": sum(1 for e in members if e["after"] > e["before"]),
                "points_down": sum(1 for e in members if e["after"] < e["before"]),
                "max_gain": max((e["rank_before"] - e["rank_after"] for e in members), default=0),
                "max_loss": max((e["rank_after"] - e["rank_before"] for e in members), default=0),
            }
        )
    moved = [
        e
        for e in entries
        if e.get("rank_before") != e.get("rank_after")
        or (e["before"] != e["after"] or e["bonus_before"] != e["bonus_after"])
    ]
    moved.sort(key=lambda e: (-abs(e["rank_before"] - e["rank_after"]), e["number"]))
    rows = [
        {
            "number": e["number"],
            "group": labels.get(e["group"], "Hors tranches") if e["group"] else "Hors tranches",
            "before": float(e["before"]),
            "after": float(e["after"]),
            "bonus_before": float(e["bonus_before"]),
            "bonus_after": float(e["bonus_after"]),
            "rank_before": e["rank_before"],
            "rank_after": e["rank_after"],
            "move": e["rank_before"] - e["rank_after"],
        }
        for e in moved[:SIMULATION_ROWS]
    ]
    if progress:
        progress(total, total, "Terminé")
    return {
        "grid": grid.version,
        "base": base.version if base is not None else None,
        "on": on.isoformat(),
        "reference_date": reference.isoformat(),
        "session": session.name if session else "",
        "count": len(entries),
        "changed": len(moved),
        "groups": groups,
        "rows": rows,
        "truncated": len(moved) > SIMULATION_ROWS,
        "signature": lines_signature(grid),
        "base_signature": lines_signature(base) if base is not None else "",
    }


def _simulation_key(grid: PointsGrid) -> str:
    return f"{SIMULATION_KIND}:{grid.pk}"


def start_simulation(grid: PointsGrid, *, actor, organisation=None):
    """Start (or join) the background simulation of a draft on the current queue."""
    from maillage.commission.grid_tasks import simulate_grid
    from maillage.core.jobs import start_job

    _require_draft(grid)
    job = start_job(
        SIMULATION_KIND,
        f"Simulation de la grille v{grid.version} — {grid.territory.name}",
        simulate_grid,
        grid.pk,
        user=actor,
        key=_simulation_key(grid),
    )
    record(
        AuditAction.VIEW,
        actor=actor,
        organisation=organisation,
        obj=grid,
        changes={"fields": ["points", "rang"]},
        message=f"Simulation de la grille v{grid.version} sur la file d'attente",
    )
    return job


def latest_simulation(grid: PointsGrid):
    from maillage.core.models import Job

    return Job.objects.filter(key=_simulation_key(grid)).first()


def run_simulation(job_id: int, grid_id: int) -> None:
    """Body of the background task."""
    from maillage.core.jobs import JobError, run_job

    with run_job(job_id) as job:
        grid = PointsGrid.objects.select_related("territory").filter(pk=grid_id).first()
        if grid is None:
            raise JobError("Ce projet de grille a été supprimé entre-temps.")
        job.result = simulate(grid, progress=job.progress)
