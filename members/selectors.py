"""Reads for the members' pages: each returns a queryset (or a small structure)
with its joins already applied, so a page's query count does not grow with rows."""

from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from q_portal.search import prefix_query

from .choices import CommunityStatus, InterestStatus, MembershipStatus, ReportStatus, RoleCategory
from .models import (
    AbuseReport,
    CoffeePairing,
    Community,
    CommunityMembership,
    ContactMessage,
    GrowthTarget,
    Interest,
    MemberImport,
    MemberProfile,
    Organisation,
    Pledge,
    Region,
)

SORTS = ("name", "newest", "relevance")

LISTED_COUNT_KEY = "members:directory:listed-count"
# The longest the unfiltered directory may show a count that a write outside the
# members' services changed (`listed_member_count` says which writes those are).
LISTED_COUNT_SECONDS = 60


def _approved_interests() -> Prefetch:
    return Prefetch(
        "interests",
        queryset=Interest.objects.filter(status=InterestStatus.APPROVED).order_by("name"),
        to_attr="approved_interests",
    )


def directory_search(
    *,
    query: str = "",
    region: Region | None = None,
    role_category: str = "",
    interest: Interest | None = None,
    community: Community | None = None,
    cohort: str = "",
    sort: str = "",
    organisation_kind: str = "",
    expertise: str = "",
) -> QuerySet[MemberProfile]:
    """Listed members (active, not hidden) matching the search and filters. Free
    text uses PostgreSQL full-text search over name, job, organisation, interests,
    bio, skills and methods (plus a name match for part of a name); SQLite falls
    back to a simple match. With a search the best matches come first unless
    another order is asked for; otherwise by name."""
    profiles = MemberProfile.objects.listed()
    if region is not None:
        profiles = profiles.filter(region=region)
    if role_category:
        profiles = profiles.filter(role_category=role_category)
    if interest is not None:
        profiles = profiles.filter(interests=interest)
    if community is not None:
        profiles = profiles.filter(community_memberships__community=community)
    if cohort:
        profiles = profiles.filter(cohort_name=cohort)
    if organisation_kind:
        profiles = profiles.filter(organisation__kind=organisation_kind)
    for word in expertise.split()[:5]:
        profiles = profiles.filter(offers(word))
    query = " ".join(query.split())[:200]
    ranked = False
    if query:
        if connection.vendor == "postgresql":
            search = prefix_query(query)
            if search is None:
                return profiles.none()
            profiles = profiles.filter(search_vector=search).annotate(rank=SearchRank(F("search_vector"), search))
            ranked = True
        else:
            profiles = profiles.filter(
                Q(full_name__icontains=query)
                | Q(job_title__icontains=query)
                | Q(bio__icontains=query)
                | Q(skills__icontains=query)
                | Q(methods__icontains=query)
                | Q(interests__name__icontains=query, interests__status=InterestStatus.APPROVED)
            ).distinct()
    if sort == "newest":
        profiles = profiles.order_by("-joined_on", "full_name", "pk")
    elif ranked and sort != "name":
        profiles = profiles.order_by("-rank", "full_name", "pk")
    else:
        profiles = profiles.order_by("full_name", "pk")
    return profiles.select_related("region", "organisation").prefetch_related(_approved_interests())


def directory_matches_up_to(profiles: QuerySet[MemberProfile], *, cap: int) -> int:
    """How many of `profiles` there are, counting no further than `cap` + 1: more
    than `cap` answers `cap` + 1, whatever the true number. One query, which
    stops at the row past the cap in whatever order is cheapest to read (the
    order and the rank of a search are left out: a count needs neither)."""
    return profiles.order_by().values("pk")[: cap + 1].count()


def listed_member_count() -> int:
    """How many members the directory lists unfiltered, from the cache.

    The members' services that add a profile to the directory or take one out of
    it (`member_create`, so imports too; `member_transition`;
    `profile_settings_update` changing the visibility) clear it once they commit,
    so a member who joins, hides their profile or is paused changes the count at
    once. (Anonymising after retention touches only ended memberships, which are
    not listed.) Clearing on every write cannot be made complete, so the count
    is also kept at most `LISTED_COUNT_SECONDS`: writes outside these services
    do not clear it (an erasure in `selection.services.privacy` deleting the
    profile, the Django admin changing a visibility or deleting an account, bulk
    loads such as `seed_scale`); a clear made while Redis is down reaches only
    that process's memory, Redis keeping the old count; and a count read just
    before a commit can be stored just after that commit's clear. Until it
    expires the heading can be a few members out and the last page can hold one
    or two members more or fewer than it should; nothing breaks (a page past the
    true end is an empty page). With Redis down, `q_portal.cache.ResilientRedisCache`
    keeps it in each process's memory instead."""
    count = cache.get(LISTED_COUNT_KEY)
    if count is None:
        count = MemberProfile.objects.listed().count()
        cache.set(LISTED_COUNT_KEY, count, LISTED_COUNT_SECONDS)
    return count


def listed_member_count_forget() -> None:
    """Drop the cached count of listed members (the next directory counts afresh)."""
    cache.delete(LISTED_COUNT_KEY)


def offers(word: str) -> Q:
    """What a member offers mentions the word: their skills or the improvement
    methods they use, any part of a word, any case (served on PostgreSQL by the
    trigram indexes of migration members.0011)."""
    return Q(skills__icontains=word) | Q(methods__icontains=word)


@dataclass
class DirectoryFilters:
    regions: list[Region]
    interests: list[Interest]
    communities: list[Community]
    cohorts: list[str]
    role_categories: list[tuple[str, str]]


def directory_filter_options() -> DirectoryFilters:
    """The choices for the directory's filters: four queries whatever the size."""
    return DirectoryFilters(
        regions=list(Region.objects.order_by("nation", "name")),
        interests=list(Interest.objects.filter(status=InterestStatus.APPROVED).order_by("name")),
        communities=list(Community.objects.order_by("name")),
        cohorts=list(
            MemberProfile.objects.listed()
            .exclude(cohort_name="")
            .order_by("cohort_name")
            .values_list("cohort_name", flat=True)
            .distinct()
        ),
        role_categories=list(RoleCategory.choices),
    )


def profile_for_owner(*, user) -> MemberProfile | None:
    return (
        MemberProfile.objects.select_related("region", "organisation", "pledge")
        .prefetch_related("interests", "communities")
        .filter(user=user)
        .first()
    )


def pledge_wall(*, region: Region | None = None) -> QuerySet[Pledge]:
    """Pledges of listed members, the most recently made or changed first (a
    pledge just edited is on the wall's first page, as its page says)."""
    pledges = Pledge.objects.filter(
        member__status=MembershipStatus.ACTIVE, member__visibility="members"
    ).select_related("member__region", "member__organisation")
    if region is not None:
        pledges = pledges.filter(member__region=region)
    return pledges.order_by("-updated_at", "-pk")


def communities_with_counts(*, member: MemberProfile | None = None) -> QuerySet[Community]:
    """Communities with the number of listed members in each, and whether the
    given member belongs."""
    listed = Q(memberships__member__status=MembershipStatus.ACTIVE, memberships__member__visibility="members")
    communities = Community.objects.filter(status=CommunityStatus.APPROVED).annotate(
        member_count=Count("memberships", filter=listed, distinct=True)
    )
    if member is not None:
        communities = communities.annotate(
            is_mine=Count("memberships", filter=Q(memberships__member=member), distinct=True)
        )
    return communities.order_by("name")


def community_members(*, community: Community) -> QuerySet[MemberProfile]:
    """Listed members of the community (hidden profiles never appear)."""
    convenor = CommunityMembership.objects.filter(community=community, member=OuterRef("pk"), is_convenor=True)
    return (
        MemberProfile.objects.listed()
        .filter(community_memberships__community=community)
        .annotate(is_convenor=Exists(convenor))
        .select_related("region", "organisation")
        .order_by("full_name", "pk")
    )


def messages_for(*, member: MemberProfile) -> QuerySet[ContactMessage]:
    return (
        ContactMessage.objects.filter(Q(sender=member) | Q(recipient=member))
        .select_related("sender", "recipient")
        .order_by("-sent_at", "-pk")
    )


def members_for_programme(*, status: str = "", query: str = "") -> QuerySet[MemberProfile]:
    profiles = MemberProfile.objects.select_related("region", "user")
    if status:
        profiles = profiles.filter(status=status)
    query = query.strip()
    if query:
        profiles = profiles.filter(
            Q(full_name__icontains=query) | Q(membership_number__iexact=query) | Q(user__email__iexact=query)
        )
    return profiles.order_by("full_name", "pk")


def reports_for_programme(*, status: str = ReportStatus.OPEN) -> QuerySet[AbuseReport]:
    return (
        AbuseReport.objects.filter(status=status)
        .select_related("reporter", "reported", "message", "resolved_by")
        .order_by("-created_at", "-pk")
    )


def interests_waiting() -> QuerySet[Interest]:
    return (
        Interest.objects.filter(status=InterestStatus.PENDING)
        .select_related("suggested_by")
        .annotate(member_count=Count("member_profiles"))
        .order_by("created_at", "pk")
    )


@dataclass
class GrowthMonth:
    month: date
    joined: int
    total: int


@dataclass
class Growth:
    months: list[GrowthMonth]
    total: int
    target: GrowthTarget | None
    by_region: list[tuple[str, int]]
    by_role: list[tuple[str, int]]


def membership_growth() -> Growth:
    """Active and paused members (ended ones no longer count) by the month they
    joined, with running totals, by region and by role category: aggregated in
    the database, three queries plus the target."""
    counted = MemberProfile.objects.exclude(status=MembershipStatus.ENDED)
    per_month = (
        counted.annotate(month=TruncMonth("joined_on")).values("month").annotate(joined=Count("pk")).order_by("month")
    )
    months, running = [], 0
    for row in per_month:
        running += row["joined"]
        months.append(GrowthMonth(month=row["month"], joined=row["joined"], total=running))
    regions = {
        (row["region__name"] or ""): row["count"]
        for row in counted.values("region__name").annotate(count=Count("pk")).order_by("region__name")
    }
    roles = dict(RoleCategory.choices)
    by_role = [
        (str(roles.get(row["role_category"], "")) or "", row["count"])
        for row in counted.values("role_category").annotate(count=Count("pk")).order_by("role_category")
    ]
    return Growth(
        months=months,
        total=running,
        target=GrowthTarget.objects.first(),
        by_region=sorted(regions.items(), key=lambda item: (-item[1], item[0])),
        by_role=sorted(by_role, key=lambda item: (-item[1], item[0])),
    )


def organisation_named(*, name: str) -> Organisation | None:
    """The organisation with this name, whatever its case (a suggestion from a work
    identity's organisation claim is matched this way), or None."""
    return Organisation.objects.filter(name__iexact=name).first()


# --- The member's home ------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    percent: int
    missing: list[str]


def profile_completeness(*, member: MemberProfile) -> Completeness:
    """How much of the profile other members would find useful is filled in."""
    checks = [
        (bool(member.photo.name), _("a photo")),
        (bool(member.job_title), _("your job title")),
        (bool(member.organisation_id or member.organisation_other), _("your organisation")),
        (bool(member.region_id), _("your region")),
        (bool(member.bio), _("what you work on")),
        (member.interests.exists(), _("your interests")),
        (Pledge.objects.filter(member=member).exists(), _("your pledge")),
    ]
    done = sum(1 for ok, _label in checks if ok)
    return Completeness(percent=round(100 * done / len(checks)), missing=[label for ok, label in checks if not ok])


def people_to_meet(*, member: MemberProfile, limit: int = 6) -> list[MemberProfile]:
    """Listed members in the member's region who share most interests with them
    (then the newest), never the member themself."""
    return list(
        MemberProfile.objects.listed()
        .exclude(pk=member.pk)
        .filter(region_id=member.region_id, interests__in=member.interests.values("pk"))
        .annotate(shared=Count("interests", distinct=True))
        .select_related("organisation", "region")
        .order_by("-shared", "-joined_on", "pk")[:limit]
    )


def coffee_partner(*, member: MemberProfile) -> MemberProfile | None:
    """This month's (or the latest) random coffee partner."""
    pairing = (
        CoffeePairing.objects.filter(Q(first=member) | Q(second=member))
        .select_related("first", "second")
        .order_by("-month")
        .first()
    )
    if pairing is None:
        return None
    return pairing.second if pairing.first_id == member.pk else pairing.first


# --- Special interest groups and discussions ------------------------------------------


def group_threads(*, group: Community, include_hidden: bool = False) -> QuerySet:
    """A group's discussions, latest activity first, with their visible reply count."""
    from .models import Thread

    threads = (
        Thread.objects.filter(community=group)
        .select_related("author")
        .annotate(post_count=Count("posts", filter=Q(posts__hidden=False)))
    )
    if not include_hidden:
        threads = threads.filter(hidden=False)
    return threads.order_by("-last_post_at", "-pk")


def thread_posts(*, thread, include_hidden: bool = False) -> QuerySet:
    from .models import Post

    posts = Post.objects.filter(thread=thread).select_related("author", "author__organisation")
    if not include_hidden:
        posts = posts.filter(hidden=False)
    return posts.order_by("created_at", "pk")


def group_proposals() -> QuerySet[Community]:
    return (
        Community.objects.filter(status=CommunityStatus.PROPOSED)
        .select_related("proposed_by")
        .prefetch_related(
            Prefetch(
                "memberships", queryset=CommunityMembership.objects.filter(is_convenor=True).select_related("member")
            )
        )
        .order_by("created_at", "pk")
    )


def recent_group_posts(*, member: MemberProfile, limit: int = 6) -> list:
    """The newest visible posts in the member's approved groups, not their own."""
    from .models import Post

    return list(
        Post.objects.filter(
            thread__community__memberships__member=member,
            thread__community__status=CommunityStatus.APPROVED,
            hidden=False,
            thread__hidden=False,
        )
        .exclude(author=member)
        .select_related("thread__community", "author")
        .order_by("-created_at", "-pk")[:limit]
    )


def suggested_groups(*, member: MemberProfile, limit: int = 3) -> list[Community]:
    """Open, approved groups the member is not in, the busiest first."""
    return list(
        Community.objects.filter(status=CommunityStatus.APPROVED, is_open=True)
        .exclude(memberships__member=member)
        .annotate(size=Count("memberships", distinct=True))
        .order_by("-size", "name")[:limit]
    )


def member_import_pending(*, pk, by) -> MemberImport | None:
    """The founding-members file `by` uploaded and has not yet confirmed (none
    for anyone else's, or a stale or missing id)."""
    if not isinstance(pk, int):
        return None
    return MemberImport.objects.filter(pk=pk, uploaded_by=by).first()
