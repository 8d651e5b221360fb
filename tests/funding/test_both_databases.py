"""The vote from ballot to results on either database (the `make run` demo is SQLite)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from funding import services
from funding.models import VoteCount
from q_portal.roles import Role
from tests.factories import UserFactory
from tests.factories.funding import CallVoteFactory, opened, shortlisted
from tests.factories.members import MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


def test_a_vote_is_placed_counted_and_published_on_either_database(client):
    call_vote = CallVoteFactory()
    first = shortlisted(call_vote.call, panel_rank=1, title="Same-day letters")
    second = shortlisted(call_vote.call, panel_rank=2, title="Virtual wards")
    member = MemberFactory()
    opened(call_vote)
    client.force_login(member.user)
    client.post(reverse("funding:cast", kwargs={"pk": call_vote.call_id}), {"action": "place", "proposal": second.pk})
    page = client.get(reverse("funding:ballot", kwargs={"pk": call_vote.call_id})).content.decode()
    assert "You have 5 votes left" in page
    assert client.get(reverse("funding:room_json", kwargs={"pk": call_vote.call_id})).json()["voted"] == 1

    services.vote_close(call_vote=call_vote, now=call_vote.closes_at + timedelta(minutes=1))
    services.vote_count(call_vote=call_vote)
    services.vote_publish(call_vote=call_vote, by=UserFactory(roles=[Role.PROGRAMME_TEAM]))

    assert list(VoteCount.objects.order_by("place").values_list("proposal_id", "votes")) == [
        (second.pk, 1),
        (first.pk, 0),
    ]
    results = client.get(reverse("funding:results", kwargs={"pk": call_vote.call_id})).content.decode()
    assert "1 of 3 eligible members voted" in results
