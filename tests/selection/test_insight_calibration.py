"""The reviewers' insight page puts each reviewer's practice error beside their
live bias, and agreement before and after calibration (#15), checked against a
small example worked by hand; the figures stay cached until a practice score
arrives; the page costs the same queries whatever the round's size."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from selection.choices import Recommendation
from selection.models import RoundScoring
from selection.services.practice import practice_create, practice_review_submit
from selection.services.reviews import review_save
from tests.factories import programme_team, with_totp
from tests.factories.selection import assign, review_round, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db

MINUS = "\u2212"


def text_of(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def row_of(response, name: str) -> str:
    """The text of the reviewers' table row that starts with `name`."""
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode(), flags=re.S)
    [row] = [row for row in rows if f">{name}</a>" in row]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", row))).strip()


def practise(round, agreed, title, team):
    return practice_create(
        round=round, title=title, answers={}, agreed_scores=agreed, rationale="Agreed by the panel.", by=team
    )


def live_review(application, reviewer, scores):
    review_save(
        assignment=assign(application, reviewer),
        by=reviewer,
        scores=dict(zip("abc", scores, strict=True)),
        comments={},
        recommendation=Recommendation.ACCEPT,
        note_to_panel="",
        submit=True,
    )


@pytest.fixture
def worked(client):
    """Three reviewers, two practice applications, three live applications.

    Practice, own - agreed on (a, b, c):
      Ann  P1 (4,3,4) vs (3,2,4): +1 +1 0;  P2 (3,2,2) vs (2,2,2): +1 0 0
           mean |d| = 3/6 = 0.50, mean d = +0.50
      Ben  P1 (2,2,2) vs (3,2,4): -1 0 -2   mean |d| = 3/3 = 1.00, mean d = -1.00
      Cat  no practice
      Before: root mean square of the nine differences = sqrt((3 + 5) / 9) = 0.94.

    Live scores (a, b, c):
      X: Ann (3,4,2), Ben (2,3,2), Cat (4,4,3)
         squares about each criterion's mean: a 2, b 2/3, c 2/3, on 2 + 2 + 2 freedoms
      Y: Ann (2,2,2), Cat (3,3,3): 1/2 on each criterion, 1 freedom each
      Z: Cat (1,1,1) alone: no other score to compare with
      After: sqrt((2 + 2/3 + 2/3 + 3/2) / 9) = sqrt(0.537) = 0.73, over the
      15 scores of X and Y, from the three reviewers.

    The model's effects on the weighted total (three criteria of weight 1):
      Ann +0.9, Ben -1.5, Cat +0.6, so per criterion +0.30, -0.50, +0.20."""
    round = review_round()
    team = with_totp(programme_team())
    ann = reviewer_with_profile(display_name="Ann Reviewer")
    ben = reviewer_with_profile(display_name="Ben Reviewer")
    cat = reviewer_with_profile(display_name="Cat Reviewer")
    first = practise(round, {"a": 3, "b": 2, "c": 4}, "Practice 1", team)
    second = practise(round, {"a": 2, "b": 2, "c": 2}, "Practice 2", team)
    practice_review_submit(practice=first, scores={"a": 4, "b": 3, "c": 4}, by=ann)
    practice_review_submit(practice=second, scores={"a": 3, "b": 2, "c": 2}, by=ann)
    practice_review_submit(practice=first, scores={"a": 2, "b": 2, "c": 2}, by=ben)
    x, y, z = (submitted_application(round) for _ in range(3))
    live_review(x, ann, (3, 4, 2))
    live_review(x, ben, (2, 3, 2))
    live_review(x, cat, (4, 4, 3))
    live_review(y, ann, (2, 2, 2))
    live_review(y, cat, (3, 3, 3))
    live_review(z, cat, (1, 1, 1))
    RoundScoring.objects.update_or_create(
        round=round, defaults={"reviewer_effects": {str(ann.pk): 0.9, str(ben.pk): -1.5, str(cat.pk): 0.6}}
    )
    client.force_login(team)
    return round, first, cat


def page_of(client, round):
    return client.get(reverse("selection:insight_calibration", kwargs={"pk": round.pk}))


def test_each_reviewers_practice_error_is_beside_their_live_bias(client, worked):
    round, _first, _cat = worked

    response = page_of(client, round)

    assert row_of(response, "Ann Reviewer").endswith(f"No 0.50 own {MINUS} agreed +0.50, 2 practice applications +0.30")
    assert row_of(response, "Ben Reviewer").endswith(f"No 1.00 own {MINUS} agreed -1.00, 1 practice application -0.50")
    # No practice is said in words, never shown as an error of zero.
    assert row_of(response, "Cat Reviewer").endswith("No No practice +0.20")


def test_agreement_before_and_after_calibration_in_words(client, worked):
    round, _first, _cat = worked

    page = text_of(page_of(client, round))

    assert (
        "Before calibration, practice scores lay 0.94 points from the agreed scores (root mean square of own"
        " minus agreed over 9 scores on 2 practice applications, from 2 reviewers, given before they saw the"
        " agreed scores)." in page
    )
    assert (
        "After calibration, reviewers\u2019 live scores of the same application lay 0.73 points from each other"
        " (standard deviation within each application and criterion, pooled over 15 scores on 2 applications"
        " with two or more reviews, from 3 reviewers)." in page
    )


def test_a_practice_score_submitted_shows_at_once_though_the_figures_are_cached(client, worked):
    round, first, cat = worked
    assert row_of(page_of(client, round), "Cat Reviewer").endswith("No practice +0.20")

    # Cat scores the first practice application (3,2,4) exactly as agreed.
    practice_review_submit(practice=first, scores={"a": 3, "b": 2, "c": 4}, by=cat)
    response = page_of(client, round)

    assert row_of(response, "Cat Reviewer").endswith(f"0.00 own {MINUS} agreed 0.00, 1 practice application +0.20")
    # sqrt(8 / 12): the same eight squared differences over twelve scores now.
    assert "practice scores lay 0.82 points from the agreed scores" in text_of(response)
    assert "from 3 reviewers, given before they saw" in text_of(response)


def test_a_round_without_practice_says_so(client):
    round = review_round()
    reviewer = reviewer_with_profile(display_name="Dee Reviewer")
    live_review(submitted_application(round), reviewer, (2, 3, 4))
    client.force_login(with_totp(programme_team()))

    response = page_of(client, round)

    assert "Before calibration: no reviewer has scored a practice application yet." in text_of(response)
    assert "After calibration: no live application has two reviews yet." in text_of(response)
    assert row_of(response, "Dee Reviewer").endswith("No practice \u2013")


def round_of_size(size: int):
    """`size` applications, each reviewed by two of `size` reviewers, who each
    practised on the round's two practice applications."""
    round = review_round()
    team = programme_team()
    practice = [practise(round, {"a": 2, "b": 3, "c": 2}, f"Practice {n}", team) for n in range(2)]
    reviewers = [reviewer_with_profile(display_name=f"Reviewer {n}") for n in range(size)]
    for n, reviewer in enumerate(reviewers):
        for item in practice:
            practice_review_submit(practice=item, scores={"a": 1 + n % 4, "b": 3, "c": 2}, by=reviewer)
    for n in range(size):
        application = submitted_application(round)
        live_review(application, reviewers[n], (1 + n % 4, 2, 3))
        live_review(application, reviewers[(n + 1) % size], (2, 2, 3))
    RoundScoring.objects.update_or_create(
        round=round, defaults={"reviewer_effects": {str(reviewer.pk): 0.3 for reviewer in reviewers}}
    )
    return round


def queries_of(client, round) -> tuple[int, int]:
    """The page's queries with the figures computed, then read from the cache."""
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = page_of(client, round)
        assert "Reviewer 1" in text_of(response)
        counts.append(len(queries))
    return counts[0], counts[1]


def test_the_page_costs_the_same_queries_at_two_round_sizes(client):
    small, large = round_of_size(3), round_of_size(12)
    client.force_login(with_totp(programme_team()))
    page_of(client, review_round())  # the session's first save is not the page's

    assert queries_of(client, small) == queries_of(client, large)
