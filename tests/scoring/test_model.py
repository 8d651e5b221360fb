"""The bias-corrected ranking model (scoring.model): a hand-worked example, the
invariance that makes it a bias correction, and its intervals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.model import Estimate, ModelFit, fit_additive, rank


def test_a_hand_worked_round_recovers_each_reviewers_leniency():
    """Two reviewers score the same two applications. A gives 10 and 8, B gives
    12 and 10: B is two points more lenient, so around zero A is -1 and B +1, and
    the applications stand at 11 and 9 (the reviews fit exactly)."""
    fit = fit_additive([(1, 100, 10), (2, 100, 8), (1, 200, 12), (2, 200, 10)])

    assert fit.reviewer_effects == pytest.approx({100: -1.0, 200: 1.0}, abs=1e-3)
    assert {a: e.score for a, e in fit.estimates.items()} == pytest.approx({1: 11.0, 2: 9.0}, abs=1e-3)


def test_an_application_reviewed_only_by_a_harsh_reviewer_is_lifted_by_their_harshness():
    """H is 3 points harsher than L on the applications both reviewed (1-3);
    application 4 has H's review alone, 5 L's alone, with the same raw total:
    corrected, 4 ranks above 5."""
    rows = [(1, "H", 5), (1, "L", 8), (2, "H", 6), (2, "L", 9), (3, "H", 7), (3, "L", 10), (4, "H", 8), (5, "L", 8)]
    rows = [(a, 1 if r == "H" else 2, t) for a, r, t in rows]
    fit = fit_additive(rows)

    assert fit.reviewer_effects[2] - fit.reviewer_effects[1] == pytest.approx(3.0, abs=0.05)
    assert fit.estimates[4].score > fit.estimates[5].score


def test_fewer_and_disagreeing_reviews_give_a_wider_interval():
    rows = []
    for application in range(1, 21):
        for reviewer in (1, 2, 3):
            rows.append((application, reviewer, 8 + application % 5 + (reviewer == 2)))
    rows.append((21, 1, 10))  # one review only
    rows += [(22, 1, 4), (22, 2, 12), (22, 3, 8)]  # three that disagree
    fit = fit_additive(rows)
    width = {a: e.high - e.low for a, e in fit.estimates.items()}

    assert width[21] > width[1]
    assert width[22] > width[1]
    assert all(e.low <= e.score <= e.high for e in fit.estimates.values())


def test_a_round_where_every_review_is_the_same_fits_flat():
    fit = fit_additive([(1, 1, 6), (2, 1, 6), (2, 2, 6)])
    assert {a: (e.score, e.low, e.high, e.standard_error, e.reviews) for a, e in fit.estimates.items()} == {
        1: (6, 6, 6, 0.0, 1),
        2: (6, 6, 6, 0.0, 2),
    }
    assert fit.reviewer_effects == {1: 0.0, 2: 0.0}
    assert fit.summary() == {
        "level": 6.0,
        "merit_sd": 0.0,
        "reviewer_sd": 0.0,
        "noise_sd": 0.0,
        "rounds": 0,
        "applications": 2,
        "reviewers": 2,
    }


def test_rank_is_best_first_then_by_the_tie_break_then_by_id():
    """The one order the board, the decision room and the exports share: an
    application without a tie-break key comes before those with one."""
    estimates = {5: 1.0, 3: 2.0, 9: 1.0, 7: 1.0, 4: 1.0}

    assert rank(estimates, tie_break={7: (0.2,), 9: (0.1,)}) == [3, 4, 5, 9, 7]
    assert rank({2: 0.5, 1: 0.5, 6: 0.9}) == [6, 1, 2]


def test_a_nearly_flat_reviewer_moves_an_application_by_their_points_not_their_spread():
    """Reviewer F gives 29 sixes and one seven. Application 1 got F's seven, and
    from two others (who score it like applications 2-30) a point below their own
    average: z-scores would lift it by five of F's standard deviations; the model
    moves it by the one point."""
    rows = []
    for application in range(1, 31):
        rows.append((application, 99, 7 if application == 1 else 6))
        quality = application % 5
        rows.append((application, 1, 6 + quality - (1 if application == 1 else 0)))
        rows.append((application, 2, 7 + quality - (1 if application == 1 else 0)))
    fit = fit_additive(rows)
    ranking = rank({a: e.score for a, e in fit.estimates.items()})

    assert ranking.index(1) > 3


designs = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 3), st.integers(3, 12)),
    min_size=12,
    max_size=40,
    unique_by=lambda r: r[:2],
)


@settings(max_examples=40, deadline=None)
@given(
    rows=designs,
    reviewer=st.integers(0, 3),
    constant=st.integers(-5, 5).filter(bool),
)
def test_adding_a_constant_to_one_reviewers_scores_changes_no_ranking(rows, reviewer, constant):
    before = fit_additive(rows)
    shifted = [(a, r, t + constant if r == reviewer else t) for a, r, t in rows]
    after = fit_additive(shifted)

    # The round's level moves with the constant; each application's standing
    # against the others does not.
    def standing(fit):
        mean = sum(e.score for e in fit.estimates.values()) / len(fit.estimates)
        return {a: round(e.score - mean, 6) for a, e in fit.estimates.items()}

    assert rank(standing(after)) == rank(standing(before))
    assert standing(after) == pytest.approx(standing(before), abs=1e-5)


def test_an_application_reviewed_only_by_a_one_off_reviewer_leaves_the_others_spread():
    """Six applications scored by two reviewers stand 6.3 to 11.0. A seventh is
    reviewed only by a moderator who reviewed nothing else: nothing in the round
    says how lenient that moderator is, so it sits at the level with a wide
    interval, and the other six keep their spread (before the fix its unbounded
    sampling noise shrank every estimate to within 0.06 of the level)."""
    rows = []
    for application in range(1, 7):
        rows += [(application, 1, 4 + application), (application, 2, 6 + application + application % 2 * 0.5)]
    alone = fit_additive(rows)
    fit = fit_additive([*rows, (7, 9, 9.0)])

    spread = fit.estimates[6].score - fit.estimates[1].score
    assert spread == pytest.approx(alone.estimates[6].score - alone.estimates[1].score, abs=0.01)
    assert spread == pytest.approx(4.71, abs=0.01)
    assert fit.merit_sd == pytest.approx(alone.merit_sd, abs=0.01)
    assert fit.estimates[7].score == pytest.approx(fit.level, abs=1e-6)
    assert fit.estimates[7].high - fit.estimates[7].low > 4 * (fit.estimates[1].high - fit.estimates[1].low)


# A round of three applicants and two reviewers, built to be worked by hand:
# level 10, merits -2, 0, +2, reviewer 1 harsh by 1.5 and reviewer 2 lenient by
# 1.5, and on applications 1 and 2 a disagreement of half a point each way.
THREE_BY_TWO = [(1, 1, 7.0), (1, 2, 9.0), (2, 1, 8.0), (2, 2, 12.0), (3, 1, 10.5), (3, 2, 13.5)]


def test_three_applicants_two_reviewers_worked_by_hand():
    """Least squares gives merits -2, 0, +2 and effects -1.5, +1.5, leaving
    residuals of +-0.5 on applications 1 and 2: noise variance 4 x 0.25 over
    6 - 3 - 2 + 1 = 2 degrees of freedom = 0.5. Each review tells 2/3 of a review
    about its application (its reviewer's effect is learnt from the other two),
    so a merit's sampling variance is 0.5 / (4/3) = 3/8 and the merits' own
    variance 8/3 - 3/8 = 55/24. Shrinking by 0.5 / (55/24) = 12/55 with two
    reviews each multiplies every merit by 2 / (2 + 12/55) = 55/61."""
    fit = fit_additive(THREE_BY_TWO)

    assert {a: e.score for a, e in fit.estimates.items()} == pytest.approx(
        {1: 10 - 110 / 61, 2: 10.0, 3: 10 + 110 / 61}, abs=1e-6
    )
    assert fit.reviewer_effects == pytest.approx({1: -1.5, 2: 1.5}, abs=1e-6)
    assert (fit.level, fit.noise_sd, fit.merit_sd, fit.rounds) == pytest.approx(
        (10.0, 0.5**0.5, (55 / 24) ** 0.5, 1), abs=1e-6
    )
    # Likewise each review tells 1/2 about its reviewer's effect (the other
    # reviewer on it says the rest): 1.5^2 - 0.5 / (3 x 1/2) = 23/12.
    assert fit.reviewer_sd == pytest.approx((23 / 12) ** 0.5, abs=1e-6)
    # Application 2's residuals stay +-0.5 after shrinking (its merit is 0): its
    # noise is (4 x 0.5 + 0.5) / (4 + 1) = 0.5, over 4/3 + 12/55 = 256/165 of
    # information; each reviewer's effect is known to 0.5 / (3 x 67/122), and
    # the two reach the mean of two reviews as a quarter each.
    effect_variance = 0.5 / (3 * 67 / 122)
    error = (0.5 / (256 / 165) + 2 * effect_variance / 4) ** 0.5
    assert fit.estimates[2] == Estimate(
        score=pytest.approx(10.0),
        low=pytest.approx(10 - 1.959964 * error),
        high=pytest.approx(10 + 1.959964 * error),
        standard_error=pytest.approx(error),
        reviews=2,
    )


def test_two_applicants_two_reviewers_worked_by_hand():
    """Reviewer 2 is 2.5 points more lenient, and they disagree by a quarter
    point each way: least squares leaves residuals of +-0.25 on 4 - 2 - 2 + 1 = 1
    degree of freedom, noise variance 0.25. Merits +-0.75 (variance 0.5625) and
    effects +-1.25 (1.5625) are each learnt from reviews telling 1/2 apiece, so
    their sampling variance is 0.25: 0.3125 and 1.3125 remain. Shrinking by
    0.25 / 0.3125 = 0.8 with two reviews multiplies each merit by 2 / 2.8."""
    fit = fit_additive([(1, 1, 10.0), (1, 2, 12.0), (2, 1, 8.0), (2, 2, 11.0)])

    assert (fit.level, fit.noise_sd, fit.merit_sd, fit.reviewer_sd) == pytest.approx(
        (10.25, 0.5, 0.3125**0.5, 1.3125**0.5), abs=1e-6
    )
    assert {a: e.score for a, e in fit.estimates.items()} == pytest.approx(
        {1: 10.25 + 0.75 / 1.4, 2: 10.25 - 0.75 / 1.4}, abs=1e-6
    )
    assert fit.reviewer_effects == pytest.approx({1: -1.25, 2: 1.25}, abs=1e-6)


def test_two_panels_that_share_no_application_are_each_fitted_as_if_alone():
    """Two separate panels, each scoring like the hand-worked round: each has its
    own level to fit, so the noise is 2 x 1 over 2 x 2 degrees of freedom, as for
    one panel alone, and every estimate is the same as alone."""
    alone = fit_additive(THREE_BY_TWO)
    fit = fit_additive([*THREE_BY_TWO, *((a + 10, r + 10, t) for a, r, t in THREE_BY_TWO)])

    assert fit.noise_sd == pytest.approx(0.5**0.5, abs=1e-6)
    assert fit.merit_sd == pytest.approx(alone.merit_sd, abs=1e-6)
    for application, estimate in alone.estimates.items():
        assert fit.estimates[application + 10].score == pytest.approx(estimate.score, abs=1e-6)
        assert fit.estimates[application].score == pytest.approx(estimate.score, abs=1e-6)


def test_a_reviewer_more_lenient_in_one_of_two_separate_panels_moves_no_estimate():
    """Two panels share no application. One reviewer of the second panel gives
    every score 4 points more: the round's level moves, and with it every score
    by the same amount, but no application moves against another (before the
    fix the solver left each panel's level wherever it stopped, and standings
    moved by 1.6e-4 here)."""
    rows = [(0, 0, 3), (1, 2, 8), (1, 3, 3), (2, 0, 11), (3, 0, 8), (3, 1, 8)]
    rows += [(4, 2, 8), (4, 3, 6), (5, 0, 7), (6, 2, 10), (6, 3, 9), (7, 0, 3)]
    before = fit_additive(rows)
    after = fit_additive([(a, r, t + 4 if r == 2 else t) for a, r, t in rows])

    moved = {a: after.estimates[a].score - estimate.score for a, estimate in before.estimates.items()}
    assert max(moved.values()) - min(moved.values()) == pytest.approx(0.0, abs=1e-8)
    assert after.merit_sd == pytest.approx(before.merit_sd, abs=1e-8)


def test_a_ridge_on_reviewer_effects_pulls_them_towards_zero_by_the_expected_amount():
    """Each reviewer scored three applications, 4.5 points in all away from the
    round's level: fixed, the effect is 4.5 / 3 = 1.5; with a ridge of 1.5 it is
    4.5 / (3 + 1.5) = 1.0; estimated, the ridge is noise over effect variance."""
    ridged = fit_additive(THREE_BY_TWO, reviewer_shrinkage=1.5)
    estimated = fit_additive(THREE_BY_TWO, reviewer_shrinkage="estimated")

    assert ridged.reviewer_effects == pytest.approx({1: -1.0, 2: 1.0}, abs=1e-6)
    ridge = estimated.noise_sd**2 / estimated.reviewer_sd**2
    assert estimated.reviewer_effects[2] == pytest.approx(4.5 / (3 + ridge), abs=2e-3)
    assert 1.0 < estimated.reviewer_effects[2] < 1.5
    assert estimated.reviewer_effects[1] == pytest.approx(-estimated.reviewer_effects[2], abs=1e-9)
    for fit in (ridged, estimated):
        assert rank({a: e.score for a, e in fit.estimates.items()}) == [3, 2, 1]
        assert fit.estimates[2].score == pytest.approx(10.0, abs=1e-9)


def test_with_every_application_reviewed_once_reviewers_are_not_said_to_differ():
    """Nothing separates a reviewer's leniency from the merit of what they
    scored, so the reviewers' spread is reported at its floor (a ten-thousandth
    of the within-reviewer variance), not made up."""
    rows = [(application, application % 2, 5 + application) for application in range(6)]
    fit = fit_additive(rows)

    assert fit.reviewer_sd == pytest.approx((1e-4 * 8 / 3) ** 0.5, rel=1e-6)
    assert fit.merit_sd > 1


def test_no_reviews_fit_nothing():
    assert fit_additive([]) == ModelFit()
    assert fit_additive(iter([])).summary()["applications"] == 0


def test_the_summary_stored_beside_the_round_keeps_four_decimals():
    fit = ModelFit(level=7.123456, merit_sd=1.987654, reviewer_sd=0.333333, noise_sd=0.666666, rounds=3)
    fit.estimates = {1: Estimate(7.0, 6.0, 8.0, 0.5, 3)}
    fit.reviewer_effects = {1: 0.1, 2: -0.1}

    assert fit.summary() == {
        "level": 7.1235,
        "merit_sd": 1.9877,
        "reviewer_sd": 0.3333,
        "noise_sd": 0.6667,
        "rounds": 3,
        "applications": 1,
        "reviewers": 2,
    }


def test_when_applications_do_not_really_differ_every_estimate_stays_near_the_level():
    """Every applicant is equally good; the reviewers differ only by their
    leniency and a little noise. The merits' spread is all sampling noise, so
    their variance falls to its floor, a ten-thousandth of the within-reviewer
    variance, and the estimates are pulled to the level."""
    noise = [0.3, -0.3, 0.0, 0.2, -0.2, 0.1, -0.1, 0.0, 0.3]
    rows = [
        (application, reviewer, 20 + 4 * reviewer + noise[(application * 3 + reviewer) % 9])
        for application in range(1, 7)
        for reviewer in range(3)
    ]
    fit = fit_additive(rows)
    reviewer_means = {r: np.mean([t for _, rr, t in rows if rr == r]) for r in range(3)}
    within = np.var([t - reviewer_means[r] for _, r, t in rows])

    assert fit.merit_sd == pytest.approx((1e-4 * within) ** 0.5, rel=1e-6)
    assert max(abs(e.score - fit.level) for e in fit.estimates.values()) < 0.01


def reference_fit(rows, shrinkage=0.0):
    """The estimator the module's docstring describes, written again with dense
    NumPy (least squares and `linalg.solve`, no sparse matrices, no conjugate
    gradients), to check the fit's every number on designs too big for a hand.
    Returns ({application: (score, low, high, standard error)}, {reviewer:
    effect}, (level, merit sd, reviewer sd, noise sd, rounds))."""
    applications = sorted({a for a, _, _ in rows})
    reviewers = sorted({r for _, r, _ in rows})
    a_count, r_count, n = len(applications), len(reviewers), len(rows)
    design = np.zeros((n, a_count + r_count))
    for i, (a, r, _) in enumerate(rows):
        design[i, applications.index(a)] = 1
        design[i, a_count + reviewers.index(r)] = 1
    totals = np.array([t for _, _, t in rows], dtype=float)
    level = totals.mean()
    centred = totals - level
    on_application, on_reviewer = design[:, :a_count], design[:, a_count:]
    per_application, per_reviewer = on_application.sum(0), on_reviewer.sum(0)
    fixed = shrinkage == 0
    if fixed:
        reviewer_means = on_reviewer @ (on_reviewer.T @ totals / per_reviewer)
        scale = np.var(totals - reviewer_means)
    else:
        scale = np.var(centred)
    floor = 1e-4 * scale

    def solve(merit_ridge, reviewer_ridge):
        ridge = np.diag([merit_ridge] * a_count + [reviewer_ridge] * r_count)
        return np.linalg.solve(design.T @ design + ridge, design.T @ centred)

    def information(ridge_of_others, per_other, others):
        # How much each review tells once the other side's term is unknown too.
        return others @ ((per_other - 1 + ridge_of_others) / (per_other + ridge_of_others))

    noise_var, merit_var, reviewer_var = scale / 2, scale / 2, scale / 4
    if fixed:
        unshrunk = np.linalg.lstsq(design, centred, rcond=None)[0]
        residuals = centred - design @ unshrunk
        noise_var = max(residuals @ residuals / max(n - np.linalg.matrix_rank(design), 1), floor)
        merit_info = on_application.T @ (on_reviewer @ ((per_reviewer - 1) / per_reviewer))
        informed = merit_info > 0
        sampling = np.mean(noise_var / merit_info[informed])
        merit_var = max(np.var(unshrunk[:a_count][informed]) - sampling, floor)
        effect_info = on_reviewer.T @ (on_application @ ((per_application - 1) / per_application))
        informed = effect_info > 0
        sampling = np.mean(noise_var / effect_info[informed])
        reviewer_var = max(np.var(unshrunk[a_count:][informed]) - sampling, floor)
    rounds = 0
    while True:
        rounds += 1
        merit_ridge = noise_var / merit_var
        reviewer_ridge = 0.0 if fixed else noise_var / reviewer_var if shrinkage == "estimated" else shrinkage
        solution = solve(merit_ridge, reviewer_ridge)
        merit, effects = solution[:a_count], solution[a_count:]
        residuals = centred - design @ solution
        merit_info = on_application.T @ (
            on_reviewer @ ((per_reviewer - 1 + reviewer_ridge) / (per_reviewer + reviewer_ridge))
        )
        merit_posterior = noise_var / (merit_info + merit_ridge)
        effect_info = on_reviewer.T @ (
            on_application @ ((per_application - 1 + merit_ridge) / (per_application + merit_ridge))
        )
        effect_posterior = noise_var / np.maximum(effect_info + reviewer_ridge, 1e-9)
        if fixed:
            break
        new_merit_var = max(np.mean(merit**2 + merit_posterior), floor)
        new_reviewer_var = max(np.mean(effects**2 + effect_posterior), floor)
        parameters = np.sum(np.clip(1 - merit_posterior / merit_var, 0, 1)) + np.sum(
            np.clip(1 - effect_posterior / reviewer_var, 0, 1)
        )
        new_noise_var = max(residuals @ residuals / max(n - parameters, 1.0), floor)
        change = max(
            abs(new_noise_var - noise_var) / noise_var,
            abs(new_merit_var - merit_var) / merit_var,
            abs(new_reviewer_var - reviewer_var) / reviewer_var,
        )
        noise_var, merit_var, reviewer_var = new_noise_var, new_merit_var, new_reviewer_var
        if change < 1e-3 or rounds == 30:
            break
    shift = np.average(effects, weights=per_reviewer) if fixed else 0.0
    own_squares = on_application.T @ residuals**2
    local_noise = (4 * noise_var + own_squares) / (4 + per_application - 1)
    variance = (
        local_noise / (merit_info + noise_var / merit_var)
        + (on_application.T @ (on_reviewer @ effect_posterior)) / per_application**2
    )
    error = np.sqrt(variance)
    scores = level + shift + merit
    estimates = {
        a: (scores[i], scores[i] - 1.959964 * error[i], scores[i] + 1.959964 * error[i], error[i])
        for i, a in enumerate(applications)
    }
    numbers = (level, np.sqrt(merit_var), np.sqrt(reviewer_var), np.sqrt(noise_var), rounds)
    return estimates, dict(zip(reviewers, effects - shift, strict=True)), numbers


def _uneven_round(seed, *, scale_by=1.0):
    """Twelve applications, five reviewers, two or three reviews each, a
    reviewer with a single review, an application with one review by a reviewer
    with two, and one reviewed by a one-off moderator alone."""
    rng = np.random.default_rng(seed)
    merit, leniency = rng.normal(0, 1.5, 12), rng.normal(0, 1, 5)
    rows = []
    for application in range(12):
        for reviewer in rng.choice(4, 3 if application % 3 else 2, replace=False):
            total = 12 + merit[application] + leniency[reviewer] + rng.normal(0, 0.8)
            rows.append((application, int(reviewer), round(total * scale_by, 2)))
    rows += [(12, 4, 9.0 * scale_by), (0, 4, 15.0 * scale_by), (13, 5, 11.0 * scale_by)]
    return rows


# Rounds the dense computation checks: uneven ones at three scales (the
# variances far above and below one), the smallest with a degree of freedom to
# spare, and one whose reviewers barely differ (the estimated variances then
# settle slowly, the noise's last).
ROUNDS = {
    "uneven": _uneven_round(1),
    "uneven, totals x4": _uneven_round(2, scale_by=4.0),
    "uneven, totals x0.3": _uneven_round(3, scale_by=0.3),
    "two by two": [(1, 1, 10.0), (1, 2, 12.0), (2, 1, 8.0), (2, 2, 11.0)],
    "reviewers alike": [
        *[(0, 1, 5.5), (0, 0, 5.3), (1, 1, 5.2), (1, 0, 5.3), (2, 1, 14.4), (2, 0, 14.5)],
        *[(3, 0, 14.7), (3, 2, 15.0), (4, 1, 16.9), (4, 2, 16.8), (5, 2, 9.4), (5, 1, 9.6)],
    ],
}


@pytest.mark.parametrize("shrinkage", [0.0, 0.7, "estimated"])
@pytest.mark.parametrize("name", ROUNDS)
def test_the_fit_matches_a_dense_computation_of_the_documented_model(name, shrinkage):
    rows = ROUNDS[name]
    estimates, effects, numbers = reference_fit(rows, shrinkage)
    fit = fit_additive(rows, reviewer_shrinkage=shrinkage)

    got = {a: (e.score, e.low, e.high, e.standard_error) for a, e in fit.estimates.items()}
    assert got == {a: pytest.approx(values, rel=1e-6, abs=1e-8) for a, values in estimates.items()}
    assert fit.reviewer_effects == pytest.approx(effects, rel=1e-6, abs=1e-8)
    assert (fit.level, fit.merit_sd, fit.reviewer_sd, fit.noise_sd) == pytest.approx(numbers[:4], rel=1e-6)
    assert fit.rounds == numbers[4]
    assert {a: e.reviews for a, e in fit.estimates.items()} == {a: sum(1 for r in rows if r[0] == a) for a in estimates}
