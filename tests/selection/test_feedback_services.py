"""Feedback: written per criterion, approved before it can be sent, back to draft
when changed, locked once released."""

import pytest

from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from selection.choices import FeedbackStatus
from selection.models import CriterionFeedback
from selection.services.feedback import feedback_approve, feedback_save
from selection.services.release import decisions_release
from tests.factories.decisions import decided_round, feedback, team_member

pytestmark = pytest.mark.django_db


def statuses(application) -> dict[str, tuple[str, str]]:
    return {
        row.criterion.letter: (row.status, row.text)
        for row in CriterionFeedback.objects.filter(application=application).select_related("criterion")
    }


def test_saving_writes_drafts_and_approving_approves_them_as_written():
    _round, [application] = decided_round(unsuccessful=1)
    team = team_member()

    feedback_save(
        application=application, texts={"a": " Clear example. ", "b": "", "c": "Reflect more."}, approve=False, by=team
    )
    assert statuses(application) == {"a": ("draft", "Clear example."), "c": ("draft", "Reflect more.")}

    assert feedback_approve(application=application, by=team) == 2
    assert statuses(application) == {"a": ("approved", "Clear example."), "c": ("approved", "Reflect more.")}
    assert CriterionFeedback.objects.filter(approved_by=team, approved_at__isnull=False).count() == 2
    summaries = list(
        AuditEntry.objects.filter(target_id=str(application.pk)).order_by("pk").values_list("summary", flat=True)
    )
    assert summaries == ["Feedback: (a) written; (c) written", "Feedback approved: (a), (c)"]


def test_changing_approved_feedback_makes_it_a_draft_again_and_blank_removes_it():
    _round, [application] = decided_round(unsuccessful=1)
    team = team_member()
    feedback(application, "a", "Clear example.", approved=True, by=team)
    feedback(application, "b", "Good reflection.", approved=True, by=team)

    feedback_save(
        application=application, texts={"a": "Clear example, but whose role?", "b": ""}, approve=False, by=team
    )

    assert statuses(application) == {"a": ("draft", "Clear example, but whose role?")}
    row = CriterionFeedback.objects.get(application=application)
    assert (row.approved_by, row.approved_at) == (None, None)


def test_save_and_approve_approves_unchanged_and_changed_texts_and_records_nothing_when_nothing_changes():
    _round, [application] = decided_round(waitlist=1)
    team = team_member()

    feedback_save(application=application, texts={"a": "Strong.", "b": "Thin."}, approve=True, by=team)
    feedback_save(application=application, texts={"a": "Strong.", "b": "Thin."}, approve=True, by=team)

    assert statuses(application) == {"a": ("approved", "Strong."), "b": ("approved", "Thin.")}
    assert AuditEntry.objects.filter(action="selection.feedback_save").count() == 1


def test_too_long_feedback_is_refused_at_its_field_and_nothing_is_saved():
    _round, [application] = decided_round(unsuccessful=1)

    with pytest.raises(PortalError) as refused:
        feedback_save(application=application, texts={"a": "Fine.", "c": "x" * 1501}, approve=False, by=team_member())

    assert refused.value.field == "feedback_c"
    assert CriterionFeedback.objects.count() == 0


def test_feedback_is_locked_once_released():
    round, [application] = decided_round(unsuccessful=1)
    team = team_member()
    feedback(application, "a", "Draft never sent.", by=team)
    decisions_release(round=round, by=team)

    with pytest.raises(PortalError, match="can no longer change"):
        feedback_save(application=application, texts={"a": "Too late."}, approve=True, by=team)
    with pytest.raises(PortalError, match="can no longer change"):
        feedback_approve(application=application, by=team)

    assert statuses(application) == {"a": (FeedbackStatus.DRAFT, "Draft never sent.")}


def test_approving_with_no_drafts_is_refused():
    _round, [application] = decided_round(accept=1)

    with pytest.raises(PortalError, match="no draft feedback to approve"):
        feedback_approve(application=application, by=team_member())
