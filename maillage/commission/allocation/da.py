"""`da`: child-proposing deferred acceptance under the published rule.

Every child is treated as independent, with its own wishes. A child of a joint family that
gave no wishes uses the projection of the family's joint options (its structures in the order
of the options). Deferred acceptance cannot keep a joint family together, so afterwards each
joint family keeps the best of its options that is compatible with what its children received
(a child may lose its place, never gain one); when none is, all its children lose their place.
The places released that way are not offered again, so `check` may then report blocking pairs
and coalitions: `siblings` is the method that handles joint families.
"""

from __future__ import annotations

from maillage.commission.allocation.engine import Engine, ProgressFn
from maillage.commission.allocation.model import Assignment, Instance, Result
from maillage.commission.allocation.problem import Problem


def solve_da(instance: Instance, progress: ProgressFn | None = None) -> Result:
    problem = Problem(instance, joint=False)
    if progress is not None:
        progress("da", 0, len(problem.agents))
    engine = Engine(problem, progress=progress).run()
    assignment = engine.assignment()
    released = keep_joint_options(instance, assignment)
    stats = {"released_by_joint_families": released}
    if progress is not None:
        progress("da", len(problem.agents), len(problem.agents))
    return Result(method="da", assignment=assignment, stats=stats)


def keep_joint_options(instance: Instance, assignment: Assignment) -> int:
    """Reduce each joint family to its best compatible option; return the places released."""
    released = 0
    for family in instance.joint_families:
        got = tuple(assignment.get(cid) for cid in family.children)
        options = family.joint_wishes or ()
        if all(s is None for s in got) or got in options:
            continue
        keep = next(
            (
                option
                for option in options
                if all(o is None or o == g for o, g in zip(option, got, strict=True))
            ),
            None,
        )
        for i, cid in enumerate(family.children):
            if got[i] is not None and (keep is None or keep[i] is None):
                assignment[cid] = None
                released += 1
    return released
