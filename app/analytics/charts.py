"""Bar charts as geometry for server-rendered SVG (`templates/analytics/_chart.html`).

No script, no third-party library: the template draws `<rect>` and `<text>`
from these numbers, with `<title>`/`<desc>` and `role="img"`, and the same
numbers stand in a table beside each chart. A hidden count ("<5") gets no
bar, only its label, so the picture never shows more than the table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.analytics.protect import Cell

WIDTH = 640
ROW = 22  # height of one bar in a horizontal chart
LABEL = 250  # room for the labels of a horizontal chart


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as shown: "12", "<5", "64 %"
    x: float
    y: float
    w: float
    h: float
    hidden: bool


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    horizontal: bool
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    baseline: float = 0.0
    label_x: float = 0.0


def scale(value: float, *, most: int = 5) -> tuple[int, list[int]]:
    """A count axis: (top, ticks) with whole-number ticks 0, s, 2s, … in steps of 1, 2 or 5
    times a power of ten, at most `most` steps, and a top at or just above `value`
    (0 -> ticks 0 and 1: never "0, 0, 1")."""
    value = max(float(value), 1.0)
    power = 1
    while True:
        for m in (1, 2, 5):
            step = m * power
            steps = math.ceil(value / step)
            if steps <= most:
                top = steps * step
                return top, list(range(0, top + 1, step))
        power *= 10


def _axis(values: list[float | None], percent: bool) -> tuple[float, list[tuple[float, str]]]:
    """The top of the axis and its ticks as (fraction of the plot, label)."""
    if percent:
        return 1.0, [(f, _fmt(f, True)) for f in (0, 0.5, 1)]
    top, ticks = scale(max((v for v in values if v is not None), default=0))
    return float(top), [(t / top, str(t)) for t in ticks]


def _fmt(v: float, percent: bool) -> str:
    return f"{round(v * 100)} %" if percent else str(int(v))


def columns(chart_id: str, title: str, desc: str, labels: Sequence[str],
            cells: Sequence[Cell | float | None], *, percent: bool = False) -> Chart:
    """Vertical bars, one per label (months)."""
    values = [_value(c) for c in cells]
    top, ticks = _axis(values, percent)
    height, left, bottom, plot = 260, 48, 40, 200
    step = (WIDTH - left - 10) / max(len(labels), 1)
    chart = Chart(chart_id, title, desc, WIDTH, height, False, baseline=height - bottom)
    for i, (label, v, c) in enumerate(zip(labels, values, cells, strict=True)):
        h = 0.0 if v is None else plot * v / top
        chart.bars.append(Bar(label, _text(c, v, percent), left + i * step + step * 0.15,
                              chart.baseline - h, step * 0.7, h, v is None))
    chart.ticks = [(chart.baseline - plot * f, label) for f, label in ticks]
    chart.label_x = left
    return chart


def rows(chart_id: str, title: str, desc: str, labels: Sequence[str],
         cells: Sequence[Cell | float | None], *, percent: bool = False) -> Chart:
    """Horizontal bars, one per label (topics, languages, Kommunen)."""
    values = [_value(c) for c in cells]
    top, ticks = _axis(values, percent)
    plot = WIDTH - LABEL - 60
    height = 20 + ROW * len(labels)
    chart = Chart(chart_id, title, desc, WIDTH, height, True, label_x=LABEL - 8)
    for i, (label, v, c) in enumerate(zip(labels, values, cells, strict=True)):
        w = 0.0 if v is None else plot * v / top
        chart.bars.append(Bar(label, _text(c, v, percent), LABEL, 10 + i * ROW, w, ROW * 0.7,
                              v is None))
    chart.ticks = [(LABEL + plot * f, label) for f, label in ticks]
    return chart


def _value(c: Cell | float | None) -> float | None:
    if isinstance(c, Cell):
        return None if c.value is None else float(c.value)
    return c


def _text(c: Cell | float | None, v: float | None, percent: bool) -> str:
    if isinstance(c, Cell):
        return str(c)
    return "–" if v is None else _fmt(v, percent)
