"""Stored scores: what a submitted, reopened or removed review does to an
application's numbers and the round's normalised scores, the moderation
thresholds, and PostgreSQL and the Python fallback agreeing."""

import pytest

from selection.choices import Recommendation
from selection.models import ApplicationScore
from selection.scoring import normalised_scores_with_moderation
from selection.services import scores as score_services
from selection.services.assignments import assignment_add, assignment_remove, assignments_auto
from selection.services.reviews import review_reopen
from selection.services.settings import selection_settings_update
from tests.factories import programme_team
from tests.factories.scores import review, reviewed_application, reviewers
from tests.factories.selection import closed_round, review_round, submitted_application

pytestmark = pytest.mark.django_db

ACCEPT, MAYBE, NO = Recommendation.ACCEPT, Recommendation.MAYBE, Recommendation.DO_NOT_ACCEPT


def score_of(application) -> ApplicationScore:
    return ApplicationScore.objects.get(application=application)


def numbers(application) -> tuple:
    score = score_of(application)
    return (
        score.reviews_done,
        score.reviews_expected,
        score.mean_score,
        score.spread,
        (score.accept_count, score.maybe_count, score.do_not_accept_count),
        score.needs_moderation,
    )


def test_submitted_reviews_give_the_applications_numbers_at_once():
    round = review_round()
    first, second = reviewers(2)
    application = submitted_application(round)

    review(application, first, (3, 4, 2), ACCEPT)  # total 9
    review(application, second, (2, 4, 3), MAYBE)  # total 9; ranges a 1, b 0, c 1

    assert numbers(application) == (2, 2, 9.0, 1, (1, 1, 0), False)


def test_a_draft_review_does_not_count():
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(round, [(first, (4, 4, 4), ACCEPT)])
    review(application, second, (1, 1, 1), NO, submit=False)

    # One review of the two expected: the mean is the submitted one's, and it waits in moderation.
    assert numbers(application) == (1, 2, 12.0, None, (1, 0, 0), True)


@pytest.mark.parametrize(
    ("second_scores", "second_recommendation", "moderated"),
    [
        ((3, 3, 3), ACCEPT, False),  # agree
        ((2, 3, 3), MAYBE, False),  # a range of 1 on criterion (a): below the threshold of 2
        ((1, 3, 3), MAYBE, True),  # a range of 2 on criterion (a): at the threshold
        ((3, 3, 3), NO, True),  # accept against do not accept, whatever the scores
    ],
)
def test_moderation_thresholds(second_scores, second_recommendation, moderated):
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(
        round, [(first, (3, 3, 3), ACCEPT), (second, second_scores, second_recommendation)]
    )

    assert score_of(application).needs_moderation is moderated


def test_the_moderation_threshold_is_the_rounds_setting_and_changing_it_rescores_the_round():
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(round, [(first, (4, 3, 3), ACCEPT), (second, (2, 3, 3), MAYBE)])
    assert score_of(application).needs_moderation is True

    selection_settings_update(round=round, by=programme_team(), moderation_spread=3)

    assert score_of(application).needs_moderation is False


def test_a_moderator_review_settles_moderation_and_counts_in_the_mean_not_the_reviews_done():
    round = review_round()
    first, second, moderator = reviewers(3)
    application = reviewed_application(round, [(first, (4, 4, 4), ACCEPT), (second, (1, 1, 1), NO)])
    assert numbers(application) == (2, 2, 7.5, 3, (1, 0, 1), True)

    review(application, moderator, (3, 3, 3), MAYBE, moderation=True)

    score = score_of(application)
    assert (score.reviews_done, score.reviews_expected, score.moderation_reviews_done) == (2, 2, 1)
    assert score.mean_score == pytest.approx((12 + 3 + 9) / 3)
    assert score.spread == 3  # the reviewers' disagreement stays on record
    assert score.needs_moderation is False


def test_reopening_a_review_takes_it_out_of_the_numbers(django_capture_on_commit_callbacks):
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(round, [(first, (4, 4, 4), ACCEPT)])
    submitted = review(application, second, (2, 2, 2), MAYBE)

    with django_capture_on_commit_callbacks(execute=True):
        review_reopen(review=submitted, by=programme_team())

    assert numbers(application) == (1, 2, 12.0, None, (1, 0, 0), True)


def test_normalised_scores_follow_every_review_after_commit(django_capture_on_commit_callbacks):
    """Reviewer H is harsh (4, 6, 8 over three applications), L lenient (10, 11, 12):
    normalised, both agree the applications are -1.22, 0, +1.22."""
    round = review_round()
    harsh, lenient = reviewers(2)
    applications = [submitted_application(round) for _ in range(3)]
    harsh_scores = [(2, 1, 1), (2, 2, 2), (4, 2, 2)]  # totals 4, 6, 8
    lenient_scores = [(4, 3, 3), (4, 4, 3), (4, 4, 4)]  # totals 10, 11, 12
    for application, by_harsh, by_lenient in zip(applications, harsh_scores, lenient_scores, strict=True):
        review(application, harsh, by_harsh, MAYBE)
        with django_capture_on_commit_callbacks(execute=True):
            review(application, lenient, by_lenient, MAYBE)

    normalised = [score_of(application).normalised_score for application in applications]
    assert normalised == pytest.approx([-1.224745, 0.0, 1.224745], abs=1e-6)


def test_normalised_scores_wait_for_the_commit():
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(round, [(first, (4, 4, 4), ACCEPT), (second, (2, 2, 2), MAYBE)])

    # Outside a captured commit the task has not run: the mean is there, the normalised score not yet.
    assert score_of(application).mean_score == 9.0
    assert score_of(application).normalised_score is None


def test_a_moderators_total_is_normalised_against_the_whole_round():
    round = review_round()
    first, second, moderator = reviewers(3)
    contested = reviewed_application(round, [(first, (4, 4, 4), ACCEPT), (second, (1, 1, 1), NO)])
    reviewed_application(round, [(first, (2, 2, 2), MAYBE), (second, (3, 3, 3), MAYBE)])
    review(contested, moderator, (3, 3, 3), MAYBE, moderation=True)

    score_services.scores_normalise(round_id=round.pk)

    # Regular totals in the round: 12, 3, 6, 9 (mean 7.5); the moderator's 9 against them.
    expected = normalised_scores_with_moderation(
        [(1, "first", 12.0), (1, "second", 3.0), (2, "first", 6.0), (2, "second", 9.0)], [(1, 9.0)]
    )[1]
    assert score_of(contested).normalised_score == pytest.approx(expected)
    assert expected == pytest.approx((1 + -1 + (9 - 7.5) / 3.3541019662496847) / 3)


def test_postgresql_and_the_python_fallback_agree():
    round = review_round()
    people = reviewers(4)
    plan = [
        [(people[0], (4, 4, 4), ACCEPT), (people[1], (1, 1, 1), NO)],
        [(people[0], (2, 3, 2), MAYBE), (people[2], (3, 3, 2), MAYBE)],
        [(people[1], (4, 2, 4), ACCEPT)],
        [],
    ]
    applications = [reviewed_application(round, reviews) for reviews in plan]
    review(applications[0], people[3], (3, 3, 3), MAYBE, moderation=True)
    assignment_add(application=applications[3], reviewer=people[2], by=programme_team())
    score_services.scores_normalise(round_id=round.pk)

    def snapshot():
        return {
            row.application_id: (
                row.reviews_expected,
                row.reviews_done,
                round_or_none(row.mean_score),
                round_or_none(row.normalised_score),
                row.spread,
                row.accept_count,
                row.maybe_count,
                row.do_not_accept_count,
                row.needs_moderation,
                row.moderation_reviews_done,
            )
            for row in ApplicationScore.objects.filter(round=round)
        }

    in_database = snapshot()
    ApplicationScore.objects.filter(round=round).delete()
    score_services._refresh_in_python(round=round, ids=None, per_application=2, threshold=2)
    score_services._normalise_in_python(round_id=round.pk)

    assert snapshot() == in_database
    assert len(in_database) == 4


def round_or_none(value):
    return None if value is None else round(value, 9)


def test_refreshing_unchanged_scores_writes_nothing():
    round = review_round()
    first, second = reviewers(2)
    reviewed_application(round, [(first, (4, 4, 4), ACCEPT), (second, (2, 2, 2), MAYBE)])
    score_services.scores_refresh_round(round=round)

    assert score_services.scores_refresh(round=round) == 0
    assert score_services.scores_normalise(round_id=round.pk) == 0


def test_automatic_assignment_gives_every_application_its_row():
    round = closed_round()
    reviewers(3)
    applications = [submitted_application(round) for _ in range(3)]

    assignments_auto(round=round, by=programme_team())

    assert [numbers(application) for application in applications] == [(0, 2, None, None, (0, 0, 0), True)] * 3


def test_another_reviewer_raises_the_reviews_expected_and_removing_one_keeps_it():
    round = review_round()
    first, second, third = reviewers(3)
    team = programme_team()
    application = reviewed_application(round, [(first, (3, 3, 3), ACCEPT), (second, (3, 3, 3), ACCEPT)])
    assert numbers(application)[:2] == (2, 2)

    extra = assignment_add(application=application, reviewer=third, by=team)
    assert numbers(application)[:2] == (2, 3)

    assignment_remove(assignment=extra, by=team)
    assert numbers(application)[:2] == (2, 2)
    first_assignment = application.assignments.get(reviewer=first)
    assignment_remove(assignment=first_assignment, by=team)
    # The round still expects two reviews: the application now lacks one.
    assert numbers(application)[:2] == (1, 2)
    assert score_of(application).needs_moderation is True
