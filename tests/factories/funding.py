"""The member vote: a call at its vote stage with shortlisted proposals (made
directly, as the member panel's shortlist would leave them), its rules, opened."""

import factory
from django.utils import timezone

from exchange.choices import ProposalStatus, Stage
from exchange.models import Proposal
from funding.models import CallVote
from funding.services import vote_open

from .exchange import CallFactory, IdeaFactory
from .members import MemberFactory


def shortlisted(call, *, panel_rank, theme=None, budget=10_000, lead=None, team=(), title=None) -> Proposal:
    """A shortlisted proposal (its idea, lead and accepted team) with its place in the panel's ranking."""
    lead = lead or MemberFactory()
    idea = IdeaFactory(call=call, theme=theme or call.themes.first(), lead=lead, team=list(team))
    return Proposal.objects.create(
        idea=idea,
        call=call,
        lead=lead,
        title=title or f"Proposal ranked {panel_rank}",
        summary="What we will change, and how we will share it.",
        budget=budget,
        status=ProposalStatus.SHORTLISTED,
        panel_rank=panel_rank,
        submitted_at=timezone.now(),
    )


class CallVoteFactory(factory.django.DjangoModelFactory):
    """A call's vote rules (6 votes, at most 3 a theme) over the call's vote stage, not yet open."""

    class Meta:
        model = CallVote

    call = factory.SubFactory(CallFactory, stage=Stage.VOTE)
    opens_at = factory.LazyAttribute(lambda o: o.call.vote_from)
    closes_at = factory.LazyAttribute(lambda o: o.call.results_from)


def opened(call_vote: CallVote) -> CallVote:
    """Open the vote now (the eligibility snapshot of today's active members)."""
    vote_open(call_vote=call_vote)
    call_vote.refresh_from_db()
    return call_vote


def published_and_announced(call_vote: CallVote, *, by, months: int = 12) -> list:
    """Close an opened vote now, count, publish, confirm and announce its funding
    (starting today): the funded projects."""
    from funding.services import funding_announce, funding_confirm, vote_count, vote_publish

    CallVote.objects.filter(pk=call_vote.pk).update(closes_at=timezone.now(), status="closed", closed_at=timezone.now())
    vote_count(call_vote=call_vote)
    vote_publish(call_vote=call_vote, by=by)
    funding_confirm(call_vote=call_vote, by=by)
    return funding_announce(call_vote=call_vote, starts_on=timezone.localdate(), months=months, every_months=3, by=by)
