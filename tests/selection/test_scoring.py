"""The scoring arithmetic against a worked example computed by hand."""

import pytest

from selection.scoring import mean_totals, normalised_scores, weighted_total


def test_weighted_total_equal_weights_is_the_sum():
    assert weighted_total({"a": 3, "b": 4, "c": 2}, {}) == 9.0


def test_weighted_total_weights_each_criterion():
    # 2*3 + 1*4 + 0.5*2 = 6 + 4 + 1 = 11
    assert weighted_total({"a": 3, "b": 4, "c": 2}, {"a": 2, "c": 0.5}) == 11.0


def test_normalised_scores_corrects_a_harsh_and_a_lenient_reviewer():
    """Worked by hand.

    Reviewer H (harsh) gave applications 1, 2, 3 totals 4, 6, 8:
      mean 6; deviations -2, 0, 2; variance (4 + 0 + 4) / 3 = 8/3; sd = sqrt(8/3) ~ 1.632993
      z: -1.224745, 0, +1.224745
    Reviewer L (lenient) gave applications 1, 2, 3 totals 10, 11, 12:
      mean 11; deviations -1, 0, 1; variance 2/3; sd = sqrt(2/3) ~ 0.816497
      z: -1.224745, 0, +1.224745
    Reviewer S (one review only) gave application 4 a total of 12: z = 0.
    Reviewer F (flat) gave applications 2 and 4 totals 7 and 7: sd 0, so z = 0 each.

    Plain means: app 1 (4 + 10) / 2 = 7; app 2 (6 + 11 + 7) / 3 = 8; app 3 (8 + 12) / 2 = 10;
    app 4 (12 + 7) / 2 = 9.5.
    Normalised: app 1 -1.224745; app 2 (0 + 0 + 0) / 3 = 0; app 3 +1.224745; app 4 0.
    """
    rows = [
        (1, "H", 4.0),
        (2, "H", 6.0),
        (3, "H", 8.0),
        (1, "L", 10.0),
        (2, "L", 11.0),
        (3, "L", 12.0),
        (4, "S", 12.0),
        (2, "F", 7.0),
        (4, "F", 7.0),
    ]
    assert mean_totals(rows) == {1: 7.0, 2: 8.0, 3: 10.0, 4: 9.5}
    normalised = normalised_scores(rows)
    assert normalised[1] == pytest.approx(-1.224745, abs=1e-6)
    assert normalised[2] == pytest.approx(0.0, abs=1e-9)
    assert normalised[3] == pytest.approx(1.224745, abs=1e-6)
    assert normalised[4] == pytest.approx(0.0, abs=1e-9)
    # The plain mean puts application 4 (one lenient 12) above application 2; normalised it is level.
    assert sorted(normalised, key=lambda a: -normalised[a])[0] == 3


def test_normalised_scores_of_nothing_is_empty():
    assert normalised_scores([]) == {}
