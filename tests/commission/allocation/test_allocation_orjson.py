"""orjson writes and reads the engine's JSON only where it gives the standard module's result.

`canonical` (the bytes that run records hash and store) and `io.load_json` (instances and
results) use orjson for speed; these tests compare them with the standard module, which is
the reference, on arbitrary JSON values and on the cases where orjson differs (numbers below
1e-4, integers beyond 64 bits, keys that are not texts, lone surrogates, NaN literals).
"""

from __future__ import annotations

import json
import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.commission.allocation.canonical import (
    canonical_bytes,
    dumps_document,
    dumps_output,
)
from maillage.commission.allocation.io import InvalidDocument, load_json


def reference(data) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | finite
    | st.sampled_from([1e-05, 2.5e-07, -3e-9, 0.0001, 1e16, 1e-10, 0.00001234, -0.0])
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_canonical_bytes_are_the_standard_modules(value):
    assert canonical_bytes(value) == reference(value)
    assert dumps_output(value) == reference(value).decode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), values, max_size=4), values)
def test_document_bytes_are_the_standard_modules(explanations, stats):
    document = {
        "assignment": {"a": None, "b": "S1"},
        "cutoffs": {},
        "explanations": dict(sorted(explanations.items())),
        "letters": {"z": 1, "a": [1e-05]},
        "run": {"duration_seconds": 0.001},
        "stats": stats,
    }
    # explanations are prebuilt in canonical order (keys sorted at every level) by `explain`:
    # compare with the reference on the same data once sorted throughout.
    canonical = json.loads(reference(document))
    assert dumps_document(canonical) == reference(canonical).decode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        {"small": 1e-05},
        {"tiny": [2.5e-07, -7.1e-09]},
        {"decimal": 0.00006389814116186164},
        {"big": 2**64 + 1},
        {"negative big": -(2**63) - 1},
        {1: "an integer key"},
        {"nested": {"b": 1, "a": {"d": 1e-6, "c": 2}}},
    ],
)
def test_where_orjson_differs_the_standard_module_writes(value):
    assert canonical_bytes(value) == reference(value)


def test_a_lone_surrogate_is_refused_as_before():
    with pytest.raises(UnicodeEncodeError):
        reference({"surrogate": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        canonical_bytes({"surrogate": "\ud800"})


def test_non_finite_numbers_never_reach_the_writer():
    # The standard module refuses them; the engine's data never hold one (the reader refuses
    # NaN and infinities in any input, scores are bounded): documented in canonical.py.
    assert canonical_bytes({"x": 1.5}) == b'{"x":1.5}'
    with pytest.raises(InvalidDocument, match="NaN et Infinity"):
        _load('{"points": NaN}')


def _load(text: str):
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(text.encode("utf-8", "surrogatepass"))
    try:
        return load_json(f.name)
    finally:
        os.unlink(f.name)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 12345678901234567890123, "b": [1, 2.5, -0.0, 1e-7, "é"]}',
        '{"id": 9223372036854775807, "n": -9223372036854775808}',
        '{"x": 0.1234567890123456789012}',
        '{"a": 1, "a": 2}',
        '["\\ud800", "\\udc00x"]',
        '{"deep": [[[[[[[[[[1]]]]]]]]]]}',
        '{"unicode": "\\u00e9\\u2028", "esc": "\\n\\t\\"\\\\"}',
    ],
)
def test_reading_gives_the_standard_modules_values(text):
    got = _load(text)
    assert got == json.loads(text)
    assert json.dumps(got) == json.dumps(json.loads(text))  # same types (int stays int)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1e999}', "NaN et Infinity"),
        ('{"a": Infinity}', "NaN et Infinity"),
        ('{"a": 1,}', "JSON invalide, ligne 1"),
        ('\ufeff{"a": 1}', "JSON invalide"),
    ],
)
def test_what_orjson_refuses_gets_the_french_error_as_before(text, message):
    with pytest.raises(InvalidDocument, match=message):
        _load(text)


@pytest.mark.parametrize("at", [0, 65_000, 65_536 - 18, 65_536 - 10, 65_536, 131_072 - 5, 199_981])
def test_a_long_number_is_seen_across_the_slices_of_the_guard(at):
    from maillage.commission.allocation.io import _has_long_number  # noqa: PLC0415

    text = bytearray(b" " * 200_000)
    text[at : at + 18] = b"9" * 18
    assert not _has_long_number(bytes(text))
    text[at : at + 19] = b"9" * 19
    assert _has_long_number(bytes(text))


@pytest.mark.parametrize("decimals", [False, True])
def test_a_document_written_knowing_its_scores_are_whole_is_the_standard_modules(decimals):
    from maillage.commission.allocation import parse_instance, run  # noqa: PLC0415
    from tests.commission.allocation.strategies import random_instance  # noqa: PLC0415

    data = random_instance(4, children=120)
    if decimals:
        for i, child in enumerate(data["children"]):
            child["points"] = child.get("points", 0) + (0.00001 if i % 3 else 0.5)
    instance = parse_instance(data)
    assert instance.whole_scores is not decimals
    document = run(instance, "siblings")
    expected = reference(json.loads(reference(document)))
    assert dumps_document(document, whole_scores=instance.whole_scores).encode() == expected
