"""Charts drawn on the server as SVG, so they need no JavaScript and pass the
strict Content-Security-Policy: every colour and size is an SVG presentation
attribute (fill=, stroke=, font-size=), never a style attribute or element.

A builder here turns a few aggregated numbers into a `Chart`: its shapes, already
placed in a fixed coordinate box, and the `Table` of the same figures.
`selection/includes/chart.html` draws it with its title, a text summary, the table
(for screen readers and anyone who prefers numbers) and a CSV download.

Colours are the Okabe-Ito palette (Okabe, M. & Ito, K. (2008). *Color Universal
Design*), which stays distinguishable with every common colour-vision deficiency;
bars also have a dark outline (3:1 against the page) and series are named in a
legend and in the table, so colour is never the only cue. A flagged category
says so in words on the chart.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from math import ceil, floor, log10

from django.utils.formats import date_format
from django.utils.translation import gettext as _

# Okabe-Ito, darkest first (blue, vermillion, bluish green, reddish purple,
# orange, sky blue), then black.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
# Lines are told apart by their dash pattern as well as their colour.
DASHES = ("", "8 4", "2 3", "12 4 2 4", "4 4", "1 2", "")
INK = "#0b0c0c"
# An en dash where there is no figure.
NO_FIGURE = "\u2013"
GRID = "#b1b4b6"
MUTED = "#505a5f"

WIDTH = 720
FONT = 13
SMALL = 12
CHAR = 7  # the width of an average character at FONT, to place labels
BOLD = 8  # the same in bold


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass
class Table:
    """The chart's figures, as numbers (the CSV download has them unrounded to
    three decimals). The first cell of each row is the row's header; `places`
    says how many decimals each column shows on the page (1 by default)."""

    caption: str
    headers: list[str]
    rows: list[list]
    places: Sequence[int] = ()

    @property
    def display_rows(self) -> list[list[str]]:
        return [[self._display(index, value) for index, value in enumerate(row)] for row in self.rows]

    def _display(self, index: int, value) -> str:
        if value is None:
            return NO_FIGURE
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            places = self.places[index] if index < len(self.places) else 1
            return f"{value:,.{places}f}"
        return str(value)

    @property
    def csv_rows(self) -> list[list]:
        def raw(value):
            if value is None:
                return ""
            if isinstance(value, float):
                return round(value, 3)
            return value

        return [list(self.headers), *([raw(value) for value in row] for row in self.rows)]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str = INK
    stroke_width: float = 0.75
    dash: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = INK
    stroke_width: float = 1
    dash: str = ""


@dataclass(frozen=True)
class Polyline:
    points: str
    stroke: str
    stroke_width: float = 2.5
    dash: str = ""


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    size: int = FONT
    weight: str = "normal"
    fill: str = INK
    rotate: int = 0


@dataclass
class Chart:
    slug: str
    title: str
    summary: str
    description: str
    table: Table
    width: int = WIDTH
    height: int = 300
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    polylines: list[Polyline] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    # Show the table open (where the figures matter as much as the picture).
    open_table: bool = False
    empty: bool = False

    @property
    def title_id(self) -> str:
        return f"chart-{self.slug}-title"

    @property
    def desc_id(self) -> str:
        return f"chart-{self.slug}-desc"

    def csv_rows(self) -> list[list]:
        return self.table.csv_rows


# --- Scales --------------------------------------------------------------------------


def nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `count` ticks."""
    if span <= 0:
        return 1
    raw = span / count
    magnitude = 10 ** floor(log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Ticks from a round number at or below `low` to one at or above `high`."""
    if high <= low:
        high = low + 1
    step = nice_step(high - low, count)
    start, end = floor(low / step + 1e-9), ceil(high / step - 1e-9)
    return [round(index * step, 10) for index in range(start, end + 1)]


def _rounded(value: float, places: int) -> Decimal:
    """Halves rounded up, as the templates' floatformat does (Python's own
    formatting rounds 2.5 to 2), so a page never shows two roundings of a figure."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value: float | None, places: int = 0) -> str:
    """A figure for a label: thousands separated, `places` decimals, a dash for none."""
    if value is None:
        return NO_FIGURE
    return f"{_rounded(value, places):,}"


def percent(value: float | None, places: int = 0) -> str:
    return NO_FIGURE if value is None else f"{_rounded(value, places)}%"


def _tick_label(value: float, step: float, suffix: str) -> str:
    places = 0 if float(step).is_integer() else (1 if float(step * 10).is_integer() else 2)
    return f"{value:,.{places}f}{suffix}"


def _truncate(text: str, width: float, char: float = CHAR) -> str:
    """The text, shortened with an ellipsis to fit `width` (the table has it whole)."""
    fits = max(int(width // char), 4)
    return text if len(text) <= fits else text[: fits - 1] + "\u2026"


def _legend(chart: Chart, series: Sequence[Series], *, x: float, y: float, lines: bool = False) -> float:
    """Draw the legend from (x, y); return the height it took."""
    if len(series) < 2:
        return 0
    cursor, row = x, 0
    for index, item in enumerate(series):
        width = 22 + len(item.name) * CHAR + 18
        if cursor + width > chart.width and cursor > x:
            cursor, row = x, row + 1
        top = y + row * 20
        colour = PALETTE[index % len(PALETTE)]
        if lines:
            chart.lines.append(Line(cursor, top + 7, cursor + 18, top + 7, colour, 2.5, DASHES[index % len(DASHES)]))
        else:
            chart.rects.append(Rect(cursor, top, 14, 14, colour))
        chart.texts.append(Text(cursor + 22, top + 12, item.name, size=SMALL))
        cursor += width
    return (row + 1) * 20 + 6


def _empty(chart: Chart, message: str) -> Chart:
    chart.height = 60
    chart.empty = True
    chart.texts.append(Text(chart.width / 2, 34, message, anchor="middle", fill=MUTED))
    return chart


# --- Horizontal bars ---------------------------------------------------------------------


def bar_chart(
    *,
    slug: str,
    title: str,
    summary: str,
    table: Table,
    categories: Sequence[str],
    series: Sequence[Series],
    axis_label: str,
    value_label: Callable[[float | None], str] = number,
    tick_suffix: str = "",
    reference: tuple[float, str] | None = None,
    flagged: Sequence[int] = (),
    max_value: float | None = None,
    stacked: bool = False,
    value_texts: Sequence[Sequence[str]] | None = None,
    description: str = "",
    open_table: bool = False,
) -> Chart:
    """Horizontal bars, one group per category, one bar per series (or stacked).
    `reference` draws a dashed line at a value (e.g. the round's rate); a category
    in `flagged` is named "(flagged)" and its bars outlined with dashes.
    `value_texts[series][category]` replaces a bar's value label."""
    chart = _new_chart(
        _("Horizontal bar chart of %(series)s by %(axis)s. The table that follows gives every figure."),
        slug=slug,
        title=title,
        summary=summary,
        description=description,
        table=table,
        series=series,
        axis_label=axis_label,
        open_table=open_table,
    )
    if not categories:
        return _empty(chart, _("Nothing to show yet."))
    flagged = set(flagged)
    label_width, labels = _bar_labels(categories, flagged)
    right = max(60, _value_width(series, value_label, value_texts) * CHAR + 16)
    bars = _BarGeometry(label_width, chart.width - label_width - right, 1 if stacked else len(series))
    top = 8 + _legend(chart, series, x=bars.left, y=8) + (18 if reference is not None else 0)
    ticks = bars.scale(max_value or 0, *_totals(series, len(categories), stacked), reference[0] if reference else 0, 0)
    plot_bottom = top + len(categories) * (bars.group_height + bars.group_gap)
    _bar_value_axis(chart, ticks, bars, top=top, bottom=plot_bottom, axis_label=axis_label, tick_suffix=tick_suffix)
    for index, label in enumerate(labels):
        _bar_group(
            chart,
            bars,
            label,
            [item.values[index] for item in series],
            top=top + index * (bars.group_height + bars.group_gap),
            flagged=index in flagged,
            stacked=stacked,
            value_label=value_label,
            texts=[texts[index] for texts in value_texts] if value_texts else None,
        )
    if reference is not None:
        _bar_reference(chart, bars, reference, top=top, bottom=plot_bottom)
    chart.height = int(plot_bottom + 48)
    return chart


def _value_width(series: Sequence[Series], value_label, value_texts) -> int:
    """How many characters the longest figure beside a bar has."""
    if value_texts:
        return max(len(text) for texts in value_texts for text in texts)
    return max(len(value_label(value)) for item in series for value in item.values)


def _new_chart(default_description: str, *, series: Sequence[Series], axis_label: str, **fields) -> Chart:
    """A chart described by its own `description`, or else by the builder's
    `default_description` naming its series and axis."""
    described = fields.pop("description") or default_description % {
        "series": ", ".join(s.name for s in series).lower(),
        "axis": axis_label.lower(),
    }
    return Chart(description=described, **fields)


def _totals(series: Sequence[Series], count: int, stacked: bool) -> list[float]:
    """Each category's length on the value axis: its stack, or its longest bar."""
    if stacked:
        return [sum(s.values[i] or 0 for s in series) for i in range(count)]
    return [max((s.values[i] or 0) for s in series) for i in range(count)]


def _bar_labels(categories: Sequence[str], flagged: set[int]) -> tuple[int, list[str]]:
    """The width the category labels take, and the labels cut to fit it."""
    # A flagged category's label is bold and ends "(flagged)", whatever is cut to fit.
    suffix = " " + _("(flagged)")
    label_width = min(
        max(
            (len(name) + len(suffix)) * BOLD if index in flagged else len(name) * CHAR
            for index, name in enumerate(categories)
        )
        + 12,
        300,
    )
    labels = [
        _truncate(name, label_width - 12 - len(suffix) * BOLD, BOLD) + suffix
        if index in flagged
        else _truncate(name, label_width - 12)
        for index, name in enumerate(categories)
    ]
    return label_width, labels


@dataclass
class _BarGeometry:
    """Where a horizontal bar chart's bars go: `count` bars a category, from
    `left` across `plot_width`, which stands for 0 to `high`."""

    left: float
    plot_width: float
    count: int
    high: float = 1
    bar_height: int = 16
    gap: int = 2
    group_gap: int = 12

    @property
    def group_height(self) -> int:
        return self.count * self.bar_height + (self.count - 1) * self.gap

    def x_of(self, value: float) -> float:
        return round(self.left + self.plot_width * value / self.high, 1)

    def scale(self, *values: float) -> list[float]:
        """Run the axis from 0 to the first round tick at or past the highest of
        `values`; return the ticks."""
        ticks = nice_ticks(0, max(values) or 1)
        self.high = ticks[-1]
        return ticks


def _bar_value_axis(chart: Chart, ticks, bars: _BarGeometry, *, top, bottom, axis_label: str, tick_suffix: str):
    """The vertical grid lines with their figures, the axis's name and the baseline."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    for tick in ticks:
        x = bars.x_of(tick)
        chart.lines.append(Line(x, top - 4, x, bottom, GRID, 1))
        chart.texts.append(Text(x, bottom + 16, _tick_label(tick, step, tick_suffix), anchor="middle", size=SMALL))
    chart.texts.append(Text(bars.left + bars.plot_width / 2, bottom + 36, axis_label, anchor="middle", weight="bold"))
    chart.lines.append(Line(bars.left, top - 4, bars.left, bottom, INK, 1.5))


def _bar_group(chart: Chart, bars: _BarGeometry, label: str, values, *, top, flagged, stacked, value_label, texts):
    """One category: its label (bold when flagged) and its bars."""
    chart.texts.append(
        Text(
            bars.left - 8,
            top + bars.group_height / 2 + 4,
            label,
            anchor="end",
            weight="bold" if flagged else "normal",
        )
    )
    if stacked:
        _stacked_bar(chart, bars, values, top=top, flagged=flagged, value_label=value_label)
    else:
        _grouped_bars(chart, bars, values, top=top, flagged=flagged, value_label=value_label, texts=texts)


def _bar_reference(chart: Chart, bars: _BarGeometry, reference: tuple[float, str], *, top, bottom) -> None:
    """A dashed vertical line at a value across every category, its text above."""
    value, text = reference
    x = bars.x_of(value)
    chart.lines.append(Line(x, top - 14, x, bottom, INK, 2, "6 4"))
    chart.texts.append(Text(x, top - 18, text, anchor="middle", size=SMALL, weight="bold"))


def _bar_outline(flagged: bool) -> dict:
    """A flagged category's bars are outlined thicker, with dashes."""
    return {"stroke_width": 1.5 if flagged else 0.75, "dash": "4 2" if flagged else ""}


def _stacked_bar(chart: Chart, bars: _BarGeometry, values, *, top, flagged: bool, value_label) -> None:
    """One category's series end to end in one bar, labelled with their total."""
    cursor = 0.0
    for number_, value in enumerate(values):
        if value:
            chart.rects.append(
                Rect(
                    bars.x_of(cursor),
                    top,
                    round(bars.x_of(cursor + value) - bars.x_of(cursor), 1),
                    bars.bar_height,
                    PALETTE[number_ % len(PALETTE)],
                    **_bar_outline(flagged),
                )
            )
        cursor += value or 0
    chart.texts.append(Text(bars.x_of(cursor) + 4, top + bars.bar_height - 4, value_label(cursor), size=SMALL))


def _grouped_bars(chart: Chart, bars: _BarGeometry, values, *, top, flagged: bool, value_label, texts) -> None:
    """One category's bars, one under another, each with its figure (or `texts`)."""
    for number_, value in enumerate(values):
        y = top + number_ * (bars.bar_height + bars.gap)
        if value:
            chart.rects.append(
                Rect(
                    bars.left,
                    y,
                    round(bars.x_of(value) - bars.left, 1),
                    bars.bar_height,
                    PALETTE[number_ % len(PALETTE)],
                    **_bar_outline(flagged),
                )
            )
        text = texts[number_] if texts else value_label(value)
        chart.texts.append(Text(bars.x_of(value or 0) + 4, y + bars.bar_height - 4, text, size=SMALL))


# --- Columns (vertical bars) -------------------------------------------------------------


def column_chart(
    *,
    slug: str,
    title: str,
    summary: str,
    table: Table,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_axis_label: str,
    y_axis_label: str,
    value_label: Callable[[float | None], str] = number,
    tick_suffix: str = "",
    stacked: bool = False,
    marker: tuple[float, str] | None = None,
    max_value: float | None = None,
    description: str = "",
    open_table: bool = False,
    height: int = 300,
) -> Chart:
    """Vertical bars over ordered categories (days, score levels, bins): grouped
    by default, or stacked. `marker` = (position, text) draws a dashed vertical
    line at a column's position (0 is the first column's centre; 2.5 is halfway
    between the third and fourth), e.g. the deadline."""
    chart = _new_chart(
        _("Column chart of %(series)s by %(axis)s. The table that follows gives every figure."),
        slug=slug,
        title=title,
        summary=summary,
        description=description,
        table=table,
        series=series,
        axis_label=x_axis_label,
        open_table=open_table,
        height=height,
    )
    if not x_labels:
        return _empty(chart, _("Nothing to show yet."))
    top = 8 + _legend(chart, series, x=64, y=8)
    if marker is not None:
        top += 18
    plot = _Plot(left=64, top=top, right=chart.width - 16, bottom=chart.height - 64)
    count = len(x_labels)
    high = max([max_value or 0, *_totals(series, count, stacked), 0])
    ticks = nice_ticks(0, high or 1)
    plot.low, plot.high = 0, ticks[-1]
    _value_axis(chart, plot, ticks, axis_label=y_axis_label, tick_suffix=tick_suffix)
    slot = _columns(chart, plot, x_labels, series, stacked=stacked, value_label=value_label)
    chart.texts.append(Text(plot.centre, plot.bottom + 40, x_axis_label, anchor="middle", weight="bold"))
    if marker is not None:
        _column_marker(chart, plot, marker, slot=slot)
    return chart


@dataclass
class _Plot:
    """The box a column or line chart draws in; its height stands for `low` to `high`."""

    left: float
    top: float
    right: float
    bottom: float
    low: float = 0
    high: float = 1

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def centre(self) -> float:
        return self.left + self.width / 2

    def y_of(self, value: float) -> float:
        return round(self.bottom - self.height * (value - self.low) / (self.high - self.low), 1)


def _value_axis(chart: Chart, plot: _Plot, ticks, *, axis_label: str, tick_suffix: str) -> None:
    """The horizontal grid lines with their figures, the baseline and the axis's name."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    for tick in ticks:
        y = plot.y_of(tick)
        chart.lines.append(Line(plot.left, y, plot.right, y, GRID, 1))
        chart.texts.append(Text(plot.left - 6, y + 4, _tick_label(tick, step, tick_suffix), anchor="end", size=SMALL))
    chart.lines.append(Line(plot.left, plot.bottom, plot.right, plot.bottom, INK, 1.5))
    chart.texts.append(Text(16, plot.top + plot.height / 2, axis_label, anchor="middle", weight="bold", rotate=-90))


def _columns(chart: Chart, plot: _Plot, x_labels, series, *, stacked: bool, value_label) -> float:
    """Every position's columns and as many position labels as fit; return the
    width each position takes."""
    count = len(x_labels)
    slot = plot.width / count
    bars = 1 if stacked else len(series)
    bar_width = max(slot * 0.8 / bars, 1)
    show_values = count * bars <= 16
    # Label as many columns as fit without overlapping.
    longest = max(len(label) for label in x_labels) * CHAR + 8
    every = max(1, ceil(longest / slot))
    for index, label in enumerate(x_labels):
        centre = plot.left + slot * (index + 0.5)
        if index % every == 0:
            chart.texts.append(Text(round(centre, 1), plot.bottom + 16, label, anchor="middle", size=SMALL))
        values = [item.values[index] for item in series]
        start = centre - bar_width * bars / 2
        if stacked:
            _stacked_column(
                chart,
                plot,
                values,
                start=start,
                centre=centre,
                width=bar_width,
                show_value=show_values,
                value_label=value_label,
            )
        else:
            _grouped_columns(
                chart, plot, values, start=start, width=bar_width, show_values=show_values, value_label=value_label
            )
    return slot


def _column_marker(chart: Chart, plot: _Plot, marker: tuple[float, str], *, slot: float) -> None:
    """A dashed vertical line at a position, with its text above the chart."""
    position, text = marker
    x = round(plot.left + slot * (position + 0.5), 1)
    chart.lines.append(Line(x, plot.top - 14, x, plot.bottom, INK, 2, "6 4"))
    anchor = (
        "end" if x > plot.left + plot.width * 0.75 else ("start" if x < plot.left + plot.width * 0.25 else "middle")
    )
    chart.texts.append(Text(x, plot.top - 18, text, anchor=anchor, size=SMALL, weight="bold"))


def _stacked_column(chart: Chart, plot: _Plot, values, *, start, centre, width, show_value: bool, value_label) -> None:
    """One position's series stacked in one column, with their total above it."""
    cursor = 0.0
    for number_, value in enumerate(values):
        value = value or 0
        if value:
            chart.rects.append(
                Rect(
                    round(start, 1),
                    plot.y_of(cursor + value),
                    round(width, 1),
                    round(plot.y_of(cursor) - plot.y_of(cursor + value), 1),
                    PALETTE[number_ % len(PALETTE)],
                )
            )
        cursor += value
    if show_value:
        chart.texts.append(
            Text(round(centre, 1), plot.y_of(cursor) - 4, value_label(cursor), anchor="middle", size=SMALL)
        )


def _grouped_columns(chart: Chart, plot: _Plot, values, *, start, width, show_values: bool, value_label) -> None:
    """One position's columns side by side, each with its figure above it when they fit."""
    for number_, value in enumerate(values):
        x = start + number_ * width
        height = value or 0
        if height:
            chart.rects.append(
                Rect(
                    round(x, 1),
                    plot.y_of(height),
                    round(width, 1),
                    round(plot.bottom - plot.y_of(height), 1),
                    PALETTE[number_ % len(PALETTE)],
                )
            )
        if show_values:
            chart.texts.append(
                Text(round(x + width / 2, 1), plot.y_of(height) - 4, value_label(value), anchor="middle", size=SMALL)
            )


def histogram_counts(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """How many values fall in each bin [edges[i], edges[i + 1]) (the last bin
    includes its upper edge). Values outside the edges are left out."""
    counts = [0] * (len(edges) - 1)
    for value in values:
        for index in range(len(counts)):
            last = index == len(counts) - 1
            if edges[index] <= value < edges[index + 1] or (last and value == edges[-1]):
                counts[index] += 1
                break
    return counts


# --- Lines over time ----------------------------------------------------------------------


def line_chart(
    *,
    slug: str,
    title: str,
    summary: str,
    table: Table,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_axis_label: str,
    y_axis_label: str,
    tick_suffix: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    target: tuple[float, str] | None = None,
    description: str = "",
    open_table: bool = False,
    height: int = 300,
) -> Chart:
    """Lines over ordered points (weeks, months), each series its own colour and
    dash pattern, a gap where a value is missing; `target` draws a dashed
    horizontal line with its label."""
    chart = _new_chart(
        _("Line chart of %(series)s by %(axis)s. The table that follows gives every figure."),
        slug=slug,
        title=title,
        summary=summary,
        description=description,
        table=table,
        series=series,
        axis_label=x_axis_label,
        open_table=open_table,
        height=height,
    )
    present = [value for item in series for value in item.values if value is not None]
    if not x_labels or not present:
        return _empty(chart, _("Nothing to show yet."))
    top = 8 + _legend(chart, series, x=64, y=8, lines=True)
    plot = _Plot(left=64, top=top, right=chart.width - 24, bottom=chart.height - 64)
    low = min([*present, *([target[0]] if target else []), *([y_min] if y_min is not None else [])])
    high = max([*present, *([target[0]] if target else []), *([y_max] if y_max is not None else [])])
    ticks = nice_ticks(min(low, 0) if y_min is None else low, high)
    plot.low, plot.high = ticks[0], ticks[-1]
    count = len(x_labels)
    xs = [
        round(plot.left + (plot.width * index / (count - 1) if count > 1 else plot.width / 2), 1)
        for index in range(count)
    ]
    _value_axis(chart, plot, ticks, axis_label=y_axis_label, tick_suffix=tick_suffix)
    chart.texts.append(Text(plot.centre, plot.bottom + 40, x_axis_label, anchor="middle", weight="bold"))
    _line_x_labels(chart, plot, x_labels, xs)
    if target is not None:
        _target_line(chart, plot, target)
    # A dot on every point while they are few enough to tell apart; a point
    # standing alone (between gaps) always has one, or it would not show.
    dots = count <= 40
    for number_, item in enumerate(series):
        points = [None if value is None else (xs[index], plot.y_of(value)) for index, value in enumerate(item.values)]
        _line(chart, points, number_=number_, dots=dots)
    return chart


def _line_x_labels(chart: Chart, plot: _Plot, x_labels: Sequence[str], xs: Sequence[float]) -> None:
    """As many of the points' labels as fit without overlapping."""
    count = len(x_labels)
    longest = max(len(label) for label in x_labels) * CHAR + 8
    every = max(1, ceil(longest / (plot.width / max(count - 1, 1))))
    for index, label in enumerate(x_labels):
        if index % every == 0:
            # The last label ends at the axis's end rather than running off the chart.
            anchor = "end" if index == count - 1 and count > 1 else "middle"
            chart.texts.append(Text(xs[index], plot.bottom + 16, label, anchor=anchor, size=SMALL))


def _target_line(chart: Chart, plot: _Plot, target: tuple[float, str]) -> None:
    """A dashed horizontal line at a value, with its text at the right end."""
    value, text = target
    y = plot.y_of(value)
    chart.lines.append(Line(plot.left, y, plot.right, y, INK, 2, "6 4"))
    # Above the line, or below it when the line is at the top of the chart.
    chart.texts.append(
        Text(plot.right, y - 6 if y - 6 > plot.top + 12 else y + 16, text, anchor="end", size=SMALL, weight="bold")
    )


def _line(chart: Chart, points: Sequence[tuple[float, float] | None], *, number_: int, dots: bool) -> None:
    """One series: a polyline through each run of points between gaps (None), and
    a dot on each point (with `dots`) or on a point standing alone."""
    colour = PALETTE[number_ % len(PALETTE)]
    run: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is None:
            if len(run) > 1:
                line = " ".join(f"{x},{y}" for x, y in run)
                chart.polylines.append(Polyline(line, colour, dash=DASHES[number_ % len(DASHES)]))
            if len(run) == 1 and not dots:
                chart.circles.append(Circle(run[0][0], run[0][1], 3.5, colour))
            run = []
            continue
        run.append(point)
        if dots:
            chart.circles.append(Circle(point[0], point[1], 3.5, colour))


# --- The insight pages' charts ---------------------------------------------------------------
# Each takes a selector's aggregated result and returns a Chart with its summary
# sentence and table. Imported here rather than at the top: the generic builders
# above know nothing of rounds.


def _day(value) -> str:
    return date_format(value, "j M")


def funnel_chart(funnel) -> Chart:
    stages = funnel.stages
    texts = [
        f"{stage.count:,}" + (f" ({percent(stage.rate)} {stage.rate_of})" if stage.rate is not None else "")
        for stage in stages
    ]
    summary = _(
        "%(registered)s registered for updates by the close; %(started)s started an application and "
        "%(submitted)s submitted (%(submit_rate)s of those who started). %(reviewed)s are fully reviewed. "
        "Of %(decided)s decided, %(accepted)s accepted, %(waitlisted)s on the waiting list and "
        "%(unsuccessful)s unsuccessful; %(released)s decisions released."
    ) % {
        "registered": f"{funnel.registered:,}",
        "started": f"{funnel.started:,}",
        "submitted": f"{funnel.submitted:,}",
        "submit_rate": percent(stages[2].rate),
        "reviewed": f"{funnel.fully_reviewed:,}",
        "decided": f"{funnel.decided:,}",
        "accepted": f"{funnel.accepted:,}",
        "waitlisted": f"{funnel.waitlisted:,}",
        "unsuccessful": f"{funnel.unsuccessful:,}",
        "released": f"{funnel.released:,}",
    }
    return bar_chart(
        slug="funnel",
        title=_("From registering to a decision"),
        summary=summary,
        table=Table(
            caption=_("The round's funnel"),
            headers=[_("Stage"), _("Number"), _("Rate (%)"), _("Rate of")],
            rows=[[stage.label, stage.count, stage.rate, stage.rate_of] for stage in stages],
        ),
        categories=[stage.label for stage in stages],
        series=[Series(_("Applications"), [stage.count for stage in stages])],
        axis_label=_("People"),
        value_texts=[texts],
        description=_(
            "Horizontal bar chart: for each stage from registering for updates to the decision, how many people "
            "reached it, with the rate from the stage before. The table that follows gives every figure."
        ),
    )


def submissions_chart(days) -> Chart:
    period = _("Week beginning") if days.weekly else _("Day")
    deadline = date_format(days.deadline, "j M Y, H:i")
    busiest = days.busiest
    summary = (
        _(
            "%(total)s applications submitted. The busiest %(period)s was %(day)s with %(count)s; "
            "%(deadline_count)s came in the %(period)s of the deadline (%(deadline)s)."
        )
        % {
            "total": f"{days.total:,}",
            "period": _("week") if days.weekly else _("day"),
            "day": _day(busiest[0]),
            "count": f"{busiest[1]:,}",
            "deadline_count": f"{days.on_deadline_day:,}",
            "deadline": deadline,
        }
        if busiest
        else _("No application has been submitted yet.")
    )
    return column_chart(
        slug="submissions",
        title=_("Applications submitted per week") if days.weekly else _("Applications submitted per day"),
        summary=summary,
        table=Table(
            caption=_("Applications first submitted, by %(period)s (UK time)") % {"period": period.lower()},
            headers=[period, _("Submitted")],
            rows=[[_day(day), count] for day, count in days.periods],
        ),
        x_labels=[_day(day) for day, _count in days.periods],
        series=[Series(_("Submitted"), [count for _day_, count in days.periods])],
        x_axis_label=period,
        y_axis_label=_("Applications"),
        marker=(days.deadline_index, _("Deadline %(when)s") % {"when": deadline})
        if days.deadline_index is not None
        else None,
        description=_(
            "Column chart of applications first submitted in each %(period)s of the round, with the deadline "
            "marked by a dashed line. The table that follows gives every figure."
        )
        % {"period": _("week") if days.weekly else _("day")},
    )


def representation_charts(representation) -> tuple[Chart, Chart]:
    """Shares of the pool, the nominated and the accepted by group; and each
    group's acceptance rate against the round's, flagged groups marked."""
    slug = representation.dimension.replace("_category", "")
    return _representation_shares_chart(representation, slug), _representation_rates_chart(representation, slug)


def _representation_shares_chart(representation, slug: str) -> Chart:
    rows = representation.rows
    label = representation.label
    return bar_chart(
        slug=f"{slug}_shares",
        title=_("Who applied, was nominated and was accepted, by %(dimension)s") % {"dimension": label.lower()},
        summary=_(
            "%(pool)s applications in the pool, %(nominated)s of them nominated, %(accepted)s accepted. "
            "Each bar is the group's share of that total."
        )
        % {
            "pool": f"{representation.total.pool:,}",
            "nominated": f"{representation.total.nominated:,}",
            "accepted": f"{representation.total.accepted:,}",
        },
        table=Table(
            caption=_("Applicant pool, nominated and accepted by %(dimension)s") % {"dimension": label.lower()},
            headers=[
                label,
                _("Pool"),
                _("Share of pool (%)"),
                _("Nominated"),
                _("Share of nominated (%)"),
                _("Accepted"),
                _("Share of accepted (%)"),
            ],
            rows=[
                [
                    row.name,
                    row.pool,
                    row.pool_share,
                    row.nominated,
                    row.nominated_share,
                    row.accepted,
                    row.accepted_share,
                ]
                for row in rows
            ]
            + [
                [
                    _("All"),
                    representation.total.pool,
                    100.0,
                    representation.total.nominated,
                    None,
                    representation.total.accepted,
                    None,
                ]
            ],
        ),
        categories=[row.name for row in rows],
        series=[
            Series(_("Share of the pool"), [row.pool_share for row in rows]),
            Series(_("Share of the nominated"), [row.nominated_share for row in rows]),
            Series(_("Share of the accepted"), [row.accepted_share for row in rows]),
        ],
        axis_label=_("Percent of the total"),
        value_label=percent,
        tick_suffix="%",
    )


def _representation_rates_chart(representation, slug: str) -> Chart:
    rows = representation.rows
    label = representation.label
    flagged = [index for index, row in enumerate(rows) if row.flag]
    round_rate = representation.round_rate
    if representation.flagged:
        flagged_summary = _("Flagged: %(groups)s.") % {
            "groups": "; ".join(
                _("%(name)s, %(rate)s (%(direction)s than the round)")
                % {"name": row.name, "rate": percent(row.rate), "direction": _(row.flag)}
                for row in representation.flagged
            )
        }
    else:
        flagged_summary = _("No group is flagged.")
    return bar_chart(
        slug=f"{slug}_rates",
        title=_("Acceptance rate by %(dimension)s") % {"dimension": label.lower()},
        summary=(
            _(
                "The round accepted %(rate)s of the applications it decided. A group is flagged when its rate "
                "differs from that by more than %(threshold)s percentage points and it has at least %(size)s "
                "decided applications. "
            )
            % {"rate": percent(round_rate), "threshold": representation.threshold, "size": representation.min_size}
        )
        + flagged_summary,
        table=Table(
            caption=_("Acceptance rate by %(dimension)s, against the round's %(rate)s")
            % {"dimension": label.lower(), "rate": percent(round_rate)},
            headers=[label, _("Decided"), _("Accepted"), _("Acceptance rate (%)"), _("Difference (points)"), _("Flag")],
            rows=[
                [
                    row.name,
                    row.decided,
                    row.accepted,
                    row.rate,
                    row.rate - round_rate if row.rate is not None and round_rate is not None else None,
                    _("Flagged: %(direction)s than the round") % {"direction": _(row.flag)} if row.flag else "",
                ]
                for row in rows
            ],
        ),
        categories=[row.name for row in rows],
        series=[Series(_("Acceptance rate"), [row.rate for row in rows])],
        axis_label=_("Percent of decided applications accepted"),
        value_label=percent,
        tick_suffix="%",
        reference=(round_rate, _("Round: %(rate)s") % {"rate": percent(round_rate)})
        if round_rate is not None
        else None,
        flagged=flagged,
        max_value=100 if rows else None,
        open_table=True,
    )


def criterion_name(criterion) -> str:
    return f"({criterion.letter}) {criterion.title}"


def agreement_chart(agreement) -> Chart:
    criteria = agreement.criteria
    labels = [_day(day) for day in agreement.periods]
    overall = ", ".join(
        f"({criterion.letter}) {number(agreement.overall(criterion).alpha, 2)}" for criterion in criteria
    )
    return line_chart(
        slug="agreement",
        title=_("Agreement between reviewers through the round"),
        summary=_(
            "Krippendorff's alpha (interval) on the reviews submitted so far: %(overall)s. 1 is perfect "
            "agreement, 0 no better than chance; 0.667 is a common lowest acceptable value."
        )
        % {"overall": overall},
        table=Table(
            caption=_("Krippendorff's alpha per criterion on the reviews submitted by the end of each %(period)s")
            % {"period": _("week") if agreement.weekly else _("day")},
            headers=[_("Up to")]
            + [
                heading
                for criterion in criteria
                for heading in (
                    _("Alpha (%(letter)s)") % {"letter": criterion.letter},
                    _("Applications with 2+ reviews (%(letter)s)") % {"letter": criterion.letter},
                )
            ],
            rows=[
                [label]
                + [
                    value
                    for criterion in criteria
                    for value in (
                        agreement.points[criterion.pk][index].alpha,
                        agreement.points[criterion.pk][index].pairable_units,
                    )
                ]
                for index, label in enumerate(labels)
            ],
            places=[0] + [3, 0] * len(criteria),
        ),
        x_labels=labels,
        series=[
            Series(criterion_name(criterion), [point.alpha for point in agreement.points.get(criterion.pk, [])])
            for criterion in criteria
        ],
        x_axis_label=_("Week ending") if agreement.weekly else _("Day"),
        y_axis_label=_("Alpha"),
        y_max=1,
        target=(0.667, _("0.667")),
    )


def reviewer_means_chart(calibration, levels: list[int]) -> Chart:
    """How reviewers' means spread on each criterion: a histogram in bins of a
    quarter point across the rubric."""
    low, high = min(levels), max(levels)
    edges = [low + step * 0.25 for step in range(int((high - low) * 4) + 1)]
    bins = [f"{edges[index]:.2f} to {edges[index + 1]:.2f}" for index in range(len(edges) - 1)]
    counts = {
        criterion.pk: histogram_counts(
            [
                reviewer.stats[criterion.pk].mean
                for reviewer in calibration.reviewers
                if criterion.pk in reviewer.stats and reviewer.stats[criterion.pk].mean is not None
            ],
            edges,
        )
        for criterion in calibration.criteria
    }
    flagged = calibration.flagged
    harsh = sum(1 for reviewer in flagged if "harsh" in reviewer.leanings)
    lenient = sum(1 for reviewer in flagged if "lenient" in reviewer.leanings)
    panel = ", ".join(
        f"({criterion.letter}) {number(calibration.panel[criterion.pk].mean, 2)}"
        for criterion in calibration.criteria
        if criterion.pk in calibration.panel
    )
    return column_chart(
        slug="reviewer_means",
        title=_("How reviewers' mean scores spread"),
        summary=_(
            "%(reviewers)s reviewers; the panel's means are %(panel)s. %(harsh)s flagged as harsh and "
            "%(lenient)s as lenient on at least one criterion."
        )
        % {
            "reviewers": len(calibration.reviewers),
            "panel": panel or NO_FIGURE,
            "harsh": harsh,
            "lenient": lenient,
        },
        table=Table(
            caption=_("Reviewers by their mean score, per criterion"),
            headers=[_("Mean score")] + [criterion_name(criterion) for criterion in calibration.criteria],
            rows=[
                [label] + [counts[criterion.pk][index] for criterion in calibration.criteria]
                for index, label in enumerate(bins)
            ],
        ),
        x_labels=bins,
        series=[Series(criterion_name(criterion), counts[criterion.pk]) for criterion in calibration.criteria],
        x_axis_label=_("Reviewer's mean score"),
        y_axis_label=_("Reviewers"),
    )


def score_chart(distribution) -> Chart:
    criterion = distribution.criterion
    return column_chart(
        slug=f"scores_{criterion.letter}",
        title=criterion_name(criterion),
        summary=_(
            "Accepted applications scored a mean of %(accepted_mean)s (SD %(accepted_sd)s, %(accepted_n)s "
            "scores); the rest %(rest_mean)s (SD %(rest_sd)s, %(rest_n)s scores)."
        )
        % {
            "accepted_mean": number(distribution.accepted_mean, 2),
            "accepted_sd": number(distribution.accepted_sd, 2),
            "accepted_n": f"{distribution.accepted_total:,}",
            "rest_mean": number(distribution.rest_mean, 2),
            "rest_sd": number(distribution.rest_sd, 2),
            "rest_n": f"{distribution.rest_total:,}",
        },
        table=Table(
            caption=_("Scores on criterion (%(letter)s), accepted and the rest") % {"letter": criterion.letter},
            headers=[_("Score"), _("Accepted"), _("Accepted (%)"), _("The rest"), _("The rest (%)")],
            rows=[
                [str(level), accepted, accepted_share, rest, rest_share]
                for level, accepted, accepted_share, rest, rest_share in zip(
                    distribution.levels,
                    distribution.accepted,
                    distribution.accepted_percent,
                    distribution.rest,
                    distribution.rest_percent,
                    strict=True,
                )
            ],
        ),
        x_labels=[str(level) for level in distribution.levels],
        series=[
            Series(_("Accepted"), distribution.accepted_percent),
            Series(_("The rest"), distribution.rest_percent),
        ],
        x_axis_label=_("Score"),
        y_axis_label=_("Share of scores"),
        value_label=percent,
        tick_suffix="%",
        height=260,
    )


def nominations_chart(organisations, totals) -> Chart:
    organisations = list(organisations)

    def quota(organisation):
        return organisation.own_quota if organisation.own_quota is not None else organisation.region_quota

    return bar_chart(
        slug="nominations",
        title=_("Nominations by organisation"),
        summary=_(
            "%(nominated)s people nominated, %(used)s holding a place of %(places)s quota places; %(submitted)s "
            "submitted an application and %(accepted)s were accepted."
        )
        % {key: f"{value:,}" for key, value in totals.items()},
        table=Table(
            caption=_("Nominations by organisation (this page)"),
            headers=[_("Organisation"), _("Quota"), _("Used"), _("Submitted"), _("Accepted")],
            rows=[
                [
                    organisation.name,
                    quota(organisation),
                    organisation.used,
                    organisation.submitted,
                    organisation.accepted,
                ]
                for organisation in organisations
            ],
        ),
        categories=[organisation.name for organisation in organisations],
        series=[
            Series(_("Quota"), [quota(organisation) for organisation in organisations]),
            Series(_("Used"), [organisation.used for organisation in organisations]),
            Series(_("Submitted"), [organisation.submitted for organisation in organisations]),
            Series(_("Accepted"), [organisation.accepted for organisation in organisations]),
        ],
        axis_label=_("People"),
    )


def growth_charts(insight) -> tuple[Chart, Chart, Chart]:
    growth = insight.growth
    every_month = insight.months
    months = [date_format(month.month, "M Y") for month in every_month]
    target = _("Target: %(members)s") % {"members": f"{insight.target_members:,}"}
    if insight.target_by:
        target += _(" by %(date)s") % {"date": date_format(insight.target_by, "j M Y")}
    over_time = line_chart(
        slug="growth",
        title=_("Members over time"),
        summary=_("%(total)s members, %(percent)s of the target of %(target)s.")
        % {
            "total": f"{growth.total:,}",
            "percent": percent(insight.percent_of_target),
            "target": f"{insight.target_members:,}",
        },
        table=Table(
            caption=_("Members joining by month (ended memberships not counted)"),
            headers=[_("Month"), _("Joined"), _("Total")],
            rows=[[label, month.joined, month.total] for label, month in zip(months, every_month, strict=True)],
        ),
        x_labels=months,
        series=[Series(_("Members"), [month.total for month in every_month])],
        x_axis_label=_("Month joined"),
        y_axis_label=_("Members"),
        y_min=0,
        target=(insight.target_members, target),
    )

    def by(slug, title, rows, heading):
        return bar_chart(
            slug=slug,
            title=title,
            summary=_("Largest: %(name)s with %(count)s members.")
            % {"name": rows[0][0] or _("Not given"), "count": f"{rows[0][1]:,}"}
            if rows
            else _("No members yet."),
            table=Table(
                caption=title,
                headers=[heading, _("Members"), _("Share (%)")],
                rows=[
                    [name or _("Not given"), count, 100 * count / growth.total if growth.total else None]
                    for name, count in rows
                ],
            ),
            categories=[name or _("Not given") for name, _count in rows],
            series=[Series(_("Members"), [count for _name, count in rows])],
            axis_label=_("Members"),
        )

    return (
        over_time,
        by("growth_regions", _("Members by region"), growth.by_region, _("Region")),
        by("growth_roles", _("Members by role"), growth.by_role, _("Role")),
    )
