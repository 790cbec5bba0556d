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


def write_output(data: Any, stream: BinaryIO, pretty: bool = False) -> None:
    """`dumps_output` encoded in UTF-8, followed by a newline."""
    stream.write(dumps_output(data, pretty).encode("utf-8"))
    stream.write(b"\n")
