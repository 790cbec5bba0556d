"""Letters rendered from structured explanations reproduce the texts the engine used to
store for every child (letters.json: the texts between the legal mention and the rights,
recorded before explanations became structured)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from maillage.commission.allocation import explain, parse_instance, solve
from maillage.commission.allocation.letters import LEGAL_MENTION, RIGHTS, render_letter_text
from tests.commission.allocation.strategies import random_instance

HERE = Path(__file__).parent
GOLDEN = json.loads((HERE / "letters.json").read_text(encoding="utf-8"))

EXPLICIT = {
    "format": "creche-matching-instance",
    "version": 1,
    "name": "ordre-explicite-seuil",
    "age_groups": ["bebe"],
    "structures": [
        {
            "id": "S1",
            "capacity": {"bebe": 1},
            "name": "Crèche d'entreprise",
            "priority_order": ["C3", "C1", "C2"],
        },
        {"id": "S2", "capacity": {"bebe": 1}},
    ],
    "children": [
        {
            "id": "C1",
            "age_group": "bebe",
            "points": 0,
            "application_date": "2025-01-15T08:30:00",
            "wishes": ["S1", "S2"],
        },
        {
            "id": "C2",
            "age_group": "bebe",
            "points": 10.5,
            "application_date": "2025-01-15",
            "wishes": ["S1", "S2"],
            "bonus": {"S2": 1},
        },
        {"id": "C3", "age_group": "bebe", "points": 1, "wishes": ["S1"]},
        {
            "id": "C4",
            "age_group": "bebe",
            "points": 10,
            "application_date": "2025-01-15",
            "wishes": ["S2", "S1"],
        },
    ],
}


def instance_of(name: str) -> dict:
    if name.startswith("random-"):
        _, seed, children = name.split("-")
        return random_instance(int(seed), children=int(children))
    if name == "explicit-cutoff":
        return EXPLICIT
    if name == "bench-small":
        pytest.importorskip("numpy")
        spec = importlib.util.spec_from_file_location(
            "bench_allocation", HERE.parents[2] / "bench" / "allocation.py"
        )
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        return bench.generate("small", 1)
    return json.loads((HERE / "cases" / f"{name}.json").read_text(encoding="utf-8"))["instance"]


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_renderer_reproduces_the_former_texts(key):
    name, method = key.split("/")
    instance = parse_instance(instance_of(name))
    explained = explain(instance, solve(instance, method).assignment)
    labels = explained["letters"]["structure_labels"]
    assert set(explained["explanations"]) == set(GOLDEN[key])
    for child_id, middle in GOLDEN[key].items():
        text = render_letter_text(child_id, explained["explanations"][child_id], labels)
        assert text == f"{LEGAL_MENTION} {middle} {RIGHTS}", child_id


def test_the_legal_mention_is_stated_once_and_explanations_hold_no_text():
    instance = parse_instance(random_instance(2, children=100))
    explained = explain(instance, solve(instance).assignment)
    assert explained["letters"]["legal_mention"] == LEGAL_MENTION
    assert explained["letters"]["rights"] == RIGHTS
    dumped = json.dumps(explained["explanations"], ensure_ascii=False)
    assert "L. 311-3-1" not in dumped
    assert '"text"' not in dumped
