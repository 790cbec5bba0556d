"""Canonical JSON: the byte form that the run record's SHA-256 is computed on.

Sorted keys, no whitespace, UTF-8 (non-ASCII characters kept as is), so that the same
instance gives the same digest whatever tool wrote the file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TextIO


def canonical_bytes(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_of(data: Any) -> str:
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


OUTPUT_OPTIONS = {"sort_keys": True, "indent": 1, "ensure_ascii": False, "allow_nan": False}


def dumps_output(data: Any) -> str:
    """The engine's own output: sorted keys and a fixed indentation, so runs diff cleanly."""
    return json.dumps(data, **OUTPUT_OPTIONS) + "\n"


def dump_output(data: Any, stream: TextIO) -> None:
    """Same bytes as `dumps_output`, written piece by piece: a département's result is tens
    of megabytes, which need not be held twice in memory."""
    json.dump(data, stream, **OUTPUT_OPTIONS)
    stream.write("\n")
