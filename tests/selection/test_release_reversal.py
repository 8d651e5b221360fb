"""The audited reversal of a released decision: what the programme team is told
when it is refused, what the decision, the applicant's outcome and their offer
of a place become, and what the audit records (issue 24: mutants of
`decision_reverse` that no test noticed)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction

from applications.choices import ApplicationOutcome
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from selection.choices import DecisionOutcome, PlaceOfferStatus
from selection.models import Decision, PlaceOffer
from selection.services.places import place_confirm, place_decline
from selection.services.release import decision_reverse, decisions_release
from tests.factories.decisions import decided_round, team_member

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def released(**outcomes):
    round, applications = decided_round(**outcomes)
    team = team_member(display_name="Priya Team")
    decisions_release(round=round, by=team)
    return team, applications


def reversal_audit(application) -> dict:
    return AuditEntry.objects.filter(action="selection.decision_reverse", target_id=str(application.pk)).latest("pk")


def test_reversal_of_an_unreleased_decision_says_where_to_change_it():
    _round, [application] = decided_round(unsuccessful=1)

    with pytest.raises(PortalError) as refused:
        decision_reverse(decision=application.decision, outcome="accept", reason="Appeal upheld", by=team_member())

    assert str(refused.value.message) == "This decision has not been released: change it in the decision room."


@pytest.mark.parametrize(
    ("outcome", "reason", "field", "message"),
    [
        ("maybe", "Typo", "outcome", "Choose the new decision."),
        ("unsuccessful", "Typo", "outcome", "The decision is already unsuccessful. Choose a different one."),
        ("accept", "   ", "reason", "Give the reason for changing a released decision."),
        ("accept", None, "reason", "Give the reason for changing a released decision."),
        ("accept", "x" * 2001, "reason", "Keep the reason to 2,000 characters or fewer."),
    ],
)
def test_refused_reversal_says_what_to_fix_at_the_field_and_changes_nothing(outcome, reason, field, message):
    team, [application] = released(unsuccessful=1)

    with pytest.raises(PortalError) as refused:
        decision_reverse(decision=application.decision, outcome=outcome, reason=reason, by=team)

    assert (refused.value.field, str(refused.value.message)) == (field, message)
    application.refresh_from_db()
    assert application.outcome == ApplicationOutcome.UNSUCCESSFUL
    assert Decision.objects.get(application=application).outcome == DecisionOutcome.UNSUCCESSFUL
    assert not AuditEntry.objects.filter(action="selection.decision_reverse").exists()


def test_a_reason_of_exactly_2000_characters_is_kept_whole():
    team, [application] = released(unsuccessful=1)

    decision_reverse(decision=application.decision, outcome="waitlist", reason="r" * 2000, by=team)

    assert reversal_audit(application).changes["reason"] == "r" * 2000


def test_reversal_records_the_new_decision_who_made_it_and_when(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False)
    _team, [application] = released(unsuccessful=1)
    other = team_member(display_name="Sam Team")
    time_machine.move_to(datetime(2026, 3, 6, 14, 0, tzinfo=LONDON), tick=False)

    decision_reverse(decision=application.decision, outcome="waitlist", reason="Second look", by=other)

    decision = Decision.objects.get(application=application)
    assert (decision.outcome, decision.decided_by_id) == (DecisionOutcome.WAITLIST, other.pk)
    assert decision.decided_at == datetime(2026, 3, 6, 14, 0, tzinfo=LONDON)
    application.refresh_from_db()
    assert (application.outcome, application.outcome_released_at) == (
        ApplicationOutcome.WAITLISTED,
        datetime(2026, 3, 6, 14, 0, tzinfo=LONDON),
    )
    entry = reversal_audit(application)
    assert entry.changes == {"outcome": ["unsuccessful", "waitlist"], "reason": "Second look", "place": ""}
    assert not PlaceOffer.objects.filter(application=application).exists()


def test_a_new_offer_from_a_reversal_is_not_marked_as_from_the_waiting_list():
    team, [application] = released(unsuccessful=1)

    decision_reverse(decision=application.decision, outcome="accept", reason="Appeal upheld", by=team)

    offer = PlaceOffer.objects.get(application=application)
    assert (offer.status, offer.promoted_from_waitlist) == (PlaceOfferStatus.OFFERED, False)
    assert reversal_audit(application).changes["place"] == "offered"


def test_withdrawing_an_unanswered_offer_is_recorded_as_withdrawn():
    team, [application] = released(accept=1)

    decision_reverse(decision=application.decision, outcome="unsuccessful", reason="Not eligible", by=team)

    assert not PlaceOffer.objects.filter(application=application).exists()
    assert reversal_audit(application).changes["place"] == "withdrawn"


def test_accepting_again_after_a_declined_offer_offers_the_place_again_with_a_new_deadline(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False)
    team, [application] = released(accept=1)
    place_decline(offer=application.place_offer, by=application.applicant)
    decision_reverse(decision=application.decision, outcome="waitlist", reason="Declined, kept in reserve", by=team)
    # As if the earlier offer had come from the waiting list.
    PlaceOffer.objects.filter(application=application).update(promoted_from_waitlist=True)
    time_machine.move_to(datetime(2026, 4, 1, 9, 0, tzinfo=LONDON), tick=False)

    decision_reverse(decision=application.decision, outcome="accept", reason="Asked to join after all", by=team)

    [offer] = PlaceOffer.objects.filter(application=application)
    assert offer.status == PlaceOfferStatus.OFFERED
    assert offer.offered_at == datetime(2026, 4, 1, 9, 0, tzinfo=LONDON)
    assert offer.respond_by == datetime(2026, 4, 15, 23, 59, tzinfo=LONDON)
    assert (offer.responded_at, offer.promoted_from_waitlist) == (None, False)
    assert reversal_audit(application).changes["place"] == "offered"
    application.refresh_from_db()
    assert application.outcome == ApplicationOutcome.ACCEPTED


def test_reversal_of_a_confirmed_place_names_the_member_and_points_at_the_outcome():
    team, [application] = released(accept=1)
    place_confirm(offer=application.place_offer, by=application.applicant, agrees_to_compact=True)
    application.refresh_from_db()

    with pytest.raises(PortalError) as refused:
        decision_reverse(decision=application.decision, outcome="unsuccessful", reason="Changed our minds", by=team)

    assert refused.value.field == "outcome"
    assert str(refused.value.message) == (
        f"{application.full_name} has confirmed their place and is a member. End the membership in the members' "
        "area first; the decision itself then stands as the record of their acceptance."
    )
    assert PlaceOffer.objects.get(application=application).status == PlaceOfferStatus.CONFIRMED


@pytest.mark.django_db(transaction=True)  # a second connection sees only what is committed
def test_a_reversal_waits_while_another_change_holds_the_round_and_then_goes_through():
    """Every change to a round's decisions and places locks the round first, so a
    reversal cannot interleave with a release or a promotion from the waiting list
    in progress: while another transaction holds the round, the reversal waits
    (here until its lock timeout) and changes nothing."""
    team, [application] = released(unsuccessful=1)
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM applications_round WHERE id = %s FOR UPDATE", [application.round_id])
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            decision_reverse(decision=application.decision, outcome="waitlist", reason="Second look", by=team)
        assert Decision.objects.get(application=application).outcome == DecisionOutcome.UNSUCCESSFUL
        other.rollback()
    finally:
        other.close()

    decision_reverse(decision=application.decision, outcome="waitlist", reason="Second look", by=team)

    application.refresh_from_db()
    assert application.outcome == ApplicationOutcome.WAITLISTED
