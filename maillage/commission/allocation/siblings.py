"""`siblings` (the default method): deferred acceptance with joint families and repairs.

A first pass proposes agents in instance order (see `engine.py`). With joint families a
stable assignment may not exist, and when one exists the repair loop may not reach it from
that order; so when the check still finds blocking pairs or coalitions, the pass is retried
with other proposal orders drawn from the run's seed, and the best attempt is kept (fewest
blocking, then most children placed, then the earliest attempt). Everything depends only on
the instance and the seed, never on timing, so a run can be replayed exactly.
"""

from __future__ import annotations

import random

from maillage.commission.allocation.check import check
from maillage.commission.allocation.engine import Engine, ProgressFn
from maillage.commission.allocation.model import Instance, Result
from maillage.commission.allocation.problem import Problem

DEFAULT_ATTEMPTS = 12


def solve_siblings(
    instance: Instance,
    seed: int = 0,
    attempts: int = DEFAULT_ATTEMPTS,
    progress: ProgressFn | None = None,
) -> Result:
    problem = Problem(instance, joint=True)
    n_agents = len(problem.agents)
    best: tuple[tuple[int, int, int], Engine, dict] | None = None
    tried = 0
    for attempt in range(max(1, attempts)):
        tried += 1
        order = list(range(n_agents))
        if attempt:
            random.Random(seed * 1_000_003 + attempt).shuffle(order)
        engine = Engine(problem, order=order, progress=progress).run()
        assignment = engine.assignment()
        report = check(instance, assignment)
        score = (report.blocking, -report.placed, attempt)
        if best is None or score < best[0]:
            best = (score, engine, assignment)
        if progress is not None:
            progress("siblings", attempt + 1, attempts)
        if report.blocking == 0 or not instance.joint_families:
            break
    assert best is not None
    (blocking, _placed, attempt), engine, assignment = best
    stats = {
        "attempts": tried,
        "kept_attempt": attempt + 1,
        "repair_steps": engine.steps,
        "repair_budget_exhausted": engine.exhausted_budget,
    }
    return Result(method="siblings", assignment=assignment, stats=stats)
