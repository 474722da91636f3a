"""k-anonymity: small cells hidden, and no hidden cell can be computed back from the totals."""

from __future__ import annotations

import itertools
import random

from app.analytics.protect import protect, protect_all, protect_column

K = 5


def lines(p, values):
    """Every (cells, total) pair a reader can see: rows and columns with their totals."""
    rows, cols = len(values), len(values[0])
    out = []
    for c in range(cols):
        out.append(([p.cells[r][c] for r in range(rows)], p.column_totals[c]))
    if p.row_totals is not None:
        for r in range(rows):
            out.append((p.cells[r], p.row_totals[r]))
        out.append((p.column_totals, p.total))
        out.append((p.row_totals, p.total))
    return out


def assert_safe(p, values):
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            cell = p.cells[r][c]
            assert cell.value in (v, None)
            if 0 < v < K:
                assert cell.value is None and str(cell) == "<5"
    for cells, total in lines(p, values):
        if total.value is not None:
            assert sum(1 for x in cells if x.value is None) != 1, "a lone hidden cell"


def test_small_counts_are_hidden_zeros_shown_and_totals_kept():
    values = [[12, 3, 40], [7, 9, 0]]
    p = protect(values, K)
    assert_safe(p, values)
    assert [str(c) for c in p.column_totals] == ["19", "12", "40"]
    assert p.total.value == 71 and p.row_totals[0].value == 55
    assert p.cells[0][2].value == 40 and str(p.cells[1][2]) == "0"  # 0 identifies nobody


def test_zeros_stay_zero_unless_nothing_else_can_hide():
    p = protect([[0, 0, 12, 30]], K)
    assert [str(c) for c in p.cells[0]] == ["0", "0", "12", "30"]
    p = protect([[0, 3, 0, 30]], K)  # the lone 3 takes a zero as its partner, not the 30
    assert [str(c) for c in p.cells[0]] == ["<5", "<5", "0", "30"]
    p = protect([[40, 2, 0, 0]], K)
    assert [str(c) for c in p.cells[0]] == ["40", "<5", "<5", "0"]


def test_a_lone_small_cell_takes_a_second_one_with_it():
    values = [[20, 3, 30, 8]]
    p = protect(values, K)
    assert_safe(p, values)
    assert p.cells[0][1].value is None and p.cells[0][3].value is None  # 8 hides with 3
    assert p.row_totals[0].value == 61


def test_random_grids_never_leave_a_lone_hidden_cell():
    rng = random.Random(8)
    for _ in range(300):
        rows, cols = rng.randint(1, 6), rng.randint(1, 12)
        values = [[rng.choice([0, 1, 2, 4, 5, 6, 9, 15, 40]) for _ in range(cols)]
                  for _ in range(rows)]
        for totals in (True, False):
            assert_safe(protect(values, K, row_totals=totals), values)


def test_without_row_totals_no_total_is_shown():
    p = protect([[10, 2], [10, 10]], K, row_totals=False)
    assert p.row_totals is None and p.total is None
    assert p.cells[0][1].value is None and p.cells[1][1].value is None  # column partner


def test_tables_sharing_month_totals_hide_the_same_months():
    a = [[10, 10, 10]]  # questions per month
    b = [[3, 6, 6], [7, 4, 4]]  # the same months split by something
    out = protect_all({"a": a, "b": b}, K)
    hidden_a = {c for c, x in enumerate(out["a"].column_totals) if x.value is None}
    hidden_b = {c for c, x in enumerate(out["b"].column_totals) if x.value is None}
    assert hidden_a == hidden_b
    for name, values in (("a", a), ("b", b)):
        assert_safe(out[name], values)


def test_exhaustive_small_grids():
    for values in itertools.product([0, 3, 5, 11], repeat=4):
        grid = [list(values[:2]), list(values[2:])]
        assert_safe(protect(grid, K), grid)


def test_one_column_with_its_total():
    cells, total = protect_column([30, 2, 9, 14], K)
    assert total.value == 55
    assert [c.value for c in cells] == [30, None, None, 14]
