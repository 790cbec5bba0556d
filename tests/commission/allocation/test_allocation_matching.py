"""Without siblings and reserves, `da` is the resident-optimal stable matching of `matching`.

Residents are children; hospitals are (structure, age group) pairs, since age groups are
separate markets. `matching` is a test-only dependency.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from matching.games import HospitalResident

from maillage.commission.allocation import parse_instance, solve
from maillage.commission.allocation.problem import Problem
from tests.commission.allocation.strategies import instances, random_instance


def with_matching(instance) -> dict[str, str | None]:
    problem = Problem(instance)
    resident_prefs = {}
    for agent in problem.agents:
        # Structures that cannot take the child (no place in its group, or an explicit
        # order without it) are left out: `matching` requires reciprocal preferences.
        prefs = [
            str(option[0][1])
            for option in agent.options
            if option is not None and problem.places[option[0][1]] > 0
        ]
        if prefs:
            resident_prefs[agent.id] = prefs
    hospital_prefs, capacities = {}, {}
    for m in sorted({int(h) for prefs in resident_prefs.values() for h in prefs}):
        s = m // problem.n_groups
        hospital_prefs[str(m)] = [
            problem.children[c].id
            for c in problem.child_at_rank[s]
            if str(m) in resident_prefs.get(problem.children[c].id, ())
        ]
        capacities[str(m)] = problem.places[m]
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    assignment = {c.id: None for c in instance.children}
    for hospital, residents in game.solve(optimal="resident").items():
        for resident in residents:
            assignment[resident.name] = problem.structures[
                int(hospital.name) // problem.n_groups
            ].id
    return assignment


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(families=False, reserves=False, max_children=10, max_structures=4))
def test_da_is_the_resident_optimal_stable_matching(data):
    instance = parse_instance(data)
    assert solve(instance, "da").assignment == with_matching(instance)


def test_same_result_on_a_larger_instance():
    data = random_instance(5, children=600, structures=25)
    data["families"] = []
    for structure in data["structures"]:
        structure["reserved"] = []
    for child in data["children"]:
        child.setdefault("wishes", [])
    instance = parse_instance(data)
    assert solve(instance, "da").assignment == with_matching(instance)
