"""Statistical secrecy of figures shown to another organisation or to the public.

Two practices, both parameters: masking counts strictly between 0 and a threshold (default 5,
older CAF practice, unverified), and rounding counts to a multiple of a base (Cafdata rounds
allocataire counts to a multiple of 5). `suppress` adds the complementary masking that keeps a
masked count from being recomputed by subtraction from a total.
"""

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence


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


def suppress(
    values: Mapping[Hashable, float | None],
    lines: Iterable[Sequence[Hashable]],
    threshold: int,
    exempt: Collection[Hashable] = (),
) -> set[Hashable]:
    """Keys to mask in a table whose `lines` are sum relations (cells and their total).

    Primary masking: counts with 0 < value < threshold (except `exempt` keys, which the reader
    may see anyway). Secondary (complementary) masking: while a line holds exactly one masked
    entry — which its other entries would reveal by subtraction — the smallest positive visible
    entry of that line that is not exempt is masked too. Unknown entries (None) are outside the
    sums and ignored. Returns the masked keys (never an exempt one).
    """
    exempt = set(exempt)
    masked = {k for k, v in values.items() if k not in exempt and is_masked(v, threshold)}
    known = [[k for k in line if values.get(k) is not None] for line in lines]
    changed = bool(masked)
    while changed:
        changed = False
        for line in known:
            hidden = [k for k in line if k in masked]
            if len(hidden) != 1:
                continue
            candidates = [k for k in line if k not in masked and k not in exempt and values[k] > 0]
            if not candidates:
                continue  # nothing left to hide it with (the reader knows the rest)
            masked.add(min(candidates, key=lambda k: (values[k], str(k))))
            changed = True
    return masked
