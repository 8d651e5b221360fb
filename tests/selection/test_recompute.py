"""A burst of reviews costs one recomputation of the round's scores
(`scores_recompute_soon`), and the stored estimate follows the reviews."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from selection import tasks
from selection.choices import Recommendation
from selection.models import ApplicationScore, RoundScoring
from selection.services import scores as score_services
from tests.factories.scores import review, reviewed_application, reviewers
from tests.factories.selection import review_round, submitted_application

pytestmark = pytest.mark.django_db

MAYBE = Recommendation.MAYBE


@pytest.fixture
def queued(monkeypatch):
    """What reaches the broker: the queue is the outside world here."""
    sent = []
    monkeypatch.setattr(
        tasks.scores_recompute_round, "apply_async", lambda kwargs, countdown: sent.append((kwargs, countdown))
    )
    return sent


def test_a_burst_of_reviews_queues_one_recomputation_after_a_pause(django_capture_on_commit_callbacks, queued):
    round = review_round()
    people = reviewers(2)
    for _ in range(5):
        application = submitted_application(round)
        with django_capture_on_commit_callbacks(execute=True):
            for person in people:
                review(application, person, (3, 2, 3), MAYBE)

    assert queued == [({"round_id": round.pk}, score_services.DEBOUNCE_SECONDS)]
    assert RoundScoring.objects.get(round=round).scheduled_at is not None


def test_a_review_after_the_recomputation_started_queues_another(django_capture_on_commit_callbacks, queued):
    round = review_round()
    first, second = reviewers(2)
    application = submitted_application(round)
    with django_capture_on_commit_callbacks(execute=True):
        review(application, first, (3, 2, 3), MAYBE)
    score_services.scores_recompute(round_id=round.pk)  # what the queued task runs
    with django_capture_on_commit_callbacks(execute=True):
        review(application, second, (4, 4, 4), MAYBE)

    assert len(queued) == 2
    assert RoundScoring.objects.get(round=round).computed_at is not None


def test_with_the_eager_test_configuration_the_estimate_follows_each_review(django_capture_on_commit_callbacks):
    round = review_round()
    harsh, lenient = reviewers(2)
    applications = [submitted_application(round) for _ in range(3)]
    for application, by_harsh, by_lenient in zip(
        applications, [(1, 1, 1), (2, 2, 2), (3, 3, 3)], [(2, 2, 2), (3, 3, 3), (4, 4, 4)], strict=True
    ):
        review(application, harsh, by_harsh, MAYBE)
        with django_capture_on_commit_callbacks(execute=True):
            review(application, lenient, by_lenient, MAYBE)

    stored = {row.application_id: row for row in ApplicationScore.objects.filter(round=round)}
    estimates = [stored[application.pk].model_score for application in applications]
    assert estimates == sorted(estimates)
    assert all(stored[a.pk].model_low < stored[a.pk].model_score < stored[a.pk].model_high for a in applications)
    effects = RoundScoring.objects.get(round=round).reviewer_effects
    assert effects[str(lenient.pk)] - effects[str(harsh.pk)] == pytest.approx(3.0, abs=0.01)


def test_without_a_broker_the_round_is_recomputed_at_once(django_capture_on_commit_callbacks, monkeypatch, caplog):
    def broker_down(**kwargs):
        raise BrokerError("Connection refused")

    monkeypatch.setattr(tasks.scores_recompute_round, "apply_async", broker_down)
    round = review_round()
    first, second = reviewers(2)
    with django_capture_on_commit_callbacks(execute=True):
        application = reviewed_application(round, [(first, (4, 4, 4), MAYBE), (second, (2, 2, 2), MAYBE)])

    scoring = RoundScoring.objects.get(round=round)
    assert scoring.computed_at is not None
    assert scoring.scheduled_at is None
    assert f"Broker unavailable: recomputing the scores of round {round.pk} now" in caplog.messages
    assert ApplicationScore.objects.get(application=application).model_score == pytest.approx(9.0)


def test_a_recomputation_queued_but_never_run_is_queued_again_after_ten_minutes(
    django_capture_on_commit_callbacks, queued, time_machine
):
    """A worker lost with the queued task must not leave the round's ranking stale
    for ever: ten minutes on, the next review queues it again."""
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    round = review_round()
    people = reviewers(4)
    application = submitted_application(round)

    for person, after in zip(people, [0, 9, 10, 11], strict=True):
        time_machine.move_to(start + timedelta(minutes=after), tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            review(application, person, (3, 2, 3), MAYBE)

    # Queued at 0 and, the first never having run, again at 11 (not at exactly 10).
    assert len(queued) == 2
    assert RoundScoring.objects.get(round=round).scheduled_at == start + timedelta(minutes=11)


def test_every_review_marks_the_round_changed_while_a_recomputation_waits(
    django_capture_on_commit_callbacks, queued, time_machine
):
    """The round's calibration is cached by when its reviews last changed: a
    review arriving while a recomputation is queued must still move that time."""
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    round = review_round()
    first, second = reviewers(2)
    application = submitted_application(round)
    with django_capture_on_commit_callbacks(execute=True):
        review(application, first, (3, 2, 3), MAYBE)
    first_change = RoundScoring.objects.get(round=round).dirty_at
    time_machine.move_to(start + timedelta(minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        review(application, second, (4, 4, 4), MAYBE)

    scoring = RoundScoring.objects.get(round=round)
    assert len(queued) == 1
    assert first_change == start
    assert (scoring.dirty_at, scoring.scheduled_at) == (start + timedelta(minutes=1), start)


def test_recompute_soon_says_whether_it_queued_the_recomputation(queued):
    round = review_round()

    first = score_services.scores_recompute_soon(round_id=round.pk)
    second = score_services.scores_recompute_soon(round_id=round.pk)

    assert (first, second) == (True, False)
    assert queued == [({"round_id": round.pk}, score_services.DEBOUNCE_SECONDS)]


def test_a_review_is_kept_when_its_recomputation_cannot_even_be_marked(
    django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """After commit the review is saved whatever happens next: a failure to mark
    the round for recomputation (the database gone a moment, say) is logged, not
    raised into the reviewer's request as an error page."""
    round = review_round()
    application = submitted_application(round)

    def fail(*, round_id):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(score_services, "scores_recompute_soon", fail)
    with django_capture_on_commit_callbacks(execute=True):
        review(application, reviewers(1)[0], (3, 2, 3), MAYBE)

    assert ApplicationScore.objects.get(application=application).reviews_done == 1
    assert "the database went away" in caplog.text
