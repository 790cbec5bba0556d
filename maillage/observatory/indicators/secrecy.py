"""Statistical secrecy of figures shown to another organisation or to the public.

Two practices, both parameters: masking counts strictly between 0 and a threshold (default 5,
older CAF practice, unverified), and rounding counts to a multiple of a base (Cafdata rounds
allocataire counts to a multiple of 5).
"""


def mask_count(value: float | None, threshold: int) -> float | None:
    """None when the count is small enough to identify people (0 < value < threshold).

    Zero is not masked: an absence of places or of children is not a secret.
    """
    if value is None or threshold <= 0:
        return value
    if 0 < value < threshold:
        return None
    return value


def is_masked(value: float | None, threshold: int) -> bool:
    return value is not None and threshold > 0 and 0 < value < threshold


def round_count(value: float | None, base: int = 5) -> int | None:
    """Round down to a multiple of `base` (7 → 5, 12 → 10), as Cafdata does."""
    if value is None:
        return None
    if base <= 1:
        return int(round(value))
    return int(value // base * base)
