"""The member vote in the benchmark (issue 20): a call at its vote stage with 100
shortlisted proposals in three themes, the vote opened over every member, and
2,000 members' six votes placed (two in each theme). Built once, by bulk inserts,
on top of `seed_scale`'s members; `ballot_page` returns the ballot's URL and the
member who loads it."""

import random
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from exchange.choices import JoinStatus, ProposalStatus, TeamRole
from exchange.models import Call, Idea, Proposal, TeamMembership, Theme
from funding.models import CallVote, Vote, Voter
from funding.services import vote_open

TITLE = "Bench: Q Exchange member vote"
PROPOSALS = 100
VOTERS = 2_000


@transaction.atomic
def _build(members) -> Call:
    now = timezone.now()
    call, themes = _call_at_vote(now)
    _shortlisted_proposals(call, themes, members, now)
    call_vote = CallVote.objects.create(call=call, opens_at=call.vote_from, closes_at=call.results_from)
    vote_open(call_vote=call_vote, now=now)
    _votes_placed(call_vote)
    return call


def _call_at_vote(now) -> tuple[Call, list[Theme]]:
    """A call whose vote opened yesterday, and its three themes."""
    call = Call.objects.create(
        title=TITLE,
        summary="Benchmark call.",
        total_funding=1_000_000,
        largest_grant=30_000,
        ideas_open_at=now - timedelta(days=41),
        refinement_from=now - timedelta(days=31),
        proposals_from=now - timedelta(days=21),
        proposals_due_at=now - timedelta(days=11),
        vote_from=now - timedelta(days=1),
        results_from=now + timedelta(days=9),
    )
    themes = [Theme.objects.create(call=call, name=name) for name in ("Digital", "Patient safety", "Inequalities")]
    return call, themes


def _shortlisted_proposals(call: Call, themes: list[Theme], members, now) -> None:
    """PROPOSALS ideas across the themes, each led by a member (the second on),
    each with its shortlisted proposal."""
    ideas = Idea.objects.bulk_create(
        [
            Idea(
                call=call,
                theme=themes[index % 3],
                lead=members[index + 1],
                title=f"Bench proposal {index + 1}",
                problem="A problem.",
                plan="A plan.",
                budget=10_000,
            )
            for index in range(PROPOSALS)
        ]
    )
    TeamMembership.objects.bulk_create(
        [TeamMembership(idea=idea, member=idea.lead, role=TeamRole.LEAD, status=JoinStatus.ACCEPTED) for idea in ideas]
    )
    Proposal.objects.bulk_create(
        [
            Proposal(
                idea=idea,
                call=call,
                lead=idea.lead,
                title=idea.title,
                summary="What we will change for patients, how we will measure it and share it. " * 3,
                budget=5_000 + 250 * (index % 80),
                status=ProposalStatus.SHORTLISTED,
                panel_rank=index + 1,
                submitted_at=now - timedelta(days=12),
            )
            for index, idea in enumerate(ideas)
        ]
    )


def _votes_placed(call_vote: CallVote) -> None:
    """VOTERS voters' six votes: two proposals chosen at random in each theme."""
    by_theme = {}
    for proposal in Proposal.objects.filter(call=call_vote.call).select_related("idea"):
        by_theme.setdefault(proposal.idea.theme_id, []).append(proposal)
    chooser = random.Random(20)  # noqa: S311 - a fixed, reproducible data set
    votes = []
    for voter in Voter.objects.filter(call_vote=call_vote).order_by("pk")[:VOTERS]:
        for theme_id, proposals in by_theme.items():
            for proposal in chooser.sample(proposals, 2):
                votes.append(Vote(voter=voter, proposal=proposal, theme_id=theme_id))
    Vote.objects.bulk_create(votes, batch_size=5_000)


def ballot_page(members) -> tuple[str, object]:
    """The ballot's path (building the vote the first time) and a voter's user."""
    call = Call.objects.filter(title=TITLE).first() or _build(members)
    return reverse("funding:ballot", kwargs={"pk": call.pk}), members[0].user
