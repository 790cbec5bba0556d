"""A run's stored output, and the explanations of its decisions read from it.

`Run.output` is the engine's output as canonical JSON (the duration aside): what a replay must
reproduce bit for bit. A decision does not copy its part of it: `Decision.explanation` holds
the exclusion code, the commission's override if any, and for a child the engine examined
`"output": [start, end]`, the byte offsets of her explanation in the UTF-8 `Run.output`.
`explanation_of(decision)` gives the letters the explanation in the shape they read:
`{"engine": her explanation, "cutoffs": {wish: the cutoff of her age group there, without
child ids}, "exclusion": code, "override": …}` (decisions stored before references held it
inline, and still work).

The output of a run is read once per process (at most two runs kept: about 20 MB each for a
session of 20,000 applications); her explanation is then a slice of it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cached_property, lru_cache
from typing import Any

from maillage.commission.allocation.canonical import canonical_bytes

EXPLANATIONS = "explanations"


def encode_output(output: dict) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """`canonical_bytes(output)`, and per child the byte offsets of her explanation in it.

    Written piece by piece with `canonical_bytes` itself (an object is its sorted keys and
    values joined by commas, with no whitespace), so the bytes are the same."""
    spans: dict[str, tuple[int, int]] = {}
    parts: list[bytes] = [b"{"]
    size = 1

    def add(part: bytes) -> None:
        nonlocal size
        parts.append(part)
        size += len(part)

    for n, key in enumerate(sorted(output)):
        if n:
            add(b",")
        add(canonical_bytes(key) + b":")
        value = output[key]
        if key != EXPLANATIONS or not isinstance(value, dict):
            add(canonical_bytes(value))
            continue
        add(b"{")
        for m, child in enumerate(sorted(value)):
            if m:
                add(b",")
            add(canonical_bytes(child) + b":")
            body = canonical_bytes(value[child])
            spans[child] = (size, size + len(body))
            add(body)
        add(b"}")
    add(b"}")
    return b"".join(parts), spans


def stored_output(output: dict) -> tuple[str, str, float, dict[str, tuple[int, int]]]:
    """(canonical text without the duration, its SHA-256, the duration in seconds, the spans
    of the children's explanations in its UTF-8 bytes)."""
    output = dict(output)
    meta = dict(output["run"])
    seconds = meta.pop("duration_seconds", 0.0) or 0.0
    output["run"] = meta
    data, spans = encode_output(output)
    return data.decode("utf-8"), hashlib.sha256(data).hexdigest(), seconds, spans


def reference(start: int, end: int) -> str:
    """`Decision.explanation` of a child the engine examined, as JSON text."""
    return f'{{"output":[{start},{end}]}}'


def cutoff_without_ids(found: dict | None) -> dict | None:
    """The engine's cutoff of one market, without the ids of the children admitted there."""
    if found is None:
        return None
    found = copy.deepcopy(found)
    found.pop("admitted", None)
    for part in (found.get("cutoff"), (found.get("reserve") or {}).get("cutoff")):
        if isinstance(part, dict):
            part.pop("child", None)
    if isinstance(found.get("reserve"), dict):
        found["reserve"].pop("admitted", None)
    return found


def _member(text: str, wanted: str) -> Any:
    """The value of a top-level key of a canonical JSON object (values before it are read,
    those after it are not: `cutoffs` is read without the explanations)."""
    decoder = json.JSONDecoder()
    scan = json.decoder.scanstring
    index = 1
    while index < len(text) and text[index] == '"':
        key, index = scan(text, index + 1)
        value, index = decoder.raw_decode(text, index + 1)  # after ":"
        if key == wanted:
            return value
        if text[index] != ",":
            break
        index += 1
    return None


class RunOutput:
    """The stored output of one run, as bytes, read once per process."""

    def __init__(self, data: bytes):
        self.data = data

    def at(self, start: int, end: int) -> Any:
        return json.loads(self.data[start:end])

    @cached_property
    def cutoffs(self) -> dict:
        # The cutoffs come before the explanations (keys in order): read the text up to them.
        end = self.data.find(b',"' + EXPLANATIONS.encode() + b'":')
        if end > 0:
            try:
                found = _member(self.data[:end].decode("utf-8") + "}", "cutoffs")
            except ValueError:
                found = None
            if found is not None:
                return found
        return _member(self.data.decode("utf-8"), "cutoffs") or {}

    @cached_property
    def _markets(self) -> dict[tuple[str, str], dict | None]:
        return {}

    def market(self, structure: str, group: str) -> dict | None:
        key = (structure, group)
        if key not in self._markets:
            self._markets[key] = cutoff_without_ids(self.cutoffs.get(structure, {}).get(group))
        return self._markets[key]


@lru_cache(maxsize=2)
def _run_output(run_pk: int, sha256: str) -> RunOutput:
    from maillage.commission.models import Run

    text = Run.objects.filter(pk=run_pk).values_list("output", flat=True).first() or ""
    return RunOutput(text.encode("utf-8"))


def run_output(run_pk: int) -> RunOutput:
    from maillage.commission.models import Run

    sha = Run.objects.filter(pk=run_pk).values_list("output_sha256", flat=True).first() or ""
    return _run_output(run_pk, sha)


def explanation_of(decision) -> dict:
    """The decision's explanation as the letters read it (see the module's docstring)."""
    found = getattr(decision, "_explained", None)
    if found is not None:
        return found
    stored = decision.explanation or {}
    span = stored.get("output")
    if span is None or decision.run_id is None:  # excluded, or stored inline (older runs)
        found = {"engine": {}, "cutoffs": {}, "exclusion": "", **stored}
    else:
        output = run_output(decision.run_id)
        entry = decision.entry
        found = {
            "engine": output.at(*span),
            "cutoffs": {wish: output.market(wish, entry.age_group) for wish in entry.wishes},
            "exclusion": "",
            **{key: value for key, value in stored.items() if key != "output"},
        }
    decision._explained = found
    return found
