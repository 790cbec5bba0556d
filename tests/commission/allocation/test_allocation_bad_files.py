"""Hostile or broken files given to the command line: one French line on stderr, exit code 2
(exit code 1 stays "infeasible"), never a traceback nor an English parser message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commission.allocation.strategies import random_instance

ROOT = Path(__file__).resolve().parents[3]
ENGLISH = ("Traceback", "Error", "Expecting", "Exceeds", "limit", "recursion", "codec")

BAD_CONTENTS = {
    "deep-nesting": ("[" * 10_000 + "]" * 10_000).encode(),
    "deep-object": ('{"a":' * 10_000 + "1" + "}" * 10_000).encode(),
    "huge-integer": b'{"format": "creche-matching-instance", "version": ' + b"9" * 100_000 + b"}",
    "nan": b'{"format": "creche-matching-instance", "version": NaN}',
    "infinity": b'{"format": "creche-matching-instance", "version": -Infinity}',
    "overflowing-float": b'{"format": "creche-matching-instance", "version": 1e999}',
    "not-utf8": b'{"format": "cr\xe8che"}',
    "utf16": json.dumps({"format": "creche-matching-instance"}).encode("utf-16"),
    "binary": bytes(range(256)) * 4,
    "syntax": b'{"format": }',
}


def cli(*argv):
    return subprocess.run(
        [sys.executable, "-m", "maillage.commission.allocation", *map(str, argv)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=ROOT,
        check=False,
    )


def assert_one_french_line(completed):
    assert completed.returncode == 2, completed.stderr
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("Instance ou fichier invalide : ")
    assert not any(word in lines[0] for word in ENGLISH), lines[0]


@pytest.fixture
def good_instance(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(random_instance(3, children=10)), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(BAD_CONTENTS))
def test_bad_instance_file(tmp_path, good_instance, name):
    bad = tmp_path / f"{name}.json"
    bad.write_bytes(BAD_CONTENTS[name])
    assert_one_french_line(cli("solve", bad))
    assert_one_french_line(cli("check", bad, good_instance))


@pytest.mark.parametrize("name", ["deep-nesting", "huge-integer", "nan", "not-utf8"])
def test_bad_result_file(tmp_path, good_instance, name):
    bad = tmp_path / f"{name}.json"
    bad.write_bytes(BAD_CONTENTS[name])
    assert_one_french_line(cli("check", good_instance, bad))


def test_a_score_of_thousands_of_digits_is_an_invalid_instance(tmp_path, good_instance):
    data = json.loads(good_instance.read_text(encoding="utf-8"))
    data["children"][0]["points"] = int("9" * 4000)  # below Python's 4 300-digit limit
    bad = tmp_path / "big.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    completed = cli("solve", bad)
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "points" in completed.stderr
