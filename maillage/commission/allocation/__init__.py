"""Pure-Python allocation engine for crèche admission commissions. Never imports Django.

    from maillage.commission.allocation import load_instance, solve, check, explain, run

    instance = load_instance("instance.json")        # or parse_instance(dict)
    result = solve(instance, method="siblings")       # "da", "siblings" (default), "optimal"
    report = check(instance, result.assignment)       # violations, blocking pairs/coalitions
    document = run(instance)                          # assignment, explanations, cutoffs, letters…
    text = render_letter_text(child_id, document["explanations"][child_id],
                              document["letters"]["structure_labels"])   # a letter, in French

Formats: shared/specs/allocation-format.md; user documentation: docs/allocation.md.
"""

from maillage.commission.allocation.check import (
    BlockingCoalition,
    BlockingPair,
    CheckReport,
    Violation,
    check,
)
from maillage.commission.allocation.explain import explain
from maillage.commission.allocation.io import (
    InvalidDocument,
    load_assignment,
    load_instance,
    load_json,
    parse_assignment,
)
from maillage.commission.allocation.letters import render_letter_text
from maillage.commission.allocation.model import (
    Child,
    Family,
    Instance,
    Reserve,
    Result,
    Structure,
)
from maillage.commission.allocation.solver import METHODS, run, solve
from maillage.commission.allocation.validate import InvalidInstance, parse_instance, validate
from maillage.commission.allocation.version import __version__

__all__ = [
    "METHODS",
    "BlockingCoalition",
    "BlockingPair",
    "CheckReport",
    "Child",
    "Family",
    "Instance",
    "InvalidDocument",
    "InvalidInstance",
    "Reserve",
    "Result",
    "Structure",
    "Violation",
    "__version__",
    "check",
    "explain",
    "load_assignment",
    "load_instance",
    "load_json",
    "parse_assignment",
    "parse_instance",
    "render_letter_text",
    "run",
    "solve",
    "validate",
]
