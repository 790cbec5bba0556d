"""Secondary suppression: no masked count, nor any sum of masked counts below the threshold,
can be computed from what is published (the totals and the visible cells)."""

import itertools
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.observatory.indicators.secrecy import is_masked, suppress

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def table(cells: list[list[int]]):
    """Values and sum lines of a table with row totals, column totals and the grand total."""
    values, lines = {}, []
    n_rows, n_cols = len(cells), len(cells[0])
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            values[("cell", i, j)] = value
        values[("row", i)] = sum(row)
        lines.append([("cell", i, j) for j in range(n_cols)] + [("row", i)])
    for j in range(n_cols):
        values[("col", j)] = sum(row[j] for row in cells)
        lines.append([("cell", i, j) for i in range(n_rows)] + [("col", j)])
    values[("corner",)] = sum(map(sum, cells))
    lines.append([("col", j) for j in range(n_cols)] + [("corner",)])
    lines.append([("row", i) for i in range(n_rows)] + [("corner",)])
    return values, lines


def _reduce(basis: list[dict], vector: dict) -> dict:
    """`vector` minus its components along an echelon `basis` (exact, with fractions)."""
    vector = dict(vector)
    for pivot, row in basis:
        factor = vector.get(pivot, 0)
        if factor:
            for k, v in row.items():
                vector[k] = vector.get(k, 0) - factor * v
                if vector[k] == 0:
                    del vector[k]
    return vector


def derivable_small_sums(values, lines, masked, threshold) -> list[tuple]:
    """Every set of masked entries whose sum is positive, below the threshold and exactly
    derivable from the published lines (exact Gaussian elimination, independent of the engine).
    """
    basis: list[tuple] = []
    for line in lines:
        equation = {}
        for position, k in enumerate(line):
            if k in masked:
                equation[k] = equation.get(k, 0) + (-1 if position == len(line) - 1 else 1)
        reduced = _reduce(basis, {k: Fraction(v) for k, v in equation.items() if v})
        if reduced:
            pivot = min(reduced, key=str)
            scale = reduced[pivot]
            row = {k: v / scale for k, v in reduced.items()}
            basis = [(p, _reduce([(pivot, row)], r)) for p, r in basis]
            basis.append((pivot, row))
    small = [k for k in masked if 0 < values[k] < threshold]
    found = []
    for size in range(1, len(small) + 1):
        for subset in itertools.combinations(small, size):
            total = sum(values[k] for k in subset)
            if total >= threshold:
                continue
            if not _reduce(basis, {k: Fraction(1) for k in subset}):
                found.append(subset)
    return found


cell_value = st.one_of(st.integers(0, 6), st.integers(0, 60))


@PROPERTY
@given(
    cells=st.integers(1, 4).flatmap(
        lambda cols: st.lists(
            st.lists(cell_value, min_size=cols, max_size=cols), min_size=1, max_size=4
        )
    ),
    threshold=st.integers(1, 11),
)
def test_no_small_count_nor_small_sum_of_masked_counts_is_derivable(cells, threshold):
    values, lines = table(cells)
    masked = suppress(values, lines, threshold)
    # every small count is masked, zeros never are
    assert {k for k, v in values.items() if is_masked(v, threshold)} <= masked
    assert all(values[k] > 0 for k in masked)
    # in every line with a published total, the masked cells add up to the threshold or more
    for line in lines:
        hidden = [k for k in line[:-1] if k in masked]
        if hidden and line[-1] not in masked:
            assert sum(values[k] for k in hidden) >= threshold, line
    # and no combination of lines gives a masked count or a small sum of masked counts
    assert derivable_small_sums(values, lines, masked, threshold) == []


def test_gilette_home_care_and_preschool_cannot_be_subtracted_from_the_total():
    """Gilette in the demo: 12 crèche places, 21 childminder places, 1 home-care place and 2
    pre-school places, 36 in all. Masking 1 and 2 only let anyone compute 36 − 12 − 21 = 3."""
    modes = ["eaje", "assistants_maternels", "garde_a_domicile", "prescolarisation"]
    for places in ([12, 21, 1, 2], [12, 21, 3, 0]):
        values = {("cell", m): v for m, v in zip(modes, places, strict=True)}
        values[("row",)] = 36
        line = [("cell", m) for m in modes] + [("row",)]
        masked = suppress(values, [line], threshold=5)
        assert ("row",) not in masked  # the total stays published…
        assert sum(values[k] for k in masked) >= 5  # …and what it reveals is not a small count
        assert ("cell", "eaje") in masked  # the smallest visible cell completes the mask
        assert ("cell", "assistants_maternels") not in masked
        assert derivable_small_sums(values, [line], masked, 5) == []


def test_a_combination_of_lines_cannot_reveal_a_small_sum():
    """Three lines each hide at least the threshold, yet row 0 − column 2 + row 1 gives
    a + b + g: the engine masks further until no such combination exists."""
    cells = [[1, 1, 10, 40], [30, 50, 10, 1], [30, 50, 40, 40]]
    values, lines = table(cells)
    masked = suppress(values, lines, threshold=5)
    assert derivable_small_sums(values, lines, masked, 5) == []
