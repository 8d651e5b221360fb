"""The count against an independent tally of generated ballots, the tie rule
included: the tally here is written from the documented rule, not from the code."""

import random
from datetime import timedelta

import pytest
import time_machine

from funding import services
from funding.choices import TieBreak
from funding.models import CallVote, VoteCount
from q_portal.exceptions import PortalError
from tests.factories.funding import CallVoteFactory, opened, shortlisted
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def independent_places(ballots, proposals, rule):
    """The documented rule: most votes first; ties by the panel's ranking (or the
    lower budget, then the panel's ranking); then the lower proposal number."""
    totals = {proposal.pk: 0 for proposal in proposals}
    for choices in ballots.values():
        for pk in choices:
            totals[pk] += 1

    def key(proposal):
        if rule == TieBreak.LOWER_BUDGET:
            return (-totals[proposal.pk], proposal.budget, proposal.panel_rank, proposal.pk)
        return (-totals[proposal.pk], proposal.panel_rank, proposal.pk)

    return [(proposal.pk, totals[proposal.pk]) for proposal in sorted(proposals, key=key)]


@pytest.mark.parametrize("rule", [TieBreak.PANEL_RANK, TieBreak.LOWER_BUDGET])
def test_the_count_matches_an_independent_tally_including_ties(rule, django_capture_on_commit_callbacks):
    call_vote = CallVoteFactory(tie_break=rule)
    call = call_vote.call
    themes = list(call.themes.all())
    chooser = random.Random(20)  # noqa: S311 - a fixed sample of ballots
    proposals = [
        shortlisted(call, panel_rank=rank, theme=themes[rank % 2], budget=chooser.choice([5_000, 8_000, 12_000]))
        for rank in range(1, 11)
    ]
    members = [MemberFactory() for _ in range(30)]
    opened(call_vote)
    # Few voters and few choices each, so several proposals tie.
    ballots = {}
    for member in members:
        wanted = chooser.sample(proposals, chooser.randint(0, 6))
        placed = []
        for proposal in wanted:
            try:
                services.vote_place(call_vote=call_vote, member=member, proposal=proposal, by=member.user)
                placed.append(proposal.pk)
            except PortalError:
                pass  # the theme cap: the independent tally counts only what was accepted
        ballots[member.pk] = placed

    with (
        time_machine.travel(call_vote.closes_at + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.votes_open_and_close_due()

    counted = list(VoteCount.objects.filter(call_vote=call_vote).order_by("place").values_list("proposal_id", "votes"))
    expected = independent_places(ballots, proposals, rule)
    assert counted == expected
    totals = [votes for _pk, votes in expected]
    assert len(totals) != len(set(totals)), "the generated ballots should include a tie"
    assert CallVote.objects.get(pk=call_vote.pk).status == "counted"


def test_counting_twice_changes_nothing(django_capture_on_commit_callbacks):
    call_vote = CallVoteFactory()
    shortlisted(call_vote.call, panel_rank=1)
    opened(call_vote)
    with (
        time_machine.travel(call_vote.closes_at + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.votes_open_and_close_due()
    assert services.vote_count(call_vote=call_vote) == 0
    assert VoteCount.objects.filter(call_vote=call_vote).count() == 1
