"""Krippendorff's alpha (interval) against the published worked examples, against a
direct implementation of the coincidence-matrix definition on generated data, and
the reviewer calibration rule."""

from datetime import datetime, timedelta
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selection.agreement import (
    IntervalAlpha,
    Leaning,
    alpha_over_time,
    calibration_flag,
    calibration_z,
    interval_alpha,
)

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, section C:
# four observers, twelve units, missing values (None). Unit 12 has one value only,
# so it is not pairable. Published: alpha (interval) = 0.849.
OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def units_of(observers):
    return [[row[unit] for row in observers if row[unit] is not None] for unit in range(len(observers[0]))]


def test_alpha_matches_krippendorffs_worked_example_with_missing_values():
    assert interval_alpha(units_of(OBSERVERS)) == pytest.approx(0.849, abs=0.0005)


def test_alpha_matches_krippendorffs_two_observer_binary_example():
    # Krippendorff (2011), section A: two observers, ten units, binary values;
    # published alpha = 0.095 (for 0/1 data the interval and nominal metrics agree).
    first = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    second = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]

    assert interval_alpha(zip(first, second, strict=True)) == pytest.approx(0.095, abs=0.0005)


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation():
    assert interval_alpha([[1, 1], [3, 3, 3], [4, 4]]) == pytest.approx(1.0)
    assert interval_alpha([[2, 2], [2, 2]]) is None
    assert interval_alpha([[1], [4]]) is None  # nothing pairable


def coincidence_alpha(units) -> float | None:
    """Krippendorff's definition, straight from the coincidence matrix: the
    reference the fast sums are checked against."""
    pairable = [unit for unit in units if len(unit) >= 2]
    values = sorted({value for unit in pairable for value in unit})
    coincidences = {(c, k): 0.0 for c in values for k in values}
    for unit in pairable:
        for i, j in permutations(range(len(unit)), 2):
            coincidences[(unit[i], unit[j])] += 1 / (len(unit) - 1)
    totals = {c: sum(coincidences[(c, k)] for k in values) for c in values}
    n = sum(totals.values())
    observed = sum(coincidences[(c, k)] * (c - k) ** 2 for c in values for k in values)
    expected = sum(totals[c] * totals[k] * (c - k) ** 2 for c in values for k in values) / (n - 1) if n > 1 else 0
    if expected == 0:
        return None
    return 1 - observed / expected


def test_coincidence_reference_reproduces_the_worked_example():
    assert coincidence_alpha(units_of(OBSERVERS)) == pytest.approx(0.849, abs=0.0005)


@given(st.lists(st.lists(st.integers(min_value=1, max_value=4), min_size=0, max_size=5), min_size=1, max_size=30))
def test_alpha_from_sums_equals_the_coincidence_matrix_definition(units):
    expected = coincidence_alpha(units)
    actual = interval_alpha(units)

    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected, abs=1e-9)


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=4)),
        min_size=0,
        max_size=60,
    )
)
def test_adding_values_in_any_order_gives_the_same_alpha(observations):
    accumulator = IntervalAlpha()
    for unit, value in observations:
        accumulator.add(unit, value)
    by_unit = {}
    for unit, value in observations:
        by_unit.setdefault(unit, []).append(value)

    expected = interval_alpha(by_unit.values())
    assert (accumulator.alpha is None) == (expected is None)
    if expected is not None:
        assert accumulator.alpha == pytest.approx(expected, abs=1e-9)


def test_alpha_over_time_counts_only_what_was_submitted_by_each_cut_off():
    start = datetime(2026, 6, 1, 12)
    observations = []
    # Week one: two units scored identically by two reviewers each (perfect agreement).
    for unit, value in ((1, 1), (2, 4)):
        observations += [(start, "a", unit, value), (start + timedelta(hours=1), "a", unit, value)]
    # Week two: the worked example's units arrive, for criterion "a" only.
    later = start + timedelta(days=8)
    for unit, values in enumerate(units_of(OBSERVERS), start=100):
        observations += [(later, "a", unit, value) for value in values]
    everything = [[1, 1], [4, 4], *units_of(OBSERVERS)]
    cut_offs = [start + timedelta(days=6), start + timedelta(days=13), start + timedelta(days=20)]

    points = alpha_over_time(observations, cut_offs, ["a", "b"])

    assert [point.pairable_units for point in points["a"]] == [2, 13, 13]
    assert points["a"][0].alpha == pytest.approx(1.0)
    assert points["a"][1].alpha == pytest.approx(interval_alpha(everything))
    assert points["a"][2] == points["a"][1]
    assert [point.alpha for point in points["b"]] == [None, None, None]


@pytest.mark.parametrize(
    ("mean", "count", "expected"),
    [
        (2.0, 20, Leaning.HARSH),  # a point below, z = -1 / (0.8 / sqrt 20) = -5.6
        (4.0, 20, Leaning.LENIENT),
        (2.7, 20, Leaning.NONE),  # under half a point below (z = -1.68)
        (2.4, 4, Leaning.NONE),  # too few scores to judge
        (2.4, 5, Leaning.NONE),  # z = -0.6 / (0.8 / sqrt 5) = -1.68: could be chance
        (2.3, 8, Leaning.HARSH),  # z = -0.7 / (0.8 / sqrt 8) = -2.47
    ],
)
def test_calibration_flag_needs_enough_scores_a_real_difference_and_significance(mean, count, expected):
    assert calibration_flag(mean=mean, count=count, panel_mean=3.0, panel_sd=0.8) == expected


def test_calibration_z_is_the_difference_in_standard_errors():
    assert calibration_z(mean=2.0, count=16, panel_mean=3.0, panel_sd=0.8) == pytest.approx(-5.0)
    assert calibration_z(mean=2.0, count=16, panel_mean=3.0, panel_sd=0) is None
