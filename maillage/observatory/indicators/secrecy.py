"""Statistical secrecy of figures shown to another organisation or to the public.

Two practices, both parameters: masking counts strictly between 0 and a threshold (default 5,
older CAF practice, unverified), and rounding counts to a multiple of a base (Cafdata rounds
allocataire counts to a multiple of 5). `suppress` adds the complementary masking that keeps a
masked count from being recomputed by subtraction from a total.
"""

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence

import numpy as np


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
    """Keys to mask in a table whose `lines` are sum relations: each line lists its cells, then
    its total (last entry), and the total is the sum of the cells.

    Primary masking: counts with 0 < value < threshold (except `exempt` keys, which the reader
    may see anyway). Secondary (complementary) masking, repeated until nothing changes:

    1. in each line, a lone masked entry would be its total minus the others, and the masked
       cells of a line whose total is published add up to that total minus the visible cells:
       while a line holds exactly one masked entry, or masked cells summing to less than the
       threshold under a visible total, its smallest positive visible entry is masked too;
    2. a reader may also combine several lines (add and subtract them): every sum of masked
       entries that such a combination gives exactly is computed (linear algebra on the lines)
       and, while one of them is positive and below the threshold, the smallest positive
       visible entry of the lines it touches is masked too.

    Zero is never masked (an absence is not a secret) and never used as a complement. Unknown
    entries (None) are outside the sums and ignored. Returns the masked keys (never an exempt
    one). When the exempt entries leave nothing to hide a count with, it stays derivable: the
    reader may see those entries anyway.
    """
    exempt = set(exempt)
    masked = {k for k, v in values.items() if k not in exempt and is_masked(v, threshold)}
    if threshold <= 0:
        return masked
    known = [[k for k in line if values.get(k) is not None] for line in lines]
    known = [line for line in known if len(line) > 1]

    def complement(candidate_lines) -> Hashable | None:
        candidates = {
            k
            for line in candidate_lines
            for k in line
            if k not in masked and k not in exempt and values[k] > 0
        }
        if not candidates:
            return None
        return min(candidates, key=lambda k: (values[k], str(k)))

    while True:
        added = _line_pass(values, known, masked, threshold, complement)
        if added:
            continue
        hidden = _derivable_small_sum(values, known, masked, threshold)
        if hidden is None:
            return masked
        touching = [line for line in known if hidden & set(line)]
        key = complement(touching) or complement(known)
        if key is None:
            return masked  # everything the reader cannot see is already masked
        masked.add(key)


def _line_pass(values, lines, masked, threshold, complement) -> bool:
    """Rule 1 over every line; True when an entry was masked."""
    added = False
    for line in lines:
        while True:
            hidden = [k for k in line if k in masked]
            if not hidden:
                break
            total_visible = line[-1] not in masked
            hidden_sum = sum(values[k] for k in hidden)
            if len(hidden) > 1 and not (total_visible and hidden_sum < threshold):
                break
            key = complement([line])
            if key is None:
                break  # nothing left to hide it with (the reader knows the rest)
            masked.add(key)
            added = True
    return added


MAX_SUBSETS = 200_000


def _derivable_small_sum(values, lines, masked, threshold) -> frozenset | None:
    """A set of masked entries whose sum, positive and below the threshold, a reader can
    compute exactly by adding and subtracting published lines; None when there is none.

    Each line is the equation Σ cells − total = 0; with the visible entries moved to the right
    side, it is a linear equation in the masked entries. The sum of a set S of masked entries
    is derivable exactly when the indicator vector of S lies in the row space of these
    equations, i.e. is orthogonal to their null space. Only sets of entries below the threshold
    are candidates (every entry is positive), enumerated smallest first.
    """
    small = sorted(
        (k for k in masked if 0 < values[k] < threshold), key=lambda k: (values[k], str(k))
    )
    if not small:
        return None
    unknowns = sorted({k for line in lines for k in line if k in masked}, key=str)
    index = {k: i for i, k in enumerate(unknowns)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknowns))
        for position, k in enumerate(line):
            if k in index:
                row[index[k]] += -1.0 if position == len(line) - 1 else 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return None
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(1.0, singular[0])).sum())
    null = vt[rank:].T  # one row per unknown
    if null.shape[1] == 0:  # every masked entry of a line is determined exactly
        determined = [k for k in small if k in index]
        return frozenset(determined[:1]) or None
    vectors = {k: null[index[k]] if k in index else None for k in small}
    checked = 0

    def search(start: int, chosen: list, total: float, acc):
        nonlocal checked
        for i in range(start, len(small)):
            k = small[i]
            if total + values[k] >= threshold:
                break  # sorted: every later entry is at least as large
            checked += 1
            if checked > MAX_SUBSETS:
                return None
            if vectors[k] is None:  # in no published line: not derivable
                continue
            vector = acc + vectors[k]
            if np.abs(vector).max() < 1e-7:
                return frozenset([*chosen, k])
            found = search(i + 1, [*chosen, k], total + values[k], vector)
            if found is not None:
                return found
        return None

    return search(0, [], 0.0, np.zeros(null.shape[1]))
