"""Vote limits hold under 50 concurrent votes from one member (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from funding.models import CallVote, Vote
from funding.services import vote_place
from q_portal.exceptions import PortalError
from tests.factories.funding import CallVoteFactory, opened, shortlisted
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_concurrent_votes_from_one_member_never_exceed_the_limits():
    call_vote = CallVoteFactory()
    call = call_vote.call
    digital, safety = list(call.themes.order_by("name"))
    proposals = [shortlisted(call, panel_rank=rank, theme=digital if rank <= 25 else safety) for rank in range(1, 51)]
    member = MemberFactory()
    opened(call_vote)
    call_vote = CallVote.objects.get(pk=call_vote.pk)
    barrier = threading.Barrier(len(proposals))
    placed, refused, failures = [], [], []

    def cast(proposal):
        try:
            barrier.wait(timeout=60)
            vote_place(call_vote=call_vote, member=member, proposal=proposal, by=member.user)
            placed.append(proposal.pk)
        except PortalError:
            refused.append(proposal.pk)
        except Exception as error:  # reported by the assertion below
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=[proposal]) for proposal in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    votes = Vote.objects.filter(voter__member=member)
    assert len(placed) == votes.count() == 6
    assert len(refused) == 44
    assert votes.filter(theme=digital).count() == 3
    assert votes.filter(theme=safety).count() == 3


def test_two_tabs_placing_the_same_vote_at_once_give_one_vote():
    call_vote = CallVoteFactory()
    proposal = shortlisted(call_vote.call, panel_rank=1)
    member = MemberFactory()
    opened(call_vote)
    barrier = threading.Barrier(2)
    outcomes = []

    def cast():
        try:
            barrier.wait(timeout=30)
            vote_place(call_vote=call_vote, member=member, proposal=proposal, by=member.user)
            outcomes.append("placed")
        except PortalError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=cast) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes)[-1] == "placed" and "already voted" in sorted(outcomes)[0]
    assert Vote.objects.filter(proposal=proposal).count() == 1
