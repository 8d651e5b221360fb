"""The insight pages' largest markup, written in Python: the template wrote it with a
variable for each attribute, thousands of them on the equality page (13 charts and a
stage table for each characteristic), most of the page's time.

- `{% chart_svg chart %}`: a server-drawn chart's SVG (selection.charts.Chart), the
  template's markup character for character (numbers unlocalised, text escaped;
  `tests/selection/test_chart_svg.py` compares the two on drawn charts).
- `{% equality_cell cell previous hidden_words %}`: one cell of an equality stage table
  (selection.impact.Cell), the same elements and text as the template wrote
  (`tests/selection/test_equality_cell.py`)."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import floatformat
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..impact import Flag

register = template.Library()

# What `{{ value }}` writes inside `{% localize off %}`: numbers as Python writes
# them, text escaped.
_UNLOCALISED = Context(autoescape=True, use_l10n=False)


def _v(value) -> str:
    kind = type(value)
    if kind is str:
        return escape(value)
    # Django's unlocalised number is Python's own but for floats it writes in
    # scientific notation (those, and anything else, go through Django).
    if kind is int:
        return str(value)
    if kind is float and "e" not in (written := str(value)):
        return written
    return render_value_in_context(value, _UNLOCALISED)


def _dash(shape) -> str:
    return f' stroke-dasharray="{_v(shape.dash)}"' if shape.dash else ""


def _line(line) -> str:
    return (
        f'<line x1="{_v(line.x1)}" y1="{_v(line.y1)}" x2="{_v(line.x2)}" y2="{_v(line.y2)}" '
        f'stroke="{_v(line.stroke)}" stroke-width="{_v(line.stroke_width)}"{_dash(line)}/>'
    )


def _rect(rect) -> str:
    return (
        f'<rect x="{_v(rect.x)}" y="{_v(rect.y)}" width="{_v(rect.width)}" height="{_v(rect.height)}" '
        f'fill="{_v(rect.fill)}" stroke="{_v(rect.stroke)}" stroke-width="{_v(rect.stroke_width)}"{_dash(rect)}/>'
    )


def _polyline(polyline) -> str:
    return (
        f'<polyline points="{_v(polyline.points)}" fill="none" stroke="{_v(polyline.stroke)}" '
        f'stroke-width="{_v(polyline.stroke_width)}"{_dash(polyline)}/>'
    )


def _circle(circle) -> str:
    return f'<circle cx="{_v(circle.cx)}" cy="{_v(circle.cy)}" r="{_v(circle.r)}" fill="{_v(circle.fill)}"/>'


def _text(text) -> str:
    rotate = f' transform="rotate({_v(text.rotate)} {_v(text.x)} {_v(text.y)})"' if text.rotate else ""
    return (
        f'<text x="{_v(text.x)}" y="{_v(text.y)}" text-anchor="{_v(text.anchor)}" font-size="{_v(text.size)}" '
        f'font-weight="{_v(text.weight)}" fill="{_v(text.fill)}" stroke="#fff" stroke-width="3" '
        f'stroke-linejoin="round" paint-order="stroke"{rotate}>{_v(text.text)}</text>'
    )


@register.simple_tag
def chart_svg(chart) -> str:
    """The chart's <svg> element: named by its <title>, described by its <desc>."""
    shapes = "\n      ".join(
        "".join(draw(shape) for shape in shapes)
        for draw, shapes in (
            (_line, chart.lines),
            (_rect, chart.rects),
            (_polyline, chart.polylines),
            (_circle, chart.circles),
            (_text, chart.texts),
        )
    )
    return mark_safe(  # noqa: S308 - every value is escaped above as the template escaped it
        f'<svg class="portal-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_v(chart.width)} '
        f'{_v(chart.height)}" width="{_v(chart.width)}" height="{_v(chart.height)}" role="img" '
        f'aria-labelledby="{_v(chart.title_id)} {_v(chart.desc_id)}" focusable="false" data-chart="{_v(chart.slug)}">\n'
        f'      <title id="{_v(chart.title_id)}">{_v(chart.title)}</title>\n'
        f'      <desc id="{_v(chart.desc_id)}">{_v(chart.description)}</desc>\n'
        f"      {shapes}\n"
        f"    </svg>"
    )


@register.simple_tag
def equality_cell(cell, previous, hidden_words: str) -> str:
    """A group's figures at a stage: its count (or "fewer than n"), then, after the
    first stage, the rate of the stage before with the adverse-impact ratio, or
    that they are suppressed, and the flag."""
    parts = [
        '<td class="text-end" data-flag="gap">' if cell.flag == Flag.GAP else '<td class="text-end">',
        format_html("<span data-suppressed>{}</span>", hidden_words)
        if cell.suppressed
        else escape(intcomma(cell.count)),
    ]
    if previous:
        if cell.figures_hidden:
            if not cell.suppressed:
                parts.append(format_html('<br><span class="small">{}</span>', _("rate suppressed")))
        elif cell.rate is not None:
            ratio = "" if cell.ratio is None else ", " + _("ratio %(ratio)s") % {"ratio": floatformat(cell.ratio, 2)}
            parts.append(format_html('<br><span class="small">{}{}</span>', cell.rate_percent, ratio))
        if cell.flag == Flag.GAP:
            parts.append(format_html("<br><strong>{}</strong>", _("Flagged gap")))
        elif cell.flag == Flag.POSSIBLE:
            parts.append(format_html("<br>{}", _("Below four-fifths, could be chance")))
    parts.append("</td>")
    return mark_safe("".join(parts))  # noqa: S308 - each part is escaped above
