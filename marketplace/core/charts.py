"""Server-drawn SVG charts: pure functions that turn numbers into geometry (no script, no inline style:
the Content-Security-Policy allows neither).

Nothing here touches the database or Django: a chart is a dataclass of rounded coordinates, tick
labels and — for the campaign report's charts — the same numbers as a table for screen readers.

Two families live here:

* ``bar_chart`` / ``last_months``: one series of columns over months (growth and admin overviews),
  drawn by ``templates/marketplace/_bar_chart.html``.
* ``grouped_bar_chart`` / ``line_chart``: axes with nice-number ticks, horizontal bars or columns
  with one or two series (paired bars: expected vs actual), and lines over a numeric x axis (the
  campaign report), drawn by ``templates/marketplace/_chart_bars.html`` and ``_chart_lines.html``.

Scales use "nice numbers" (Heckbert, Graphics Gems, 1990): an axis ends on a multiple of a step of
1, 2, 2.5 or 5 × 10^k, so ticks read 0, 250, 500, … rather than 0, 237, 474, ….
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

# ================================================================ month columns

WIDTH, HEIGHT = 600, 220
TOP, BOTTOM, SIDE = 24, 28, 8  # room for the value over the tallest bar and the labels under the bars


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (short)
    text: str  # the value as shown, e.g. "CNY 1,200.00"
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def label_y(self) -> int:
        return self.height - 8


def bar_chart(
    *, id: str, title: str, labels: list[str], values: list[float | int | None], texts: list[str]
) -> BarChart:
    """Bars scaled to the largest value (None and negatives draw as no bar, their text still shows)."""
    top = max((v for v in values if v is not None and v > 0), default=0)
    slot = (WIDTH - 2 * SIDE) / max(len(values), 1)
    room = HEIGHT - TOP - BOTTOM
    bars = []
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        height = room * value / top if top and value is not None and value > 0 else 0
        bars.append(
            Bar(
                label=label,
                text=text,
                x=round(SIDE + i * slot + slot * 0.15, 1),
                y=round(HEIGHT - BOTTOM - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
            )
        )
    return BarChart(id=id, title=title, bars=bars)


def last_months(today: date, count: int = 12) -> list[date]:
    """The first days of the ``count`` months up to and including today's, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


# ================================================================ axes, grouped bars, lines

Format = Callable[[float], str]

PLOT_WIDTH = 640
LABEL_WIDTH = 150  # room left of horizontal bars for category labels
BAR_THICKNESS = 16  # of one horizontal bar
GROUP_GAP = 10  # between categories of horizontal bars
MAX_COLUMN = 48  # the widest column
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 12, 24, 28, 56
COLUMN_HEIGHT = 240
LINE_HEIGHT = 240
LABEL_CHARS = 22


def nice_number(x: float, *, round_: bool) -> float:
    """1, 2, 2.5, 5 or 10 × 10^k near ``x``: the nearest one (``round_``) or the next one up."""
    if x <= 0:
        return 1.0
    exponent = math.floor(math.log10(x))
    fraction = x / 10**exponent
    if round_:
        nice = 1 if fraction < 1.5 else 2 if fraction < 2.25 else 2.5 if fraction < 3.5 else 5 if fraction < 7.5 else 10
    else:
        nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 2.5 if fraction <= 2.5 else 5 if fraction <= 5 else 10
    return nice * 10**exponent


@dataclass(frozen=True)
class Scale:
    top: float  # the axis maximum, a whole number of steps
    step: float
    ticks: tuple[float, ...]  # 0, step, 2·step, …, top


def nice_scale(max_value: float | None, *, ticks: int = 5) -> Scale:
    """An axis from 0 that holds ``max_value`` with about ``ticks`` nice tick marks.

    No data, or only zeros, gets the axis 0–1, so nothing divides by zero.
    """
    if not max_value or max_value <= 0 or not math.isfinite(max_value):
        return Scale(1.0, 1.0, (0.0, 1.0))
    step = nice_number(nice_number(max_value, round_=False) / max(ticks - 1, 1), round_=True)
    count = math.ceil(max_value / step - 1e-9)
    # Multiplying the step (not adding it up) keeps 0.30000000000000004-style ticks away.
    values = tuple(float(f"{i * step:.12g}") for i in range(count + 1))
    return Scale(values[-1], step, values)


def compact(value: float) -> str:
    """Short axis labels: 950, 1.2k, 12k, 3.4M, 2.5B (a trailing .0 dropped)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            shown = value / limit
            text = f"{shown:.1f}" if shown < 10 else f"{shown:.0f}"
            return sign + text.removesuffix(".0") + suffix
    return sign + (f"{value:.0f}" if value == int(value) else f"{value:.2g}")


def truncate(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _r(value: float) -> float:
    return round(value, 1)


@dataclass(frozen=True)
class Series:
    """One set of values with its name (legend, table header) and CSS suffix (``chart-series-<css>``)."""

    name: str
    css: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Tick:
    value: float
    pos: float  # x of a vertical grid line, or y of a horizontal one
    label: str


@dataclass(frozen=True)
class BarRect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # "Creator · Series: value", the bar's tooltip


@dataclass(frozen=True)
class Category:
    label: str  # shortened for the axis
    full_label: str
    pos: float  # centre of the group: y (horizontal bars) or x (columns)
    bars: tuple[BarRect, ...]


@dataclass(frozen=True)
class Table:
    """The chart's numbers as a table: the headers, then one row per category (or x value)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class LegendItem:
    name: str
    css: str


@dataclass(frozen=True)
class Plot:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def below(self) -> float:
        """Baseline of the labels under the x axis."""
        return _r(self.bottom + 16)

    @property
    def before(self) -> float:
        """Right edge of the labels left of the y axis."""
        return _r(self.left - 6)


@dataclass(frozen=True)
class GroupedBarChart:
    title: str
    horizontal: bool
    width: float
    height: float
    plot: Plot
    ticks: tuple[Tick, ...]
    categories: tuple[Category, ...]
    legend: tuple[LegendItem, ...]
    table: Table
    empty: bool = False


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Line:
    name: str
    css: str
    points: tuple[Point, ...]

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of an SVG <polyline>."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class LineChart:
    title: str
    width: float
    height: float
    plot: Plot
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...]
    legend: tuple[LegendItem, ...]
    table: Table
    empty: bool = False


def _table(header: str, keys: Sequence[str], series: Sequence[Series], value_format: Format) -> Table:
    return Table(
        (header, *(s.name for s in series)),
        tuple(
            (key, *("—" if s.values[i] is None else value_format(s.values[i]) for s in series))
            for i, key in enumerate(keys)
        ),
    )


def grouped_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    category_header: str,
    horizontal: bool = True,
    axis_format: Format = compact,
    value_format: Format | None = None,
    width: float = PLOT_WIDTH,
) -> GroupedBarChart:
    """Bars, one per category and series (two series give paired bars, e.g. expected vs actual).

    Horizontal bars (long labels such as creator names) grow with the number of categories;
    columns (a few short labels such as age buckets) have a fixed height. A missing value (None)
    draws no bar and shows "—" in the table; a negative one draws an empty bar.
    """
    value_format = value_format or axis_format
    values = [v for s in series for v in s.values if v is not None]
    scale = nice_scale(max(values, default=0))
    n = max(len(series), 1)
    if horizontal:
        height = MARGIN_TOP + (BAR_THICKNESS * n + GROUP_GAP) * len(categories) + MARGIN_BOTTOM
        plot = Plot(LABEL_WIDTH, MARGIN_TOP, width - MARGIN_RIGHT, height - MARGIN_BOTTOM)
        length = plot.right - plot.left
        slot, thickness = BAR_THICKNESS * n + GROUP_GAP, BAR_THICKNESS
    else:
        height = COLUMN_HEIGHT
        plot = Plot(MARGIN_LEFT, MARGIN_TOP, width - MARGIN_RIGHT, height - MARGIN_BOTTOM)
        length = plot.bottom - plot.top
        slot = (plot.right - plot.left) / max(len(categories), 1)
        thickness = min(MAX_COLUMN, slot * 0.6 / n)
    drawn = []
    for i, label in enumerate(categories):
        start = (plot.top if horizontal else plot.left) + i * slot + (slot - thickness * n) / 2
        bars = []
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            size = _r(length * max(value, 0) / scale.top)
            offset = _r(start + j * thickness)
            tip = f"{label} · {s.name}: {value_format(value)}"
            if horizontal:
                bars.append(BarRect(plot.left, offset, size, thickness, s.css, tip))
            else:
                bars.append(BarRect(offset, _r(plot.bottom - size), _r(thickness), size, s.css, tip))
        drawn.append(Category(truncate(label), label, _r(start + thickness * n / 2), tuple(bars)))

    def tick_pos(t: float) -> float:
        return _r(plot.left + length * t / scale.top) if horizontal else _r(plot.bottom - length * t / scale.top)

    return GroupedBarChart(
        title,
        horizontal,
        width,
        height,
        plot,
        tuple(Tick(t, tick_pos(t), axis_format(t)) for t in scale.ticks),
        tuple(drawn),
        tuple(LegendItem(s.name, s.css) for s in series),
        _table(category_header, categories, series, value_format),
        empty=not categories or not any(values),
    )


def line_chart(
    title: str,
    xs: Sequence[float],
    series: Sequence[Series],
    *,
    x_header: str,
    x_format: Format = compact,
    x_tick_format: Format | None = None,
    axis_format: Format = compact,
    value_format: Format | None = None,
    width: float = PLOT_WIDTH,
    height: float = LINE_HEIGHT,
) -> LineChart:
    """Lines over a numeric x axis from 0 to the last x (days 1, 3, 7, 14, 30 keep their real spacing).

    ``x_format`` names an x value in tooltips and the table ("Day 7"), ``x_tick_format`` under the axis ("7").
    """
    value_format = value_format or axis_format
    values = [v for s in series for v in s.values if v is not None]
    scale = nice_scale(max(values, default=0))
    plot = Plot(MARGIN_LEFT, MARGIN_TOP, width - MARGIN_RIGHT, height - MARGIN_BOTTOM)
    x_max = max(xs, default=1) or 1

    def x_at(x: float) -> float:
        return _r(plot.left + (plot.right - plot.left) * x / x_max)

    def y_at(v: float) -> float:
        return _r(plot.bottom - (plot.bottom - plot.top) * v / scale.top)

    lines = tuple(
        Line(
            s.name,
            s.css,
            tuple(
                Point(x_at(x), y_at(v), f"{x_format(x)} · {s.name}: {value_format(v)}")
                for x, v in zip(xs, s.values, strict=True)
                if v is not None
            ),
        )
        for s in series
    )
    return LineChart(
        title,
        width,
        height,
        plot,
        tuple(Tick(x, x_at(x), (x_tick_format or x_format)(x)) for x in xs),
        tuple(Tick(t, y_at(t), axis_format(t)) for t in scale.ticks),
        lines,
        tuple(LegendItem(s.name, s.css) for s in series),
        _table(x_header, [x_format(x) for x in xs], series, value_format),
        empty=not any(values),
    )
