"""The server-drawn SVG charts: what they draw, that they are labelled and
accessible, and that nothing in them needs an inline style (the CSP has no
'unsafe-inline')."""

import re
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from selection.charts import (
    PALETTE,
    Series,
    Table,
    bar_chart,
    column_chart,
    histogram_counts,
    line_chart,
    nice_ticks,
)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <text>, <title>, <desc>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.texts: dict[str, list[str]] = {"text": [], "title": [], "desc": [], "th": [], "td": []}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open and self._open[-1] in self.texts and data.strip():
            self.texts[self._open[-1]].append(data.strip())

    def all(self, tag):
        return [attrs for name, attrs in self.tags if name == tag]


def rendered(chart, query="") -> tuple[str, Elements]:
    request = RequestFactory().get(f"/programme/insight/{query}")
    html = render_to_string("selection/includes/chart.html", {"chart": chart, "level": 2}, request=request)
    parser = Elements()
    parser.feed(html)
    return html, parser


def table(rows):
    return Table(caption="Applications by region", headers=["Region", "Pool", "Rate (%)"], rows=rows)


def regions_chart(**kwargs):
    return bar_chart(
        slug="regions",
        title="Acceptance rate by region",
        summary="The round accepted 30% of the applications it decided.",
        table=table([["North East", 40, 55.0], ["London", 300, 28.0], ["Wales", 25, 30.0]]),
        categories=["North East", "London", "Wales"],
        series=[Series("Acceptance rate", [55.0, 28.0, 30.0])],
        axis_label="Percent accepted",
        value_label=lambda value: f"{value:.0f}%",
        tick_suffix="%",
        **kwargs,
    )


def test_bar_chart_draws_one_bar_per_value_labelled_and_scaled():
    chart = regions_chart()
    _html, svg = rendered(chart)

    bars = svg.all("rect")
    assert len(bars) == 3
    widths = [float(bar["width"]) for bar in bars]
    # Bars are in proportion to their values (55 : 28 : 30).
    assert widths[0] / widths[1] == pytest.approx(55 / 28, rel=0.01)
    assert {bar["fill"] for bar in bars} == {PALETTE[0]}
    assert [text for text in svg.texts["text"] if text in {"North East", "London", "Wales"}] == [
        "North East",
        "London",
        "Wales",
    ]
    assert {"55%", "28%", "30%"} <= set(svg.texts["text"])
    assert "Percent accepted" in svg.texts["text"]


def test_every_chart_is_an_accessible_image_with_title_description_summary_table_and_download():
    chart = regions_chart()
    html, svg = rendered(chart, "?region=4")

    (root,) = svg.all("svg")
    assert root["role"] == "img"
    title_id, desc_id = root["aria-labelledby"].split()
    assert {"id": title_id} == svg.all("title")[0]
    assert {"id": desc_id} == svg.all("desc")[0]
    assert svg.texts["title"] == ["Acceptance rate by region"]
    assert "Horizontal bar chart" in svg.texts["desc"][0]
    assert "The round accepted 30% of the applications it decided." in html
    assert svg.texts["th"][:3] == ["Region", "Pool", "Rate (%)"]
    assert svg.texts["td"][:2] == ["40", "55.0"]
    (download,) = [attrs for attrs in svg.all("a") if "download" in attrs]
    # The download keeps the page's filters.
    assert download["href"] == "?region=4&csv=regions"


def test_charts_use_no_inline_style_only_presentation_attributes():
    charts = [
        regions_chart(reference=(30.0, "Round: 30%"), flagged=[0]),
        column_chart(
            slug="days",
            title="Applications per day",
            summary="",
            table=table([]),
            x_labels=["1 Jun", "2 Jun", "3 Jun"],
            series=[Series("Submitted", [3, 0, 12])],
            x_axis_label="Day",
            y_axis_label="Applications",
            marker=(2, "Deadline"),
        ),
        line_chart(
            slug="alpha",
            title="Alpha",
            summary="",
            table=table([]),
            x_labels=["w1", "w2", "w3"],
            series=[Series("(a)", [0.2, None, 0.7]), Series("(b)", [0.5, 0.6, 0.65])],
            x_axis_label="Week",
            y_axis_label="Alpha",
            y_max=1,
            target=(0.667, "0.667"),
        ),
    ]
    for chart in charts:
        html, svg = rendered(chart)
        assert "style=" not in html
        assert "<style" not in html
        assert "<script" not in html
        for tag, attrs in svg.tags:
            assert "style" not in attrs, tag


def test_a_flagged_group_is_named_flagged_and_outlined_not_only_coloured():
    chart = regions_chart(flagged=[0], reference=(30.0, "Round: 30%"))
    _html, svg = rendered(chart)

    assert "North East (flagged)" in svg.texts["text"]
    assert "London" in svg.texts["text"]
    flagged_bar, other_bar = svg.all("rect")[:2]
    assert flagged_bar.get("stroke-dasharray") == "4 2"
    assert "stroke-dasharray" not in other_bar
    # The round's rate is a dashed line with its label.
    assert "Round: 30%" in svg.texts["text"]
    assert any(line.get("stroke-dasharray") == "6 4" for line in svg.all("line"))


def test_column_chart_marks_the_deadline_and_stacks_when_asked():
    chart = column_chart(
        slug="days",
        title="Applications per day",
        summary="",
        table=table([]),
        x_labels=["1 Jun", "2 Jun", "3 Jun"],
        series=[Series("Nominated", [1, 2, 3]), Series("Open", [4, 0, 6])],
        x_axis_label="Day",
        y_axis_label="Applications",
        stacked=True,
        marker=(2, "Deadline 3 Jun"),
    )
    _html, svg = rendered(chart)

    bars = [rect for rect in svg.all("rect") if float(rect["width"]) > 14]  # not the legend's swatches
    assert len(bars) == 5  # the zero is not drawn
    third_day = [bar for bar in bars if float(bar["x"]) > 400]
    assert sum(float(bar["height"]) for bar in third_day) > sum(float(bar["height"]) for bar in bars[:2])
    assert "Deadline 3 Jun" in svg.texts["text"]
    assert {"Nominated", "Open"} <= set(svg.texts["text"])  # the legend


def test_line_chart_leaves_a_gap_for_a_missing_value_and_tells_series_apart_by_dash():
    chart = line_chart(
        slug="alpha",
        title="Alpha",
        summary="",
        table=table([]),
        x_labels=["w1", "w2", "w3", "w4"],
        series=[Series("(a)", [0.2, 0.3, None, 0.7]), Series("(b)", [0.5, 0.6, 0.65, 0.7])],
        x_axis_label="Week",
        y_axis_label="Alpha",
    )
    _html, svg = rendered(chart)

    polylines = svg.all("polyline")
    # (a) is one line of two points (the lone last point is a dot), (b) one of four.
    assert [len(line["points"].split()) for line in polylines] == [2, 4]
    assert polylines[0].get("stroke-dasharray") is None
    assert polylines[1]["stroke-dasharray"] == "8 4"
    assert len(svg.all("circle")) == 7


def test_an_empty_chart_says_so():
    chart = bar_chart(
        slug="none",
        title="Nothing",
        summary="",
        table=table([]),
        categories=[],
        series=[Series("Rate", [])],
        axis_label="Rate",
    )
    html, svg = rendered(chart)

    assert chart.empty
    assert "Nothing to show yet." in svg.texts["text"]
    assert "No figures yet." in html


def test_nice_ticks_are_round_numbers_covering_the_data():
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(-0.3, 1) == [-0.5, 0, 0.5, 1.0]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_histogram_counts_values_into_bins_with_the_last_edge_included():
    assert histogram_counts([1.0, 1.2, 1.25, 3.9, 4.0, 5.0], [1, 1.25, 2, 4]) == [2, 1, 2]


def test_table_shows_numbers_for_people_and_raw_numbers_for_the_csv():
    figures = Table(
        caption="c", headers=["Group", "n", "rate"], rows=[["A", 1234, 12.345], ["B", 0, None]], places=[0, 0, 2]
    )

    assert figures.display_rows == [["A", "1,234", "12.35"], ["B", "0", "\u2013"]]
    assert figures.csv_rows == [["Group", "n", "rate"], ["A", 1234, 12.345], ["B", 0, ""]]


def test_svg_numbers_are_never_localised_with_thousands_separators(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    chart = column_chart(
        slug="big",
        title="Big",
        summary="",
        table=table([]),
        x_labels=[str(n) for n in range(3)],
        series=[Series("n", [1000, 2000, 3000])],
        x_axis_label="x",
        y_axis_label="y",
        height=1200,
    )
    html, _svg = rendered(chart)

    assert re.search(r'viewBox="0 0 720 1200"', html)
