"""Reads for the exchange's pages. Every figure is computed in the database as an
annotation (correlated subqueries), so a page costs the same number of queries
whatever the number of ideas, comments or supporters."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from members.models import Region

from .choices import IdeaStatus, JoinStatus
from .models import Call, Comment, Idea, IdeaRevision, Support, TeamMembership, Theme


def _count(queryset, field: str = "pk", *, distinct: bool = False):
    """A count of `queryset`'s rows for the outer idea, as an integer annotation."""
    counted = (
        queryset.filter(idea=OuterRef("pk"))
        .order_by()
        .values("idea")
        .annotate(n=Count(field, distinct=distinct))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _team(**filters):
    return TeamMembership.objects.filter(status=JoinStatus.ACCEPTED, **filters)


def with_engagement(ideas: QuerySet[Idea]) -> QuerySet[Idea]:
    """Annotate each idea with its engagement: comments, distinct commenters,
    replies by the team, supporters, revisions after the first comment, team size
    and the number of regions and organisations the team spans."""
    team_authors = _team(idea=OuterRef("idea")).values("member")
    first_comment = Comment.objects.filter(idea=OuterRef("idea")).order_by("created_at", "pk").values("created_at")[:1]
    return ideas.annotate(
        comment_count=_count(Comment.objects.all()),
        commenter_count=_count(Comment.objects.all(), "author", distinct=True),
        team_reply_count=_count(Comment.objects.filter(parent__isnull=False, author__in=team_authors)),
        supporter_count=_count(Support.objects.all()),
        revisions_after_feedback=_count(IdeaRevision.objects.filter(created_at__gt=Subquery(first_comment))),
        team_size=_count(_team()),
        team_region_count=_count(_team(member__region__isnull=False), "member__region", distinct=True),
        team_organisation_count=_count(
            _team(member__organisation__isnull=False), "member__organisation", distinct=True
        ),
    )


@dataclass
class IdeaFilters:
    theme: Theme | None = None
    region: Region | None = None
    stage: str = ""  # "open", "withdrawn", "proposal"
    skill: str = ""
    query: str = ""
    sort: str = ""


def call_ideas(*, call: Call, filters: IdeaFilters, member=None) -> QuerySet[Idea]:
    """The call's ideas, filtered, searched and sorted, with their engagement.
    Search is PostgreSQL full text (title, problem, plan, skills wanted) there and
    a simple match on SQLite."""
    ideas = Idea.objects.filter(call=call)
    if filters.theme is not None:
        ideas = ideas.filter(theme=filters.theme)
    if filters.region is not None:
        ideas = ideas.filter(lead__region=filters.region)
    if filters.stage == "open":
        ideas = ideas.filter(status=IdeaStatus.OPEN, proposal__isnull=True)
    elif filters.stage == "proposal":
        ideas = ideas.filter(status=IdeaStatus.OPEN, proposal__isnull=False)
    elif filters.stage == "withdrawn":
        ideas = ideas.filter(status=IdeaStatus.WITHDRAWN)
    skill = " ".join(filters.skill.split())[:100]
    if skill:
        ideas = ideas.filter(skills_wanted__icontains=skill)
    query = " ".join(filters.query.split())[:200]
    ranked = False
    if query:
        if connection.vendor == "postgresql":
            search = _prefix_query(query)
            if search is None:
                return ideas.none()
            vector = SearchVector("title", weight="A", config="english") + SearchVector(
                "problem", "plan", "skills_wanted", weight="B", config="english"
            )
            ideas = ideas.annotate(search=vector).filter(search=search).annotate(rank=SearchRank(vector, search))
            ranked = True
        else:
            ideas = ideas.filter(
                Q(title__icontains=query)
                | Q(problem__icontains=query)
                | Q(plan__icontains=query)
                | Q(skills_wanted__icontains=query)
            )
    ideas = with_engagement(ideas).select_related("theme", "lead", "lead__region")
    if member is not None:
        ideas = ideas.annotate(supported=Exists(Support.objects.filter(idea=OuterRef("pk"), member=member)))
    if filters.sort == "supported":
        return ideas.order_by("-supporter_count", "-created_at", "pk")
    if filters.sort == "discussed":
        return ideas.order_by("-comment_count", "-created_at", "pk")
    if ranked and filters.sort != "newest":
        return ideas.order_by("-rank", "-created_at", "pk")
    return ideas.order_by("-created_at", "pk")


def _prefix_query(text: str) -> SearchQuery | None:
    words = [word for word in re.findall(r"[^\W_]+", text.lower()) if word][:10]
    if not words:
        return None
    return SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="english")


@dataclass
class CallCounts:
    ideas: int
    comments: int
    supporters: int
    members_involved: int


def call_counts(*, call: Call) -> CallCounts:
    """The call's live figures, in one query."""

    def scalar(queryset):
        return Coalesce(Subquery(queryset.values("n"), output_field=IntegerField()), Value(0))

    def counted(model, field="pk", *, distinct=False, **filters):
        rows = model.objects.filter(idea__call=OuterRef("pk"), **filters).order_by().values("idea__call")
        return scalar(rows.annotate(n=Count(field, distinct=distinct)))

    ideas = Idea.objects.filter(call=OuterRef("pk"), status=IdeaStatus.OPEN).order_by().values("call")
    figures = (
        Call.objects.filter(pk=call.pk)
        .annotate(
            idea_total=scalar(ideas.annotate(n=Count("pk"))),
            comment_total=counted(Comment),
            supporter_total=counted(Support, "member", distinct=True),
            involved_total=counted(TeamMembership, "member", distinct=True, status=JoinStatus.ACCEPTED),
        )
        .values("idea_total", "comment_total", "supporter_total", "involved_total")
        .get()
    )
    return CallCounts(
        ideas=figures["idea_total"],
        comments=figures["comment_total"],
        supporters=figures["supporter_total"],
        members_involved=figures["involved_total"],
    )


def calls_list() -> QuerySet[Call]:
    return Call.objects.annotate(idea_count=Count("ideas", filter=Q(ideas__status=IdeaStatus.OPEN))).order_by(
        "-ideas_open_at", "pk"
    )


def idea_page(*, pk) -> Idea | None:
    return (
        with_engagement(Idea.objects.filter(pk=pk))
        .select_related("call", "theme", "lead", "lead__region", "lead__organisation")
        .first()
    )


def idea_comments(*, idea: Idea) -> QuerySet[Comment]:
    """Top-level comments, oldest first, each with its replies."""
    return (
        Comment.objects.filter(idea=idea, parent__isnull=True)
        .select_related("author")
        .prefetch_related(
            Prefetch("replies", queryset=Comment.objects.select_related("author").order_by("created_at", "pk"))
        )
        .order_by("created_at", "pk")
    )


def idea_team(*, idea: Idea) -> QuerySet[TeamMembership]:
    return (
        TeamMembership.objects.filter(idea=idea)
        .exclude(status=JoinStatus.DECLINED)
        .select_related("member", "member__region", "member__organisation")
        .order_by("role", "created_at", "pk")
    )


def idea_revisions(*, idea: Idea) -> QuerySet[IdeaRevision]:
    return IdeaRevision.objects.filter(idea=idea).select_related("author").order_by("-created_at", "-pk")
