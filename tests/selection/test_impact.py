"""Adverse impact against a worked example done by hand, and suppression."""

import pytest

from selection.impact import Flag, fisher_p, impact_table, suppress

STAGES = [("submitted", "Submitted", ""), ("selected", "Selected", "submitted")]


def table(counts, threshold=0, groups=None):
    return impact_table(
        characteristic="sex",
        label="Sex",
        stages=STAGES,
        groups=groups or [("a", "Group A", True), ("b", "Group B", True), ("prefer_not", "Prefer not to say", False)],
        counts=counts,
        threshold=threshold,
        total_label="Everyone",
    )


def test_fisher_p_matches_the_hand_worked_hypergeometric_sum():
    # 2 of 10 selected against 8 of 10. With 10 selected of 20, P(X = k) =
    # C(10, k) C(10, 10 - k) / C(20, 10) = C(10, k)^2 / 184,756; the two-sided p
    # adds the tables as unlikely or less: k = 0, 1, 2 and 8, 9, 10:
    # 2 x (1 + 100 + 2,025) / 184,756 = 4,252 / 184,756.
    assert fisher_p(group_in=2, group_out=8, rest_in=8, rest_out=2) == pytest.approx(4252 / 184756)
    # 3 of 10 against 6 of 10: 9 selected, C(20, 9) = 167,960; k <= 3 gives
    # 10 + 450 + 5,400 + 25,200 = 31,060, the same again for k >= 6.
    assert fisher_p(group_in=3, group_out=7, rest_in=6, rest_out=4) == pytest.approx(62120 / 167960)


def test_rates_ratios_and_flags_of_the_worked_example():
    result = table({"a": {"submitted": 10, "selected": 2}, "b": {"submitted": 10, "selected": 8}})
    a, b, prefer_not = result.rows
    assert (a.cells["selected"].rate, b.cells["selected"].rate) == (0.2, 0.8)
    assert a.cells["selected"].ratio == pytest.approx(0.25)
    assert b.cells["selected"].ratio == pytest.approx(1.0)
    assert a.cells["selected"].p_value == pytest.approx(4252 / 184756)
    assert a.cells["selected"].flag == Flag.GAP
    assert b.cells["selected"].flag == Flag.NONE
    # Shown, never compared.
    assert prefer_not.cells["selected"].ratio is None and prefer_not.cells["selected"].flag == Flag.NONE
    assert result.total.cells["selected"].rate == pytest.approx(0.5)
    assert [(row.label, stage) for row, stage, _cell in result.gaps] == [("Group A", "selected")]


def test_a_ratio_below_four_fifths_that_could_be_chance_is_not_flagged_as_a_gap():
    result = table({"a": {"submitted": 10, "selected": 3}, "b": {"submitted": 10, "selected": 6}})
    cell = result.rows[0].cells["selected"]
    assert cell.ratio == pytest.approx(0.5)
    assert cell.p_value == pytest.approx(62120 / 167960)
    assert cell.flag == Flag.POSSIBLE
    assert result.gaps == []


def test_prefer_not_to_say_is_left_out_of_the_rest_in_fishers_test():
    with_unknowns = table(
        {
            "a": {"submitted": 10, "selected": 2},
            "b": {"submitted": 10, "selected": 8},
            "prefer_not": {"submitted": 40, "selected": 0},
        }
    )
    assert with_unknowns.rows[0].cells["selected"].p_value == pytest.approx(4252 / 184756)


def test_suppress_hides_small_counts_and_the_next_smallest_when_only_one_is_hidden():
    assert suppress([20, 3, 12, 7], 5) == [False, True, False, True]
    # Two hidden already: the total minus the rest gives only their sum.
    assert suppress([20, 3, 2, 9], 5) == [False, True, True, False]
    assert suppress([20, 30], 5) == [False, False]
    assert suppress([0, 30, 6], 5) == [True, False, True]


def test_suppressed_counts_hide_every_figure_worked_from_them_but_keep_the_flag_in_words():
    result = table(
        {"a": {"submitted": 40, "selected": 2}, "b": {"submitted": 40, "selected": 30}, "prefer_not": {"submitted": 6}},
        threshold=5,
    )
    a, b, prefer_not = result.rows
    assert a.cells["selected"].suppressed and a.cells["selected"].figures_hidden
    assert (a.cells["selected"].rate, a.cells["selected"].ratio, a.cells["selected"].p_value) == (None, None, None)
    assert a.cells["selected"].flag == Flag.GAP
    # Secondary: "Prefer not to say" had none selected (0, hidden); so did A (2):
    # two hidden, no more needed. B stays shown.
    assert prefer_not.cells["selected"].suppressed
    assert not b.cells["selected"].suppressed
    assert b.cells["selected"].rate == pytest.approx(0.75)


def test_secondary_suppression_hides_a_second_group_when_only_one_is_small():
    result = table(
        {"a": {"submitted": 40, "selected": 3}, "b": {"submitted": 40, "selected": 30}, "prefer_not": {"selected": 9}},
        threshold=5,
    )
    a, b, prefer_not = result.rows
    assert a.cells["selected"].suppressed
    assert prefer_not.cells["selected"].suppressed  # the next smallest (9), so 42 - 30 cannot give A's 3
    assert not b.cells["selected"].suppressed
    assert result.total.cells["selected"].count == 42 and not result.total.cells["selected"].suppressed
