"""A cell of an equality stage table is written in Python (`{% equality_cell %}`):
the same elements and text the template wrote, for any figures."""

import re

from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from selection.impact import Cell, Flag
from selection.templatetags.selection_charts import equality_cell

# The template's markup before it became `{% equality_cell %}`: the oracle.
TEMPLATE = Template(
    """{% load i18n humanize %}<td class="text-end"{% if cell.flag == "gap" %} data-flag="gap"{% endif %}>
  {% if cell.suppressed %}<span data-suppressed>{{ hidden_words }}</span>{% else %}{{ cell.count|intcomma }}{% endif %}
  {% if previous %}
    {% if cell.figures_hidden %}{% if not cell.suppressed %}<br><span class="small">{% translate "rate suppressed" %}</span>{% endif %}
    {% elif cell.rate is not None %}<br><span class="small">{{ cell.rate_percent }}{% if cell.ratio is not None %}, {% blocktranslate with ratio=cell.ratio|floatformat:2 %}ratio {{ ratio }}{% endblocktranslate %}{% endif %}</span>{% endif %}
    {% if cell.flag == "gap" %}<br><strong>{% translate "Flagged gap" %}</strong>{% elif cell.flag == "possible" %}<br>{% translate "Below four-fifths, could be chance" %}{% endif %}
  {% endif %}
</td>"""  # noqa: E501
)


def markup(html) -> str:
    """Without the whitespace the template's layout added around its tags (none of it shows in a cell)."""
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", str(html)).strip()


cells = st.builds(
    Cell,
    count=st.integers(min_value=0, max_value=2_000_000),
    suppressed=st.booleans(),
    rate=st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
    ratio=st.one_of(st.none(), st.floats(min_value=0, max_value=3)),
    p_value=st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
    flag=st.sampled_from([Flag.NONE, Flag.GAP, Flag.POSSIBLE]),
    figures_hidden=st.booleans(),
)


@given(
    cell=cells,
    previous=st.sampled_from([None, "", "submitted"]),
    hidden_words=st.sampled_from(["fewer than 10", "<&>"]),
)
def test_any_cell_is_written_as_the_template_wrote_it(cell, previous, hidden_words):
    context = {"cell": cell, "previous": previous, "hidden_words": hidden_words}
    assert markup(equality_cell(cell, previous, hidden_words)) == markup(TEMPLATE.render(Context(context)))


def test_a_flagged_cell_shows_its_rate_ratio_and_flag():
    cell = Cell(count=1234, rate=0.456, ratio=0.7, p_value=0.01, flag=Flag.GAP)
    assert markup(equality_cell(cell, "submitted", "fewer than 10")) == (
        '<td class="text-end" data-flag="gap">1,234<br><span class="small">46%, ratio 0.70</span>'
        "<br><strong>Flagged gap</strong></td>"
    )
    hidden = Cell(count=3, suppressed=True, figures_hidden=True)
    assert markup(equality_cell(hidden, "submitted", "fewer than 10")) == (
        '<td class="text-end"><span data-suppressed>fewer than 10</span></td>'
    )
