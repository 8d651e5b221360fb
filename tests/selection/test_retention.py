"""The retention policy's anonymisation, run as beat runs it (the top task), with
frozen time: unsuccessful and withdrawn applications lose everything that names
the person RETENTION_ANONYMISE_MONTHS after the decision or withdrawal; scores,
decisions and the round's statistics stay."""

from datetime import timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from applications.choices import ApplicationOutcome, ApplicationStatus
from applications.models import Application, CriterionResponse, Nomination
from q_portal.audit.models import AuditEntry
from q_portal.audit.services import audit_log
from q_portal.retention.services import retention_run
from q_portal.retention.tasks import retention_apply as apply_retention
from selection.choices import ConflictKind
from selection.models import Conflict, CriterionFeedback, CriterionScore, Review
from selection.services.places import place_confirm, place_decline, place_offers_lapse
from selection.services.retention import ANONYMISED_REASON, reviews_anonymise
from tests.factories import reviewer
from tests.factories.decisions import feedback
from tests.factories.privacy import reviewed_round, round_statistics
from tests.selection.test_places_services import RELEASED_AT as RELEASED_AT_10AM
from tests.selection.test_places_services import offer_of
from tests.selection.test_places_services import released as places_released

pytestmark = pytest.mark.django_db

RELEASED = timezone.now().replace(microsecond=0)


def released(application: Application, outcome: str, *, at=RELEASED) -> Application:
    application.outcome, application.outcome_released_at = outcome, at
    application.status = ApplicationStatus.DECIDED
    application.save(update_fields=["outcome", "outcome_released_at", "status"])
    return application


def withdrawn(application: Application, *, at=RELEASED) -> Application:
    application.status, application.withdrawn_at = ApplicationStatus.WITHDRAWN, at
    application.save(update_fields=["status", "withdrawn_at"])
    return application


def is_anonymised(application: Application) -> bool:
    application.refresh_from_db()
    return (
        application.anonymised_at is not None
        and application.applicant is None
        and application.full_name == application.job_title == application.route_evidence == ""
        and not CriterionResponse.objects.filter(application=application).exclude(text="").exists()
        and not CriterionScore.objects.filter(review__assignment__application=application).exclude(comment="").exists()
        and not Review.objects.filter(assignment__application=application).exclude(note_to_panel="").exists()
    )


@pytest.fixture
def decided_round():
    data = reviewed_round(size=4)
    unsuccessful, accepted, withdrawn_one, recent = data.applications
    released(unsuccessful, ApplicationOutcome.UNSUCCESSFUL)
    released(accepted, ApplicationOutcome.ACCEPTED)
    withdrawn(withdrawn_one)
    released(recent, ApplicationOutcome.UNSUCCESSFUL, at=RELEASED + relativedelta(months=2))
    return data


def test_anonymises_unsuccessful_and_withdrawn_applications_after_the_period(decided_round):
    unsuccessful, accepted, withdrawn_one, recent = decided_round.applications
    accepted_name = accepted.full_name
    feedback(unsuccessful, "a", "Your example lacked your own role.")
    before = round_statistics(decided_round.round)

    with time_machine.travel(RELEASED + relativedelta(months=12) + timedelta(days=1)):
        counts = apply_retention()

    assert counts["applications.Application"] == 2
    assert is_anonymised(unsuccessful)
    assert is_anonymised(withdrawn_one)
    assert not is_anonymised(recent)
    assert not is_anonymised(accepted)
    assert accepted.full_name == accepted_name
    assert CriterionFeedback.objects.get(application=unsuccessful).text == ""
    assert round_statistics(decided_round.round) == before
    entry = AuditEntry.objects.get(action="retention.run")
    assert entry.changes["counts"] == counts
    assert counts["selection.CriterionScore"] == 2 * 3 * 2  # two applications, two reviews, three criteria


def test_keeps_applications_until_the_period_is_over(decided_round):
    with time_machine.travel(RELEASED + relativedelta(months=12) - timedelta(days=1)):
        counts = apply_retention()

    assert counts["applications.Application"] == 0
    assert not any(is_anonymised(application) for application in decided_round.applications)


def test_the_period_is_a_setting(decided_round, settings):
    settings.RETENTION_ANONYMISE_MONTHS = 1
    unsuccessful, _accepted, _withdrawn, recent = decided_round.applications

    with time_machine.travel(RELEASED + relativedelta(months=1) + timedelta(days=1)):
        apply_retention()

    assert is_anonymised(unsuccessful)
    assert not is_anonymised(recent)


def test_default_period_is_twelve_months():
    assert settings.RETENTION_ANONYMISE_MONTHS == 12


def test_a_second_run_changes_nothing_more(decided_round):
    with time_machine.travel(RELEASED + relativedelta(months=13)):
        first = apply_retention()
        second = apply_retention()

    assert first["applications.Application"] == 2
    assert set(second.values()) == {0}
    assert AuditEntry.objects.filter(action="retention.run").count() == 2


def test_anonymising_clears_the_nomination_and_the_audit_wording(decided_round):
    unsuccessful = decided_round.applications[0]
    nomination = Nomination.objects.create(
        round=unsuccessful.round,
        organisation=unsuccessful.organisation,
        full_name=unsuccessful.full_name,
        email="nominee@example.org",
        job_title="Nurse",
        role_category="clinician",
        region=unsuccessful.region,
        statement="A tireless improver.",
        nominee=unsuccessful.applicant,
        application=unsuccessful,
        status="accepted",
    )
    audit_log(actor=None, action="application.note", target=unsuccessful, summary=f"{unsuccessful.full_name} called")
    Conflict.objects.create(
        round=unsuccessful.round,
        application=unsuccessful,
        reviewer=reviewer(),
        kind=ConflictKind.DECLARED,
        reason="She is my sister-in-law",
    )

    with time_machine.travel(RELEASED + relativedelta(months=13)):
        apply_retention()

    nomination.refresh_from_db()
    assert (nomination.full_name, nomination.statement, nomination.application) == ("", "", None)
    assert nomination.email == f"nomination-{nomination.pk}@anonymised.invalid"
    assert AuditEntry.objects.get(action="application.note").summary == ""
    assert "sister" not in Conflict.objects.get(kind=ConflictKind.DECLARED).reason
    submitted = AuditEntry.objects.filter(action="selection.review_submit", target_id=str(unsuccessful.pk))
    assert submitted.count() == 2
    assert all(entry.summary == "" and "scores" in entry.changes for entry in submitted)


def test_erasure_clears_what_was_written_about_the_persons_applications_and_no_one_elses():
    data = reviewed_round(size=2)
    erased, other = data.applications
    feedback(erased, "a", "Jane, your example lacked detail.")
    feedback(other, "a", "Your example lacked detail.")
    round = erased.round
    Conflict.objects.create(
        round=round, application=erased, reviewer=reviewer(), kind=ConflictKind.DECLARED, reason="My sister-in-law"
    )
    Conflict.objects.create(
        round=round, application=other, reviewer=reviewer(), kind=ConflictKind.ABSTAINED, reason="Not my field"
    )

    counts = reviews_anonymise(applications=Application.objects.filter(pk=erased.pk))

    assert counts == {
        "review_comments_cleared": 6,  # two reviews, three criteria
        "review_notes_cleared": 2,
        "feedback_cleared": 1,
        "conflict_reasons_cleared": 1,
    }
    assert set(
        CriterionScore.objects.filter(review__assignment__application=erased).values_list("comment", flat=True)
    ) == {""}
    assert set(Review.objects.filter(assignment__application=erased).values_list("note_to_panel", flat=True)) == {""}
    assert CriterionFeedback.objects.get(application=erased).text == ""
    assert Conflict.objects.get(application=erased, kind=ConflictKind.DECLARED).reason == ANONYMISED_REASON
    # The other applicant's reviews are untouched.
    assert "" not in set(
        CriterionScore.objects.filter(review__assignment__application=other).values_list("comment", flat=True)
    )
    assert Review.objects.filter(assignment__application=other, note_to_panel="").count() == 0
    assert CriterionFeedback.objects.get(application=other).text == "Your example lacked detail."
    assert Conflict.objects.get(application=other).reason == "Not my field"


# A place declined, or an offer left to lapse: the person never became a member
# through the application, so no membership keeps it.


def kept_to_the_second(application: Application, *, limit) -> None:
    """Kept at `limit`, anonymised one second later."""
    rule = "applications.Application:place-not-taken"
    assert retention_run(now=limit).counts[rule] == 0
    assert not is_anonymised(application)
    assert retention_run(now=limit + timedelta(seconds=1)).counts[rule] == 1
    assert is_anonymised(application)


def test_a_declined_place_is_kept_twelve_months_from_declining_then_anonymised(time_machine):
    time_machine.move_to(RELEASED_AT_10AM, tick=False)
    _round, [declined, confirmed] = places_released(accept=2)
    declined_at = RELEASED_AT_10AM + timedelta(days=3)
    time_machine.move_to(declined_at, tick=False)
    place_decline(offer=offer_of(declined), by=declined.applicant)
    place_confirm(offer=offer_of(confirmed), by=confirmed.applicant, agrees_to_compact=True)

    kept_to_the_second(declined, limit=declined_at + relativedelta(months=12))
    assert not is_anonymised(confirmed)


def test_an_offer_left_to_lapse_is_kept_twelve_months_from_its_answer_by_time_then_anonymised(time_machine):
    time_machine.move_to(RELEASED_AT_10AM, tick=False)
    _round, [lapsed, confirmed] = places_released(accept=2)
    place_confirm(offer=offer_of(confirmed), by=confirmed.applicant, agrees_to_compact=True)
    respond_by = offer_of(lapsed).respond_by
    place_offers_lapse(now=respond_by + timedelta(minutes=1))

    kept_to_the_second(lapsed, limit=respond_by + relativedelta(months=12))
    # The member's application, whose offer had the same answer-by time, stays.
    assert offer_of(confirmed).respond_by == respond_by
    assert not is_anonymised(confirmed)
