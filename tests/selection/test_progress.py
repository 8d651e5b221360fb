"""A round's review progress is kept (`RoundProgress`), not counted on every view
of the round page: the programme team's own changes show at once, reviews
submitted since show after a background count, and figures are never shown
older than `FIGURES_MAX_AGE`, with a worker or without."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.choices import RoundStatus
from selection import tasks
from selection.models import Assignment, RoundProgress
from selection.selectors import FIGURES_FRESH_FOR, FIGURES_MAX_AGE, FIGURES_QUEUED_FOR
from selection.services import progress as progress_services
from selection.services.assignments import assignment_add
from selection.services.moderation import moderation_reviewer_request
from selection.services.progress import progress_count_due
from selection.services.settings import selection_settings_update
from tests.factories.applications import RoundFactory
from tests.factories.privacy import reviewed
from tests.factories.selection import (
    assign,
    bulk_submitted_applications,
    closed_round,
    review_round,
    reviewer_with_profile,
    submitted_application,
)

pytestmark = pytest.mark.django_db

SCORES = {"a": 3, "b": 3, "c": 3}


def figures(client, round) -> dict[str, str]:
    """The round page's progress, as the programme team reads it."""
    page = client.get(reverse("selection:round", kwargs={"pk": round.pk})).content.decode()
    rows = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    return {
        "applications": rows["Applications to review"],
        "short": rows["Short of reviewers"],
        "submitted": rows["Reviews submitted"],
    }


@pytest.fixture
def queued(monkeypatch):
    """The rounds whose count was queued; the task runs as the worker would."""
    rounds = []

    def enqueue(task, **kwargs):
        rounds.append(kwargs["round_id"])
        task.apply(kwargs=kwargs)

    monkeypatch.setattr(progress_services, "enqueue_on_commit", enqueue)
    return rounds


def test_the_round_page_shows_what_was_counted_and_when(client, team):
    round = review_round()
    first, second = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    done, half, _none = (submitted_application(round) for _ in range(3))
    for application in (done, half):
        assign(application, first)
    assign(done, second)
    reviewed(done, first, scores=SCORES)

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        response = client.get(reverse("selection:round", kwargs={"pk": round.pk}))

    assert figures(client, round) == {"applications": "3", "short": "2", "submitted": "1 of 3"}
    # In the portal's time zone (London).
    assert f"Counted at {timezone.localtime(now):%H:%M:%S}." in response.content.decode()


def test_automatic_assignment_shows_on_the_round_page_at_once(client, team):
    round = closed_round()
    bulk_submitted_applications(round, 4)
    for _ in range(3):
        reviewer_with_profile(mfa=False)
    assert figures(client, round) == {"applications": "4", "short": "4", "submitted": "0 of 0"}

    response = client.post(reverse("selection:assign", kwargs={"pk": round.pk}), follow=True)

    assert "8 assignments made" in response.content.decode()
    assert figures(client, round) == {"applications": "4", "short": "0", "submitted": "0 of 8"}


def test_each_change_the_team_makes_shows_at_once(client, team):
    round = review_round()
    application = submitted_application(round)
    reviewers = [reviewer_with_profile(mfa=False) for _ in range(4)]
    assign(application, reviewers[0])
    assert figures(client, round)["submitted"] == "0 of 1"

    assignment_add(application=application, reviewer=reviewers[1], by=team)
    assert figures(client, round) == {"applications": "1", "short": "0", "submitted": "0 of 2"}

    selection_settings_update(round=round, by=team, reviewers_per_application=3)
    assert figures(client, round)["short"] == "1"

    moderation_reviewer_request(application=application, by=team)
    assert figures(client, round)["submitted"] == "0 of 3"

    removed = Assignment.objects.get(application=application, reviewer=reviewers[0])
    client.post(reverse("selection:assignment_action", kwargs={"pk": removed.pk}), {"action": "remove"})
    assert figures(client, round) == {"applications": "1", "short": "1", "submitted": "0 of 2"}

    selection_settings_update(round=round, by=team, reviewers_per_application=1)
    assert figures(client, round)["short"] == "0"


def test_a_review_submitted_since_is_counted_in_the_background_once_the_figures_are_a_little_old(client, team, queued):
    round = review_round()
    application = submitted_application(round)
    reviewer = reviewer_with_profile(mfa=False)
    assign(application, reviewer)
    figures(client, round)
    reviewed(application, reviewer, scores=SCORES)

    # Just counted: shown as they are, nothing queued.
    assert figures(client, round)["submitted"] == "0 of 1"
    assert queued == []

    later = timezone.now() + FIGURES_FRESH_FOR + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        # This view shows what it read and queues one count; the next shows the count.
        assert figures(client, round)["submitted"] == "0 of 1"
        assert queued == [round.pk]
        assert figures(client, round)["submitted"] == "1 of 1"
    assert RoundProgress.objects.get(round=round).queued_at is None


def test_a_count_is_queued_once_while_it_waits_for_a_worker(client, team, monkeypatch):
    round = review_round()
    figures(client, round)
    sent = []
    monkeypatch.setattr(progress_services, "enqueue_on_commit", lambda task, **kwargs: sent.append(kwargs))

    later = timezone.now() + FIGURES_FRESH_FOR + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        figures(client, round)
        figures(client, round)
    assert sent == [{"round_id": round.pk}]

    # A count that never came (a lost task) is queued again after a while.
    with time_machine.travel(later + FIGURES_QUEUED_FOR + timedelta(seconds=1), tick=False):
        figures(client, round)
    assert sent == [{"round_id": round.pk}] * 2


def test_with_no_worker_the_figures_are_counted_in_the_request_once_too_old(client, team, monkeypatch):
    round = review_round()
    application = submitted_application(round)
    reviewer = reviewer_with_profile(mfa=False)
    assign(application, reviewer)
    figures(client, round)
    reviewed(application, reviewer, scores=SCORES)
    monkeypatch.setattr(progress_services, "enqueue_on_commit", lambda task, **kwargs: None)

    with time_machine.travel(timezone.now() + FIGURES_MAX_AGE - timedelta(seconds=5), tick=False):
        assert figures(client, round)["submitted"] == "0 of 1"
    with time_machine.travel(timezone.now() + FIGURES_MAX_AGE + timedelta(seconds=1), tick=False):
        assert figures(client, round)["submitted"] == "1 of 1"


@pytest.mark.django_db(transaction=True)  # the request's commit really queues the count
def test_the_round_page_still_shows_when_the_broker_is_down(client, team, broker_down, caplog):
    round = review_round()
    figures(client, round)

    later = timezone.now() + FIGURES_FRESH_FOR + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert figures(client, round)["applications"] == "0"
    # Claimed once, not taken: not queued again until the claim lapses.
    assert RoundProgress.objects.get(round=round).queued_at == later
    assert "Broker did not take selection.round_progress_count" in caplog.text


def test_a_change_committed_while_counting_leaves_the_figures_to_count_again(client, team, monkeypatch):
    round = review_round()
    application = submitted_application(round)
    reviewer = reviewer_with_profile(mfa=False)
    counts = progress_services.round_review_counts

    def count_then_the_team_assigns(**kwargs):
        counted = counts(**kwargs)
        assignment_add(application=application, reviewer=reviewer, by=team)
        return counted

    monkeypatch.setattr(progress_services, "round_review_counts", count_then_the_team_assigns)
    progress = progress_services.progress_count(round=round)
    monkeypatch.undo()

    assert progress.submitted == progress.assignments == 0
    assert figures(client, round)["submitted"] == "0 of 1"


def test_the_background_count_of_a_round_since_deleted_does_nothing():
    round = review_round()
    round_id = round.pk
    round.delete()

    assert tasks.round_progress_count.apply(kwargs={"round_id": round_id}).get() is False
    assert not RoundProgress.objects.exists()


def test_the_rounds_list_shows_kept_figures_while_current_and_counts_the_others(client, team):
    kept, uncounted = review_round(name="Kept round"), review_round(name="Uncounted round")
    for round in (kept, uncounted):
        assign(submitted_application(round), reviewer_with_profile(mfa=False))
    figures(client, kept)
    # Written behind the services' back, so not yet in the kept figures.
    assign(submitted_application(kept), reviewer_with_profile(mfa=False))

    def rows():
        page = client.get(reverse("selection:round_list")).content.decode()
        found = re.findall(r'>([^<]+ round)</a></td>\s*<td>[^<]*</td>\s*<td class="text-end">(\d+)</td>', page)
        return dict(found)

    assert rows() == {"Kept round": "1", "Uncounted round": "1"}
    with time_machine.travel(timezone.now() + FIGURES_MAX_AGE + timedelta(seconds=1), tick=False):
        assert rows() == {"Kept round": "2", "Uncounted round": "1"}

    # A change the team makes is counted at once, kept figures or not.
    figures(client, uncounted)
    assignment_add(application=submitted_application(uncounted), reviewer=reviewer_with_profile(mfa=False), by=team)
    assert rows()["Uncounted round"] == "2"


def test_the_morning_view_reads_the_figures_beat_counts_each_minute(client, team):
    round = review_round()
    application = submitted_application(round)
    reviewer = reviewer_with_profile(mfa=False)
    assign(application, reviewer)
    assert progress_count_due() == 1
    assert progress_count_due() == 0  # fresh: nothing to count
    reviewed(application, reviewer, scores=SCORES)

    def reviews_done():
        page = client.get(reverse("selection:programme_home")).content.decode()
        return re.search(r"(\d+ of \d+) done", page).group(1)

    assert reviews_done() == "0 of 1"
    with time_machine.travel(timezone.now() + FIGURES_FRESH_FOR + timedelta(seconds=1), tick=False):
        assert progress_count_due() == 1
        assert reviews_done() == "1 of 1"


def test_beat_counts_decided_rounds_less_often_and_leaves_others_alone(client, team):
    decided, draft, open_round = (
        RoundFactory(status=status) for status in (RoundStatus.DECIDED, RoundStatus.DRAFT, RoundStatus.OPEN)
    )
    assert progress_count_due() == 1
    assert list(RoundProgress.objects.values_list("round", flat=True)) == [decided.pk]

    with time_machine.travel(timezone.now() + FIGURES_FRESH_FOR + timedelta(seconds=1), tick=False):
        assert progress_count_due() == 0
    with time_machine.travel(timezone.now() + FIGURES_MAX_AGE / 2 + timedelta(seconds=1), tick=False):
        assert progress_count_due() == 1
    assert {draft.pk, open_round.pk}.isdisjoint(RoundProgress.objects.values_list("round", flat=True))


def test_a_new_review_date_shows_the_reviewers_overdue_at_once(client, team):
    round = review_round()
    assign(submitted_application(round), reviewer_with_profile(mfa=False))
    progress_count_due()

    selection_settings_update(round=round, by=team, review_due_on=timezone.localdate() - timedelta(days=1))

    assert "1 reviewer overdue" in client.get(reverse("selection:programme_home")).content.decode()


def test_a_new_moderation_threshold_shows_on_the_morning_view_at_once(client, team):
    round = review_round()
    application = submitted_application(round)
    first, second = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    reviewed(application, first, scores={"a": 1, "b": 1, "c": 1})
    reviewed(application, second, scores={"a": 3, "b": 3, "c": 3})
    selection_settings_update(round=round, by=team, moderation_spread=3)
    progress_count_due()

    def waiting():
        page = client.get(reverse("selection:programme_home")).content.decode()
        return re.search(r'data-figure="needs_moderation">\s*(.*?)\s*</dd>', page, re.S).group(1)

    assert waiting() == "Nothing waiting"
    selection_settings_update(round=round, by=team, moderation_spread=1)
    assert "1 application waiting" in waiting()
