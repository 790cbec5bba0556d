"""Golden cases: one small JSON file per situation, under cases/ (see each file's "situation")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maillage.commission.allocation import check, explain, parse_instance, solve
from maillage.commission.allocation.letters import render_letter_text

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path):
    case = load(path)
    instance = parse_instance(case["instance"])
    for method, expected in case["expected"].items():
        result = solve(instance, method)
        report = check(instance, result.assignment)
        assert report.feasible, (method, [v.message for v in report.violations])
        if "assignment" in expected:
            assert result.assignment == expected["assignment"], method
        for key in ("blocking_pairs", "blocking_coalitions", "blocking"):
            if key in expected:
                assert report.counts()[key] == expected[key], (method, key)
        if "solver_status" in expected:
            assert result.stats["solver"]["status"] == expected["solver_status"]

    assignment = solve(instance, "siblings").assignment
    explained = explain(instance, assignment)
    for child_id, reasons in case.get("reasons", {}).items():
        got = explained["explanations"][child_id]["not_obtained"]
        for want in reasons:
            match = [g for g in got if all(g.get(k) == v for k, v in want.items() if k != "reason")]
            assert match, (child_id, want, got)
            assert match[0]["reason"] == want["reason"], (child_id, match[0])
    for child_id, fragments in case.get("text_contains", {}).items():
        text = render_letter_text(
            child_id,
            explained["explanations"][child_id],
            explained["letters"]["structure_labels"],
        )
        for fragment in fragments:
            assert fragment in text, (child_id, fragment, text)
    for sid, groups in case.get("cutoffs", {}).items():
        for group, want in groups.items():
            got = explained["cutoffs"][sid][group]
            assert got["vacant"] == want["vacant"]
            assert got["reserve"]["filled"] == want["reserve_filled"]


def test_every_case_says_which_situation_it_pins():
    for path in CASES:
        case = load(path)
        assert case["situation"] and case["expected"], path.name
