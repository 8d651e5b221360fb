"""Reads for the exchange's pages. Every figure is computed in the database as an
annotation (correlated subqueries), so a page costs the same number of queries
whatever the number of ideas, comments or supporters."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchRank, SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from members.choices import MembershipStatus
from members.models import MemberProfile, Region
from q_portal.search import prefix_query
from scoring.agreement import interval_alpha
from scoring.line import close_to_call, line_after
from scoring.mixing import Mixing, mixing
from scoring.model import Estimate, fit_additive, rank
from scoring.spread import criterion_spread, needs_moderation
from scoring.totals import mean_totals

from .choices import AssessmentStatus, AssessorStatus, EmailPreference, IdeaStatus, JoinStatus, ProposalStatus
from .conflicts import AssessorFacts, ConflictRules, ProposalFacts, find_panel_conflicts
from .models import (
    Assessor,
    Call,
    Comment,
    Criterion,
    Idea,
    IdeaRevision,
    Panel,
    PanelAssignment,
    PanelConflict,
    Proposal,
    Support,
    TeamMembership,
    Theme,
)


def _count(queryset, field: str = "*", *, distinct: bool = False):
    """A count of `queryset`'s rows for the outer idea, as an integer annotation
    (COUNT(*) by default, which an index on the idea can answer alone)."""
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


def with_list_figures(ideas: QuerySet[Idea]) -> QuerySet[Idea]:
    """Annotate each idea with what its card in a list shows (and sorts by):
    comments, supporters and team size."""
    return ideas.annotate(
        comment_count=_count(Comment.objects.all()),
        supporter_count=_count(Support.objects.all()),
        team_size=_count(_team()),
    )


def with_engagement(ideas: QuerySet[Idea]) -> QuerySet[Idea]:
    """Annotate each idea with its engagement: comments, distinct commenters,
    replies by the team, supporters, revisions after the first comment, team size
    and the number of regions and organisations the team spans."""
    team_authors = _team(idea=OuterRef("idea")).values("member")
    first_comment = Comment.objects.filter(idea=OuterRef("idea")).order_by("created_at", "pk").values("created_at")[:1]
    return with_list_figures(ideas).annotate(
        commenter_count=_count(Comment.objects.all(), "author", distinct=True),
        team_reply_count=_count(Comment.objects.filter(parent__isnull=False, author__in=team_authors)),
        revisions_after_feedback=_count(IdeaRevision.objects.filter(created_at__gt=Subquery(first_comment))),
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
    """The call's ideas, filtered, searched and sorted, with the figures their
    cards show. Search is PostgreSQL full text (title, problem, plan, skills
    wanted) there and a simple match on SQLite. Take a page of it with
    `ideas_page`: a page's figures are then counted for its ideas only."""
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
            search = prefix_query(query)
            if search is None:
                return ideas.none()
            vector = SearchVector("title", weight="A", config="english") + SearchVector(
                "problem", "plan", "skills_wanted", weight="B", config="english"
            )
            # Matches are found through the whole vector (its GIN index); the best
            # match is ranked on the title alone, which is cheap to rank
            # however many ideas match (ties: newest first).
            title = SearchVector("title", weight="A", config="english")
            ideas = ideas.annotate(search=vector).filter(search=search).annotate(rank=SearchRank(title, search))
            ranked = True
        else:
            ideas = ideas.filter(
                Q(title__icontains=query)
                | Q(problem__icontains=query)
                | Q(plan__icontains=query)
                | Q(skills_wanted__icontains=query)
            )
    ideas = with_list_figures(ideas).select_related("theme", "lead", "lead__region")
    if member is not None:
        ideas = ideas.annotate(supported=Exists(Support.objects.filter(idea=OuterRef("pk"), member=member)))
    if filters.sort == "supported":
        return ideas.order_by("-supporter_count", "-created_at", "pk")
    if filters.sort == "discussed":
        return ideas.order_by("-comment_count", "-created_at", "pk")
    if ranked and filters.sort != "newest":
        return ideas.order_by("-rank", "-created_at", "pk")
    return ideas.order_by("-created_at", "pk")


def ideas_page(ideas: QuerySet[Idea], ids: list[int]) -> list[Idea]:
    """The ideas of `ids` (one page of `call_ideas`, taken as ids so that the
    database orders and skips the ideas before the page without counting their
    figures), in that order, with their figures: one query."""
    found = {idea.pk: idea for idea in ideas.filter(pk__in=ids).order_by()}
    return [found[pk] for pk in ids if pk in found]


@dataclass
class CallCounts:
    ideas: int
    comments: int
    supporters: int
    members_involved: int


# The call's figures are read from the cache on most views: counting 20,000 comments
# and 10,000 supports of 2,000 ideas was 22 ms, on every view of the call's page.
# Any idea, comment, support or team membership saved or deleted removes them when
# its transaction commits (`exchange.signals`), so each change shows at once; the
# age limit only bounds what a process may show while Redis is down (each process
# then keeps its own copy, which other processes' changes do not reach).
CALL_COUNTS_FOR = 60


def call_counts_key(call_id: int) -> str:
    return f"exchange:call-counts:{call_id}"


def call_counts(*, call: Call) -> CallCounts:
    """The call's figures: from the cache when nothing has changed since they were counted."""
    key = call_counts_key(call.pk)
    kept = cache.get(key)
    # Kept with the call's creation time, so a restored database never shows another call's.
    if kept is not None and kept[0] == call.created_at:
        return kept[1]
    counts = _call_counts(call=call)
    cache.set(key, (call.created_at, counts), CALL_COUNTS_FOR)
    return counts


def _call_counts(*, call: Call) -> CallCounts:
    """The call's live figures, in one query."""

    def scalar(queryset):
        return Coalesce(Subquery(queryset.values("n"), output_field=IntegerField()), Value(0))

    def counted(model, field="*", *, distinct=False, **filters):
        rows = model.objects.filter(idea__call=OuterRef("pk"), **filters).order_by().values("idea__call")
        return scalar(rows.annotate(n=Count(field, distinct=distinct)))

    ideas = Idea.objects.filter(call=OuterRef("pk"), status=IdeaStatus.OPEN).order_by().values("call")
    figures = (
        Call.objects.filter(pk=call.pk)
        .annotate(
            idea_total=scalar(ideas.annotate(n=Count("*"))),
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


def team_to_email(*, idea_id: int, preference: str) -> QuerySet[MemberProfile]:
    """The idea's team in good standing who chose `preference` for emails about
    their ideas and projects (no choice made: an email for each event)."""
    team = MemberProfile.objects.filter(
        idea_memberships__idea_id=idea_id, idea_memberships__status=JoinStatus.ACCEPTED, status=MembershipStatus.ACTIVE
    )
    if preference == EmailPreference.EACH:
        team = team.exclude(exchange_preference__email__in=[EmailPreference.NONE, EmailPreference.DIGEST])
    else:
        team = team.filter(exchange_preference__email=preference)
    return team.select_related("user")


# --- Shortlisting by a member panel ------------------------------------------------------

# Proposals the panel assesses: submitted, and once marked, on or off the shortlist.
PANEL_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED, ProposalStatus.NOT_SHORTLISTED)


def panel_conflict_facts(*, call: Call, proposal_ids=None) -> tuple[list[ProposalFacts], list[AssessorFacts]]:
    """The facts the conflict rules need, in five queries whatever the size of
    the call: its panel proposals with their team (accepted or asking to join)
    and its organisations (by record), supporters and commenters; its recruited
    assessors with their organisation (by record)."""
    proposals = Proposal.objects.filter(call=call, status__in=PANEL_STATUSES)
    if proposal_ids is not None:
        proposals = proposals.filter(pk__in=proposal_ids)
    idea_of = dict(proposals.values_list("idea_id", "pk"))
    team, organisations = defaultdict(set), defaultdict(set)
    supporters, commenters = defaultdict(set), defaultdict(set)
    memberships = TeamMembership.objects.filter(idea_id__in=idea_of).exclude(status=JoinStatus.DECLINED)
    for idea_id, member_id, organisation_id in memberships.values_list(
        "idea_id", "member_id", "member__organisation_id"
    ):
        team[idea_of[idea_id]].add(member_id)
        if organisation_id is not None:
            organisations[idea_of[idea_id]].add(organisation_id)
    for idea_id, member_id in Support.objects.filter(idea_id__in=idea_of).values_list("idea_id", "member_id"):
        supporters[idea_of[idea_id]].add(member_id)
    comments = Comment.objects.filter(idea_id__in=idea_of, author__isnull=False)
    for idea_id, member_id in comments.values_list("idea_id", "author_id").distinct():
        commenters[idea_of[idea_id]].add(member_id)
    proposal_facts = [
        ProposalFacts(
            id=pk,
            team=frozenset(team[pk]),
            organisations=frozenset(organisations[pk]),
            supporters=frozenset(supporters[pk]),
            commenters=frozenset(commenters[pk]),
        )
        for pk in sorted(idea_of.values())
    ]
    assessors = Assessor.objects.filter(call=call, status=AssessorStatus.RECRUITED).order_by("pk")
    assessor_facts = [
        AssessorFacts(id=pk, member_id=member_id, organisation_id=organisation_id)
        for pk, member_id, organisation_id in assessors.values_list("pk", "member_id", "member__organisation_id")
    ]
    return proposal_facts, assessor_facts


def conflict_rules(panel: Panel) -> ConflictRules:
    return ConflictRules(
        same_organisation=panel.conflict_same_organisation,
        supported=panel.conflict_supported,
        commented=panel.conflict_commented,
    )


def assignment_for_assessor(*, assignment_pk, member: MemberProfile | None) -> PanelAssignment | None:
    """The member's own assignment, while they are on the panel and have no
    conflict of interest with the proposal (recorded, or found now from the
    facts): otherwise None, and the proposal does not exist for them."""
    if member is None:
        return None
    assignment = (
        PanelAssignment.objects.select_related("assessor", "proposal__call", "proposal__idea__theme")
        .filter(pk=assignment_pk, assessor__member=member, assessor__status=AssessorStatus.RECRUITED)
        .first()
    )
    if assignment is None or assignment.proposal.status not in PANEL_STATUSES:
        return None
    if PanelConflict.objects.filter(proposal_id=assignment.proposal_id, assessor_id=assignment.assessor_id).exists():
        return None
    panel = Panel.objects.filter(call_id=assignment.proposal.call_id).first() or Panel(call=assignment.proposal.call)
    proposals, _assessors = panel_conflict_facts(call=assignment.proposal.call, proposal_ids=[assignment.proposal_id])
    me = AssessorFacts(id=assignment.assessor_id, member_id=member.pk, organisation_id=member.organisation_id)
    if find_panel_conflicts(proposals, [me], conflict_rules(panel)):
        return None
    return assignment


def panel_of(*, call: Call) -> Panel:
    """The call's panel settings (the defaults, unsaved, until the programme team saves them)."""
    return Panel.objects.filter(call=call).first() or Panel(call=call)


@dataclass
class RankedProposal:
    proposal: Proposal
    estimate: Estimate | None = None
    mean: float | None = None
    spread: int = 0
    done: int = 0
    expected: int = 0
    moderated: bool = False
    needs_moderation: bool = False
    close_to_call: bool = False
    rank: int | None = None


@dataclass
class PanelRanking:
    panel: Panel
    criteria: list[Criterion]
    # Proposals with at least one submitted assessment, best first by the
    # bias-corrected estimate; then the rest.
    ranked: list[RankedProposal] = field(default_factory=list)
    unscored: list[RankedProposal] = field(default_factory=list)
    line: float | None = None
    mixing: Mixing | None = None
    # Krippendorff's alpha (interval) per criterion letter, over the regular assessments.
    agreement: dict[str, float | None] = field(default_factory=dict)


def panel_ranking(*, call: Call) -> PanelRanking:
    """The panel's ranking of the call's proposals, by the same shared
    algorithms as selection: the additive model's bias-corrected estimate with
    its 95 % interval (`scoring.model`), the mean weighted total, disagreement
    and moderation (`scoring.spread`), the line after the panel's places and the
    proposals too close to call at it (`scoring.line`), how well the assignment
    mixes assessors (`scoring.mixing`) and their agreement (`scoring.agreement`).
    Five queries whatever the number of proposals; the fit runs in memory (a
    call has hundreds of proposals, not thousands)."""
    panel = panel_of(call=call)
    criteria = list(Criterion.objects.filter(call=call).order_by("letter"))
    proposals = list(
        Proposal.objects.filter(call=call, status__in=PANEL_STATUSES)
        .select_related("idea__theme", "feedback")
        .annotate(expected=Count("panel_assignments", filter=Q(panel_assignments__is_moderation=False)))
        .order_by("pk")
    )
    rows = list(
        PanelAssignment.objects.filter(proposal__call=call, assessment__status=AssessmentStatus.SUBMITTED).values_list(
            "proposal_id", "assessor_id", "assessment__weighted_total", "assessment__scores", "is_moderation"
        )
    )
    pairs = list(PanelAssignment.objects.filter(proposal__call=call).values_list("proposal_id", "assessor_id"))
    totals = [(proposal_id, assessor_id, total) for proposal_id, assessor_id, total, _scores, _m in rows]
    fit = fit_additive(totals)
    means = mean_totals(totals)
    regular_scores, moderated, done = _assessment_tallies(rows)
    estimates = {proposal_id: estimate.score for proposal_id, estimate in fit.estimates.items()}
    order = rank(estimates, tie_break={pk: (-means.get(pk, 0),) for pk in estimates})
    line = line_after(order, fit.estimates, places=panel.places)
    close = close_to_call(fit.estimates, line=line) if line is not None else set()
    result = PanelRanking(panel=panel, criteria=criteria, line=line, mixing=mixing(pairs))
    by_pk = {}
    for proposal in proposals:
        by_pk[proposal.pk] = RankedProposal(
            proposal=proposal,
            estimate=fit.estimates.get(proposal.pk),
            mean=means.get(proposal.pk),
            **_moderation_facts(
                proposal, scores=regular_scores[proposal.pk], done=done[proposal.pk], moderated=moderated, panel=panel
            ),
            close_to_call=proposal.pk in close,
        )
    for position, proposal_id in enumerate(order, 1):
        if proposal_id in by_pk:
            by_pk[proposal_id].rank = position
            result.ranked.append(by_pk[proposal_id])
    result.unscored = [row for pk, row in by_pk.items() if pk not in fit.estimates]
    for criterion in criteria:
        result.agreement[criterion.letter] = interval_alpha(
            [scores.get(criterion.letter) for scores in score_sets if scores.get(criterion.letter) is not None]
            for score_sets in regular_scores.values()
        )
    return result


def _moderation_facts(proposal: Proposal, *, scores: list[dict], done: int, moderated: set[int], panel) -> dict:
    """How far the assessors disagree, how many assessed it, and whether it needs
    moderation: the fields of a RankedProposal about its assessments."""
    spread = criterion_spread(scores)
    return {
        "spread": spread,
        "done": done,
        "expected": proposal.expected,
        "moderated": proposal.pk in moderated,
        "needs_moderation": needs_moderation(
            spread=spread,
            threshold=panel.moderation_spread,
            done=done,
            expected=proposal.expected,
            moderated=proposal.pk in moderated,
        ),
    }


def _assessment_tallies(rows) -> tuple[dict[int, list[dict]], set[int], dict[int, int]]:
    """From the submitted assessments (proposal, assessor, total, scores, is
    moderation): each proposal's regular score sets, the proposals moderated, and
    how many regular assessments each has."""
    regular_scores: dict[int, list[dict]] = defaultdict(list)
    moderated: set[int] = set()
    done: dict[int, int] = defaultdict(int)
    for proposal_id, _assessor_id, _total, scores, is_moderation in rows:
        if is_moderation:
            moderated.add(proposal_id)
        else:
            regular_scores[proposal_id].append(scores)
            done[proposal_id] += 1
    return regular_scores, moderated, done


def panel_assessors(*, call: Call) -> QuerySet[Assessor]:
    """The call's volunteers and assessors with where they work (by record) and
    their assignments: assigned and submitted."""
    return (
        Assessor.objects.filter(call=call)
        .select_related("member", "member__organisation", "member__region")
        .annotate(
            assigned=Count("assignments", distinct=True),
            submitted=Count(
                "assignments",
                filter=Q(assignments__assessment__status=AssessmentStatus.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("status", "created_at", "pk")
    )


def assessor_queue(*, member: MemberProfile) -> QuerySet[PanelAssignment]:
    """The member's proposals to assess, across calls, with no conflict of
    interest recorded (a conflicted assessor never sees the proposal)."""
    idea, me = OuterRef("proposal__idea"), OuterRef("assessor__member")
    team = TeamMembership.objects.filter(idea=idea).exclude(status=JoinStatus.DECLINED)

    def rule_on(name):
        return Q(proposal__call__panel__isnull=True) | Q(**{f"proposal__call__panel__{name}": True})

    return (
        PanelAssignment.objects.filter(
            assessor__member=member,
            assessor__status=AssessorStatus.RECRUITED,
            proposal__status__in=PANEL_STATUSES,
        )
        # Recorded conflicts, and those the rules find now (the same rules as
        # `conflicts.find_panel_conflicts`, as subqueries).
        .exclude(Exists(PanelConflict.objects.filter(proposal=OuterRef("proposal"), assessor=OuterRef("assessor"))))
        .exclude(Exists(team.filter(member=me)))
        .exclude(
            Exists(team.filter(member__organisation=OuterRef("assessor__member__organisation")))
            & rule_on("conflict_same_organisation")
        )
        .exclude(Exists(Support.objects.filter(idea=idea, member=me)) & rule_on("conflict_supported"))
        .exclude(Exists(Comment.objects.filter(idea=idea, author=me)) & rule_on("conflict_commented"))
        .select_related("proposal__call", "proposal__idea__theme", "assessment")
        .order_by("proposal__call_id", "proposal__title", "pk")
    )


def panel_places_of(*, member: MemberProfile) -> QuerySet[Assessor]:
    return Assessor.objects.filter(member=member).select_related("call").order_by("-created_at", "pk")
