"""Explanations and cutoffs: what a decision letter and a commission agent read."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from maillage.commission.allocation import explain, parse_instance, solve
from maillage.commission.allocation.explain import format_date, format_score
from maillage.commission.allocation.letters import render_letter_text, wish_text
from maillage.commission.allocation.priority import Priorities
from tests.commission.allocation.strategies import instances, random_instance

REASONS = {"cutoff", "reserved", "no_place", "not_acceptable", "joint_option", "blocking"}


def test_letters_carry_the_legal_mention_and_the_parameters():
    instance = parse_instance(random_instance(2, children=200))
    document = explain(instance, solve(instance).assignment)
    explained = document["explanations"]
    labels = document["letters"]["structure_labels"]
    assert set(explained) == {c.id for c in instance.children}
    for child in instance.children:
        entry = explained[child.id]
        text = render_letter_text(child.id, entry, labels)
        assert "traitement algorithmique (article L. 311-3-1 du code des relations" in text
        assert "R. 311-3-1-1 et R. 311-3-1-2" in text
        assert f"Paramètres appliqués à l'enfant {child.id} : " in text
        assert entry["parameters"]["points"] == child.points
        assert entry["parameters"]["application_date"] == child.application_date
        for sid in child.bonus:
            assert f"pour {instance.structure_by_id[sid].label()}" in text
        for refusal in entry["not_obtained"]:
            assert refusal["reason"] in REASONS - {"blocking"}, refusal
            if "wish_rank" in refusal:
                assert wish_text(refusal, entry["parameters"], labels) in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_wish_above_the_obtained_one_is_explained(data):
    instance = parse_instance(data)
    assignment = solve(instance, "siblings").assignment
    explained = explain(instance, assignment)
    priorities = Priorities(instance)
    for child in instance.children:
        entry = explained["explanations"][child.id]
        if not instance.is_independent(child.id):
            continue
        got = assignment[child.id]
        above = child.wishes[: child.wishes.index(got)] if got else child.wishes
        assert [r["structure"] for r in entry["not_obtained"]] == list(above)
        for refusal in entry["not_obtained"]:
            cutoff = refusal["cutoff"]
            if refusal["reason"] == "cutoff" and cutoff and "score" in cutoff:
                # The last admitted child ranks above the refused one.
                structure = instance.structure_by_id[refusal["structure"]]
                mine = priorities.key(structure, child)
                assert (-cutoff["score"], cutoff["application_date"]) <= mine[:2]
    for sid, groups in explained["cutoffs"].items():
        for group, entry in groups.items():
            held = sorted(
                c.id for c in instance.children if assignment[c.id] == sid and c.age_group == group
            )
            assert sorted(entry["admitted"]) == held
            assert entry["vacant"] == max(0, entry["places"] - len(held))


def test_an_unstable_assignment_is_explained_honestly():
    """Under `da`, places released by a joint family are not offered again: say so."""
    data = {
        "format": "creche-matching-instance",
        "version": 1,
        "age_groups": ["bebe"],
        "structures": [
            {"id": "S1", "capacity": {"bebe": 2}},
            {"id": "S2", "capacity": {"bebe": 2}},
        ],
        "children": [
            {"id": "C1", "age_group": "bebe", "points": 10, "wishes": ["S1"]},
            {"id": "C2", "age_group": "bebe", "points": 5},
            {"id": "C3", "age_group": "bebe", "points": 5},
            {"id": "C4", "age_group": "bebe", "points": 3, "wishes": ["S1", "S2"]},
        ],
        "families": [
            {"id": "F1", "children": ["C2", "C3"], "joint_wishes": [["S1", "S1"], ["S2", "S2"]]}
        ],
    }
    instance = parse_instance(data)
    document = explain(instance, solve(instance, "da").assignment)
    explained = document["explanations"]
    refusal = explained["C4"]["not_obtained"][0]
    assert refusal["reason"] == "blocking"
    labels = document["letters"]["structure_labels"]
    assert "n'est pas stable" in render_letter_text("C4", explained["C4"], labels)
    option = explained["C2"]["not_obtained"][1]
    assert option["option_rank"] == 2 and option["reason"] == "blocking"


def test_french_formats():
    assert format_date("2025-09-03") == "3 septembre 2025"
    assert format_date("2025-08-01T08:30:00") == "1er août 2025 à 08:30"
    assert format_date("") == "date de dépôt non renseignée"
    assert format_score(12.5) == "12,5"
    assert format_score(12.0) == "12"
