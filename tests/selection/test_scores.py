"""Stored scores: what a submitted, reopened or removed review does to an
application's numbers and the round's normalised scores, the moderation
thresholds, and PostgreSQL and the Python fallback agreeing."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from selection.choices import Recommendation
from selection.models import ApplicationScore, RoundScoring
from selection.scoring import normalised_scores_with_moderation
from selection.services import scores as score_services
from selection.services.assignments import assignment_add, assignment_remove, assignments_auto
from selection.services.reviews import review_reopen
from selection.services.settings import selection_settings_update
from tests.factories import programme_team
from tests.factories.applications import ApplicationFactory
from tests.factories.scores import review, reviewed_application, reviewers
from tests.factories.selection import closed_round, review_round, submitted_application

pytestmark = pytest.mark.django_db


class _NotPostgresql:
    """The database connection as the scores services see it, saying it is not
    PostgreSQL: they then compute in Python, as on the SQLite demo."""

    vendor = "sqlite"

    def __getattr__(self, name):
        return getattr(connection, name)


@pytest.fixture(autouse=True, params=["in the database", "in python"])
def computed(request, monkeypatch):
    """Every test here runs twice: the numbers computed by one statement on
    PostgreSQL, and by the Python fallback the SQLite demo uses."""
    if request.param == "in python":
        monkeypatch.setattr(score_services, "connection", _NotPostgresql())
    return request.param


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


def test_a_round_is_scored_alone_and_only_its_submitted_applications():
    round, other_round = review_round(), review_round()
    [first] = reviewers(1)
    scored = reviewed_application(round, [(first, (3, 3, 3), ACCEPT)])
    draft = ApplicationFactory(round=round)
    elsewhere = reviewed_application(other_round, [(first, (1, 1, 1), NO)])
    ApplicationScore.objects.filter(application=elsewhere).update(mean_score=2.0)

    written = score_services.scores_refresh(round=round)

    assert written == 0  # the review kept the scored application's numbers up to date
    assert set(ApplicationScore.objects.values_list("application_id", "round_id")) == {
        (scored.pk, round.pk),
        (elsewhere.pk, other_round.pk),
    }
    assert not ApplicationScore.objects.filter(application=draft).exists()
    # Another round's numbers are its own: refreshing this round leaves them as they are.
    assert score_of(elsewhere).mean_score == 2.0

    score_services.scores_normalise(round_id=round.pk)

    # The reviewer's review in the other round does not count here: alone in this
    # round, theirs is an average score for them (a z-score of 0).
    assert score_of(scored).normalised_score == 0.0
    assert score_of(elsewhere).normalised_score is None
    fit = RoundScoring.objects.get(round=round).fit
    assert fit["applications"] == 1
    # The fit's numbers stored beside the round, with how long it took.
    assert set(fit) == {
        "level",
        "merit_sd",
        "reviewer_sd",
        "noise_sd",
        "rounds",
        "applications",
        "reviewers",
        "seconds",
    }


def test_a_review_refreshes_its_own_application_not_the_whole_round():
    """A submit must not cost a pass over 10,000 applications: only the reviewed
    application is recomputed (the round's repair is `scores_refresh_round`)."""
    round = review_round()
    first, second = reviewers(2)
    reviewed = reviewed_application(round, [(first, (3, 3, 3), ACCEPT)])
    untouched = reviewed_application(round, [(first, (2, 2, 2), MAYBE)])
    ApplicationScore.objects.filter(application=untouched).update(mean_score=1.0)

    review(reviewed, second, (4, 4, 4), ACCEPT)

    assert score_of(reviewed).mean_score == 10.5
    assert score_of(untouched).mean_score == 1.0
    # The whole round's refresh repairs it, and only it.
    assert score_services.scores_refresh(round=round) == 1
    assert score_of(untouched).mean_score == 6.0


def test_refreshing_no_applications_costs_nothing(django_assert_num_queries):
    round = review_round()

    with django_assert_num_queries(0):
        assert score_services.scores_refresh(round=round, application_ids=[]) == 0


def test_a_draft_review_does_not_count():
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(round, [(first, (4, 4, 4), ACCEPT)])
    review(application, second, (1, 1, 1), NO, submit=False)

    # One review of the two expected: the mean is the submitted one's, and it waits in moderation.
    assert numbers(application) == (1, 2, 12.0, None, (1, 0, 0), True)


@pytest.mark.parametrize(
    ("first_recommendation", "second_scores", "second_recommendation", "spread", "moderated"),
    [
        (ACCEPT, (3, 3, 3), ACCEPT, 0, False),  # agree
        (MAYBE, (3, 3, 3), NO, 0, False),  # maybe and do not accept: no one says accept
        (ACCEPT, (2, 3, 3), MAYBE, 1, False),  # a range of 1 on criterion (a): below the threshold of 2
        (ACCEPT, (1, 3, 3), MAYBE, 2, True),  # a range of 2 on criterion (a): at the threshold
        (ACCEPT, (3, 3, 3), NO, 0, True),  # accept against do not accept, whatever the scores
    ],
)
def test_moderation_thresholds(first_recommendation, second_scores, second_recommendation, spread, moderated):
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(
        round, [(first, (3, 3, 3), first_recommendation), (second, second_scores, second_recommendation)]
    )

    assert (score_of(application).spread, score_of(application).needs_moderation) == (spread, moderated)


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


def test_on_postgresql_a_rounds_numbers_are_computed_by_the_database(computed):
    """What keeps a submit fast at 10,000 applications: one statement refreshes
    the numbers, one normalises them, one writes the estimates."""
    if computed == "in python" or connection.vendor != "postgresql":
        pytest.skip("the statements are PostgreSQL's")
    round = review_round()
    first, second = reviewers(2)
    for scores in [(4, 4, 4), (2, 2, 2)]:
        reviewed_application(round, [(first, scores, ACCEPT), (second, (3, 3, 3), MAYBE)])
    ApplicationScore.objects.filter(round=round).update(mean_score=None)

    with CaptureQueriesContext(connection) as queries:
        score_services.scores_refresh_round(round=round)

    statements = [query["sql"] for query in queries]
    assert sum("ON CONFLICT (application_id) DO UPDATE" in sql for sql in statements) == 1
    assert sum("stddev_pop" in sql for sql in statements) == 1
    assert sum("FROM unnest(" in sql for sql in statements) == 1
    assert sorted(ApplicationScore.objects.values_list("mean_score", flat=True)) == [7.5, 10.5]


def test_normalising_says_how_many_numbers_moved_and_repairs_whichever_application_drifted():
    round = review_round()
    first, second = reviewers(2)
    applications = [
        reviewed_application(round, [(first, scores, MAYBE), (second, (3, 3, 3), MAYBE)])
        for scores in [(4, 4, 4), (3, 3, 2), (2, 1, 1)]
    ]

    # Not yet normalised (that waits for the commit): three normalised scores and three estimates.
    assert score_services.scores_normalise(round_id=round.pk) == 6
    before = {
        application.pk: (score_of(application).mean_score, score_of(application).model_score)
        for application in applications
    }
    # Whichever row comes first or last, the one that drifted is found and put right.
    for application in applications:
        ApplicationScore.objects.filter(application=application).update(mean_score=0.0, model_score=0.0)

        assert score_services.scores_refresh(round=round) == 1
        assert score_services.scores_model_fit(round_id=round.pk) == 1
        mean, estimate = before[application.pk]
        assert score_of(application).mean_score == mean
        assert score_of(application).model_score == pytest.approx(estimate)


def test_the_rounds_fit_is_recorded_the_first_time_and_kept_up_to_date():
    round = review_round()
    first, second = reviewers(2)
    reviewed_application(round, [(first, (4, 4, 4), MAYBE), (second, (3, 3, 3), MAYBE)])

    score_services.scores_refresh_round(round=round)  # never computed before: no record yet
    recorded = RoundScoring.objects.get(round=round)
    reviewed_application(round, [(first, (2, 2, 2), MAYBE), (second, (1, 1, 1), MAYBE)])
    score_services.scores_refresh_round(round=round)
    updated = RoundScoring.objects.get(round=round)

    assert recorded.computed_at is not None
    assert set(recorded.reviewer_effects) == {str(first.pk), str(second.pk)}
    assert (recorded.fit["applications"], updated.fit["applications"]) == (1, 2)


def test_an_application_whose_only_review_is_reopened_loses_its_estimate():
    round = review_round()
    first, second = reviewers(2)
    kept = reviewed_application(round, [(first, (4, 4, 4), MAYBE), (second, (3, 3, 3), MAYBE)])
    reopened = reviewed_application(round, [(first, (2, 2, 2), MAYBE)])
    score_services.scores_normalise(round_id=round.pk)
    assert score_of(reopened).model_score is not None

    review_reopen(review=reopened.assignments.get().review, by=programme_team())
    # Four numbers moved: the reopened application's normalised score cleared and
    # the kept one's (its first reviewer now has no other review to compare it
    # with), and both estimates.
    assert score_services.scores_normalise(round_id=round.pk) == 4

    assert (score_of(reopened).model_score, score_of(reopened).normalised_score) == (None, None)
    assert score_of(kept).model_score is not None


@pytest.mark.parametrize("size", [2, 6])
def test_fitting_the_model_takes_the_same_queries_at_any_size(django_assert_num_queries, size):
    round = review_round()
    first, second = reviewers(2)
    for number in range(size):
        reviewed_application(round, [(first, (number % 4 + 1, 2, 2), MAYBE), (second, (3, 3, 3), MAYBE)])

    # The reviews; in a savepoint, the stored estimates, one write of them all,
    # and the round's fit (one upsert: updated, or inserted the first time).
    with django_assert_num_queries(6):
        score_services.scores_model_fit(round_id=round.pk)
    # Fitted again to the same reviews, no estimate moved: nothing to write.
    with django_assert_num_queries(5):
        assert score_services.scores_model_fit(round_id=round.pk) == 0


@pytest.mark.parametrize("size", [1, 5])
def test_normalising_takes_the_same_queries_at_any_size(django_assert_num_queries, computed, size):
    round = review_round()
    first, second = reviewers(2)
    for number in range(size):
        reviewed_application(round, [(first, (number % 4 + 1, 2, 2), MAYBE), (second, (3, 3, 3), MAYBE)])

    # In a savepoint: on PostgreSQL the normalising and the clearing statements;
    # in Python the reviews, the stored scores and one write of those that moved.
    # Then the fit, as above.
    with django_assert_num_queries(11 if computed == "in python" else 10):
        assert score_services.scores_normalise(round_id=round.pk) == 2 * size


def test_an_estimate_that_moved_by_less_than_a_billionth_is_not_rewritten():
    """The fit's floating-point noise is no change: the stored estimates are
    rewritten only when they moved by FLAT or more."""
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(round, [(first, (4, 4, 4), MAYBE), (second, (3, 3, 3), MAYBE)])
    score_services.scores_model_fit(round_id=round.pk)
    estimate = score_of(application).model_score
    ApplicationScore.objects.filter(application=application).update(model_score=estimate + 1e-12)

    assert score_services.scores_model_fit(round_id=round.pk) == 0
    assert score_of(application).model_score == estimate + 1e-12

    ApplicationScore.objects.filter(application=application).update(model_score=estimate + 1e-6)

    assert score_services.scores_model_fit(round_id=round.pk) == 1
    assert score_of(application).model_score == pytest.approx(estimate, abs=1e-12)


@pytest.mark.parametrize("field", ["model_score", "model_low", "model_high"])
def test_an_estimate_or_either_end_of_its_interval_that_drifted_is_put_right(field):
    round = review_round()
    first, second = reviewers(2)
    application = reviewed_application(round, [(first, (4, 4, 4), MAYBE), (second, (3, 3, 3), MAYBE)])
    score_services.scores_model_fit(round_id=round.pk)
    fitted = getattr(score_of(application), field)
    ApplicationScore.objects.filter(application=application).update(**{field: fitted + 1.0})

    assert score_services.scores_model_fit(round_id=round.pk) == 1
    assert getattr(score_of(application), field) == pytest.approx(fitted, abs=1e-12)


def test_the_rounds_fit_records_how_long_it_took_to_the_millisecond(monkeypatch):
    round = review_round()
    first, second = reviewers(2)
    reviewed_application(round, [(first, (4, 4, 4), MAYBE), (second, (3, 3, 3), MAYBE)])
    clock = iter([100.0, 100.2346])
    monkeypatch.setattr(score_services, "time", SimpleNamespace(perf_counter=lambda: next(clock)))

    score_services.scores_model_fit(round_id=round.pk)

    assert RoundScoring.objects.get(round=round).fit["seconds"] == 0.235


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
