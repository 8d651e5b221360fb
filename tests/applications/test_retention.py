from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.choices import ApplicationOutcome, ApplicationStatus, SubscriptionStatus
from applications.models import (
    Application,
    CohortUpload,
    CriterionResponse,
    Nomination,
    NominationStatus,
    UpdateSubscription,
)
from applications.services.applications import application_withdraw
from applications.services.retention import Anonymised, applications_anonymise, cohort_uploads_clear
from applications.services.updates import subscription_register, subscription_unsubscribe
from members.choices import MembershipStatus
from q_portal.audit.models import AuditEntry
from q_portal.audit.services import audit_log
from q_portal.retention.services import retention_run
from q_portal.retention.tasks import retention_apply as apply_retention
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.applications import ApplicationFactory, RoundFactory, complete, submitted
from tests.factories.members import MemberFactory
from tests.factories.nominations import NominationFactory, nominated_round
from tests.factories.selection import review_round, submitted_application

pytestmark = pytest.mark.django_db


def subscription(email, status, consented_days_ago):
    return UpdateSubscription.objects.create(
        email=email, status=status, consented_at=timezone.now() - timedelta(days=consented_days_ago)
    )


def test_retention_anonymises_abandoned_drafts_and_deletes_unconfirmed_registrations_only():
    round = RoundFactory(closes_at=timezone.now() + timedelta(days=1))
    abandoned = ApplicationFactory(round=round)
    reopened = complete(ApplicationFactory(round=round))
    reopened.reference = "Q-2026-99999"  # was submitted once, then reopened: kept
    reopened.save()
    kept_submitted = submitted(ApplicationFactory(round=round))

    with time_machine.travel(round.closes_at + timedelta(days=91)):
        subscription("old@example.org", SubscriptionStatus.PENDING, consented_days_ago=31)
        subscription("new@example.org", SubscriptionStatus.PENDING, consented_days_ago=29)
        subscription("yes@example.org", SubscriptionStatus.CONFIRMED, consented_days_ago=400)
        counts = apply_retention()

    assert counts["applications.Application:drafts"] == 1
    assert counts["applications.UpdateSubscription:unconfirmed"] == 1
    assert counts["applications.Application"] == 0
    # Kept as a count of applications started (the insight funnel's), without the person.
    abandoned.refresh_from_db()
    assert (abandoned.applicant, abandoned.full_name, abandoned.anonymised_at is not None) == (None, "", True)
    assert set(Application.objects.filter(anonymised_at__isnull=True).values_list("pk", flat=True)) == {
        reopened.pk,
        kept_submitted.pk,
    }
    assert set(UpdateSubscription.objects.values_list("email", flat=True)) == {"yes@example.org", "new@example.org"}
    entry = AuditEntry.objects.get(action="retention.run")
    assert entry.changes["counts"] == counts


def test_retention_keeps_drafts_of_a_round_closed_recently():
    round = RoundFactory(closes_at=timezone.now() + timedelta(days=1))
    draft = ApplicationFactory(round=round)

    with time_machine.travel(round.closes_at + timedelta(days=89)):
        counts = apply_retention()

    assert counts["applications.Application:drafts"] == 0
    draft.refresh_from_db()
    assert draft.anonymised_at is None and draft.applicant is not None


# The schedule's rules for applications, run at exact instants: each record is
# kept to the end of its period and anonymised the moment after, never sooner.

EVENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def anonymised(application: Application) -> bool:
    return Application.objects.get(pk=application.pk).anonymised_at is not None


def decided(application: Application, outcome: str, *, at=EVENT) -> Application:
    application.status, application.outcome, application.outcome_released_at = ApplicationStatus.DECIDED, outcome, at
    application.save(update_fields=["status", "outcome", "outcome_released_at"])
    return application


def kept_to_the_second(application: Application, *, limit: datetime, rule: str) -> None:
    """The application is kept at `limit` and anonymised by `rule` one second later."""
    run = retention_run(now=limit)
    assert not anonymised(application)
    assert run.counts[rule] == 0

    run = retention_run(now=limit + timedelta(seconds=1))
    assert anonymised(application)
    assert run.counts[rule] == 1


def test_a_withdrawn_application_is_kept_twelve_months_to_the_second_then_anonymised():
    with time_machine.travel(EVENT, tick=False):
        application = submitted(ApplicationFactory())
        application_withdraw(application=application, by=application.applicant)

    kept_to_the_second(application, limit=EVENT + relativedelta(months=12), rule="applications.Application")


def test_a_draft_withdrawn_before_closing_is_kept_as_a_withdrawal_not_as_an_abandoned_draft():
    with time_machine.travel(EVENT, tick=False):
        draft = ApplicationFactory(round=RoundFactory(closes_at=EVENT + timedelta(days=21)))
        application_withdraw(application=draft, by=draft.applicant)

    run = retention_run(now=EVENT + timedelta(days=21 + 91))
    assert not anonymised(draft)
    assert run.counts["applications.Application:drafts"] == 0

    retention_run(now=EVENT + relativedelta(months=12) + timedelta(seconds=1))
    assert anonymised(draft)


def test_a_waiting_list_place_never_offered_is_anonymised_twelve_months_after_the_decision():
    round = review_round()
    waiting = decided(submitted_application(round), ApplicationOutcome.WAITLISTED)
    accepted = decided(submitted_application(round), ApplicationOutcome.ACCEPTED)

    kept_to_the_second(waiting, limit=EVENT + relativedelta(months=12), rule="applications.Application")
    assert not anonymised(accepted)


def test_an_accepted_application_is_kept_while_its_person_is_a_member_whatever_their_status():
    round = review_round()
    active = decided(submitted_application(round), ApplicationOutcome.ACCEPTED)
    paused = decided(submitted_application(round), ApplicationOutcome.ACCEPTED)
    MemberFactory(user=active.applicant, status=MembershipStatus.ACTIVE, status_changed_at=EVENT)
    MemberFactory(user=paused.applicant, status=MembershipStatus.PAUSED, status_changed_at=EVENT)

    run = retention_run(now=EVENT + relativedelta(years=3))

    assert not anonymised(active) and not anonymised(paused)
    assert run.counts["applications.Application:members"] == 0


def test_an_accepted_application_whose_account_was_deleted_is_kept_twelve_months_from_the_decision():
    application = decided(submitted_application(review_round()), ApplicationOutcome.ACCEPTED)
    application.applicant.delete()  # by an administrator

    kept_to_the_second(application, limit=EVENT + relativedelta(months=12), rule="applications.Application:members")


def test_a_former_members_unsuccessful_application_keeps_to_the_unsuccessful_period(settings):
    settings.RETENTION_ENDED_MEMBERSHIP_MONTHS = 6
    earlier = decided(
        submitted_application(review_round()), ApplicationOutcome.ACCEPTED, at=EVENT - relativedelta(years=2)
    )
    MemberFactory(user=earlier.applicant, status=MembershipStatus.ENDED, status_changed_at=EVENT)
    later = decided(submitted_application(review_round(), applicant=earlier.applicant), ApplicationOutcome.UNSUCCESSFUL)

    retention_run(now=EVENT + relativedelta(months=7))
    assert anonymised(earlier)
    assert not anonymised(later)

    retention_run(now=EVENT + relativedelta(months=12) + timedelta(seconds=1))
    assert anonymised(later)


def test_a_nomination_that_became_an_application_is_kept_with_the_application():
    round = nominated_round(opens_at=EVENT - timedelta(days=30), closes_at=EVENT)
    application = decided(submitted_application(round), ApplicationOutcome.ACCEPTED)
    MemberFactory(user=application.applicant)
    nomination = NominationFactory(
        round=round,
        full_name="Jane Doe",
        nominee=application.applicant,
        application=application,
        status=NominationStatus.ACCEPTED,
    )

    run = retention_run(now=EVENT + relativedelta(years=2))

    assert Nomination.objects.get(pk=nomination.pk).full_name == "Jane Doe"
    assert run.counts["applications.Nomination"] == 0


def test_anonymising_an_application_clears_its_answers_its_nomination_and_what_the_audit_says():
    round = nominated_round(opens_at=EVENT - timedelta(days=30), closes_at=EVENT)
    application = decided(submitted_application(round), ApplicationOutcome.UNSUCCESSFUL)
    nomination = NominationFactory(
        round=round,
        full_name=application.full_name,
        job_title="Ward sister",
        statement="Jane turned round our sepsis screening.",
        nominee=application.applicant,
        application=application,
        status=NominationStatus.ACCEPTED,
    )
    about_application = audit_log(actor=None, action="application.note", target=application, summary="Jane called")
    about_nomination = audit_log(actor=None, action="nomination.note", target=nomination, summary="Jane's manager")
    now = EVENT + relativedelta(months=13)

    assert applications_anonymise(applications=Application.objects.filter(pk=application.pk), now=now) == Anonymised(
        applications=1, nominations=1
    )

    application.refresh_from_db()
    assert (application.applicant, application.full_name, application.anonymised_at) == (None, "", now)
    assert application.updated_at == now
    assert set(CriterionResponse.objects.filter(application=application).values_list("text", flat=True)) == {""}
    nomination.refresh_from_db()
    assert (nomination.nominee, nomination.full_name, nomination.job_title, nomination.statement) == (None, "", "", "")
    assert nomination.application is None
    assert nomination.email == f"nomination-{nomination.pk}@anonymised.invalid"
    assert (nomination.round, nomination.status) == (round, NominationStatus.ACCEPTED)
    about_application.refresh_from_db()
    about_nomination.refresh_from_db()
    assert (about_application.summary, about_nomination.summary) == ("", "")


def test_anonymising_applications_already_anonymised_changes_nothing_in_one_query(django_assert_num_queries):
    application = decided(submitted_application(review_round()), ApplicationOutcome.UNSUCCESSFUL)
    applications = Application.objects.filter(pk=application.pk)
    applications_anonymise(applications=applications, now=EVENT)

    with django_assert_num_queries(1):
        again = applications_anonymise(applications=applications, now=EVENT + timedelta(days=1))

    assert again == Anonymised(applications=0, nominations=0)
    assert Application.objects.get(pk=application.pk).anonymised_at == EVENT


def test_someone_who_unsubscribed_and_registered_again_keeps_their_registration():
    with time_machine.travel(EVENT, tick=False):
        subscription_register(email="jane@example.org", name="Jane")
        subscription_unsubscribe(address="jane@example.org")
    with time_machine.travel(EVENT + timedelta(days=40), tick=False):
        subscription_register(email="jane@example.org", name="Jane")

    run = retention_run(now=EVENT + timedelta(days=50))

    assert UpdateSubscription.objects.get(email="jane@example.org").name == "Jane"
    assert run.counts["applications.UpdateSubscription"] == 0


def test_cohort_uploads_are_cleared_with_one_read_and_updates_of_at_most_500_rows():
    # bulk_update writes one CASE per column naming every row, whose cost grows
    # with the square of the rows: statements stay at 500 rows, and the rows are
    # read once, not one query per upload.
    owner, round, organisation = UserFactory(), RoundFactory(), OrganisationFactory()
    CohortUpload.objects.bulk_create(
        CohortUpload(
            uploaded_by=owner,
            round=round,
            organisation=organisation,
            filename=f"cohort-{n}.csv",
            rows=[{"row": 2, "values": {"Email": f"person{n}@example.org"}, "errors": []}],
            imported_at=EVENT,
        )
        for n in range(501)
    )

    with CaptureQueriesContext(connection) as queries:
        cleared = cohort_uploads_clear(CohortUpload.objects.all(), EVENT + timedelta(days=31))

    statements = [query["sql"].split(None, 1)[0].upper() for query in queries.captured_queries]
    assert cleared == 501
    assert statements == ["SELECT", "UPDATE", "UPDATE"]  # 500 rows, then 1
    assert set(CohortUpload.objects.values_list("filename", flat=True)) == {""}
    assert CohortUpload.objects.filter(rows=[{"row": 2, "errors": []}]).count() == 501
