"""An offer of a place to the instant: it can be confirmed up to and at 23:59 on
its last day, not a moment later, and it lapses only once that moment has
passed; the deadline is at least a day away whatever the setting."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections, transaction

from members.models import MemberProfile
from q_portal.exceptions import PortalError
from selection.choices import PlaceOfferStatus
from selection.models import PlaceOffer
from selection.services.places import offer_new, place_confirm, place_decline, place_offers_lapse, respond_by_for
from selection.services.settings import selection_settings_for
from tests.factories.decisions import decided_round
from tests.selection.test_places_services import RELEASED_AT, offer_of, released

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DEADLINE = datetime(2026, 3, 16, 23, 59, tzinfo=LONDON)
TICK = timedelta(microseconds=1)


def test_offer_can_be_confirmed_at_the_deadline_itself(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [application] = released()
    assert offer_of(application).respond_by == DEADLINE

    time_machine.move_to(DEADLINE, tick=False)
    place_confirm(offer=offer_of(application), by=application.applicant, agrees_to_compact=True)

    assert offer_of(application).status == PlaceOfferStatus.CONFIRMED
    assert MemberProfile.objects.filter(user=application.applicant).exists()


def test_offer_cannot_be_confirmed_a_moment_after_the_deadline(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [application] = released()

    time_machine.move_to(DEADLINE + TICK, tick=False)
    with pytest.raises(PortalError) as refused:
        place_confirm(offer=offer_of(application), by=application.applicant, agrees_to_compact=True)

    assert refused.value.message == "The time to confirm this place ended at 23:59 on 16 March 2026 (UK time)."
    assert not MemberProfile.objects.filter(user=application.applicant).exists()


def test_offer_lapses_only_once_the_deadline_has_passed(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [application] = released()

    assert place_offers_lapse(now=DEADLINE) == 0
    assert offer_of(application).status == PlaceOfferStatus.OFFERED
    assert place_offers_lapse(now=DEADLINE + TICK) == 1
    assert offer_of(application).status == PlaceOfferStatus.LAPSED


def test_lapsed_or_declined_offer_cannot_be_taken_up_and_says_why(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [lapsed, declined] = released(accept=2)
    place_decline(offer=offer_of(declined), by=declined.applicant, reason="  Moving abroad  ")
    place_offers_lapse(now=DEADLINE + TICK)

    with pytest.raises(PortalError) as lapsed_refusal:
        place_confirm(offer=offer_of(lapsed), by=lapsed.applicant, agrees_to_compact=True)
    with pytest.raises(PortalError) as declined_refusal:
        place_confirm(offer=offer_of(declined), by=declined.applicant, agrees_to_compact=True)
    with pytest.raises(PortalError) as decline_lapsed:
        place_decline(offer=offer_of(lapsed), by=lapsed.applicant)

    assert lapsed_refusal.value.message.startswith("The time to confirm this place ended at 23:59 on 16 March 2026")
    assert declined_refusal.value.message == "You declined this place, so it can no longer be confirmed."
    assert decline_lapsed.value.message == "This offer has lapsed: the place is no longer held for you."
    assert PlaceOffer.objects.get(application=declined).status == PlaceOfferStatus.DECLINED


@pytest.mark.parametrize(
    ("days", "last_day"),
    [
        (14, datetime(2026, 3, 16, 23, 59, tzinfo=LONDON)),
        (1, datetime(2026, 3, 3, 23, 59, tzinfo=LONDON)),
        (0, datetime(2026, 3, 3, 23, 59, tzinfo=LONDON)),
        (-3, datetime(2026, 3, 3, 23, 59, tzinfo=LONDON)),
    ],
)
def test_deadline_is_the_end_of_a_uk_day_at_least_one_day_away(days, last_day):
    assert respond_by_for(now=RELEASED_AT, days=days) == last_day


def test_deadline_counts_days_in_uk_time_late_in_the_evening():
    # 23:30 in London on 1 July is 22:30 UTC: the days count from the UK date.
    late = datetime(2026, 7, 1, 23, 30, tzinfo=LONDON)

    assert respond_by_for(now=late, days=1) == datetime(2026, 7, 2, 23, 59, tzinfo=LONDON)


def test_an_offer_is_due_counting_from_when_it_was_made_not_from_the_clock():
    # A release stamps every offer with the moment it began, however long it runs.
    round, [application] = decided_round(accept=1)
    settings = selection_settings_for(round=round)
    settings.place_confirm_days = 10
    made_at = datetime(2026, 5, 20, 9, 30, tzinfo=LONDON)

    offer = offer_new(application=application, settings=settings, now=made_at, promoted=True)

    assert (offer.round_id, offer.status, offer.offered_at, offer.respond_by, offer.promoted_from_waitlist) == (
        round.pk,
        PlaceOfferStatus.OFFERED,
        made_at,
        datetime(2026, 5, 30, 23, 59, tzinfo=LONDON),
        True,
    )


@pytest.mark.django_db(transaction=True)
def test_the_lapse_task_does_not_wait_for_an_offer_being_answered_and_lapses_it_next_time():
    _round, [answering, silent] = released(accept=2)
    later = offer_of(silent).respond_by + timedelta(days=1)
    locked, answered = threading.Event(), threading.Event()

    def answer_slowly():  # another request, holding the offer's row while it answers
        try:
            with transaction.atomic():
                PlaceOffer.objects.select_for_update().get(application=answering)
                locked.set()
                answered.wait(5)
        finally:
            connections.close_all()

    request = threading.Thread(target=answer_slowly)
    request.start()
    assert locked.wait(5)
    try:
        lapsed_first = place_offers_lapse(now=later)
    finally:
        answered.set()
        request.join(10)

    assert lapsed_first == 1
    assert (offer_of(answering).status, offer_of(silent).status) == (PlaceOfferStatus.OFFERED, PlaceOfferStatus.LAPSED)
    assert place_offers_lapse(now=later) == 1
    assert offer_of(answering).status == PlaceOfferStatus.LAPSED


def test_lapse_is_audited_on_the_application_with_the_deadline_missed(time_machine):
    from q_portal.audit.models import AuditEntry

    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [application] = released()

    place_offers_lapse(now=DEADLINE + TICK)

    entry = AuditEntry.objects.get(action="selection.place_lapse")
    assert (entry.actor, entry.target_id, entry.summary, entry.changes) == (
        None,
        str(application.pk),
        "Offer of a place lapsed: no answer by 23:59 on 16 March 2026",
        {"status": ["offered", "lapsed"]},
    )


def test_team_promoting_by_hand_is_told_exactly_why_not_and_audited_with_its_reason(time_machine):
    from q_portal.audit.models import AuditEntry
    from selection.choices import WaitlistPromotion
    from selection.services.places import waitlist_promote_next
    from tests.factories.decisions import team_member

    time_machine.move_to(RELEASED_AT, tick=False)
    round, [accepted, waiting] = released(accept=1, waitlist=1, promotion=WaitlistPromotion.MANUAL)
    team = team_member()
    with pytest.raises(PortalError) as none_free:
        waitlist_promote_next(round=round, by=team)
    place_decline(offer=offer_of(accepted), by=accepted.applicant)
    waitlist_promote_next(round=round, by=team)
    place_decline(offer=offer_of(waiting), by=waiting.applicant)
    with pytest.raises(PortalError) as none_waiting:
        waitlist_promote_next(round=round, by=team)

    assert (
        none_free.value.message == "No place is free: a place frees up when someone declines or lets their offer lapse."
    )
    assert none_waiting.value.message == "No one is left on the waiting list."
    assert AuditEntry.objects.get(action="selection.place_promote").summary == (
        "Offered a place from the waiting list (offered by the programme team), to confirm by 23:59 on 16 March 2026"
    )
