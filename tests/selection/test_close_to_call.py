"""The decision room's band of applications too close to call at the line, and
the one tie-break rule."""

import pytest

from selection.choices import LineMethod
from selection.selectors.decision_room import Candidate, LineRule, close_to_call, plan_cohort

pytestmark = pytest.mark.django_db  # no queries: plan_cohort is pure; the marker keeps the settings


def candidate(pk, score, half_width):
    return Candidate(
        id=pk,
        reference=f"Q-{100 - pk:03d}",
        score=score,
        region_id=None,
        region="",
        role_category="",
        route_id=None,
        route="",
        nominated_by_id=None,
        nominated_by="",
        decision=None,
        released=False,
        low=score - half_width,
        high=score + half_width,
    )


def test_the_band_holds_the_applications_whose_estimate_is_within_a_standard_error_of_the_line():
    # Standard error = half width / 1.96: a half width of 1.96 is one point.
    candidates = [candidate(1, 12.0, 1.96), candidate(2, 10.6, 1.96), candidate(3, 10.4, 1.96), candidate(4, 8.0, 1.96)]
    plan = plan_cohort(candidates=candidates, rule=LineRule(places=2), holds=[], capacity=2)

    # The line falls between 10.6 and 10.4 (at 10.5): 2 and 3 are within a point of it, 1 and 4 are not.
    assert [c.id for c in plan.close_to_call] == [2, 3]
    assert [outcome for _c, outcome in plan.close_to_call_rows()] == ["accept", None]


def test_sure_estimates_leave_no_band():
    candidates = [candidate(1, 12.0, 0.2), candidate(2, 10.6, 0.05), candidate(3, 10.4, 0.05)]
    assert close_to_call(candidates, line=10.5) == []


def test_the_band_is_drawn_only_for_the_estimate():
    candidates = [candidate(1, 12.0, 1.96), candidate(2, 10.6, 1.96), candidate(3, 10.4, 1.96)]
    plan = plan_cohort(candidates=candidates, rule=LineRule(method=LineMethod.MEAN, places=1), holds=[], capacity=1)
    assert plan.close_to_call == []


def test_equal_scores_break_by_application_id_as_on_the_board_and_in_the_exports():
    # References run the other way from ids: the id decides.
    candidates = [candidate(3, 10.0, 1.0), candidate(1, 10.0, 1.0), candidate(2, 10.0, 1.0)]
    plan = plan_cohort(candidates=candidates, rule=LineRule(places=1), holds=[], capacity=1)
    assert [c.id for c in plan.ranked] == [1, 2, 3]


def test_the_decision_room_and_the_board_show_intervals_and_the_band(client):
    from django.urls import reverse

    from selection.models import ApplicationScore
    from tests.factories import programme_team, with_totp
    from tests.factories.selection import review_round, submitted_application

    round = review_round(capacity=2)
    for score in (12.0, 10.6, 10.4, 8.0):
        ApplicationScore.objects.create(
            application=submitted_application(round),
            round=round,
            reviews_expected=3,
            reviews_done=3,
            mean_score=score,
            model_score=score,
            model_low=score - 1.96,
            model_high=score + 1.96,
        )
    client.force_login(with_totp(programme_team()))

    room = client.get(reverse("selection:decision_room", kwargs={"pk": round.pk})).content.decode()
    assert "2 applications too close to call" in room
    assert "consider sending them to moderation" in room
    board = client.get(reverse("selection:board", kwargs={"pk": round.pk})).content.decode()
    assert "10.60 (8.64\N{EN DASH}12.56)" in board
