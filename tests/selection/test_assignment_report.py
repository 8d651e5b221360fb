"""The assignment report's mixing (issue 15, shown on the round's page) is of
every regular assignment in the round, also after a top-up beside a moderator's
assignment, though the service now computes it from the plan in memory."""

import pytest

from selection.models import Assignment
from selection.services.assignments import assignments_auto, round_mixing
from selection.services.settings import selection_settings_for
from tests.factories.decisions import team_member
from tests.factories.selection import bulk_submitted_applications, closed_round, reviewer_with_profile

pytestmark = pytest.mark.django_db


def test_the_reported_mixing_is_the_rounds_after_a_top_up_beside_a_moderator():
    round = closed_round()
    applications = bulk_submitted_applications(round, 20)
    reviewers = [reviewer_with_profile(mfa=False) for _ in range(6)]
    team = team_member()
    assignments_auto(round=round, by=team)
    first = selection_settings_for(round=round).assignment_report["mixing"]
    assert first == round_mixing(round=round)
    assert (first["groups"], first["applications"], first["reviewers"]) == (1, 20, 6)

    # A moderator on one application, one regular assignment taken away, then a top-up.
    moderated = applications[0]
    regular = Assignment.objects.filter(application=moderated).values_list("reviewer_id", flat=True)
    moderator = next(r for r in reviewers if r.pk not in set(regular))
    Assignment.objects.create(round=round, application=moderated, reviewer=moderator, is_moderation=True)
    Assignment.objects.filter(application=applications[1], is_moderation=False).first().delete()
    result = assignments_auto(round=round, by=team)

    assert result.created == 1
    report = selection_settings_for(round=round).assignment_report["mixing"]
    assert report == round_mixing(round=round)
    assert Assignment.objects.filter(round=round, is_moderation=False).count() == 40
