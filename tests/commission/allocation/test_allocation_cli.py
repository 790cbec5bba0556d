"""The command line and the Python API, as a commission agent and the Django app use them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from maillage.commission.allocation import (
    __version__,
    check,
    load_instance,
    parse_instance,
    run,
    solve,
)
from maillage.commission.allocation.canonical import canonical_bytes, sha256_of
from maillage.commission.allocation.cli import main
from tests.commission.allocation.strategies import random_instance

ROOT = Path(__file__).resolve().parents[3]
CASES = Path(__file__).parent / "cases"


def call(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def instance_file(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(random_instance(7, children=120)), encoding="utf-8")
    return path


def test_solve_writes_the_whole_document(instance_file, tmp_path):
    out = tmp_path / "out.json"
    code, stdout, stderr = call("solve", str(instance_file), "-o", str(out), "--seed", "4")
    assert code == 0
    assert stdout == ""
    assert "enfant(s) placé(s) sur 120" in stderr
    raw_output = out.read_bytes()
    document = json.loads(raw_output.decode("utf-8"))
    assert set(document) == {"assignment", "explanations", "cutoffs", "letters", "stats", "run"}
    # Compact canonical JSON: sorted keys, no whitespace, UTF-8, one final newline.
    assert raw_output == canonical_bytes(document) + b"\n"
    assert "L. 311-3-1" in document["letters"]["legal_mention"]
    assert len(document["assignment"]) == 120
    run_record = document["run"]
    assert run_record["method"] == "siblings"
    assert run_record["seed"] == 4
    assert run_record["engine_version"] == __version__
    raw = json.loads(instance_file.read_text(encoding="utf-8"))
    assert run_record["input_sha256"] == sha256_of(raw)
    assert document["stats"]["feasible"] is True


def test_pretty_output_for_a_person(instance_file, tmp_path):
    compact, pretty = tmp_path / "compact.json", tmp_path / "pretty.json"
    assert call("solve", str(instance_file), "-o", str(compact), "-q")[0] == 0
    assert call("solve", str(instance_file), "-o", str(pretty), "-q", "--pretty")[0] == 0
    text = pretty.read_text(encoding="utf-8")
    assert text.startswith('{\n "assignment": {\n')
    first, second = json.loads(compact.read_bytes()), json.loads(text)
    first["run"].pop("duration_seconds")
    second["run"].pop("duration_seconds")
    assert first == second
    code, stdout, _ = call("solve", str(instance_file), "-q", "--method", "da")
    assert code == 0 and json.loads(stdout)["run"]["method"] == "da"
    assert "\n" not in stdout.rstrip("\n")


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_bytes({"b": "é", "a": [1, 2]}) == '{"a":[1,2],"b":"é"}'.encode()


def test_check_a_good_and_a_bad_assignment(instance_file, tmp_path):
    out = tmp_path / "out.json"
    assert call("solve", str(instance_file), "-o", str(out), "-q")[0] == 0
    code, stdout, _ = call("check", str(instance_file), str(out))
    assert code == 0
    assert "Affectation réalisable et stable." in stdout

    document = json.loads(out.read_text(encoding="utf-8"))
    first = next(iter(document["assignment"]))
    document["assignment"][first] = "S999"
    document["assignment"]["X-inconnu"] = None
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    code, stdout, _ = call("check", str(instance_file), str(bad))
    assert code == 1
    assert "structure inconnue de l'instance" in stdout
    assert "enfant « X-inconnu » inconnu de l'instance." in stdout
    assert "NON RÉALISABLE" in stdout

    code, stdout, _ = call("check", str(instance_file), str(bad), "--json")
    report = json.loads(stdout)
    kinds = {v["kind"] for v in report["violations"]}
    assert {"unknown_structure", "unknown_child"} <= kinds


def test_check_strict_fails_on_blocking(tmp_path):
    case = json.loads((CASES / "twins_wanting_the_same_creche.json").read_text(encoding="utf-8"))
    instance = tmp_path / "i.json"
    instance.write_text(json.dumps(case["instance"]), encoding="utf-8")
    result = tmp_path / "r.json"
    assert call("solve", str(instance), "--method", "da", "-o", str(result), "-q")[0] == 0
    code, stdout, _ = call("check", str(instance), str(result))
    assert code == 0
    assert "Paires bloquantes : 1" in stdout
    assert "Coalitions bloquantes : 1" in stdout
    assert call("check", str(instance), str(result), "--strict")[0] == 1


def test_invalid_instance_exits_2_with_french_errors(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"format": "creche-matching-instance", "version": 1}), encoding="utf-8"
    )
    code, stdout, stderr = call("solve", str(path))
    assert code == 2
    assert stdout == ""
    assert "Instance ou fichier invalide" in stderr
    assert "champ « age_groups »" in stderr
    assert "Traceback" not in stderr

    path.write_text("{pas du json", encoding="utf-8")
    code, _, stderr = call("check", str(path), str(path))
    assert code == 2
    assert "JSON invalide, ligne 1" in stderr

    code, _, stderr = call("validate", str(tmp_path / "absent.json"))
    assert code == 2
    assert "fichier introuvable" in stderr


def test_validate_command(instance_file):
    code, stdout, _ = call("validate", str(instance_file))
    assert code == 0
    assert stdout.startswith("Instance valide : 12 structure(s), 120 enfant(s)")


def test_module_entry_point_help_and_errors(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    helped = subprocess.run(
        [sys.executable, "-m", "maillage.commission.allocation", "solve", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert helped.returncode == 0
    for word in ("--method", "--time-limit", "--seed", "--progress", "siblings", "optimal"):
        assert word in helped.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    failed = subprocess.run(
        [sys.executable, "-m", "maillage.commission.allocation", "check", str(bad), str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    assert "attendu un objet JSON" in failed.stderr


def test_same_input_same_bytes_whatever_the_hash_seed(tmp_path):
    """Byte-identical output across processes with different string hashing."""
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(random_instance(11, children=400, structures=20)), encoding="utf-8")
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"out{hash_seed}.json"
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED=hash_seed)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "maillage.commission.allocation",
                "solve",
                str(path),
                "-o",
                str(out),
                "--method",
                "optimal",
                "-q",
            ],
            check=True,
            env=env,
            cwd=ROOT,
        )
        raw = out.read_bytes()
        duration = json.loads(raw)["run"]["duration_seconds"]
        marker = f'"duration_seconds":{json.dumps(duration)}'.encode()
        assert raw.count(marker) == 1
        outputs.append(raw.replace(marker, b'"duration_seconds":0'))
    assert outputs[0] == outputs[1]


def test_python_api_for_the_commission_app(instance_file):
    instance = load_instance(instance_file)
    calls = []
    result = solve(instance, "optimal", time_limit=2, progress=lambda *a: calls.append(a))
    assert calls and all(isinstance(stage, str) for stage, _done, _total in calls)
    report = check(instance, result.assignment)
    assert report.feasible
    assert result.stats["solver"]["status"] in {"OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN"}
    document = run(instance, "da")
    assert document["run"]["method"] == "da"


def test_methods_agree_on_a_sibling_free_instance():
    data = random_instance(3, children=250)
    data["families"] = []
    for child in data["children"]:
        child.setdefault("wishes", [])
    instance = parse_instance(data)
    assignments = [solve(instance, m).assignment for m in ("da", "siblings", "optimal")]
    assert assignments[0] == assignments[1] == assignments[2]


def test_the_engine_never_imports_django():
    code = (
        "import sys; import maillage.commission.allocation as a; "
        "import maillage.commission.allocation.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=ROOT,
    )
    assert done.stdout.strip() == "[]"


def test_progress_on_request(instance_file, tmp_path):
    code, _, stderr = call(
        "solve", str(instance_file), "-o", str(tmp_path / "o.json"), "--progress", "-q"
    )
    assert code == 0
    assert "siblings, essai : 1" in stderr
    assert "explications : 120/120" in stderr


def test_da_and_siblings_never_load_or_tools(tmp_path):
    """`da`/`siblings` start fast: OR-Tools loads only when `optimal` runs, and even then
    without the pandas of its own Python layer (`cpsat` talks to its C++ helper; that helper
    still loads numpy)."""
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(random_instance(3, children=30)), encoding="utf-8")
    script = (
        "import sys\n"
        "from maillage.commission.allocation import load_instance, run\n"
        f"instance = load_instance({str(path)!r})\n"
        "run(instance, 'siblings')\n"
        "run(instance, 'da')\n"
        "assert 'ortools' not in sys.modules and 'numpy' not in sys.modules, 'loaded'\n"
        "document = run(instance, 'optimal', time_limit=2)\n"
        "assert 'ortools.sat.python.cp_model_helper' in sys.modules\n"
        "assert 'pandas' not in sys.modules, 'pandas'\n"
        "print(document['stats']['placed'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0
