"""What taking up, turning down and passing on a place records (issue 24: mutants
of `selection/services/places.py` that no test noticed): the new member's profile
as the application had it, the audit entries the programme team reads, a long
reason kept to its limit, an erased applicant's offer lapsing without an email,
and whose place each automatic promotion fills."""

from datetime import date, datetime, timedelta

import pytest

from applications.models import Application
from members.models import MemberProfile
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from selection.choices import PlaceOfferStatus, WaitlistPromotion
from selection.models import PlaceOffer, SelectionSettings
from selection.services.places import place_confirm, place_decline, place_offers_lapse
from tests.selection.test_places_services import RELEASED_AT, offer_of, released

pytestmark = pytest.mark.django_db

AFTER_DEADLINE = datetime(2026, 3, 17, 0, 1, tzinfo=RELEASED_AT.tzinfo)


def test_confirming_without_a_person_is_refused():
    _round, [application] = released()

    with pytest.raises(PortalError) as refused:
        place_confirm(offer=offer_of(application), by=None, agrees_to_compact=True)

    assert refused.value.message == "Only the person offered the place can answer the offer."
    assert not MemberProfile.objects.exists()


def test_confirming_without_the_compact_says_to_agree_or_to_decline_instead():
    _round, [application] = released()

    with pytest.raises(PortalError) as refused:
        place_confirm(offer=offer_of(application), by=application.applicant, agrees_to_compact=False)

    assert refused.value.message == (
        "Agree to the member compact to confirm your place. If you do not want it, decline it instead."
    )


def test_the_new_member_starts_with_the_applications_name_role_and_organisation_and_the_audit_names_them(
    time_machine,
):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [application] = released()
    Application.objects.filter(pk=application.pk).update(
        full_name="Ada Okafor", role_category="researcher", organisation=None, organisation_other="Care Collective"
    )
    offer = offer_of(application)
    assert offer.offered_at == RELEASED_AT
    time_machine.move_to(RELEASED_AT + timedelta(days=3), tick=False)

    place_confirm(offer=offer, by=application.applicant, agrees_to_compact=True)

    profile = MemberProfile.objects.get(user=application.applicant)
    assert (profile.full_name, profile.role_category, profile.organisation_other, profile.joined_on) == (
        "Ada Okafor",
        "researcher",
        "Care Collective",
        date(2026, 3, 5),
    )
    entry = AuditEntry.objects.get(action="selection.place_confirm")
    assert (entry.actor_id, entry.target_id, entry.changes) == (
        application.applicant_id,
        str(application.pk),
        {"status": ["offered", "confirmed"], "member": profile.pk},
    )
    assert AuditEntry.objects.get(action="members.member_create").actor_id == application.applicant_id


def test_a_long_reason_for_declining_is_kept_to_1000_characters_in_the_audit():
    _round, [application] = released()
    reason = "  " + "I have moved abroad. " * 60

    place_decline(offer=offer_of(application), by=application.applicant, reason=reason)

    entry = AuditEntry.objects.get(action="selection.place_decline")
    kept = reason.strip()[:1000]
    assert len(kept) == 1000
    assert (entry.actor_id, entry.summary, entry.changes) == (
        application.applicant_id,
        f"Place declined: {kept}"[:500],  # the summary's own limit; the reason is kept whole in the changes
        {"status": ["offered", "declined"], "reason": kept},
    )


def test_an_erased_applicants_offer_lapses_without_an_email(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [application] = released()
    Application.objects.filter(pk=application.pk).update(applicant=None)
    OutboundEmail.objects.all().delete()

    assert place_offers_lapse(now=AFTER_DEADLINE) == 1

    assert offer_of(application).status == PlaceOfferStatus.LAPSED
    assert OutboundEmail.objects.count() == 0


def test_offers_lapsing_in_two_rounds_are_all_counted(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _first_round, [first] = released()
    _second_round, [second] = released()

    assert place_offers_lapse(now=AFTER_DEADLINE) == 2

    assert {offer_of(first).status, offer_of(second).status} == {PlaceOfferStatus.LAPSED}


def test_an_automatic_promotion_names_whose_place_it_fills_and_records_the_new_outcome(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    round, [earlier, later, first, second] = released(accept=2, waitlist=2, promotion=WaitlistPromotion.MANUAL)
    place_decline(offer=offer_of(earlier), by=earlier.applicant)
    SelectionSettings.objects.filter(round=round).update(waitlist_promotion=WaitlistPromotion.AUTOMATIC)
    promoted_at = RELEASED_AT + timedelta(days=1)
    time_machine.move_to(promoted_at, tick=False)

    place_decline(offer=offer_of(later), by=later.applicant)

    promotions = AuditEntry.objects.filter(action="selection.place_promote").order_by("pk")
    assert [(entry.target_id, entry.summary.split(", to confirm")[0]) for entry in promotions] == [
        (
            str(first.pk),
            f"Offered a place from the waiting list (automatically, for the place {later.reference} gave up)",
        ),
        (str(second.pk), "Offered a place from the waiting list (automatically, for a place given up earlier)"),
    ]
    assert promotions[0].changes == {
        "outcome": ["waitlist", "accept"],
        "respond_by": offer_of(first).respond_by.isoformat(),
    }
    first.refresh_from_db()
    assert first.outcome_released_at == promoted_at


def test_declining_twice_is_recorded_and_told_once_and_a_member_is_told_whom_to_contact(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [declines, confirms] = released(accept=2)
    declined_at = RELEASED_AT + timedelta(days=2)
    time_machine.move_to(declined_at, tick=False)
    place_decline(offer=offer_of(declines), by=declines.applicant)
    place_decline(offer=offer_of(declines), by=declines.applicant, reason="Sorry, a second click")
    place_confirm(offer=offer_of(confirms), by=confirms.applicant, agrees_to_compact=True)

    with pytest.raises(PortalError) as refused:
        place_decline(offer=offer_of(confirms), by=confirms.applicant)

    assert offer_of(declines).responded_at == declined_at
    [entry] = AuditEntry.objects.filter(action="selection.place_decline")
    assert (entry.target_id, entry.summary, entry.changes) == (
        str(declines.pk),
        "Place declined",
        {"status": ["offered", "declined"], "reason": ""},
    )
    assert OutboundEmail.objects.filter(subject="You have declined your place in Q").count() == 1
    assert refused.value.message == (
        "You have confirmed this place and are a member. Contact the programme team to end your membership."
    )


def test_places_lapsing_together_go_down_the_waiting_list_in_the_order_their_deadlines_passed(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    _round, [later, middle, earlier, first, second, third] = released(accept=3, waitlist=3)
    PlaceOffer.objects.filter(application=earlier).update(respond_by=RELEASED_AT + timedelta(days=6))
    PlaceOffer.objects.filter(application=middle).update(respond_by=RELEASED_AT + timedelta(days=7))

    assert place_offers_lapse(now=AFTER_DEADLINE) == 3

    lapses = AuditEntry.objects.filter(action="selection.place_lapse").order_by("pk")
    assert [entry.summary for entry in lapses] == [
        "Offer of a place lapsed: no answer by 10:00 on 8 March 2026",
        "Offer of a place lapsed: no answer by 10:00 on 9 March 2026",
        "Offer of a place lapsed: no answer by 23:59 on 16 March 2026",
    ]
    assert [entry.target_id for entry in lapses] == [str(earlier.pk), str(middle.pk), str(later.pk)]
    promotions = AuditEntry.objects.filter(action="selection.place_promote").order_by("pk")
    assert [(entry.target_id, entry.summary.split(", to confirm")[0]) for entry in promotions] == [
        (
            str(promoted.pk),
            f"Offered a place from the waiting list (automatically, for the place {freed.reference} gave up)",
        )
        for promoted, freed in [(first, earlier), (second, middle), (third, later)]
    ]
