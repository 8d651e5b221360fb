"""The queries rewritten for speed at 10,000 applications (see `make bench`) give
the same answers as before: the reviewer's progress, the round's numbers, and the
bulk writes of automatic assignment."""

import pytest
from django.utils import timezone

from applications.choices import ApplicationStatus
from q_portal.audit.models import AuditEntry
from selection.models import ApplicationScore, Assignment, Conflict
from selection.selectors.programme import round_review_counts, round_stepped_aside
from selection.selectors.reviewer import queue_progress_for, review_queue_for
from selection.services.assignments import assignments_auto
from selection.services.settings import selection_settings_for, selection_settings_update
from tests.factories import programme_team
from tests.factories.privacy import reviewed
from tests.factories.selection import assign, closed_round, review_round, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db


def test_queue_progress_counts_only_the_reviewers_own_assignments():
    round = review_round()
    mine, other = reviewer_with_profile(), reviewer_with_profile()
    applications = [submitted_application(round) for _ in range(3)]
    for application in applications:
        assign(application, mine)
        assign(application, other)
    reviewed(applications[0], mine, scores={"a": 2, "b": 2, "c": 2})
    reviewed(applications[1], other, scores={"a": 2, "b": 2, "c": 2})
    reviewed(applications[2], other, scores={"a": 2, "b": 2, "c": 2})

    [progress] = queue_progress_for(reviewer=mine)

    assert (progress.pk, progress.assigned, progress.scored) == (round.pk, 3, 1)


def test_queue_progress_leaves_out_rounds_without_the_reviewers_assignments():
    mine = reviewer_with_profile()
    assign(submitted_application(review_round()), reviewer_with_profile())

    assert list(queue_progress_for(reviewer=mine)) == []


def test_queue_shows_assigned_applications_with_their_route_and_progress():
    round = review_round()
    mine = reviewer_with_profile()
    done, to_do = submitted_application(round), submitted_application(round)
    assign(to_do, mine)
    reviewed(done, mine, scores={"a": 3, "b": 3, "c": 3})

    rows = {
        assignment.application.reference: (assignment.application.route.name, getattr(assignment, "review", None))
        for assignment in review_queue_for(reviewer=mine)
    }

    assert set(rows) == {done.reference, to_do.reference}
    assert rows[done.reference][1].status == "submitted"
    assert rows[to_do.reference][1] is None


def test_round_numbers_count_short_applications_among_those_reviewed():
    round = review_round()
    selection_settings_update(round=round, by=programme_team(), reviewers_per_application=2)
    settings = selection_settings_for(round=round)
    first, second = reviewer_with_profile(), reviewer_with_profile()
    full, moderated, empty = (submitted_application(round) for _ in range(3))
    withdrawn = submitted_application(round)
    withdrawn.status = ApplicationStatus.WITHDRAWN
    withdrawn.save(update_fields=["status"])
    assign(full, first)
    assign(full, second)
    assign(moderated, first)
    Assignment.objects.create(round=round, application=moderated, reviewer=second, is_moderation=True)
    reviewed(full, first, scores={"a": 1, "b": 1, "c": 1})
    Conflict.objects.create(round=round, application=empty, reviewer=first, kind="declared", reason="A friend")

    ApplicationScore.objects.filter(round=round).update(needs_moderation=False)
    ApplicationScore.objects.filter(application=full).update(needs_moderation=True)

    numbers = {
        **round_review_counts(round=round, settings=settings, today=timezone.localdate()),
        **round_stepped_aside(round=round),
    }

    assert numbers == {
        "applications": 3,
        "submitted_applications": 3,
        "drafts": 0,
        "needs_moderation": 1,
        "short": 2,
        "assignments": 4,
        "submitted": 1,
        "overdue_reviewers": 0,
        "conflicts": 1,
        "abstentions": 0,
    }


def test_automatic_assignment_audits_names_with_quotes_and_backslashes_exactly():
    round = closed_round()
    application = submitted_application(round)
    reviewer_with_profile(mfa=False, display_name='Ann "Nan" O\'Brien \\ Jr')
    reviewer_with_profile(mfa=False, display_name="Zoë {Braces}, Commas")

    assignments_auto(round=round, by=programme_team())

    entry = AuditEntry.objects.get(action="selection.assign_auto", target_id=str(application.pk))
    assert 'Ann "Nan" O\'Brien \\ Jr' in entry.summary
    assert "Zoë {Braces}, Commas" in entry.summary
    assert len(entry.changes["added"]) == 2
