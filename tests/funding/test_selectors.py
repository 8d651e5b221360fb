import pytest

from funding import services
from funding.selectors import vote_insight
from tests.factories import RegionFactory
from tests.factories.funding import CallVoteFactory, opened, shortlisted
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def test_insight_gives_turnout_and_the_votes_by_theme_and_by_region():
    call_vote = CallVoteFactory()
    digital, safety = list(call_vote.call.themes.order_by("name"))
    north, south = RegionFactory(name="North", slug="north"), RegionFactory(name="South", slug="south")
    first = shortlisted(call_vote.call, panel_rank=1, theme=digital, lead=MemberFactory(region=north))
    second = shortlisted(call_vote.call, panel_rank=2, theme=safety, lead=MemberFactory(region=north))
    voters = [MemberFactory(region=north), MemberFactory(region=south), MemberFactory(region=south)]
    opened(call_vote)
    for member in voters[:2]:
        services.vote_place(call_vote=call_vote, member=member, proposal=first, by=member.user)
    services.vote_place(call_vote=call_vote, member=voters[0], proposal=second, by=voters[0].user)

    insight = vote_insight(call_vote=call_vote)

    assert insight["turnout"] == {"eligible": 5, "voted": 2, "votes": 3, "percent": 40}
    assert [(row["theme__name"], row["votes"], row["voters"]) for row in insight["by_theme"]] == [
        ("Digital", 2, 2),
        ("Patient safety", 1, 1),
    ]
    assert [(row["region_name"], row["eligible"], row["voted"], row["votes"]) for row in insight["by_region"]] == [
        ("North", 3, 1, 2),
        ("South", 2, 1, 1),
    ]
