"""The engine's entry points: `solve` (an assignment) and `run` (the whole output document)."""

from __future__ import annotations

import time
from typing import Any

from maillage.commission.allocation.check import CheckReport, check
from maillage.commission.allocation.da import solve_da
from maillage.commission.allocation.engine import ProgressFn
from maillage.commission.allocation.explain import explain
from maillage.commission.allocation.model import Instance, Result
from maillage.commission.allocation.siblings import siblings_with_report
from maillage.commission.allocation.version import ENGINE_NAME, __version__

METHODS = ("da", "siblings", "optimal")
DEFAULT_METHOD = "siblings"
DEFAULT_TIME_LIMIT = 10.0


def solve(
    instance: Instance,
    method: str = DEFAULT_METHOD,
    *,
    seed: int = 0,
    time_limit: float = DEFAULT_TIME_LIMIT,
    progress: ProgressFn | None = None,
) -> Result:
    """Compute an assignment. `progress(stage, done, total)` is called during long runs."""
    return _solve(instance, method, seed, time_limit, progress)[0]


def _solve(
    instance: Instance,
    method: str,
    seed: int,
    time_limit: float,
    progress: ProgressFn | None,
) -> tuple[Result, CheckReport | None]:
    """The result and, when the method already checked that very assignment, its report."""
    if method == "da":
        return solve_da(instance, progress=progress), None
    if method == "siblings":
        return siblings_with_report(instance, seed, progress=progress)
    if method == "optimal":
        # Imported here: `da` and `siblings` need not load the solver's module.
        from maillage.commission.allocation.optimal import solve_optimal  # noqa: PLC0415

        return solve_optimal(instance, seed=seed, time_limit=time_limit, progress=progress), None
    raise ValueError(f"méthode « {method} » inconnue ; attendu l'une de : {', '.join(METHODS)}.")


def run(
    instance: Instance,
    method: str = DEFAULT_METHOD,
    *,
    seed: int = 0,
    time_limit: float = DEFAULT_TIME_LIMIT,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Solve, check and explain: the document the CLI writes.

    The assignment is checked once (`siblings` hands over the check it already made), and
    explanations reuse that check's blocking pairs.

    Everything in it is a function of the instance, the method, the seed and the time
    limit, except `run.duration_seconds`.
    """
    started = time.perf_counter()
    result, report = _solve(instance, method, seed, time_limit, progress)
    if report is None:
        if progress is not None:
            progress("contrôle", 0, 1)
        report = check(instance, result.assignment)
    explained = explain(instance, result.assignment, progress=progress, report=report)
    stats = {
        **report.counts(),
        "feasible": report.feasible,
        "stable": report.stable,
        "places": sum(sum(s.capacity.values()) for s in instance.structures),
        "placed_by_wish_rank": _by_rank(instance, result.assignment),
        "method": result.stats,
        "warnings": _warnings(instance),
    }
    if report.violations:
        stats["violations_detail"] = [v.to_dict() for v in report.violations]
    if report.blocking:
        stats["blocking_pairs_detail"] = [p.to_dict() for p in report.blocking_pairs]
        stats["blocking_coalitions_detail"] = [c.to_dict() for c in report.blocking_coalitions]
    return {
        "assignment": {cid: result.assignment.get(cid) for cid in sorted(result.assignment)},
        "explanations": explained["explanations"],
        "cutoffs": explained["cutoffs"],
        "letters": explained["letters"],
        "stats": stats,
        "run": {
            "engine": ENGINE_NAME,
            "engine_version": __version__,
            "format_version": 1,
            "method": method,
            "seed": seed,
            "time_limit": time_limit if method == "optimal" else None,
            "instance_name": instance.name,
            "input_sha256": instance.input_sha256,
            "duration_seconds": round(time.perf_counter() - started, 3),
        },
    }


def _by_rank(instance: Instance, assignment: dict[str, str | None]) -> dict[str, int]:
    """How many independent children got their first wish, their second, and so on."""
    counts: dict[str, int] = {}
    joint = instance.joint_family_of
    get = assignment.get
    for child in instance.children:
        sid = get(child.id)
        if sid is None or child.id in joint:
            continue
        wishes = child.wishes
        if wishes and wishes[0] == sid:  # the most common case, without a search
            rank = "1"
        elif sid in wishes:
            rank = str(wishes.index(sid) + 1)
        else:
            continue
        counts[rank] = counts.get(rank, 0) + 1
    return counts


def _warnings(instance: Instance) -> list[str]:
    """Facts a commission should know before trusting the ranking (in French)."""
    warnings = []
    undated = sorted(c.id for c in instance.children if not c.application_date)
    if undated:
        warnings.append(
            f"{len(undated)} enfant(s) sans date de dépôt (par exemple {', '.join(undated[:3])}) :"
            " selon la règle du format, une date absente passe avant toute date en cas"
            " d'égalité de points."
        )
    # Per age group, the structures without places in it; then the wishes naming one.
    shut: dict[str, set[str]] = {}
    for structure in instance.structures:
        for group in instance.age_groups:
            if structure.places(group) == 0:
                shut.setdefault(group, set()).add(structure.id)
    closed = sorted(
        f"{c.id} → {sid}"
        for c in instance.children
        if c.age_group in shut
        for sid in c.wishes
        if sid in shut[c.age_group]
    )
    if closed:
        warnings.append(
            f"{len(closed)} vœu(x) portent sur un groupe d'âge sans place ouverte (par exemple"
            f" {', '.join(closed[:3])})."
        )
    return warnings
