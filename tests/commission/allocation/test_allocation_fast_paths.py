"""The speed-ups of the engine give exactly what the plain code gives (no database).

- `canonical.dumps_document` writes the explanations and cutoffs without sorting their keys,
  because `explain` builds them in canonical order: the bytes must equal `dumps_output`.
- `validate._FastChildren` reads a plainly valid child in one pass: it must build the same
  `Child` as the full reader, and hand everything else to it (same errors).
- `problem._sort_pairs` packs integer keys into one number: same order as sorting tuples.
"""

from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.commission.allocation import parse_instance, run
from maillage.commission.allocation.canonical import dumps_document, dumps_output
from maillage.commission.allocation.model import Family
from maillage.commission.allocation.problem import Problem, _sort_pairs
from maillage.commission.allocation.validate import (
    InvalidInstance,
    _FastChildren,
    _Reader,
)
from tests.commission.allocation.strategies import instances, random_instance

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _shuffled(data: dict, rnd: random.Random, decimals: bool) -> dict:
    """The same instance with children, structures and age groups in another order (ids no
    longer sorted), and optionally points with decimals (the tuple path of the rank sort)."""
    data = json.loads(json.dumps(data))
    rnd.shuffle(data["children"])
    rnd.shuffle(data["structures"])
    rnd.shuffle(data["age_groups"])
    if decimals:
        for child in data["children"]:
            child["points"] = child.get("points", 0) + rnd.choice([0, 0.5, 0.25])
    return data


@FAST
@given(instances(), st.randoms(use_true_random=False), st.booleans())
def test_document_writer_gives_the_canonical_bytes(data, rnd, decimals):
    instance = parse_instance(_shuffled(data, rnd, decimals))
    for method in ("da", "siblings"):
        document = run(instance, method)
        assert dumps_document(document) == dumps_output(document)


def test_document_writer_on_a_larger_instance():
    data = random_instance(11, children=400)
    random.Random(3).shuffle(data["children"])
    document = run(parse_instance(data), "siblings")
    assert dumps_document(document) == dumps_output(document)


def test_document_writer_falls_back_on_any_other_mapping():
    other = {"b": {"y": 1, "x": 2}, "a": []}
    assert dumps_document(other) == dumps_output(other) == '{"a":[],"b":{"x":2,"y":1}}'


FIELD_VALUES = {
    "age_group": ["bebe", "moyen", "toddler", 3, None],
    "points": [0, 5, -2, 2.5, 10**10, True, None, "3", float("inf")],
    "bonus": [None, {}, {"S1": 2}, {"S1": 1.5}, {"S9": 1}, {"S1": "x"}, [], {"S1": False}],
    "application_date": ["2025-01-10", "2025-02-01T09:30:00+02:00", "", None, "hier", 20250101],
    "tags": [None, [], ["avip"], ["b", "a", "a"], [""], "avip", [1]],
    "wishes": [None, [], ["S1"], ["S2", "S1"], ["S1", "S1"], ["S9"], "S1", [None]],
    "family": [None, "F1", "F2", 4],
    "commune": [None, "M001", 7],
    "location": [None, [1.0, 2], [1, 2, 3], [True, 1.0], [float("nan"), 1.0], "x"],
    "extra": ["unknown field"],
}


@FAST
@given(
    st.fixed_dictionaries(
        {},
        optional={key: st.sampled_from(values) for key, values in FIELD_VALUES.items()},
    ),
    st.booleans(),
)
def test_fast_child_reader_agrees_with_the_full_reader(fields, in_family):
    raw = {"id": "C1", **fields}
    structures = {"S1": ("", {}), "S2": ("", {})}
    family = Family(id="F1", children=("C1", "C2"), joint_wishes=(("S1", "S2"), ("S2", None)))
    family_of = {"C1": family} if in_family else {}
    reader = _Reader()
    reader.groups = ["bebe", "moyen"]
    slow = reader.child("C1", "enfant « C1 »", raw, structures, family_of)
    fast = _FastChildren(reader.groups, structures, family_of).child("C1", raw)
    if fast is not None:
        assert not reader.errors
        assert fast == slow
        assert [type(v) for v in (fast.points, fast.location)] == [
            type(v) for v in (slow.points, slow.location)
        ]


def test_an_invalid_child_still_gets_every_message():
    data = random_instance(2, children=30)
    data["children"][4]["points"] = "beaucoup"
    data["children"][9]["wishes"] = ["S001", "S001"]
    try:
        parse_instance(data)
    except InvalidInstance as exc:
        assert len(exc.errors) == 2
        assert "children[4]" in exc.errors[0] and "« points »" in exc.errors[0]
        assert "children[9]" in exc.errors[1] and "deux fois" in exc.errors[1]
    else:
        raise AssertionError("instance invalide acceptée")


@FAST
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(-2 * 10**9, 2 * 10**9) | st.integers(-3, 3),
            st.integers(-1, 30),
        ),
        max_size=60,
        unique_by=lambda t: (t[0], t[2]),
    )
)
def test_packed_rank_sort_matches_the_tuple_sort(triples):
    pair_s = [s for s, _k, _t in triples]
    pair_key = [k for _s, k, _t in triples]
    pair_tie = [t for _s, _k, t in triples]
    expected = [
        i
        for _s, _k, t, i in sorted(
            zip(pair_s, pair_key, pair_tie, range(len(triples)), strict=True)
        )
        if t >= 0
    ]
    assert _sort_pairs(pair_s, pair_key, pair_tie, 31) == expected
    with_float = [float(k) for k in pair_key]  # the tuple path
    assert _sort_pairs(pair_s, with_float, pair_tie, 31) == expected


def _all_entries(problem) -> list[list[tuple[int, int, int, bool]]]:
    """Every (rank, agent, option, eligible) per market, built from every agent's options."""
    entries: list[list[tuple[int, int, int, bool]]] = [[] for _ in range(problem.n_markets)]
    for a, agent in enumerate(problem.agents):
        for j, option in enumerate(agent.options):
            for _c, m, rank, elig in option or ():
                entries[m].append((rank, a, j, elig))
    for market in entries:
        market.sort()
    return entries


@FAST
@given(instances(), st.randoms(use_true_random=False), st.booleans(), st.booleans())
def test_market_entries_built_on_demand_are_every_option_naming_the_market(
    data, rnd, decimals, joint
):
    problem = Problem(parse_instance(_shuffled(data, rnd, decimals)), joint=joint)
    expected = _all_entries(problem)
    for m in rnd.sample(range(problem.n_markets), problem.n_markets):
        assert problem.market_entries(m) == expected[m]


@FAST
@given(instances(), st.randoms(use_true_random=False))
def test_warnings_and_wish_ranks_count_what_the_definitions_say(data, rnd):
    from maillage.commission.allocation.solver import _by_rank, _warnings  # noqa: PLC0415

    instance = parse_instance(_shuffled(data, rnd, False))
    closed = sorted(
        f"{c.id} → {sid}"
        for c in instance.children
        for sid in c.wishes
        if instance.structure_by_id[sid].places(c.age_group) == 0
    )
    warnings = _warnings(instance)
    shown = [w for w in warnings if "sans place ouverte" in w]
    if closed:
        assert shown == [
            f"{len(closed)} vœu(x) portent sur un groupe d'âge sans place ouverte (par exemple"
            f" {', '.join(closed[:3])})."
        ]
    else:
        assert shown == []
    assignment = run(instance, "siblings")["assignment"]
    expected: dict[str, int] = {}
    for child in instance.children:
        sid = assignment.get(child.id)
        if sid is not None and instance.is_independent(child.id) and sid in child.wishes:
            rank = str(child.wishes.index(sid) + 1)
            expected[rank] = expected.get(rank, 0) + 1
    assert _by_rank(instance, assignment) == expected
