"""Property-based tests on random small instances (no database)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from maillage.commission.allocation import check, parse_instance, run, solve
from maillage.commission.allocation.choice import MarketView, Member, choose
from maillage.commission.allocation.model import Reserve
from maillage.commission.allocation.optimal import _Model
from maillage.commission.allocation.problem import Problem
from tests.commission.allocation import reference
from tests.commission.allocation.strategies import instances

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_every_method_returns_a_feasible_assignment(data):
    instance = parse_instance(data)
    for method in ("da", "siblings"):
        result = solve(instance, method)
        assert set(result.assignment) == {c["id"] for c in data["children"]}
        assert check(instance, result.assignment).feasible, method
        assert reference.feasible(data, result.assignment), method


@FAST
@given(instances(families=False))
def test_no_blocking_pair_without_siblings(data):
    instance = parse_instance(data)
    da = solve(instance, "da")
    siblings = solve(instance, "siblings")
    # Without joint families both methods are plain deferred acceptance.
    assert da.assignment == siblings.assignment
    report = check(instance, da.assignment)
    assert report.feasible and report.stable
    assert reference.blocking(data, da.assignment) == ([], [])


@FAST
@given(instances(), st.randoms(use_true_random=False))
def test_check_agrees_with_the_naive_definitions(data, rnd):
    """On arbitrary (even infeasible) assignments, check counts what the spec defines."""
    instance = parse_instance(data)
    sids = [s["id"] for s in data["structures"]]
    assignment = {c["id"]: rnd.choice([None, *sids]) for c in data["children"]}
    report = check(instance, assignment)
    pairs, coalitions = reference.blocking(data, assignment)
    assert sorted((p.child, p.structure) for p in report.blocking_pairs) == sorted(pairs)
    found = [(c.family, c.option) for c in report.blocking_coalitions]
    assert sorted(found, key=repr) == sorted(coalitions, key=repr)
    assert report.feasible == reference.feasible(data, assignment)


@FAST
@given(instances())
def test_same_input_same_output(data):
    instance = parse_instance(data)
    first = run(instance, "siblings", seed=3)
    again = run(parse_instance(json.loads(json.dumps(data))), "siblings", seed=3)
    first["run"].pop("duration_seconds")
    again["run"].pop("duration_seconds")
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)


@SLOW
@given(instances(max_children=7))
def test_optimal_places_at_least_as_many_as_siblings(data):
    instance = parse_instance(data)
    siblings = check(instance, solve(instance, "siblings").assignment)
    optimal = check(instance, solve(instance, "optimal", time_limit=5).assignment)
    assert optimal.feasible
    if siblings.stable:
        assert optimal.stable
        assert optimal.placed >= siblings.placed
    else:
        assert optimal.blocking <= siblings.blocking


@SLOW
@given(instances(max_children=5, max_structures=2))
def test_optimal_is_the_largest_stable_assignment(data):
    """Brute force over every assignment of a tiny instance."""
    instance = parse_instance(data)
    stable = list(reference.stable_assignments(data))
    result = solve(instance, "optimal", time_limit=5)
    report = check(instance, result.assignment)
    if stable:
        best = max(sum(s is not None for s in a.values()) for a in stable)
        assert report.stable
        assert report.placed == best
    else:
        assert not report.stable
        assert result.stats["solver"]["status"] in ("INFEASIBLE", "NOT_NEEDED")


@FAST
@given(
    st.integers(0, 4),
    st.integers(0, 4),
    st.booleans(),
    st.lists(st.tuples(st.integers(0, 20), st.booleans()), unique_by=lambda t: t[0], max_size=8),
    st.integers(0, 20),
    st.booleans(),
)
def test_counting_shortcut_matches_the_choice(places, reserved, hard, held, key, eligible):
    """MarketView (counts, used on large instances) agrees with choose (sorting)."""
    reserved = min(reserved, places)
    reserve = Reserve("g", reserved, "t", release_if_unused=not hard) if reserved else None
    held = [(k, e) for k, e in held if k != key]
    view = MarketView(places, reserve, [((k,), e) for k, e in held])
    members = [Member((k,), e, k) for k, e in held] + [Member((key,), eligible, "me")]
    chosen_reserved, chosen_general = choose(places, reserve, members)
    expected = "me" in {m.ref for m in chosen_reserved + chosen_general}
    assert view.chooses((key,), eligible) == expected


class _Collect(cp_model.CpSolverSolutionCallback):
    def __init__(self, built, problem):
        super().__init__()
        self.built = built
        self.problem = problem
        self.found = set()

    def on_solution_callback(self):
        placed = {}
        for a, options in enumerate(self.built.x):
            for j, var in options.items():
                if self.value(var):
                    for c, m, _k, _e in self.problem.agents[a].options[j]:
                        sid = self.problem.structures[m // self.problem.n_groups].id
                        placed[self.problem.children[c].id] = sid
        self.found.add(tuple(sorted(placed.items())))


@SLOW
@given(instances(max_children=5, max_structures=2))
def test_cp_model_solutions_are_exactly_the_stable_assignments(data):
    """Enumerate the solutions of the CP-SAT model of `optimal` and compare with brute force."""
    instance = parse_instance(data)
    problem = Problem(instance)
    built = _Model(problem)
    built.model.proto.clear_objective()
    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    collect = _Collect(built, problem)
    solver.solve(built.model, collect)
    expected = {
        tuple(sorted((c, s) for c, s in a.items() if s is not None))
        for a in reference.stable_assignments(data)
    }
    assert collect.found == expected
