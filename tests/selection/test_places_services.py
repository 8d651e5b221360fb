"""Taking up places: confirming (membership, the compact, the deadline), declining,
lapsing on a frozen clock, and the waiting list's promotion order, automatic or
on the programme team's click."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from applications.choices import ApplicationOutcome
from members.models import MemberProfile
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from selection.choices import DecisionOutcome, PlaceOfferStatus, WaitlistPromotion
from selection.models import Decision, PlaceOffer, SelectionSettings
from selection.selectors.decisions import place_numbers, places_free, waiting_list
from selection.services.places import place_confirm, place_decline, place_offers_lapse, waitlist_promote_next
from selection.services.release import decision_reverse, decisions_release
from tests.factories import UserFactory
from tests.factories.decisions import decided, decided_round, scored, team_member
from tests.factories.selection import submitted_application

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
RELEASED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)
DEADLINE = datetime(2026, 3, 16, 23, 59, tzinfo=LONDON)


def released(*, accept=1, waitlist=0, unsuccessful=0, promotion=WaitlistPromotion.AUTOMATIC, **round_kwargs):
    round, applications = decided_round(accept=accept, waitlist=waitlist, unsuccessful=unsuccessful, **round_kwargs)
    SelectionSettings.objects.update_or_create(round=round, defaults={"waitlist_promotion": promotion})
    decisions_release(round=round, by=team_member())
    for application in applications:
        application.refresh_from_db()
    return round, applications


def offer_of(application) -> PlaceOffer:
    return PlaceOffer.objects.select_related("application").get(application=application)


def subjects_to(application) -> list[str]:
    return list(
        OutboundEmail.objects.filter(to=application.applicant.email).order_by("pk").values_list("subject", flat=True)
    )


# --- Confirming ---------------------------------------------------------------------


def test_confirming_with_the_compact_makes_the_applicant_a_member(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [application] = released(name="Pilot, summer 2026")
    application.job_title = "Matron"
    application.save(update_fields=["job_title"])

    place_confirm(offer=offer_of(application), by=application.applicant, agrees_to_compact=True)
    place_confirm(offer=offer_of(application), by=application.applicant, agrees_to_compact=True)

    offer = offer_of(application)
    assert (offer.status, offer.responded_at) == (PlaceOfferStatus.CONFIRMED, RELEASED_AT)
    profile = MemberProfile.objects.get(user=application.applicant)
    assert (profile.cohort_name, profile.job_title, profile.source) == ("Pilot, summer 2026", "Matron", "application")
    assert (profile.organisation, profile.region) == (application.organisation, application.region)
    assert subjects_to(application) == ["You have been offered a place in Q", f"Welcome to Q, {profile.full_name}"]
    [entry] = AuditEntry.objects.filter(action="selection.place_confirm")
    assert entry.summary == f"Place confirmed, agreeing to the member compact: member {profile.membership_number}"


def test_confirming_without_agreeing_to_the_compact_is_refused_at_the_field():
    _round, [application] = released()

    with pytest.raises(PortalError) as refused:
        place_confirm(offer=offer_of(application), by=application.applicant, agrees_to_compact=False)

    assert refused.value.field == "agrees_to_compact"
    assert offer_of(application).status == PlaceOfferStatus.OFFERED
    assert not MemberProfile.objects.exists()


def test_no_one_but_the_applicant_answers_their_offer():
    _round, [application] = released()

    for someone_else in (UserFactory(), team_member()):
        with pytest.raises(PortalError, match="Only the person offered the place"):
            place_confirm(offer=offer_of(application), by=someone_else, agrees_to_compact=True)
        with pytest.raises(PortalError, match="Only the person offered the place"):
            place_decline(offer=offer_of(application), by=someone_else)

    assert offer_of(application).status == PlaceOfferStatus.OFFERED


def test_an_offer_withdrawn_while_the_applicant_answers_it_is_refused_in_words_not_an_error_page():
    """The applicant's page loaded the offer; before their answer reached the
    service, the team took the decision back, which withdraws the open offer."""
    _round, [application] = released()
    [decision] = Decision.objects.filter(application=application)
    loaded = offer_of(application)
    decision_reverse(decision=decision, outcome=DecisionOutcome.UNSUCCESSFUL, reason="Scoring error", by=team_member())

    for answer in (
        lambda: place_confirm(offer=loaded, by=application.applicant, agrees_to_compact=True),
        lambda: place_decline(offer=loaded, by=application.applicant),
    ):
        with pytest.raises(PortalError) as refused:
            answer()
        assert refused.value.message == "This offer has been withdrawn. The programme team will contact you."

    assert not PlaceOffer.objects.filter(application=application).exists()
    assert not MemberProfile.objects.exists()


def test_the_deadline_is_enforced_on_the_server_before_the_lapse_task_runs(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [late, on_time] = released(accept=2)

    time_machine.move_to(datetime(2026, 3, 16, 23, 58, tzinfo=LONDON), tick=False)
    place_confirm(offer=offer_of(on_time), by=on_time.applicant, agrees_to_compact=True)
    time_machine.move_to(datetime(2026, 3, 17, 0, 0, tzinfo=LONDON), tick=False)
    with pytest.raises(PortalError, match=r"The time to confirm this place ended at 23:59 on 16 March 2026"):
        place_confirm(offer=offer_of(late), by=late.applicant, agrees_to_compact=True)

    assert offer_of(late).status == PlaceOfferStatus.OFFERED
    assert MemberProfile.objects.filter(user=late.applicant).exists() is False
    assert MemberProfile.objects.filter(user=on_time.applicant).exists()


# --- The waiting list ----------------------------------------------------------------------


def test_waiting_list_order_is_normalised_score_then_mean_score_then_reference_with_the_unscored_last():
    round, [_accepted, *waiting] = decided_round(accept=1, waitlist=4)
    scored(waiting[0], normalised=None, mean=30)
    scored(waiting[1], normalised=0.5, mean=12)
    scored(waiting[2], normalised=0.5, mean=14)
    scored(waiting[3], normalised=0.9, mean=11)
    decisions_release(round=round, by=team_member())

    order = [decision.application_id for decision in waiting_list(round=round)]

    assert order == [waiting[3].pk, waiting[2].pk, waiting[1].pk, waiting[0].pk]


def test_declining_offers_the_place_to_the_best_on_the_waiting_list_at_once(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [accepted, first, second, _unsuccessful] = released(accept=1, waitlist=2, unsuccessful=1)
    time_machine.move_to(datetime(2026, 3, 4, 15, 0, tzinfo=LONDON), tick=False)

    place_decline(offer=offer_of(accepted), by=accepted.applicant, reason="I am moving abroad.")

    assert offer_of(accepted).status == PlaceOfferStatus.DECLINED
    promoted = offer_of(first)
    assert (promoted.status, promoted.promoted_from_waitlist) == (PlaceOfferStatus.OFFERED, True)
    assert promoted.respond_by == datetime(2026, 3, 18, 23, 59, tzinfo=LONDON)
    first.refresh_from_db()
    assert first.outcome == ApplicationOutcome.ACCEPTED
    assert Decision.objects.get(application=first).outcome == DecisionOutcome.ACCEPT
    assert not PlaceOffer.objects.filter(application=second).exists()
    assert subjects_to(accepted)[-1] == "You have declined your place in Q"
    assert subjects_to(first)[-1] == "A place in Q has become available for you"
    assert AuditEntry.objects.get(action="selection.place_decline").summary == "Place declined: I am moving abroad."
    promotion = AuditEntry.objects.get(action="selection.place_promote")
    assert promotion.actor is None
    assert promotion.target_id == str(first.pk)
    assert promotion.summary == (
        f"Offered a place from the waiting list (automatically, for the place {accepted.reference} gave up), "
        "to confirm by 23:59 on 18 March 2026"
    )
    assert places_free(round=accepted.round) == 0


def test_with_manual_promotion_a_declined_place_waits_for_the_teams_click():
    round, [accepted, first, second] = released(accept=1, waitlist=2, promotion=WaitlistPromotion.MANUAL)
    team = team_member()

    place_decline(offer=offer_of(accepted), by=accepted.applicant)
    assert place_numbers(round=round) == {
        "offered": 0, "confirmed": 0, "declined": 1, "lapsed": 0, "promoted": 0, "free": 1, "waiting": 2,
    }  # fmt: skip

    offer = waitlist_promote_next(round=round, by=team)
    with pytest.raises(PortalError, match="No place is free"):
        waitlist_promote_next(round=round, by=team)

    assert offer.application_id == first.pk
    assert not PlaceOffer.objects.filter(application=second).exists()
    assert AuditEntry.objects.get(action="selection.place_promote").actor_id == team.pk


def test_a_freed_place_with_no_one_waiting_stays_free():
    round, [accepted] = released(accept=1)

    place_decline(offer=offer_of(accepted), by=accepted.applicant)

    assert places_free(round=round) == 1
    with pytest.raises(PortalError, match="No one is left on the waiting list"):
        waitlist_promote_next(round=round, by=team_member())


def test_declining_twice_changes_nothing_and_a_confirmed_place_cannot_be_declined():
    _round, [declines, confirms, _first, _second] = released(accept=2, waitlist=2)
    place_decline(offer=offer_of(declines), by=declines.applicant)
    place_decline(offer=offer_of(declines), by=declines.applicant)
    place_confirm(offer=offer_of(confirms), by=confirms.applicant, agrees_to_compact=True)

    with pytest.raises(PortalError, match="You have confirmed this place"):
        place_decline(offer=offer_of(confirms), by=confirms.applicant)

    assert PlaceOffer.objects.filter(promoted_from_waitlist=True).count() == 1


# --- Lapsing on the clock --------------------------------------------------------------


def test_offers_lapse_after_the_deadline_and_each_freed_place_goes_down_the_list(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [silent, first, second] = released(accept=1, waitlist=2)

    time_machine.move_to(datetime(2026, 3, 16, 23, 58, tzinfo=LONDON), tick=False)
    assert place_offers_lapse() == 0
    time_machine.move_to(datetime(2026, 3, 17, 0, 15, tzinfo=LONDON), tick=False)
    assert place_offers_lapse() == 1
    assert place_offers_lapse() == 0

    assert offer_of(silent).status == PlaceOfferStatus.LAPSED
    assert subjects_to(silent)[-1] == "Your offer of a place in Q has lapsed"
    first_offer = offer_of(first)
    assert first_offer.respond_by == datetime(2026, 3, 31, 23, 59, tzinfo=LONDON)
    assert not PlaceOffer.objects.filter(application=second).exists()

    # The promoted person does not answer either: the place moves on again.
    time_machine.move_to(datetime(2026, 4, 1, 0, 5, tzinfo=LONDON), tick=False)
    assert place_offers_lapse() == 1
    assert offer_of(first).status == PlaceOfferStatus.LAPSED
    assert offer_of(second).status == PlaceOfferStatus.OFFERED
    assert AuditEntry.objects.filter(action="selection.place_lapse").count() == 2
    with pytest.raises(PortalError, match="ended at 23:59 on 31 March 2026"):
        place_confirm(offer=offer_of(first), by=first.applicant, agrees_to_compact=True)


def test_a_late_decision_joins_the_waiting_list_in_score_order():
    round, [accepted, waiting] = decided_round(accept=1, waitlist=1)
    better = submitted_application(round)
    scored(better, normalised=5.0)
    decisions_release(round=round, by=team_member())
    decided(better, DecisionOutcome.WAITLIST)
    decisions_release(round=round, by=team_member())

    place_decline(offer=offer_of(accepted), by=accepted.applicant)

    assert offer_of(better).promoted_from_waitlist is True
    assert not PlaceOffer.objects.filter(application=waiting).exists()


@pytest.mark.django_db(transaction=True)
def test_two_places_declined_at_the_same_moment_go_to_two_different_people():
    from tests.outbox.concurrency import run_together

    round, [one, two, first, second, third] = released(accept=2, waitlist=3)

    run_together(
        lambda: place_decline(offer=offer_of(one), by=one.applicant),
        lambda: place_decline(offer=offer_of(two), by=two.applicant),
    )

    promoted = set(PlaceOffer.objects.filter(promoted_from_waitlist=True).values_list("application_id", flat=True))
    assert promoted == {first.pk, second.pk}
    assert places_free(round=round) == 0
    assert [decision.application_id for decision in waiting_list(round=round)] == [third.pk]


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_confirm_makes_one_member():
    from tests.outbox.concurrency import run_together

    _round, [application] = released(accept=1)

    run_together(
        *[lambda: place_confirm(offer=offer_of(application), by=application.applicant, agrees_to_compact=True)] * 2
    )

    assert MemberProfile.objects.filter(user=application.applicant).count() == 1
    assert AuditEntry.objects.filter(action="selection.place_confirm").count() == 1


def test_the_beat_runs_the_lapse_task(settings, time_machine):
    from selection import tasks

    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [silent] = released(accept=1)
    time_machine.move_to(datetime(2026, 3, 17, 0, 1, tzinfo=LONDON), tick=False)

    entry = settings.CELERY_BEAT_SCHEDULE["selection-lapse-place-offers"]
    assert entry["task"] == tasks.place_offers_lapse.name
    assert tasks.place_offers_lapse.delay().get() == 1
    assert offer_of(silent).status == PlaceOfferStatus.LAPSED
