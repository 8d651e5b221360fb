"""Calibration before scoring: practice applications, scored before the real
queue opens, then compared with the agreed scores."""

import pytest
from django.urls import reverse

from q_portal.exceptions import PortalError
from selection.models import PracticeReview
from selection.selectors.practice import practice_pending_for
from selection.services.practice import practice_create, practice_review_submit
from tests.factories import programme_team, with_totp
from tests.factories.selection import assign, review_round, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db

AGREED = {"a": 3, "b": 2, "c": 4}
# The practice page, whatever the number of practice applications and reviewers.
QUERIES = 7


def practice_in(round, by=None, agreed=AGREED, title="Practice 1: a falls project"):
    return practice_create(
        round=round,
        title=title,
        answers={"a": "We met weekly.", "b": "I led the audit.", "c": "We used PDSA cycles."},
        agreed_scores=agreed,
        rationale="Strong on reflection, thin on evidence of the role played.",
        by=by or programme_team(),
    )


def test_agreed_scores_must_cover_every_criterion_within_the_rubric():
    round = review_round()
    with pytest.raises(PortalError, match="criterion \\(c\\)"):
        practice_in(round, agreed={"a": 3, "b": 2})
    with pytest.raises(PortalError, match="from 1 to 4"):
        practice_in(round, agreed={"a": 3, "b": 2, "c": 7})


def test_a_reviewer_scores_a_practice_application_once():
    round = review_round()
    practice = practice_in(round)
    reviewer = reviewer_with_profile()
    practice_review_submit(practice=practice, scores={"a": 4, "b": 3, "c": 4}, by=reviewer)

    with pytest.raises(PortalError, match="already"):
        practice_review_submit(practice=practice, scores={"a": 3, "b": 2, "c": 4}, by=reviewer)
    review = PracticeReview.objects.get()
    assert review.scores == {"a": 4, "b": 3, "c": 4}
    assert review.error == pytest.approx(2 / 3)


def test_the_real_queue_opens_only_after_the_practice(client):
    round = review_round()
    practice = practice_in(round)
    reviewer = reviewer_with_profile()
    assignment = assign(submitted_application(round), reviewer)
    client.force_login(reviewer)

    queue = client.get(reverse("selection:reviewer_home"))
    assert "Before your queue opens: practice" in queue.content.decode()
    blocked = client.get(reverse("selection:review", kwargs={"pk": assignment.pk}))
    assert blocked["Location"] == reverse("selection:practice_score", kwargs={"pk": practice.pk})

    page = client.get(blocked["Location"]).content.decode()
    assert "We used PDSA cycles." in page
    assert "Strong on reflection" not in page  # the rationale only after scoring
    done = client.post(blocked["Location"], {"score_a": "4", "score_b": "2", "score_c": "3"})
    compare = client.get(done["Location"]).content.decode()
    assert "Strong on reflection, thin on evidence of the role played." in compare
    assert "your queue is open" in compare

    # Then the round's confidentiality and conflicts agreement, once.
    agreement = client.get(reverse("selection:review", kwargs={"pk": assignment.pk}))
    assert agreement["Location"] == reverse("selection:reviewer_agreement", kwargs={"pk": assignment.pk})
    client.post(agreement["Location"], {"accept": "on"})
    assert client.get(reverse("selection:review", kwargs={"pk": assignment.pk})).status_code == 200
    assert not practice_pending_for(reviewer=reviewer).exists()


def test_a_missing_score_is_reported_at_the_field_and_nothing_is_saved(client):
    round = review_round()
    practice = practice_in(round)
    client.force_login(reviewer_with_profile())

    response = client.post(reverse("selection:practice_score", kwargs={"pk": practice.pk}), {"score_a": "4"})

    assert response.status_code == 200
    assert "Choose a score." in response.content.decode()
    assert PracticeReview.objects.count() == 0


def test_the_team_adds_a_practice_application_and_sees_each_reviewers_practice_error(client):
    round = review_round()
    team = with_totp(programme_team())
    client.force_login(team)
    response = client.post(
        reverse("selection:practice_list", kwargs={"pk": round.pk}),
        {
            "title": "  Practice\t2  ",
            "answer_a": "A.",
            "answer_b": "B.",
            "answer_c": "C.",
            "agreed_a": "2",
            "agreed_b": "2",
            "agreed_c": "2",
            "rationale": "Agreed in the panel.",
        },
    )
    assert response.status_code == 302
    practice = round.practice_applications.get()
    assert practice.title == "Practice 2"
    lenient, harsh = reviewer_with_profile(), reviewer_with_profile()
    practice_review_submit(practice=practice, scores={"a": 3, "b": 3, "c": 3}, by=lenient)
    practice_review_submit(practice=practice, scores={"a": 1, "b": 2, "c": 1}, by=harsh)

    page = client.get(reverse("selection:practice_list", kwargs={"pk": round.pk})).content.decode()
    assert "Practice 2" in page
    insight = client.get(reverse("selection:insight_calibration", kwargs={"pk": round.pk})).content.decode()
    # Own - agreed: +1, +1, +1 and -1, 0, -1; the root mean square is sqrt(5 / 6).
    assert "practice scores lay 0.91 points from the agreed scores" in insight


def test_the_practice_page_queries_do_not_grow_with_practice(client, django_assert_num_queries):
    round = review_round()
    team = with_totp(programme_team())
    client.force_login(team)
    url = reverse("selection:practice_list", kwargs={"pk": round.pk})
    practice_in(round, by=team)
    client.get(url)
    with django_assert_num_queries(QUERIES):
        client.get(url)
    for index in range(5):
        other = practice_in(round, by=team, title=f"Practice {index + 2}")
        practice_review_submit(practice=other, scores=AGREED, by=reviewer_with_profile())
    with django_assert_num_queries(QUERIES):
        client.get(url)
