"""Canonical JSON: the byte form that the run record's SHA-256 is computed on.

Sorted keys, no whitespace, UTF-8 (non-ASCII characters kept as is), so that the same
instance gives the same digest whatever tool wrote the file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, BinaryIO


def canonical_bytes(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_of(data: Any) -> str:
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def dumps_output(data: Any, pretty: bool = False) -> str:
    """The engine's own output, deterministic so that runs diff cleanly: compact canonical
    JSON (sorted keys, no whitespace) by default, or indented for a person (`pretty`).

    The compact form is one call to the C encoder (`json.dumps` without `indent`), about ten
    times faster than the pure-Python one that `indent` or `json.dump` to a stream use."""
    if pretty:
        return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


# The keys of the document `solver.run` returns, in sorted order, and those of its parts
# that `explain` builds already canonical: ids in sorted order, every dict's keys too.
DOCUMENT_KEYS = ("assignment", "cutoffs", "explanations", "letters", "run", "stats")
PREBUILT = frozenset(("assignment", "cutoffs", "explanations"))


def dumps_document(document: dict[str, Any]) -> str:
    """`dumps_output(document)` for a document made by `solver.run`, in two thirds of the
    time: the explanations and cutoffs (nine tenths of the bytes) are written without
    sorting, since `explain` inserts every key in sorted order; the rest is sorted as
    usual. Any other mapping falls back to `dumps_output`. Tests check that both agree."""
    if type(document) is not dict or tuple(sorted(document)) != DOCUMENT_KEYS:
        return dumps_output(document)
    parts = []
    for key in DOCUMENT_KEYS:
        value = document[key]
        if key in PREBUILT:
            text = json.dumps(
                value,
                separators=(",", ":"),
                ensure_ascii=False,
                allow_nan=False,
                check_circular=False,
            )
        else:
            text = dumps_output(value)
        parts.append(f'"{key}":{text}')
    return "{" + ",".join(parts) + "}"


def write_output(data: Any, stream: BinaryIO, pretty: bool = False) -> None:
    """`dumps_output` encoded in UTF-8, followed by a newline."""
    stream.write(dumps_output(data, pretty).encode("utf-8"))
    stream.write(b"\n")


def write_document(document: dict[str, Any], stream: BinaryIO, pretty: bool = False) -> None:
    """A document of `solver.run`, as `write_output` writes it (same bytes, faster)."""
    text = dumps_output(document, pretty=True) if pretty else dumps_document(document)
    stream.write(text.encode("utf-8"))
    stream.write(b"\n")
