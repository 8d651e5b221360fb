"""Adverse impact and small-number suppression: pure arithmetic over counts, no
models, so any page (the equality insight, the decision room) and the tests can
use it.

For each group of a characteristic and each stage of selection, the group's
*rate* is the people who reached the stage over those at the stage before it.
The *adverse-impact ratio* is a group's rate over the highest rate among the
groups compared; below 0.8 (the "four-fifths rule" of the US Uniform Guidelines,
the usual first screen in UK equality analysis too) the gap is worth a look.
Because groups are small, a ratio below 0.8 is flagged only when Fisher's exact
test (two-sided, the group against everyone else compared) says a gap that size
would be unlikely by chance (p below 0.05); otherwise it is noted as "could be
chance". "Prefer not to say" and "Not answered" are shown but never compared.

The highest rate is taken among groups whose stage-before count is not
suppressed (at least the suppression threshold), so that one person in a group
of one, who got through, does not set a bar every other group falls under.

Suppression: a count under the threshold (default 5, the setting
`EQUALITY_SUPPRESS_BELOW`) shows as "fewer than 5", and so does every figure
derived from it (rate, ratio, p-value: each could give the count back). Within a
stage, if exactly one group's count is suppressed, the next smallest is
suppressed too (secondary suppression), so the total minus the others cannot
reveal it."""

from dataclasses import dataclass, field

from scipy.stats import fisher_exact

FOUR_FIFTHS = 0.8
SIGNIFICANCE = 0.05


class Flag:
    NONE = ""
    # Ratio below four-fifths and unlikely to be chance.
    GAP = "gap"
    # Ratio below four-fifths but could be chance (Fisher's p at or above 0.05).
    POSSIBLE = "possible"


def adverse_impact_ratio(rate: float | None, highest: float | None) -> float | None:
    if rate is None or not highest:
        return None
    return rate / highest


def fisher_p(*, group_in: int, group_out: int, rest_in: int, rest_out: int) -> float | None:
    """Two-sided Fisher's exact p-value for the 2x2 table of the group against
    the rest: reached the stage (in) or not (out). None when either row is empty."""
    if group_in + group_out == 0 or rest_in + rest_out == 0:
        return None
    return float(fisher_exact([[group_in, group_out], [rest_in, rest_out]], alternative="two-sided").pvalue)


def impact_flag(ratio: float | None, p_value: float | None) -> str:
    if ratio is None or ratio >= FOUR_FIFTHS:
        return Flag.NONE
    if p_value is not None and p_value < SIGNIFICANCE:
        return Flag.GAP
    return Flag.POSSIBLE


@dataclass
class Cell:
    """One group's figures at one stage."""

    count: int
    suppressed: bool = False
    # Of the stage before (None for the first stage, or nobody before).
    rate: float | None = None
    ratio: float | None = None
    p_value: float | None = None
    flag: str = Flag.NONE
    # The rate, ratio and p-value are hidden (their count, or the one before, is).
    figures_hidden: bool = False

    @property
    def shown_count(self) -> int | None:
        return None if self.suppressed else self.count

    @property
    def rate_percent(self) -> str:
        return "" if self.rate is None else f"{100 * self.rate:.0f}%"


@dataclass
class Row:
    key: str
    label: str
    compared: bool
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def flags(self) -> list[tuple[str, Cell]]:
        return [(stage, cell) for stage, cell in self.cells.items() if cell.flag]


@dataclass
class ImpactTable:
    """A characteristic's groups by stages. `stages` are (key, label, previous
    stage key or "") in order."""

    characteristic: str
    label: str
    stages: list[tuple[str, str, str]]
    rows: list[Row]
    total: Row
    threshold: int

    @property
    def flagged(self) -> list[tuple[Row, str, Cell]]:
        return [(row, stage, cell) for row in self.rows for stage, cell in row.flags]

    @property
    def gaps(self) -> list[tuple[Row, str, Cell]]:
        return [item for item in self.flagged if item[2].flag == Flag.GAP]

    @property
    def has_suppressed(self) -> bool:
        return any(cell.suppressed for row in (*self.rows, self.total) for cell in row.cells.values())

    @property
    def lines(self) -> list[tuple[Row, list[tuple[str, str, str, Cell]]]]:
        """Each row (the total last) with its cells in stage order, for templates."""
        return [
            (row, [(key, label, previous, row.cells[key]) for key, label, previous in self.stages])
            for row in (*self.rows, self.total)
        ]

    def stage_label(self, key: str) -> str:
        return next(label for stage, label, _previous in self.stages if stage == key)


def suppress(counts: list[int], threshold: int) -> list[bool]:
    """Which counts of one stage to hide: every one under `threshold`, and, if
    that hides exactly one, the smallest other one too (so subtracting the shown
    ones from the total cannot give it back)."""
    hidden = [count < threshold for count in counts]
    if sum(hidden) == 1 and len(counts) > 1:
        candidates = [(count, index) for index, count in enumerate(counts) if not hidden[index]]
        if candidates:
            hidden[min(candidates)[1]] = True
    return hidden


def impact_table(
    *,
    characteristic: str,
    label: str,
    stages: list[tuple[str, str, str]],
    groups: list[tuple[str, str, bool]],
    counts: dict[str, dict[str, int]],
    threshold: int,
    total_label: str,
) -> ImpactTable:
    """The table for one characteristic: `groups` are (key, label, compared) in
    order, `counts[group][stage]` people. Rates, ratios, Fisher's p and flags
    for each compared group at each stage that has a stage before it; every
    figure suppressed as the module says."""
    rows = [
        Row(key=key, label=name, compared=compared, cells={s: Cell(counts.get(key, {}).get(s, 0)) for s, *_ in stages})
        for key, name, compared in groups
    ]
    total = Row(
        key="total",
        label=total_label,
        compared=False,
        cells={s: Cell(sum(row.cells[s].count for row in rows)) for s, *_ in stages},
    )
    for stage, _name, _previous in stages:
        hidden = suppress([row.cells[stage].count for row in rows], threshold)
        for row, is_hidden in zip(rows, hidden, strict=True):
            row.cells[stage].suppressed = is_hidden
        total.cells[stage].suppressed = total.cells[stage].count < threshold

    for stage, _name, previous in stages:
        if previous:
            _compare_stage(rows, total, stage=stage, previous=previous, threshold=threshold)
    # Figures derived from a hidden count are hidden with it.
    for row in (*rows, total):
        for stage, _name, previous in stages:
            cell = row.cells[stage]
            if cell.suppressed or (previous and row.cells[previous].suppressed):
                cell.rate = cell.ratio = cell.p_value = None
                cell.figures_hidden = bool(previous)
    return ImpactTable(
        characteristic=characteristic, label=label, stages=stages, rows=rows, total=total, threshold=threshold
    )


def _compare_stage(rows: list[Row], total: Row, *, stage: str, previous: str, threshold: int) -> None:
    """Each row's rate from the stage before to this one; for each compared
    group, its ratio to the highest reliable rate (a group with at least
    `threshold` people before), Fisher's p against the other compared groups,
    and the flag."""
    compared = [row for row in rows if row.compared]
    for row in (*rows, total):
        before = row.cells[previous].count
        row.cells[stage].rate = row.cells[stage].count / before if before else None
    eligible = [row.cells[stage].rate for row in compared if row.cells[stage].rate is not None]
    reliable = [
        row.cells[stage].rate
        for row in compared
        if row.cells[stage].rate is not None and row.cells[previous].count >= threshold
    ]
    highest = max(reliable or eligible, default=None)
    reached = sum(row.cells[stage].count for row in compared)
    before_all = sum(row.cells[previous].count for row in compared)
    for row in compared:
        cell, before = row.cells[stage], row.cells[previous].count
        if cell.rate is None:
            continue
        cell.ratio = adverse_impact_ratio(cell.rate, highest)
        cell.p_value = fisher_p(
            group_in=cell.count,
            group_out=before - cell.count,
            rest_in=reached - cell.count,
            rest_out=(before_all - before) - (reached - cell.count),
        )
        cell.flag = impact_flag(cell.ratio, cell.p_value)
