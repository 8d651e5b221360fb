"""Subject access and erasure: the export holds everything about the person and
nothing about anyone else; erasure removes the person and keeps every round's
statistics."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application, CriterionResponse, Nomination, NominationStatus, UpdateSubscription
from members.models import MemberProfile, Pledge
from q_portal.audit.models import AuditEntry
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import email_queue
from selection.choices import SelectionWork
from selection.models import Assignment, CriterionScore, Review
from selection.selectors.privacy import data_subject_for, personal_data_of
from selection.services.privacy import person_erase
from selection.services.release import decisions_release
from tests.factories import UserFactory
from tests.factories.applications import ApplicationFactory
from tests.factories.decisions import team_member
from tests.factories.privacy import (
    APPROVED_FEEDBACK,
    DRAFT_FEEDBACK,
    bystander,
    person_everywhere,
    reviewed_round,
    round_statistics,
    selection_working,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def export_text(user) -> str:
    subject = data_subject_for(user=user)
    return json.dumps(personal_data_of(subject=subject, selection_work=SelectionWork.values), default=str)


def test_export_holds_everything_about_the_person_with_the_teams_working_when_asked():
    user = UserFactory(display_name="Petra Person")
    held = person_everywhere(user)
    selection_working(held["application"], team=team_member())

    export = personal_data_of(subject=data_subject_for(user=user), selection_work=SelectionWork.values)

    assert export["account"]["email"] == user.email
    [application] = export["applications"]
    assert application["reference"] == held["application"].reference
    assert application["full_name"] == "Petra Person"
    assert application["route_evidence"] == "Petra's evidence"
    assert len(application["answers"]) == 3
    assert [review["reviewer"] for review in application["reviews"]] == ["Reviewer 1", "Reviewer 2"]
    assert application["reviews"][0]["scores"][0]["comment"].startswith("Comment by reviewer")
    assert application["reviews"][0]["note_to_panel"].startswith("Note on")
    assert export["nominations_of_you"][0]["supporting_statement"] == "Petra leads the falls programme."
    assert export["update_registrations"][0]["email"] == user.email
    assert export["emails_sent_to_you"][0]["subject"] == "Application received"
    assert export["membership"]["about"] == "Petra's biography"
    assert export["membership"]["pledge"]["text"] == "Petra will mentor two people"
    assert "selection.review_submit" in {entry["action"] for entry in export["activity_record"]}
    assert application["decision"]["outcome"] == "Accept"
    assert application["decision"]["released_at"] is None
    assert {item["text"] for item in application["feedback_in_preparation"]} == {APPROVED_FEEDBACK, DRAFT_FEEDBACK}


# What the team's working leaves in the text of an export: reviewers' comments and
# notes, the recommendation, the feedback and the unreleased decision.
WORKING = ("Comment by reviewer", "Note on", "Maybe", "Reviewer 1", DRAFT_FEEDBACK, APPROVED_FEEDBACK, "Accept")


def test_own_export_holds_none_of_the_selection_working_before_release():
    user = UserFactory(display_name="Petra Person")
    held = person_everywhere(user)
    selection_working(held["application"], team=team_member())

    export = personal_data_of(subject=data_subject_for(user=user))

    [application] = export["applications"]
    text = json.dumps(export, default=str)
    assert [phrase for phrase in WORKING if phrase in text] == []
    assert {"reviews", "scores", "decision", "feedback_in_preparation", "notes_to_panel"} & application.keys() == set()
    assert (application["outcome"], application["outcome_released_at"], application["feedback"]) == (None, None, [])
    actions = {entry["action"] for entry in export["activity_record"]}
    assert {action for action in actions if action.startswith("selection.")} == set()


def test_own_export_after_release_holds_the_outcome_and_the_approved_feedback_only():
    user = UserFactory(display_name="Petra Person")
    held = person_everywhere(user)
    team = team_member()
    selection_working(held["application"], team=team)
    decisions_release(round=held["round"].round, by=team)

    export = personal_data_of(subject=data_subject_for(user=user))

    [application] = export["applications"]
    assert application["outcome"] == "Accepted"
    assert application["outcome_released_at"] is not None
    assert [(item["criterion"], item["text"]) for item in application["feedback"]] == [("a", APPROVED_FEEDBACK)]
    assert application["place_offer"]["status"] == "Offered, waiting for an answer"
    text = json.dumps(export, default=str)
    unreleased = ("Comment by reviewer", "Note on", "Maybe", "Reviewer 1", DRAFT_FEEDBACK)
    assert [phrase for phrase in unreleased if phrase in text] == []
    assert "reviews" not in application
    actions = {entry["action"] for entry in export["activity_record"] if entry["action"].startswith("selection.")}
    assert actions == {"selection.decision_release"}


def test_team_export_holds_only_the_parts_of_the_working_chosen():
    user = UserFactory(display_name="Petra Person")
    held = person_everywhere(user)
    selection_working(held["application"], team=team_member())
    subject = data_subject_for(user=user)

    reviews_only = personal_data_of(subject=subject, selection_work=[SelectionWork.REVIEWS])["applications"][0]
    notes_only = personal_data_of(subject=subject, selection_work=[SelectionWork.NOTES_TO_PANEL])["applications"][0]

    assert reviews_only["reviews"][0]["scores"][0]["comment"].startswith("Comment by reviewer")
    assert "note_to_panel" not in reviews_only["reviews"][0]
    assert "Note on" not in json.dumps(reviews_only)
    assert "decision" not in reviews_only
    assert [note["reviewer"] for note in notes_only["notes_to_panel"]] == ["Reviewer 1", "Reviewer 2"]
    assert "Comment by reviewer" not in json.dumps(notes_only)


def test_export_names_no_reviewer_and_nothing_of_another_person():
    user = UserFactory(display_name="Petra Person")
    held = person_everywhere(user)
    other = bystander()
    reviewers = held["round"].reviewers
    # Generated names can coincide with a name the export rightly holds: make the ones it must not hold unique.
    for index, reviewer in enumerate(reviewers):
        User.objects.filter(pk=reviewer.pk).update(display_name=f"Unseen Reviewer {index}")
        reviewer.display_name = f"Unseen Reviewer {index}"
    for index, application in enumerate(held["round"].applications[1:]):
        Application.objects.filter(pk=application.pk).update(full_name=f"Unseen Applicant {index}")
        application.full_name = f"Unseen Applicant {index}"

    text = export_text(user)

    assert "Bernard" not in text
    assert other.email not in text
    for reviewer in reviewers:
        assert reviewer.email not in text
        assert reviewer.display_name not in text
    # Another applicant of the same round is not in it either.
    for application in held["round"].applications[1:]:
        assert application.full_name not in text
        assert application.reference not in text


def test_export_of_a_reviewer_holds_their_reviews_by_reference_only():
    data = reviewed_round(size=2)
    reviewer = data.reviewers[0]

    export = personal_data_of(subject=data_subject_for(user=reviewer))

    reviewed = {review["application"] for review in export["reviewing"]["reviews"]}
    assert reviewed == {
        application.reference for application in data.applications if application.assignments.filter(reviewer=reviewer)
    }
    assert data.applications[0].applicant.email not in json.dumps(export, default=str)


def test_export_of_someone_without_an_account_finds_them_by_address():
    user = UserFactory()
    held = person_everywhere(user)
    address = held["nomination"].email.lower()
    user.delete()

    export = personal_data_of(subject=data_subject_for(email=address.upper()))

    assert export["account"] is None
    assert export["nominations_of_you"][0]["full_name"] == "Petra Person"
    assert export["update_registrations"][0]["email"] == address
    assert [email["subject"] for email in export["emails_sent_to_you"]] == ["Application received"]


def test_export_finds_every_address_of_an_account():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email="old.address@example.org", verified=True, primary=False)
    email_queue(to="old.address@example.org", subject="Sent to the old address", body_text="Hi", key="old-1")

    export = personal_data_of(subject=data_subject_for(email="OLD.address@example.org"))

    assert export["account"]["email"] == user.email
    assert [email["subject"] for email in export["emails_sent_to_you"]] == ["Sent to the old address"]


def test_export_query_count_does_not_grow_with_what_is_held():
    small = UserFactory()
    person_everywhere(small)
    large = UserFactory()
    person_everywhere(large)
    second = reviewed_round(size=2).applications[0]  # a second application, with its reviews
    second.applicant = large
    second.save(update_fields=["applicant"])
    for n in range(5):
        email_queue(to=large.email, subject=f"More {n}", body_text="x", key=f"more-{n}")
    assert Application.objects.filter(applicant=large).count() == 2

    counts = []
    for user in (small, large):
        with CaptureQueriesContext(connection) as queries:
            personal_data_of(subject=data_subject_for(user=user))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_erasure_of_an_applicant_removes_them_and_keeps_the_round_statistics():
    user = UserFactory(display_name="Petra Person")
    held = person_everywhere(user)
    round = held["round"].round
    before = round_statistics(round)
    team = team_member()

    counts = person_erase(subject=data_subject_for(user=user), reason="Request DP-114", by=team)

    assert round_statistics(round) == before
    assert not User.objects.filter(pk=user.pk).exists()
    application = Application.objects.get(pk=held["application"].pk)
    assert (application.applicant, application.full_name, application.route_evidence) == (None, "", "")
    assert application.anonymised_at is not None
    assert not CriterionResponse.objects.filter(application=application).exclude(text="").exists()
    assert not CriterionScore.objects.filter(review__assignment__application=application).exclude(comment="").exists()
    assert not Review.objects.filter(assignment__application=application).exclude(note_to_panel="").exists()
    nomination = Nomination.objects.get(pk=held["nomination"].pk)
    assert (nomination.full_name, nomination.statement) == ("", "")
    assert user.email not in nomination.email
    assert not UpdateSubscription.objects.filter(email__iexact=user.email).exists()
    assert not OutboundEmail.objects.filter(to__iexact=user.email).exists()
    assert not MemberProfile.objects.filter(pk=held["member"].pk).exists()
    assert not Pledge.objects.exists()
    assert counts["applications_anonymised"] == 1
    assert counts["accounts_deleted"] == 1
    entry = AuditEntry.objects.get(action="privacy.erase")
    assert entry.actor == team
    assert entry.changes["reason"] == "Request DP-114"
    assert user.email not in json.dumps(entry.changes)


def test_erasure_deletes_the_account_of_an_accepted_nominee_and_the_nomination_keeps_its_counts():
    user = UserFactory()
    held = person_everywhere(user, nomination_status=NominationStatus.ACCEPTED)

    counts = person_erase(subject=data_subject_for(user=user), reason="Request", by=team_member())

    assert (counts["accounts_kept_as_placeholder"], counts["accounts_deleted"]) == (0, 1)
    assert not User.objects.filter(pk=user.pk).exists()
    nomination = Nomination.objects.get(pk=held["nomination"].pk)
    assert (nomination.status, nomination.full_name, nomination.application, nomination.nominee) == (
        "accepted",
        "",
        None,
        None,
    )
    assert (nomination.round, nomination.organisation) == (held["nomination"].round, held["nomination"].organisation)


def test_erasure_leaves_another_applicant_of_the_round_untouched():
    user = UserFactory()
    held = person_everywhere(user)
    other = held["round"].applications[1]
    before = (other.full_name, list(other.responses.values_list("text", flat=True)))
    comments = sorted(
        CriterionScore.objects.filter(review__assignment__application=other).values_list("comment", flat=True)
    )

    person_erase(subject=data_subject_for(user=user), reason="Asked by phone", by=team_member())

    other.refresh_from_db()
    assert (other.full_name, list(other.responses.values_list("text", flat=True))) == before
    assert (
        sorted(CriterionScore.objects.filter(review__assignment__application=other).values_list("comment", flat=True))
        == comments
    )


def test_erasure_of_a_reviewer_keeps_their_reviews_behind_an_anonymous_placeholder():
    data = reviewed_round(size=4)
    reviewer = data.reviewers[0]
    reviewer_email = reviewer.email
    reviews = Review.objects.filter(assignment__reviewer=reviewer).count()
    before = round_statistics(data.round)

    counts = person_erase(subject=data_subject_for(user=reviewer), reason="Left the programme", by=team_member())

    assert round_statistics(data.round) == before
    placeholder = User.objects.get(pk=reviewer.pk)
    assert placeholder.email != reviewer_email
    assert reviewer_email.split("@")[0] not in placeholder.email
    assert placeholder.display_name.startswith("Erased account")
    assert not placeholder.is_active
    assert not placeholder.has_usable_password()
    assert not placeholder.groups.exists()
    assert not EmailAddress.objects.filter(user=placeholder).exists()
    assert Review.objects.filter(assignment__reviewer=placeholder).count() == reviews
    assert counts["accounts_kept_as_placeholder"] == 1


def test_erasure_takes_the_reviewers_name_out_of_audit_wording():
    data = reviewed_round(size=2)
    reviewer = data.reviewers[0]
    name = reviewer.display_name
    team = team_member()
    audit_log(actor=team, action="selection.assign", target=data.applications[1], summary=f"assigned {name}")
    assert AuditEntry.objects.filter(summary__contains=name).count() >= 2

    person_erase(subject=data_subject_for(user=reviewer), reason="Request", by=team)

    assert not AuditEntry.objects.filter(summary__contains=name).exists()
    assert AuditEntry.objects.get(action="selection.assign").summary == "assigned [erased]"
    assert AuditEntry.objects.filter(action="selection.review_submit", actor_id=reviewer.pk).exists()


def test_erasure_redacts_the_audit_entries_about_the_person():
    user = UserFactory()
    held = person_everywhere(user)
    application = held["application"]
    audit_log(actor=user, action="application.note", target=application, summary="Petra Person wrote to us")

    person_erase(subject=data_subject_for(user=user), reason="Request", by=team_member())

    entry = AuditEntry.objects.get(action="application.note")
    assert entry.summary == ""
    assert entry.actor is None  # the account is deleted


@pytest.mark.parametrize("who", ["self", "admin_by_team", "no_reason"])
def test_erasure_refused_changes_nothing(who):
    team = team_member()
    if who == "self":
        subject, reason = team, "Request"
    elif who == "admin_by_team":
        subject, reason = UserFactory(is_superuser=True), "Request"
    else:
        subject, reason = UserFactory(), "   "

    with pytest.raises(PortalError):
        person_erase(subject=data_subject_for(user=subject), reason=reason, by=team)

    assert User.objects.filter(pk=subject.pk, is_active=True).exists()
    assert not AuditEntry.objects.filter(action="privacy.erase").exists()


def test_erasure_deletes_a_draft_never_submitted():
    draft = ApplicationFactory()

    counts = person_erase(subject=data_subject_for(user=draft.applicant), reason="Request", by=team_member())

    assert counts["draft_applications_deleted"] == 1
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not Assignment.objects.exists()


def test_an_unverified_address_added_to_an_account_brings_none_of_its_owners_data():
    victim = UserFactory()
    email_queue(to=victim.email, subject="For the victim", body_text="Private", key="victim-1")
    attacker = UserFactory()
    EmailAddress.objects.create(user=attacker, email=victim.email.upper(), verified=False, primary=False)

    own = export_text(attacker)
    found = data_subject_for(email=victim.email)

    assert "For the victim" not in own
    assert found.user == victim
