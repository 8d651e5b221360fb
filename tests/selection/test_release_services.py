"""Releasing decisions: outcomes, emails through the outbox, offers of places,
only approved feedback, the round decided; and the audited reversal, the only way
a released decision changes."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from applications.choices import ApplicationOutcome, ApplicationStatus, RoundStatus
from applications.models import Application
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from selection.choices import DecisionOutcome, PlaceOfferStatus
from selection.models import Decision, PlaceOffer
from selection.services.decisions import decision_set
from selection.services.release import decision_reverse, decisions_release
from tests.factories.decisions import decided, decided_round, feedback, team_member
from tests.factories.selection import submitted_application

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def emails_to(application) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to=application.applicant.email).order_by("pk"))


def test_release_tells_each_applicant_offers_places_and_decides_the_round(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 30, tzinfo=LONDON), tick=False)
    round, (accepted, waitlisted, unsuccessful) = decided_round(accept=1, waitlist=1, unsuccessful=1, capacity=1)
    team = team_member(display_name="Priya Team")

    count = decisions_release(round=round, by=team)

    assert count == 3
    round.refresh_from_db()
    assert round.status == RoundStatus.DECIDED
    rows = {
        a.pk: (a.status, a.outcome)
        for a in Application.objects.filter(pk__in=[accepted.pk, waitlisted.pk, unsuccessful.pk])
    }
    assert rows == {
        accepted.pk: (ApplicationStatus.DECIDED, ApplicationOutcome.ACCEPTED),
        waitlisted.pk: (ApplicationStatus.DECIDED, ApplicationOutcome.WAITLISTED),
        unsuccessful.pk: (ApplicationStatus.DECIDED, ApplicationOutcome.UNSUCCESSFUL),
    }
    assert Decision.objects.filter(round=round, released_by=team).count() == 3
    offer = PlaceOffer.objects.get()
    assert offer.application_id == accepted.pk
    assert offer.status == PlaceOfferStatus.OFFERED
    # The end of the 14th day, UK time.
    assert offer.respond_by == datetime(2026, 3, 16, 23, 59, tzinfo=LONDON)
    [accept_email] = emails_to(accepted)
    assert accept_email.subject == "You have been offered a place in Q"
    assert "Please confirm your place by 23:59 on Monday 16 March 2026 (UK time)." in accept_email.body_text
    assert f"/apply/application/{accepted.pk}/place/" in accept_email.body_text
    [waitlist_email] = emails_to(waitlisted)
    assert waitlist_email.subject == "Your application to Q: you are on the waiting list"
    [unsuccessful_email] = emails_to(unsuccessful)
    assert "we cannot offer you a place this time" in unsuccessful_email.body_text
    assert "/updates/" in unsuccessful_email.body_text
    summaries = sorted(
        AuditEntry.objects.filter(action="selection.decision_release").values_list("target_id", "summary", "actor")
    )
    assert summaries == sorted(
        [
            (str(accepted.pk), "Decision released: Accept; place offered, to confirm by 16 March 2026", team.pk),
            (str(waitlisted.pk), "Decision released: Waiting list", team.pk),
            (str(unsuccessful.pk), "Decision released: Unsuccessful", team.pk),
        ]
    )
    assert AuditEntry.objects.filter(action="selection.decisions_release", target_id=str(round.pk)).count() == 1


def test_only_approved_feedback_reaches_the_applicant():
    round, [application] = decided_round(unsuccessful=1)
    team = team_member()
    feedback(application, "a", "Your example of co-production with patients was compelling.", approved=True, by=team)
    feedback(application, "b", "INTERNAL DRAFT: too harsh, rewrite before sending.", by=team)

    decisions_release(round=round, by=team)

    application.refresh_from_db()
    assert application.released_feedback == [
        {
            "letter": "a",
            "title": "Commitment to collaborative improvement",
            "text": "Your example of co-production with patients was compelling.",
        }
    ]
    [email] = emails_to(application)
    assert "Your example of co-production with patients was compelling." in email.body_text
    assert "INTERNAL DRAFT" not in email.body_text


def test_release_with_nothing_to_release_is_refused_and_a_second_release_sends_nothing_twice():
    round, _applications = decided_round(accept=2)
    team = team_member()
    decisions_release(round=round, by=team)

    with pytest.raises(PortalError, match="no decisions waiting to be released"):
        decisions_release(round=round, by=team)

    assert OutboundEmail.objects.filter(subject="You have been offered a place in Q").count() == 2
    assert PlaceOffer.objects.count() == 2


def test_release_keeps_the_round_in_review_while_applications_are_undecided_and_releases_later_decisions():
    round, [first] = decided_round(accept=1)
    later = submitted_application(round)
    team = team_member()

    decisions_release(round=round, by=team)
    round.refresh_from_db()
    assert round.status == RoundStatus.IN_REVIEW
    later.refresh_from_db()
    assert (later.status, later.outcome) == (ApplicationStatus.SUBMITTED, ApplicationOutcome.NONE)
    assert OutboundEmail.objects.filter(to=later.applicant.email).count() == 0

    decided(later, DecisionOutcome.UNSUCCESSFUL)
    assert decisions_release(round=round, by=team) == 1
    round.refresh_from_db()
    assert round.status == RoundStatus.DECIDED
    assert OutboundEmail.objects.filter(to=first.applicant.email).count() == 1


def test_release_of_an_anonymised_application_records_the_outcome_without_email_or_offer():
    round, [application] = decided_round(accept=1)
    Application.objects.filter(pk=application.pk).update(applicant=None, full_name="")

    decisions_release(round=round, by=team_member())

    application.refresh_from_db()
    assert application.outcome == ApplicationOutcome.ACCEPTED
    assert PlaceOffer.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_release_is_refused_for_a_round_not_in_review():
    round, _applications = decided_round(accept=1)
    round.status = RoundStatus.CLOSED
    round.save(update_fields=["status"])

    with pytest.raises(PortalError, match="once the round is in review"):
        decisions_release(round=round, by=team_member())

    assert Decision.objects.filter(released_at__isnull=False).count() == 0


# --- After release: final except by an audited reversal --------------------------------


def test_decision_set_after_release_is_refused():
    round, [application] = decided_round(unsuccessful=1)
    team = team_member()
    decisions_release(round=round, by=team)

    with pytest.raises(PortalError):
        decision_set(application=application, outcome=DecisionOutcome.ACCEPT, by=team)

    assert Decision.objects.get(application=application).outcome == DecisionOutcome.UNSUCCESSFUL


def test_reversal_of_an_unreleased_decision_is_refused():
    _round, [application] = decided_round(unsuccessful=1)

    with pytest.raises(PortalError, match="has not been released"):
        decision_reverse(decision=application.decision, outcome="accept", reason="Appeal upheld", by=team_member())


@pytest.mark.parametrize(
    ("outcome", "reason", "field"),
    [("accept", "  ", "reason"), ("unsuccessful", "Typo", "outcome"), ("maybe", "Typo", "outcome")],
)
def test_reversal_needs_a_new_outcome_and_a_reason(outcome, reason, field):
    round, [application] = decided_round(unsuccessful=1)
    team = team_member()
    decisions_release(round=round, by=team)

    with pytest.raises(PortalError) as refused:
        decision_reverse(decision=application.decision, outcome=outcome, reason=reason, by=team)

    assert refused.value.field == field
    application.refresh_from_db()
    assert application.outcome == ApplicationOutcome.UNSUCCESSFUL


def test_reversal_to_accept_offers_a_place_tells_the_applicant_and_is_audited_with_its_reason(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False)
    round, [application] = decided_round(unsuccessful=1)
    team = team_member(display_name="Priya Team")
    decisions_release(round=round, by=team)
    time_machine.move_to(datetime(2026, 3, 5, 9, 0, tzinfo=LONDON), tick=False)

    decision_reverse(
        decision=application.decision, outcome="accept", reason="Scores of reviewer 2 were entered wrongly", by=team
    )

    application.refresh_from_db()
    assert application.outcome == ApplicationOutcome.ACCEPTED
    offer = PlaceOffer.objects.get(application=application)
    assert (offer.status, offer.respond_by) == (PlaceOfferStatus.OFFERED, datetime(2026, 3, 19, 23, 59, tzinfo=LONDON))
    changed = OutboundEmail.objects.get(subject="A change to the decision on your application to Q")
    assert "We are delighted to offer you a place in Q." in changed.body_text
    entry = AuditEntry.objects.get(action="selection.decision_reverse")
    assert entry.summary == (
        "Released decision reversed: Unsuccessful → Accept. Reason: Scores of reviewer 2 were entered wrongly"
    )
    assert (entry.actor_id, entry.target_id) == (team.pk, str(application.pk))


def test_reversal_from_accept_withdraws_an_unanswered_offer_but_not_a_confirmed_place():
    from selection.services.places import place_confirm

    round, [open_offer, taken] = decided_round(accept=2)
    team = team_member()
    decisions_release(round=round, by=team)
    place_confirm(offer=taken.place_offer, by=taken.applicant, agrees_to_compact=True)

    decision_reverse(decision=open_offer.decision, outcome="waitlist", reason="Eligibility not met", by=team)
    with pytest.raises(PortalError, match="has confirmed their place and is a member"):
        decision_reverse(decision=taken.decision, outcome="unsuccessful", reason="Changed our minds", by=team)

    assert not PlaceOffer.objects.filter(application=open_offer).exists()
    open_offer.refresh_from_db()
    taken.refresh_from_db()
    assert (open_offer.outcome, taken.outcome) == (ApplicationOutcome.WAITLISTED, ApplicationOutcome.ACCEPTED)


def test_release_run_in_batches_releases_every_decision_once_even_run_twice(monkeypatch):
    """Batch by batch in the order confirmed; run again (a task delivered twice, or
    resumed after a crash), nothing is released or emailed a second time, and a
    decision already released in a slice the run had passed is not missed."""
    from selection.models import ReleaseRun
    from selection.services.release import release_run_continue, release_start

    monkeypatch.setattr("selection.services.release.RELEASE_BATCH_SIZE", 2)
    round, applications = decided_round(accept=2, unsuccessful=3, name="Spring round 2026")
    team = team_member()
    run = release_start(round=round, by=team, confirmation="Spring round 2026")
    # The run stopped after its first batch (the task was lost)...
    ReleaseRun.objects.filter(pk=run.pk).update(released=2)
    first_two = Decision.objects.filter(pk__in=run.decision_ids[:2])
    first_two.update(released_at=datetime(2026, 5, 1, tzinfo=ZoneInfo("UTC")))

    finished = release_run_continue(run_id=run.pk)
    again = release_run_continue(run_id=run.pk)

    assert finished.status == again.status == "done"
    assert finished.released == 5
    assert Decision.objects.filter(round=round, released_at__isnull=True).count() == 0
    released_here = [application for application in applications if application.decision.pk not in run.decision_ids[:2]]
    assert sorted(email.to for email in OutboundEmail.objects.all()) == sorted(
        application.applicant.email for application in released_here
    )
