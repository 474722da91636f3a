"""k-anonymity for count tables: primary and secondary cell suppression.

A table is a grid of counts with its margins: a total per row, a total per
column and the grand total. Primary suppression hides every count from 1 to
k-1; a zero stays visible (a count of nobody identifies nobody). Secondary
suppression closes the differencing gap: wherever a row or column (the
margins included) has a shown total and exactly one hidden cell, that cell
could be computed from the others, so the smallest shown cell of that line is
hidden as well; this repeats until no line has a lone hidden cell. The partner is the smallest
shown cell (often a zero, whose "<k" is then true) or the smallest non-zero one;
both rules run and the one that hides fewer counts is kept.

`forced_columns` hides the totals of the given columns from the start: tables
that share their column totals (every table of one view shares the month
totals) are protected together by `protect_all`, which repeats until they all
hide the same month totals. `row_totals=False` drops the row totals (and the
grand total) altogether, for views whose totals would change over time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    """A count as shown: `value` is None when suppressed."""

    value: int | None
    k: int

    @property
    def shown(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        return str(self.value) if self.value is not None else f"<{self.k}"


@dataclass
class Protected:
    cells: list[list[Cell]]
    column_totals: list[Cell]
    row_totals: list[Cell] | None
    total: Cell | None
    hidden_columns: set[int] = field(default_factory=set)


def protect(values: Sequence[Sequence[int]], k: int, *, forced_columns: set[int] = frozenset(),
            row_totals: bool = True) -> Protected:
    """Suppress the grid `values` (rows x columns) and its margins."""
    rows, cols = len(values), len(values[0]) if values else 0
    col_sum = [sum(values[r][c] for r in range(rows)) for c in range(cols)]
    row_sum = [sum(values[r]) for r in range(rows)]
    # the extended grid: rows + 1 (column totals), cols + 1 (row totals)
    grid = [list(values[r]) + [row_sum[r]] for r in range(rows)] + [col_sum + [sum(col_sum)]]
    lines: list[tuple[list[tuple[int, int]], tuple[int, int]]] = []
    for c in range(cols + 1 if row_totals else cols):  # every column adds up to its total
        lines.append(([(r, c) for r in range(rows)], (rows, c)))
    if row_totals:  # and every row, the column totals included
        lines += [([(r, c) for c in range(cols)], (r, cols)) for r in range(rows + 1)]
    # two partner rules, both safe; the one that hides less is shown
    hidden = min((_suppress(grid, k, rows, cols, lines, forced_columns, zeros)
                  for zeros in (True, False)),
                 key=lambda h: (sum(grid[r][c] for r in range(rows + 1)
                                    for c in range(cols + 1) if h[r][c]),
                                sum(map(sum, h))))

    def cell(r: int, c: int) -> Cell:
        return Cell(None if hidden[r][c] else grid[r][c], k)

    return Protected(
        cells=[[cell(r, c) for c in range(cols)] for r in range(rows)],
        column_totals=[cell(rows, c) for c in range(cols)],
        row_totals=[cell(r, cols) for r in range(rows)] if row_totals else None,
        total=cell(rows, cols) if row_totals else None,
        hidden_columns={c for c in range(cols) if hidden[rows][c]},
    )


def _suppress(grid, k, rows, cols, lines, forced_columns, zeros: bool) -> list[list[bool]]:
    """Primary suppression (1 to k-1), then partners until no line has a lone hidden cell;
    a partner is the smallest shown cell of the line (`zeros`) or the smallest non-zero one
    where there is one."""
    hidden = [[0 < grid[r][c] < k for c in range(cols + 1)] for r in range(rows + 1)]
    for c in forced_columns:
        hidden[rows][c] = True
    changed = True
    while changed:
        changed = False
        for members, (tr, tc) in lines:
            if hidden[tr][tc]:
                continue
            lone = [m for m in members if hidden[m[0]][m[1]]]
            if len(lone) != 1:
                continue
            shown = [m for m in members if not hidden[m[0]][m[1]]]
            if not shown:
                continue
            r, c = min(shown, key=lambda m: (not zeros and grid[m[0]][m[1]] == 0,
                                             grid[m[0]][m[1]], m))
            hidden[r][c] = True
            changed = True
    return hidden


def protect_all(tables: dict[str, Sequence[Sequence[int]]], k: int, *,
                row_totals: bool = True) -> dict[str, Protected]:
    """Protect tables that share their column totals so all of them hide the same ones."""
    forced: set[int] = set()
    while True:
        out = {name: protect(v, k, forced_columns=forced, row_totals=row_totals)
               for name, v in tables.items()}
        hidden = set().union(*(p.hidden_columns for p in out.values())) if out else set()
        if hidden <= forced:
            return out
        forced |= hidden


def protect_column(values: Sequence[int], k: int) -> tuple[list[Cell], Cell]:
    """One list of counts that adds up to a shown total (e.g. per Kommune)."""
    p = protect([[v] for v in values], k, row_totals=False)
    return [row[0] for row in p.cells], p.column_totals[0]
