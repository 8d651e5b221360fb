"""The retention schedule, with frozen time: every rule that runs leaves its rows
alone the day before its limit and applies the day after; the outbox, cohort
upload and audit cases in detail; one run's counts go to the audit log."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmation
from dateutil.relativedelta import relativedelta
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session

from applications.choices import ApplicationOutcome, ApplicationStatus, SubscriptionStatus
from applications.models import Application, CohortUpload, Nomination, UpdateSubscription
from members.choices import MembershipStatus, ReportStatus
from members.models import AbuseReport, Community, ContactMessage, MemberImport, MemberProfile, Pledge, User
from q_portal.audit.models import AuditEntry
from q_portal.audit.services import audit_log
from q_portal.outbox.models import OutboundEmail
from q_portal.retention import End, schedule
from q_portal.retention.services import RUN_ACTION, retention_run
from selection.choices import ConflictKind, PlaceOfferStatus
from selection.models import (
    Conflict,
    CriterionFeedback,
    CriterionScore,
    PlaceOffer,
    PracticeApplication,
    PracticeReview,
    Review,
    ReviewerAgreement,
)
from tests.factories import OrganisationFactory, UserFactory, reviewer
from tests.factories.applications import ApplicationFactory, RoundFactory
from tests.factories.decisions import feedback
from tests.factories.members import MemberFactory, PledgeFactory
from tests.factories.nominations import NominationFactory
from tests.factories.privacy import reviewed
from tests.factories.selection import agreement_accepted, review_round, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db

EVENT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def exists(model, pk) -> bool:
    return model.objects.filter(pk=pk).exists()


def gone(model, pk):
    return lambda: not exists(model, pk)


# Each running rule's case: build a row whose rule's event happened at EVENT
# (called with time frozen there), and say how to tell the rule was applied.


def session_case():
    Session.objects.create(session_key="s" * 32, session_data="x", expire_date=EVENT)
    return gone(Session, "s" * 32)


def admin_log_case():
    entry = LogEntry.objects.create(
        user=UserFactory(),
        content_type=ContentType.objects.get_for_model(User),
        object_id="1",
        object_repr="Jane Doe",
        action_flag=ADDITION,
    )
    return gone(LogEntry, entry.pk)


def email_confirmation_case():
    user = UserFactory()
    address = EmailAddress.objects.get_or_create(user=user, email=user.email)[0]
    confirmation = EmailConfirmation.objects.create(email_address=address, key="k" * 40, sent=EVENT)
    return gone(EmailConfirmation, confirmation.pk)


def audit_case():
    entry = audit_log(actor=None, action="application.note", summary="Jane Doe called")
    return gone(AuditEntry, entry.pk)


def subject_access_case():
    entry = audit_log(actor=None, action="privacy.export", changes={"email": "jane@example.org"})
    return gone(AuditEntry, entry.pk)


def outbox_case():
    email = OutboundEmail.objects.create(
        to="jane@example.org",
        subject="Your application, Jane",
        body_text="Dear Jane",
        body_html="<p>Dear Jane</p>",
        headers={"List-Unsubscribe": "<https://example.org/u/jane>"},
        key="case.outbox",
        batch="wave:1",
        status=OutboundEmail.Status.SENT,
        sent_at=EVENT,
        calendar="BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n",
    )

    def applied():
        row = OutboundEmail.objects.get(pk=email.pk)  # the row stays, as a count
        return (row.to, row.subject, row.body_text, row.body_html, row.headers, row.batch, row.status) == (
            "",
            "",
            "",
            "",
            {},
            "wave:1",
            "sent",
        ) and row.calendar == ""

    return applied


def member_profile_case():
    profile = MemberFactory(
        status=MembershipStatus.ENDED, status_changed_at=EVENT, bio="I run a ward.", status_reason="Moved abroad"
    )
    PledgeFactory(member=profile)

    def applied():
        row = MemberProfile.objects.get(pk=profile.pk)
        return (row.full_name, row.bio, row.status_reason, Pledge.objects.get(member=row).text) == ("", "", "", "")

    return applied


def contact_message_case():
    message = ContactMessage.objects.create(sender=MemberFactory(), recipient=MemberFactory(), body="Hello Jane")
    return gone(ContactMessage, message.pk)


def abuse_report_case():
    report = AbuseReport.objects.create(
        reporter=MemberFactory(),
        reported=MemberFactory(),
        reason="Rude",
        status=ReportStatus.RESOLVED,
        resolved_at=EVENT,
        resolution="Warned",
    )
    return gone(AbuseReport, report.pk)


def anonymised(application):
    return lambda: Application.objects.get(pk=application.pk).anonymised_at is not None


def draft_case():
    draft = ApplicationFactory(round=RoundFactory(opens_at=EVENT - timedelta(days=30), closes_at=EVENT))
    return anonymised(draft)


def unsuccessful_case():
    application = submitted_application(review_round())
    application.status, application.outcome = ApplicationStatus.DECIDED, ApplicationOutcome.UNSUCCESSFUL
    application.outcome_released_at = EVENT
    application.save(update_fields=["status", "outcome", "outcome_released_at"])
    return anonymised(application)


def former_member_case():
    application = submitted_application(review_round())
    application.status, application.outcome = ApplicationStatus.DECIDED, ApplicationOutcome.ACCEPTED
    application.outcome_released_at = EVENT - relativedelta(years=1)
    application.save(update_fields=["status", "outcome", "outcome_released_at"])
    MemberFactory(user=application.applicant, status=MembershipStatus.ENDED, status_changed_at=EVENT)
    return anonymised(application)


def place_not_taken_case():
    application = submitted_application(review_round())
    application.status, application.outcome = ApplicationStatus.DECIDED, ApplicationOutcome.ACCEPTED
    application.outcome_released_at = EVENT - timedelta(days=5)
    application.save(update_fields=["status", "outcome", "outcome_released_at"])
    PlaceOffer.objects.create(
        application=application,
        round=application.round,
        status=PlaceOfferStatus.DECLINED,
        offered_at=EVENT - timedelta(days=5),
        respond_by=EVENT + timedelta(days=9),
        responded_at=EVENT,
    )
    return anonymised(application)


def nomination_case():
    round = RoundFactory(opens_at=EVENT - timedelta(days=30), closes_at=EVENT)
    nomination = NominationFactory(round=round, full_name="Jane Doe", statement="Jane leads the ward.")
    return lambda: Nomination.objects.get(pk=nomination.pk).full_name == ""


def cohort_upload(imported_at=None) -> CohortUpload:
    return CohortUpload.objects.create(
        uploaded_by=UserFactory(),
        round=RoundFactory(),
        organisation=OrganisationFactory(),
        filename="west-midlands-jane.csv",
        rows=[
            {"row": 2, "values": {"Email": "jane@example.org", "Full name": "Jane Doe"}, "errors": []},
            {
                "row": 3,
                "values": {"Email": "bob@", "Full name": "Bob"},
                "errors": [{"column": "Email", "reason": "“bob@” is not an email address."}],
            },
        ],
        imported_at=imported_at,
    )


def cohort_upload_case():
    upload = cohort_upload(imported_at=EVENT)

    def applied():
        row = CohortUpload.objects.get(pk=upload.pk)
        return (row.filename, row.rows, row.personal_data_cleared_at is not None) == (
            "",
            [{"row": 2, "errors": []}, {"row": 3, "errors": [{"column": "Email"}]}],
            True,
        )

    return applied


def cohort_upload_not_imported_case():
    return gone(CohortUpload, cohort_upload().pk)


def unconfirmed_subscription_case():
    subscription = UpdateSubscription.objects.create(
        email="pending@example.org", status=SubscriptionStatus.PENDING, consented_at=EVENT
    )
    return gone(UpdateSubscription, subscription.pk)


def unsubscribed_case():
    subscription = UpdateSubscription.objects.create(
        email="gone@example.org",
        name="Jane",
        status=SubscriptionStatus.UNSUBSCRIBED,
        consented_at=EVENT - timedelta(days=400),
        confirmed_at=EVENT - timedelta(days=400),
        unsubscribed_at=EVENT,
    )

    def applied():
        row = UpdateSubscription.objects.get(pk=subscription.pk)  # still counted as registered
        return (row.name, row.email) == ("", f"subscription-{row.pk}@anonymised.invalid")

    return applied


def reviewed_and_anonymised():
    """An application with everything selection writes about it, anonymised at EVENT."""
    application = submitted_application(review_round())
    reviewed(application, reviewer_with_profile(), scores={"a": 3, "b": 3, "c": 3}, comment="Jane is", note="Jane")
    feedback(application, "a", "Jane, your example lacked detail.")
    Conflict.objects.create(
        round=application.round, application=application, reviewer=reviewer(), kind=ConflictKind.DECLARED, reason="Mine"
    )
    Application.objects.filter(pk=application.pk).update(anonymised_at=EVENT)
    return application


def practice_review_case():
    round = RoundFactory(opens_at=EVENT - timedelta(days=30), closes_at=EVENT)
    practice = PracticeApplication.objects.create(
        round=round, title="A practice", answers={}, agreed_scores={"a": 3}, rationale="Clear."
    )
    review = PracticeReview.objects.create(practice=practice, reviewer=reviewer(), scores={"a": 2})
    return gone(PracticeReview, review.pk)


def reviewer_agreement_case():
    round = RoundFactory(opens_at=EVENT - timedelta(days=30), closes_at=EVENT)
    agreement = agreement_accepted(reviewer(), round)
    return gone(ReviewerAgreement, agreement.pk)


def post_report_case():
    from members.models import Post, PostReport, Thread

    member = MemberFactory()
    group = Community.objects.create(name="Human factors", slug="human-factors", description="A group.")
    thread = Thread.objects.create(community=group, title="Hello", author=member, last_post_at=EVENT)
    post = Post.objects.create(thread=thread, author=member, body="First post", body_html="<p>First post</p>")
    report = PostReport.objects.create(post=post, reporter=MemberFactory(), reason="Names a patient", resolved=True)
    return gone(PostReport, report.pk)


def event_feedback_case():
    from events.models import Feedback
    from tests.factories.events import happening_now, registered

    event = happening_now(capacity=5)  # ends within hours of EVENT
    feedback = Feedback.objects.create(
        registration=registered(event, MemberFactory()), rating=4, went_well="Meeting Jane", improve="More time"
    )
    return lambda: Feedback.objects.filter(pk=feedback.pk, went_well="", improve="", rating=4).exists()


def voter_case():
    from funding.models import CallVote, Voter
    from tests.factories.funding import CallVoteFactory, opened, shortlisted

    call_vote = CallVoteFactory()
    shortlisted(call_vote.call, panel_rank=1)
    member = MemberFactory()
    opened(call_vote)
    CallVote.objects.filter(pk=call_vote.pk).update(status="closed", closed_at=EVENT)
    return lambda: not Voter.objects.filter(call_vote=call_vote, member=member).exists()


def cleared(model, lookup, **empty):
    def case():
        application = reviewed_and_anonymised()
        return lambda: not model.objects.filter(**{lookup: application}).exclude(**empty).exists()

    return case


def member_import_case():
    staged = MemberImport.objects.create(
        uploaded_by=UserFactory(), cohort_name="Founding cohort", csv_text="email,name\njane@example.org,Jane Doe\n"
    )
    return gone(MemberImport, staged.pk)


CASES = {
    "sessions.Session": session_case,
    "admin.LogEntry": admin_log_case,
    "account.EmailConfirmation": email_confirmation_case,
    "audit.AuditEntry": audit_case,
    "audit.AuditEntry:subject-access": subject_access_case,
    "outbox.OutboundEmail": outbox_case,
    "members.MemberProfile": member_profile_case,
    "members.ContactMessage": contact_message_case,
    "members.AbuseReport": abuse_report_case,
    "applications.Application:drafts": draft_case,
    "applications.Application": unsuccessful_case,
    "applications.Application:members": former_member_case,
    "applications.Application:place-not-taken": place_not_taken_case,
    "applications.Nomination": nomination_case,
    "applications.CohortUpload": cohort_upload_case,
    "applications.CohortUpload:not-imported": cohort_upload_not_imported_case,
    "applications.UpdateSubscription:unconfirmed": unconfirmed_subscription_case,
    "applications.UpdateSubscription": unsubscribed_case,
    "selection.CriterionScore": cleared(CriterionScore, "review__assignment__application", comment=""),
    "selection.Review": cleared(Review, "assignment__application", note_to_panel=""),
    "selection.CriterionFeedback": cleared(CriterionFeedback, "application", text=""),
    "selection.PracticeReview": practice_review_case,
    "selection.ReviewerAgreement": reviewer_agreement_case,
    "members.PostReport": post_report_case,
    "events.Feedback": event_feedback_case,
    "funding.Voter": voter_case,
    "selection.Conflict": cleared(Conflict, "application", reason="Removed when the application was anonymised."),
    "members.MemberImport": member_import_case,
}


def rule_named(name):
    return next(rule for rule in schedule() if rule.name == name)


def test_every_rule_that_runs_has_a_case_here():
    assert sorted(rule.name for rule in schedule() if rule.runs) == sorted(CASES), (
        "Add a case for each new rule to CASES: build a row whose event was at EVENT, say how to tell it was applied."
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_leaves_rows_alone_the_day_before_its_limit_and_applies_the_day_after(name):
    rule = rule_named(name)
    with time_machine.travel(EVENT, tick=False):
        applied = CASES[name]()
    limit = EVENT + relativedelta(**{rule.period.unit: rule.period.value})

    with time_machine.travel(limit - timedelta(days=1), tick=False):
        before = retention_run()
    assert not applied()
    assert before.counts[name] == 0

    with time_machine.travel(limit + timedelta(days=1), tick=False):
        after = retention_run()
    assert applied()
    assert after.counts[name] >= 1
    assert AuditEntry.objects.filter(action=RUN_ACTION).first().changes["counts"] == after.counts
    # Applied is no longer due: a later run's batch is never filled with rows already
    # done, which would leave the rows really due waiting behind them.
    assert not rule.due_rows(limit + timedelta(days=2)).exists()


def test_periods_come_from_settings_with_the_issues_defaults(settings):
    defaults = {rule.name: (rule.period.default, rule.period.unit) for rule in schedule() if rule.runs}
    assert defaults["outbox.OutboundEmail"] == (12, "months")
    assert defaults["applications.CohortUpload"] == (30, "days")
    assert defaults["audit.AuditEntry"] == defaults["audit.AuditEntry:subject-access"] == (6, "years")
    assert defaults["applications.Application"] == (12, "months")

    settings.RETENTION_OUTBOX_MONTHS = 3
    with time_machine.travel(EVENT, tick=False):
        applied = outbox_case()
    with time_machine.travel(EVENT + relativedelta(months=3, days=1), tick=False):
        retention_run()
    assert applied()


def test_an_email_not_yet_sent_is_never_emptied():
    with time_machine.travel(EVENT, tick=False):
        queued = OutboundEmail.objects.create(to="jane@example.org", subject="Hi", body_text="Hi", key="q")
    with time_machine.travel(EVENT + relativedelta(years=3), tick=False):
        retention_run()
    assert OutboundEmail.objects.get(pk=queued.pk).to == "jane@example.org"


def test_a_cohort_upload_waiting_for_confirmation_keeps_its_rows_until_the_limit():
    with time_machine.travel(EVENT, tick=False):
        upload = cohort_upload()
    with time_machine.travel(EVENT + timedelta(days=29), tick=False):
        retention_run()
    assert CohortUpload.objects.get(pk=upload.pk).rows[0]["values"]["Email"] == "jane@example.org"


def test_audit_entries_about_what_is_deleted_lose_their_personal_values_long_before_the_entries_go():
    with time_machine.travel(EVENT, tick=False):
        subscription = UpdateSubscription.objects.create(
            email="jane@example.org", status=SubscriptionStatus.PENDING, consented_at=EVENT
        )
        entry = audit_log(
            actor=None,
            action="updates.register",
            target=subscription,
            summary="jane@example.org registered",
            changes={"email": "jane@example.org", "status": "pending", "attempts": 1},
        )

    with time_machine.travel(EVENT + timedelta(days=31), tick=False):
        retention_run()

    entry.refresh_from_db()
    assert (entry.summary, entry.changes) == ("", {"status": "pending", "attempts": 1})
    assert entry.action == "updates.register"


def test_the_audit_log_keeps_six_years_then_the_run_records_counts_per_rule():
    with time_machine.travel(EVENT, tick=False):
        old = audit_log(actor=None, action="round.open", summary="Round opened")
    with time_machine.travel(EVENT + relativedelta(years=5), tick=False):
        recent = audit_log(actor=None, action="round.open", summary="Round opened")

    with time_machine.travel(EVENT + relativedelta(years=6, days=1), tick=False):
        run = retention_run()

    assert not exists(AuditEntry, old.pk) and exists(AuditEntry, recent.pk)
    record = AuditEntry.objects.get(action=RUN_ACTION)
    assert record.changes["counts"]["audit.AuditEntry"] == 1
    assert record.changes["counts"] == run.counts
    assert set(run.counts) == {rule.name for rule in schedule() if rule.runs}


def test_a_second_run_changes_nothing_more():
    with time_machine.travel(EVENT, tick=False):
        for build in CASES.values():
            build()
    with time_machine.travel(EVENT + relativedelta(years=7), tick=False):
        first = retention_run()
        second = retention_run()
    assert sum(first.counts.values()) >= len(CASES)
    assert set(second.counts.values()) == {0}


def test_records_that_go_with_another_or_are_kept_say_so_in_plain_words():
    for rule in schedule():
        if rule.end in (End.WITH, End.KEEP):
            assert not rule.runs and len(rule.how_long) > 10
