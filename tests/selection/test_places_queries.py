"""What taking up and passing on places costs in queries (issue 24): each answer,
promotion and lapse costs a fixed number, however many others the round holds,
and lapsing a batch costs the same for each offer in it (its row, its audit
entry, its email), with no look-up of an applicant or round one at a time."""

from datetime import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from members.models import MemberProfile
from selection.choices import WaitlistPromotion
from selection.models import PlaceOffer
from selection.services.places import place_confirm, place_decline, place_offers_lapse, waitlist_promote_next
from tests.factories.decisions import team_member
from tests.selection.test_places_services import RELEASED_AT, offer_of, released
from tests.selection.test_services import statements

pytestmark = pytest.mark.django_db

AFTER_DEADLINE = datetime(2026, 3, 17, 0, 1, tzinfo=RELEASED_AT.tzinfo)


def counted(call) -> int:
    """The statements `call` runs. Content types are cached for the life of a
    process: counted warm, as a running server has them."""
    ContentType.objects.get_for_models(Application, MemberProfile)
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(statements(captured))


@pytest.mark.parametrize("accepted", [1, 5])
def test_confirming_a_place_costs_the_same_queries_in_a_round_of_one_or_many(accepted):
    _round, [application, *_others] = released(accept=accepted)
    assert application.organisation_id is not None
    assert application.region_id is not None
    offer, applicant = offer_of(application), application.applicant

    queries = counted(lambda: place_confirm(offer=offer, by=applicant, agrees_to_compact=True))

    assert queries == 14


@pytest.mark.parametrize("waiting", [1, 5])
def test_declining_and_the_automatic_promotion_cost_the_same_queries_however_long_the_waiting_list(waiting):
    _round, [application, first, *_others] = released(accept=1, waitlist=waiting)
    offer, applicant = offer_of(application), application.applicant

    queries = counted(lambda: place_decline(offer=offer, by=applicant))

    assert offer_of(first).promoted_from_waitlist is True
    assert queries == 19


@pytest.mark.parametrize("waiting", [1, 5])
def test_the_teams_promotion_costs_the_same_queries_however_long_the_waiting_list(waiting):
    round, [application, first, *_others] = released(accept=1, waitlist=waiting, promotion=WaitlistPromotion.MANUAL)
    place_decline(offer=offer_of(application), by=application.applicant)
    team = team_member()

    queries = counted(lambda: waitlist_promote_next(round=round, by=team))

    assert offer_of(first).promoted_from_waitlist is True
    assert queries == 12


@pytest.mark.parametrize("offers", [1, 5])
def test_lapsing_costs_the_same_queries_for_each_offer_in_the_batch(offers, time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    round, _applications = released(accept=offers, promotion=WaitlistPromotion.MANUAL)

    queries = counted(lambda: place_offers_lapse(now=AFTER_DEADLINE))

    assert PlaceOffer.objects.filter(round=round, status="lapsed").count() == offers
    assert queries == 5 + 4 * offers
