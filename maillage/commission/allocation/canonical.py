"""Canonical JSON: the byte form that the run record's SHA-256 is computed on.

Sorted keys, no whitespace, UTF-8 (non-ASCII characters kept as is), so that the same
instance gives the same digest whatever tool wrote the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, BinaryIO

import orjson

# orjson writes the same bytes as `json.dumps(…, separators=(",", ":"), ensure_ascii=False)`
# (keys sorted the same way with OPT_SORT_KEYS), ten times faster, except for numbers below
# 1e-4 in absolute value (`1e-05` is written `0.00001`, `2.5e-07` `2.5e-7`) and for what
# orjson refuses (keys that are not text, integers beyond 64 bits, lone surrogates). Its bytes
# are kept only when no such number can be in them (checked on the bytes: a string that
# happens to look like one only costs the slower path); otherwise the standard module writes,
# or raises, exactly as before. NaN and infinities, which the standard module refuses and
# orjson writes `null`, never reach here: `io.loads` refuses them in any input, and the
# engine's numbers are bounded (scores within ±1e9, coordinates finite).
_SMALL_EXPONENT = re.compile(rb"e-\d(?!\d)")


def _fast(data: Any, sort: bool, floats: bool = True) -> bytes | None:
    """orjson's bytes when they are the standard module's, else None. `floats=False`: the
    caller knows that the data holds no floating-point number (nothing to look for)."""
    try:
        text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS if sort else 0)
    except TypeError:  # orjson.JSONEncodeError: the standard module decides
        return None
    if not floats:
        return text
    if b"0.0000" in text:
        return None
    at = text.find(b"e-")
    while at >= 0:  # as rare as a text with "e-" in it (numbers are seldom written so)
        if _SMALL_EXPONENT.match(text, at):
            return None
        at = text.find(b"e-", at + 2)
    return text


def _compact(data: Any, sort: bool, floats: bool = True) -> bytes:
    fast = _fast(data, sort, floats)
    if fast is not None:
        return fast
    return json.dumps(
        data,
        sort_keys=sort,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        check_circular=False,
    ).encode("utf-8")


def canonical_bytes(data: Any) -> bytes:
    return _compact(data, sort=True)


def sha256_of(data: Any) -> str:
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def dumps_output(data: Any, pretty: bool = False) -> str:
    """The engine's own output, deterministic so that runs diff cleanly: compact canonical
    JSON (sorted keys, no whitespace) by default, or indented for a person (`pretty`).

    The compact form is one call to the C encoder (`json.dumps` without `indent`), about ten
    times faster than the pure-Python one that `indent` or `json.dump` to a stream use."""
    if pretty:
        return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    return _compact(data, sort=True).decode("utf-8")


# The keys of the document `solver.run` returns, in sorted order, and those of its parts
# that `explain` builds already canonical: ids in sorted order, every dict's keys too.
DOCUMENT_KEYS = ("assignment", "cutoffs", "explanations", "letters", "run", "stats")
PREBUILT = frozenset(("assignment", "cutoffs", "explanations"))


def dumps_document(document: dict[str, Any], whole_scores: bool = False) -> str:
    """`dumps_output(document)` for a document made by `solver.run`, in two thirds of the
    time: the explanations and cutoffs (nine tenths of the bytes) are written without
    sorting, since `explain` inserts every key in sorted order; the rest is sorted as
    usual. Any other mapping falls back to `dumps_output`. Tests check that both agree."""
    return _document_bytes(document, whole_scores).decode("utf-8")


def _document_bytes(document: dict[str, Any], whole_scores: bool = False) -> bytes:
    return b"".join(_document_parts(document, whole_scores))


def _document_parts(document: dict[str, Any], whole_scores: bool = False) -> list[bytes]:
    """The pieces of `_document_bytes`, to be joined or written one after the other (the
    explanations alone are megabytes: not copied once more to be framed).

    `whole_scores`: the instance's scores are all whole numbers (`Instance.whole_scores`),
    so the explanations, cutoffs and assignment, whose only numbers are scores, positions
    and counts, hold no floating-point number."""
    if type(document) is not dict or tuple(sorted(document)) != DOCUMENT_KEYS:
        return [_compact(document, sort=True)]
    parts = []
    for key in DOCUMENT_KEYS:
        parts.append(b',"' if parts else b'{"')
        parts.append(key.encode() + b'":')
        prebuilt = key in PREBUILT
        parts.append(
            _compact(document[key], sort=not prebuilt, floats=not (whole_scores and prebuilt))
        )
    parts.append(b"}")
    return parts


def write_output(data: Any, stream: BinaryIO, pretty: bool = False) -> None:
    """`dumps_output` encoded in UTF-8, followed by a newline."""
    stream.write(dumps_output(data, pretty).encode("utf-8"))
    stream.write(b"\n")


def write_document(
    document: dict[str, Any], stream: BinaryIO, pretty: bool = False, whole_scores: bool = False
) -> None:
    """A document of `solver.run`, as `write_output` writes it (same bytes, faster)."""
    if pretty:
        stream.write(dumps_output(document, pretty=True).encode("utf-8"))
    else:
        for part in _document_parts(document, whole_scores):
            stream.write(part)
    stream.write(b"\n")
