"""Exchange calls at a chosen stage, ideas with their lead's team row."""

from datetime import timedelta

import factory
from django.utils import timezone

from exchange.choices import JoinStatus, Stage, TeamRole
from exchange.models import Call, Idea, Question, TeamMembership, Theme

from .members import MemberFactory

# How far into its stage each stage starts, counted from now (days): a call "in"
# a stage has that stage's date in the past and the next one in the future.
_ORDER = [Stage.IDEAS, Stage.REFINEMENT, Stage.PROPOSALS, Stage.SHORTLISTING, Stage.VOTE, Stage.RESULTS]
_FIELDS = ["ideas_open_at", "refinement_from", "proposals_from", "proposals_due_at", "vote_from", "results_from"]


def stage_dates(stage: Stage, *, now=None) -> dict:
    """Dates putting a call in `stage` now: its stage began a day ago."""
    now = now or timezone.now()
    current = -1 if stage == Stage.UPCOMING else _ORDER.index(stage)
    return {field: now + timedelta(days=10 * (index - current) - 1) for index, field in enumerate(_FIELDS)}


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        skip_postgeneration_save = True

    class Params:
        stage = Stage.IDEAS

    title = factory.Sequence(lambda n: f"Q Exchange call {n}")
    summary = "Funding for members' improvement projects."
    total_funding = 500_000
    largest_grant = 30_000
    ideas_open_at = factory.LazyAttribute(lambda o: stage_dates(o.stage)["ideas_open_at"])
    refinement_from = factory.LazyAttribute(lambda o: stage_dates(o.stage)["refinement_from"])
    proposals_from = factory.LazyAttribute(lambda o: stage_dates(o.stage)["proposals_from"])
    proposals_due_at = factory.LazyAttribute(lambda o: stage_dates(o.stage)["proposals_due_at"])
    vote_from = factory.LazyAttribute(lambda o: stage_dates(o.stage)["vote_from"])
    results_from = factory.LazyAttribute(lambda o: stage_dates(o.stage)["results_from"])

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        if create:
            for name in extracted or ["Digital", "Patient safety"]:
                Theme.objects.create(call=obj, name=name)

    @factory.post_generation
    def questions(obj, create, extracted, **kwargs):
        if create:
            for position, text in enumerate(extracted or ["What will change?", "How will you share it?"], 1):
                Question.objects.create(call=obj, position=position, text=text, word_limit=50)


class IdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Idea
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    theme = factory.LazyAttribute(lambda o: o.call.themes.first())
    lead = factory.SubFactory(MemberFactory)
    title = factory.Sequence(lambda n: f"Idea {n}")
    problem = "Discharge letters arrive late."
    plan = "Send them the same day."
    budget = 10_000

    @factory.post_generation
    def team(obj, create, extracted, **kwargs):
        if create:
            TeamMembership.objects.create(idea=obj, member=obj.lead, role=TeamRole.LEAD, status=JoinStatus.ACCEPTED)
            for member in extracted or []:
                TeamMembership.objects.create(idea=obj, member=member, status=JoinStatus.ACCEPTED)


def submitted_proposal(idea: Idea, **fields):
    """The idea's proposal, submitted (as its lead would have at the proposals stage)."""
    from exchange.choices import ProposalStatus
    from exchange.models import Proposal

    return Proposal.objects.create(
        idea=idea,
        call=idea.call,
        lead=idea.lead,
        title=fields.pop("title", idea.title),
        summary=fields.pop("summary", idea.plan),
        budget=fields.pop("budget", idea.budget),
        status=ProposalStatus.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=2),
        **fields,
    )
