"""Canonical JSON: the byte form that the run record's SHA-256 is computed on.

Sorted keys, no whitespace, UTF-8 (non-ASCII characters kept as is), so that the same
instance gives the same digest whatever tool wrote the file.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_bytes(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_of(data: Any) -> str:
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def dumps_output(data: Any) -> str:
    """The engine's own output: sorted keys and a fixed indentation, so runs diff cleanly."""
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
