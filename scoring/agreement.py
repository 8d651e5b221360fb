"""Inter-rater agreement and reviewer calibration: pure functions, no database.

Krippendorff's alpha for interval data
--------------------------------------
Source: Krippendorff, K. (2011). *Computing Krippendorff's Alpha-Reliability*.
Annenberg School for Communication, University of Pennsylvania, departmental
paper 43 (https://repository.upenn.edu/asc_papers/43), sections C and E; the
same formulas are in Krippendorff, K. (2019), *Content Analysis*, 4th ed., ch. 12.

    alpha = 1 - D_o / D_e

with the interval metric delta²(c, k) = (c - k)². Only *pairable* units count (units
with at least two values); n is the number of pairable values. Krippendorff
computes D_o and D_e from the coincidence matrix o_ck; for the interval metric its
sums collapse to the count m_u, sum S_u and sum of squares Q_u of each unit:

    D_o = 1/n * sum_u [ sum_{i != j in u} (v_i - v_j)² / (m_u - 1) ]
        = 1/n * sum_u 2 (m_u Q_u - S_u²) / (m_u - 1)

    D_e = 1/(n (n - 1)) * sum_{i != j over all pairable values} (v_i - v_j)²
        = 2 (n Q - S²) / (n (n - 1))

where S and Q are the sum and sum of squares of every pairable value. So alpha needs
only three running numbers per unit, and a value can be added in constant time:
`IntervalAlpha` keeps them, which is how the insight page follows agreement through
a round (alpha on the reviews submitted up to each week) in one pass over the
scores. Alpha is undefined (None) when there are no pairable values or no variation
at all (D_e = 0).

Memory: one small list per unit (application) per criterion: for 10,000
applications and three criteria, 30,000 lists; the scores themselves are streamed.

Reviewer calibration
--------------------
`calibration_flag` says whether one reviewer's mean on a criterion is harsh or
lenient against the panel. Assignment ignores the quality of applications, so the
applications a reviewer scores are close to a random sample of the round; the rule
flags a reviewer when all three hold:

1. they scored at least `min_reviews` (5) applications on the criterion;
2. their mean is at least `min_difference` (half a rubric point) from the panel's;
3. the difference is unlikely to be chance: |z| >= 1.96 (two-sided, 95%), with
   z = (reviewer mean - panel mean) / (panel SD / sqrt(n)).

The panel includes the reviewer, which makes the test slightly conservative.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from math import sqrt

# The calibration rule's constants (see the module docstring).
MIN_REVIEWS = 5
MIN_DIFFERENCE = 0.5
Z_CRITICAL = 1.96


def _within(m: int, s: float, q: float) -> float:
    """A pairable unit's contribution to n * D_o: sum over ordered pairs of its
    values of (v_i - v_j)², divided by m - 1."""
    return 2 * (m * q - s * s) / (m - 1)


class IntervalAlpha:
    """Krippendorff's alpha (interval metric) over values added one at a time.

    `add(unit, value)` puts one coder's value for one unit; `alpha` is the
    coefficient over everything added so far."""

    __slots__ = ("_units", "_within_total", "n", "pairable_units", "total", "total_of_squares")

    def __init__(self):
        self._units: dict[Hashable, list] = {}
        self._within_total = 0.0  # n * D_o
        self.pairable_units = 0
        self.n = 0  # pairable values
        self.total = 0.0  # their sum
        self.total_of_squares = 0.0

    def add(self, unit: Hashable, value: float) -> None:
        state = self._units.get(unit)
        if state is None:
            self._units[unit] = [1, value, value * value]
            return
        m, s, q = state
        if m >= 2:  # take the unit's old contribution out before adding to it
            self.n -= m
            self.total -= s
            self.total_of_squares -= q
            self._within_total -= _within(m, s, q)
        else:
            self.pairable_units += 1
        m, s, q = m + 1, s + value, q + value * value
        state[0], state[1], state[2] = m, s, q
        self.n += m
        self.total += s
        self.total_of_squares += q
        self._within_total += _within(m, s, q)

    @property
    def observed_disagreement(self) -> float | None:
        return self._within_total / self.n if self.n else None

    @property
    def expected_disagreement(self) -> float | None:
        if self.n < 2:
            return None
        return 2 * (self.n * self.total_of_squares - self.total * self.total) / (self.n * (self.n - 1))

    @property
    def alpha(self) -> float | None:
        expected = self.expected_disagreement
        # Below a rounding error's worth, there is no variation to agree about.
        if expected is None or expected <= 1e-12:
            return None
        return 1 - self.observed_disagreement / expected


def interval_alpha(units: Iterable[Iterable[float]]) -> float | None:
    """Krippendorff's alpha (interval) of units given as the values coders gave
    each one (missing values left out): `[[1, 1, 2], [3, 3], [4]]`."""
    accumulator = IntervalAlpha()
    for index, values in enumerate(units):
        for value in values:
            accumulator.add(index, value)
    return accumulator.alpha


@dataclass(frozen=True)
class AlphaPoint:
    """Agreement on one key (e.g. a criterion) over the values up to a cut-off."""

    alpha: float | None
    pairable_units: int


def alpha_over_time(
    observations: Iterable[tuple[date | datetime, Hashable, Hashable, float]],
    cut_offs: list[date | datetime],
    keys: Iterable[Hashable],
) -> dict[Hashable, list[AlphaPoint]]:
    """Alpha per key on the observations made up to (and including) each cut-off.

    `observations` are (when, key, unit, value), oldest first (streamed: one pass,
    nothing kept but the per-unit sums); `cut_offs` ascending. Returns {key: one
    AlphaPoint per cut-off}."""
    accumulators = {key: IntervalAlpha() for key in keys}
    points: dict[Hashable, list[AlphaPoint]] = {key: [] for key in accumulators}
    position = 0

    def snapshot():
        for key, accumulator in accumulators.items():
            points[key].append(AlphaPoint(alpha=accumulator.alpha, pairable_units=accumulator.pairable_units))

    for when, key, unit, value in observations:
        while position < len(cut_offs) and when > cut_offs[position]:
            snapshot()
            position += 1
        if key in accumulators:
            accumulators[key].add(unit, value)
    while position < len(cut_offs):
        snapshot()
        position += 1
    return points


class Leaning(StrEnum):
    HARSH = "harsh"
    LENIENT = "lenient"
    NONE = ""


def calibration_z(*, mean: float, count: int, panel_mean: float, panel_sd: float | None) -> float | None:
    """z of a reviewer's mean against the panel: difference / (panel SD / sqrt(n))."""
    if not count or not panel_sd:
        return None
    return (mean - panel_mean) / (panel_sd / sqrt(count))


def calibration_flag(
    *,
    mean: float | None,
    count: int,
    panel_mean: float | None,
    panel_sd: float | None,
    min_reviews: int = MIN_REVIEWS,
    min_difference: float = MIN_DIFFERENCE,
    z_critical: float = Z_CRITICAL,
) -> Leaning:
    """Harsh, lenient or neither, by the rule in the module docstring."""
    if mean is None or panel_mean is None or count < min_reviews:
        return Leaning.NONE
    z = calibration_z(mean=mean, count=count, panel_mean=panel_mean, panel_sd=panel_sd)
    if z is None or abs(mean - panel_mean) < min_difference or abs(z) < z_critical:
        return Leaning.NONE
    return Leaning.HARSH if mean < panel_mean else Leaning.LENIENT
