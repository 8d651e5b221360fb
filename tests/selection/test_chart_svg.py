"""A chart's SVG is written in Python (`{% chart_svg %}`): the same characters the
template wrote with a variable for each attribute, for any shapes and text."""

from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from selection.charts import Chart, Circle, Line, Polyline, Rect, Series, Table, Text, bar_chart, line_chart
from selection.templatetags.selection_charts import chart_svg

# The template's markup before it became `{% chart_svg chart %}`: the oracle.
TEMPLATE = Template(
    """{% load l10n %}{% localize off %}<svg class="portal-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{ chart.width }} {{ chart.height }}" width="{{ chart.width }}" height="{{ chart.height }}" role="img" aria-labelledby="{{ chart.title_id }} {{ chart.desc_id }}" focusable="false" data-chart="{{ chart.slug }}">
      <title id="{{ chart.title_id }}">{{ chart.title }}</title>
      <desc id="{{ chart.desc_id }}">{{ chart.description }}</desc>
      {% for line in chart.lines %}<line x1="{{ line.x1 }}" y1="{{ line.y1 }}" x2="{{ line.x2 }}" y2="{{ line.y2 }}" stroke="{{ line.stroke }}" stroke-width="{{ line.stroke_width }}"{% if line.dash %} stroke-dasharray="{{ line.dash }}"{% endif %}/>{% endfor %}
      {% for rect in chart.rects %}<rect x="{{ rect.x }}" y="{{ rect.y }}" width="{{ rect.width }}" height="{{ rect.height }}" fill="{{ rect.fill }}" stroke="{{ rect.stroke }}" stroke-width="{{ rect.stroke_width }}"{% if rect.dash %} stroke-dasharray="{{ rect.dash }}"{% endif %}/>{% endfor %}
      {% for polyline in chart.polylines %}<polyline points="{{ polyline.points }}" fill="none" stroke="{{ polyline.stroke }}" stroke-width="{{ polyline.stroke_width }}"{% if polyline.dash %} stroke-dasharray="{{ polyline.dash }}"{% endif %}/>{% endfor %}
      {% for circle in chart.circles %}<circle cx="{{ circle.cx }}" cy="{{ circle.cy }}" r="{{ circle.r }}" fill="{{ circle.fill }}"/>{% endfor %}
      {% for text in chart.texts %}<text x="{{ text.x }}" y="{{ text.y }}" text-anchor="{{ text.anchor }}" font-size="{{ text.size }}" font-weight="{{ text.weight }}" fill="{{ text.fill }}" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"{% if text.rotate %} transform="rotate({{ text.rotate }} {{ text.x }} {{ text.y }})"{% endif %}>{{ text.text }}</text>{% endfor %}
    </svg>{% endlocalize %}"""  # noqa: E501
)

words = st.text(alphabet=st.sampled_from(["a", "Z", " ", "&", "<", ">", '"', "'", "é", "%", "\n"]), max_size=10)
numbers = st.one_of(
    st.integers(min_value=-100_000, max_value=100_000),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from([0.0, 1e-05, 1234567.25, -0.5]),
)
dashes = st.sampled_from(["", "4 2", "2"])
colours = st.sampled_from(["#0b0c0c", "#1d70b8", "none"])
shapes = {
    "lines": st.lists(st.builds(Line, numbers, numbers, numbers, numbers, colours, numbers, dashes), max_size=4),
    "rects": st.lists(
        st.builds(Rect, numbers, numbers, numbers, numbers, colours, colours, numbers, dashes), max_size=4
    ),
    "polylines": st.lists(st.builds(Polyline, words, colours, numbers, dashes), max_size=3),
    "circles": st.lists(st.builds(Circle, numbers, numbers, numbers, colours), max_size=3),
    "texts": st.lists(
        st.builds(
            Text,
            numbers,
            numbers,
            words,
            st.sampled_from(["start", "end"]),
            st.integers(8, 20),
            st.sampled_from(["normal", "bold"]),
            colours,
            st.sampled_from([0, -90]),
        ),
        max_size=5,
    ),
}


def oracle(chart) -> str:
    return TEMPLATE.render(Context({"chart": chart}))


@given(slug=words, title=words, description=words, width=st.integers(1, 2000), height=st.integers(1, 2000), **shapes)
def test_any_chart_is_drawn_as_the_template_drew_it(slug, title, description, width, height, **drawn):
    table = Table(caption="", headers=[], rows=[])
    chart = Chart(
        slug=slug, title=title, summary="", description=description, table=table, width=width, height=height, **drawn
    )
    assert chart_svg(chart) == oracle(chart)


def test_the_portals_own_charts_are_drawn_as_the_template_drew_them():
    table = Table(caption="Rates", headers=["Group", "Rate"], rows=[["A & B", 0.25], ["<C>", 0.5]])
    charts = [
        bar_chart(
            slug="rates",
            title="Selection rate by group",
            summary="Two groups",
            table=table,
            categories=["A & B", "<C>"],
            series=[Series("Rate", [0.25, 0.5])],
            axis_label="Rate",
            reference=(0.4, "Four-fifths"),
            flagged=[0],
        ),
        line_chart(
            slug="weekly",
            title="Applications each week",
            summary="Rising",
            table=table,
            x_labels=["1", "2", "3"],
            series=[Series("This round", [1, 5, None]), Series("Last round", [2, 3, 4])],
            x_axis_label="Week",
            y_axis_label="Applications",
            target=(4, "Target"),
        ),
    ]
    for chart in charts:
        assert chart.texts and (chart.rects or chart.polylines)
        assert chart_svg(chart) == oracle(chart)
