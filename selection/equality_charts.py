"""Equality impact as figures: for each characteristic, its stage table as a
CSV-ready `Table` and a bar chart of each group's selection rate, in the insight
style (`selection.charts`: Okabe-Ito colours, outlines, flags in words).

A suppressed figure is the words "fewer than N" everywhere: in the page's table,
on the chart (no bar, the words in its place) and in the CSV."""

from django.utils.translation import gettext as _

from .charts import Chart, Series, Table, bar_chart, percent
from .impact import Cell, Flag, ImpactTable


def fewer_than(threshold: int) -> str:
    return _("fewer than %(n)s") % {"n": threshold}


def flag_words(flag: str) -> str:
    if flag == Flag.GAP:
        return _("Flagged: below four-fifths of the highest rate, unlikely to be chance")
    if flag == Flag.POSSIBLE:
        return _("Below four-fifths of the highest rate, but could be chance")
    return ""


def stage_table(table: ImpactTable) -> Table:
    """Every group by stage: people, rate of the stage before, adverse-impact ratio,
    Fisher's p and the flag; hidden figures in words."""
    hidden = fewer_than(table.threshold)
    headers = [table.label]
    for _key, label, previous in table.stages:
        headers.append(label)
        if previous:
            headers += [
                _("%(stage)s: rate of %(before)s (%%)") % {"stage": label, "before": table.stage_label(previous)},
                _("%(stage)s: adverse-impact ratio") % {"stage": label},
                _("%(stage)s: Fisher's p") % {"stage": label},
                _("%(stage)s: flag") % {"stage": label},
            ]
    rows = []
    for row in (*table.rows, table.total):
        line = [row.label]
        for key, _label, previous in table.stages:
            cell: Cell = row.cells[key]
            line.append(hidden if cell.suppressed else cell.count)
            if previous:
                if cell.figures_hidden:
                    line += [hidden, hidden if row.compared else None, hidden if row.compared else None]
                else:
                    line += [
                        100 * cell.rate if cell.rate is not None else None,
                        cell.ratio,
                        cell.p_value,
                    ]
                line.append(flag_words(cell.flag))
        rows.append(line)
    places = [0]
    for _key, _label, previous in table.stages:
        places.append(0)
        if previous:
            places += [1, 2, 3, 0]
    return Table(
        caption=_("%(characteristic)s: people at each stage, with rates, ratios and flags")
        % {"characteristic": table.label},
        headers=headers,
        rows=rows,
        places=places,
    )


def stage_table_download(table: ImpactTable) -> Chart:
    """The stage table as a downloadable 'chart' (it is never drawn: the page
    renders the table itself)."""
    return Chart(
        slug=f"equality_{table.characteristic}",
        title=_("%(characteristic)s at each stage") % {"characteristic": table.label},
        summary="",
        description="",
        table=stage_table(table),
    )


def rate_chart(table: ImpactTable, stage: str) -> Chart:
    """Each compared group's rate at `stage` (of the stage before it), with the
    four-fifths line; flagged groups marked; suppressed rates in words."""
    previous = next(before for key, _label, before in table.stages if key == stage)
    rows = [row for row in table.rows if row.compared]
    hidden = fewer_than(table.threshold)
    values = [100 * row.cells[stage].rate if row.cells[stage].rate is not None else None for row in rows]
    texts = [
        hidden if row.cells[stage].figures_hidden else percent(value) for row, value in zip(rows, values, strict=True)
    ]
    shown = [value for value in values if value is not None]
    highest = max(shown, default=None)
    flagged = [index for index, row in enumerate(rows) if row.cells[stage].flag == Flag.GAP]
    stage_label, before_label = table.stage_label(stage), table.stage_label(previous)
    gaps = [row.label for index, row in enumerate(rows) if index in flagged]
    summary = _(
        "The rate at which each group reached “%(stage)s” from “%(before)s”. The dashed line is four-fifths of "
        "the highest rate. "
    ) % {"stage": stage_label, "before": before_label}
    summary += (
        _("Flagged (a gap unlikely to be chance): %(groups)s.") % {"groups": ", ".join(gaps)}
        if gaps
        else _("No group is flagged.")
    )
    return bar_chart(
        slug=f"equality_{table.characteristic}_{stage}",
        title=_("%(characteristic)s: %(stage)s, rate of %(before)s")
        % {"characteristic": table.label, "stage": stage_label.lower(), "before": before_label.lower()},
        summary=summary,
        table=Table(
            caption=_("%(characteristic)s: rate of reaching “%(stage)s”")
            % {
                "characteristic": table.label,
                "stage": stage_label,
            },
            headers=[table.label, _("Rate (%)"), _("Adverse-impact ratio"), _("Flag")],
            rows=[
                [
                    row.label,
                    hidden if row.cells[stage].figures_hidden else value,
                    hidden if row.cells[stage].figures_hidden else row.cells[stage].ratio,
                    flag_words(row.cells[stage].flag),
                ]
                for row, value in zip(rows, values, strict=True)
            ],
            places=[0, 1, 2, 0],
        ),
        categories=[row.label for row in rows],
        series=[Series(_("Rate"), values)],
        axis_label=_("Percent of %(before)s") % {"before": before_label.lower()},
        value_label=percent,
        tick_suffix="%",
        reference=(0.8 * highest, _("Four-fifths of the highest: %(rate)s") % {"rate": percent(0.8 * highest)})
        if highest
        else None,
        flagged=flagged,
        max_value=100 if rows else None,
        value_texts=[texts],
    )
