"""Reads for the programme team's insight pages: the round funnel, submissions by
day, representation by group, reviewer calibration and agreement, score
distributions, nominations by organisation and membership growth.

Every count, mean and spread is computed by the database (Count, Avg, StdDev,
TruncDate, GROUP BY); Python only walks the small aggregated results (a row per
day, group, reviewer or score level). The one exception is agreement over time:
Krippendorff's alpha needs the scores themselves, so they are streamed once with
`.iterator()` as small tuples (application, criterion, score, when) and folded
into per-application sums (see `selection.agreement`): at 30,000 reviews of three
criteria that is 90,000 tuples read in chunks, never held in memory together.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from hashlib import sha256
from math import sqrt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus, RoleCategory, RoundStatus
from applications.models import (
    Application,
    Criterion,
    Nomination,
    NominationQuota,
    Round,
    Route,
    UpdateSubscription,
)
from applications.models.nominations import ACTIVE_NOMINATION_STATUSES
from members.models import Organisation, Region
from members.selectors import Growth, GrowthMonth, membership_growth

from ..agreement import AlphaPoint, Leaning, alpha_over_time, calibration_flag, calibration_z
from ..choices import DEFAULT_RUBRIC, DecisionOutcome, ReviewStatus
from ..models import CriterionScore, Decision, PracticeReview, Review, RoundScoring, SelectionSettings
from .practice import PracticeCalibration, practice_calibration

LONDON = ZoneInfo("Europe/London")

# Rounds with something to show: every round once it has opened.
INSIGHT_ROUND_STATUSES = (RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.IN_REVIEW, RoundStatus.DECIDED)
# The applicant pool: applications submitted and not withdrawn.
POOL_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.DECIDED)
# A filter value for applications the team has not decided yet.
UNDECIDED = "undecided"
# The membership target when the programme team has not set one (DESIGN.md §1).
DEFAULT_MEMBERSHIP_TARGET = 5000


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


# --- Rounds and filters ---------------------------------------------------------------


def sample_sd(*, count: int, total: float | None, squares: float | None) -> float | None:
    """The sample standard deviation from a group's count, sum and sum of squares
    (all three computed by the database), or None under two scores. Not the
    database's StdDev: PostgreSQL answers NULL for a single row, but SQLite's
    (Python's `statistics.stdev`) raises, and a round mid-review has reviewers and
    criteria with one score."""
    if count < 2 or total is None or squares is None:
        return None
    variance = (squares - total * total / count) / (count - 1)
    return sqrt(max(variance, 0.0))


def _count_of(queryset: QuerySet, group_by: str) -> Subquery:
    return Coalesce(
        Subquery(queryset.order_by().values(group_by).annotate(count=Count("pk")).values("count")[:1]),
        0,
        output_field=IntegerField(),
    )


def rounds_for_insight() -> QuerySet[Round]:
    """Rounds that have opened, newest first, each with `started`, `submitted`
    and `accepted` (the team's decisions, released or not): one query a page."""
    applications = Application.objects.filter(round=OuterRef("pk"))
    return (
        Round.objects.filter(status__in=INSIGHT_ROUND_STATUSES)
        .annotate(
            started=_count_of(applications, "round"),
            submitted=_count_of(applications.filter(status__in=POOL_STATUSES), "round"),
            accepted=_count_of(Decision.objects.filter(round=OuterRef("pk"), outcome=DecisionOutcome.ACCEPT), "round"),
        )
        .order_by("-opens_at", "-pk")
    )


def insight_round_default() -> Round | None:
    """The round the team most likely wants: the latest in review or decided,
    else the latest that has opened."""
    rounds = Round.objects.order_by("-closes_at", "-pk")
    return (
        rounds.filter(status__in=(RoundStatus.IN_REVIEW, RoundStatus.DECIDED)).first()
        or rounds.filter(status__in=INSIGHT_ROUND_STATUSES).first()
    )


@dataclass(frozen=True)
class InsightFilters:
    """The groups of applications a page (and its downloads) is narrowed to."""

    region: Region | None = None
    role_category: str = ""
    route: Route | None = None
    outcome: str = ""  # a DecisionOutcome value, or UNDECIDED

    def applications(self, prefix: str = "") -> Q:
        """The condition on applications, reached through `prefix` (e.g.
        "assignment__application__")."""
        condition = Q()
        if self.region is not None:
            condition &= Q(**{f"{prefix}region": self.region})
        if self.role_category:
            condition &= Q(**{f"{prefix}role_category": self.role_category})
        if self.route is not None:
            condition &= Q(**{f"{prefix}route": self.route})
        if self.outcome == UNDECIDED:
            condition &= Q(**{f"{prefix}decision__isnull": True})
        elif self.outcome:
            condition &= Q(**{f"{prefix}decision__outcome": self.outcome})
        return condition

    def subscriptions(self) -> Q:
        """Registrations for updates record a region and a role, nothing else."""
        condition = Q()
        if self.region is not None:
            condition &= Q(region=self.region)
        if self.role_category:
            condition &= Q(role_category=self.role_category)
        return condition

    def described(self) -> dict[str, str]:
        """The filters in words, for the audit log and the page."""
        described = {}
        if self.region is not None:
            described["region"] = self.region.name
        if self.role_category:
            described["role"] = str(RoleCategory(self.role_category).label)
        if self.route is not None:
            described["route"] = self.route.name
        if self.outcome == UNDECIDED:
            described["decision"] = _("Not decided yet")
        elif self.outcome:
            described["decision"] = str(DecisionOutcome(self.outcome).label)
        return described

    @property
    def is_set(self) -> bool:
        return bool(self.described())


def _settings_of(round: Round) -> SelectionSettings | None:
    """The round's selection settings, if the team has saved any (no query when
    the round was read with `select_related("selection_settings")`)."""
    try:
        return round.selection_settings
    except SelectionSettings.DoesNotExist:
        return None


def reviews_expected(*, round: Round) -> int:
    """Reviews each application needs to be fully reviewed (the round's setting,
    else the setting's default)."""
    settings = _settings_of(round)
    if settings is None:
        return SelectionSettings._meta.get_field("reviewers_per_application").default
    return settings.reviewers_per_application


def score_levels(*, round: Round) -> list[int]:
    """The rubric's levels, lowest first."""
    settings = _settings_of(round)
    return sorted(int(level) for level in (settings.rubric if settings else DEFAULT_RUBRIC))


def criteria_of(*, round: Round) -> list[Criterion]:
    return list(round.criteria.order_by("letter"))


# --- The funnel -------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: str
    count: int
    # Percent of the stage it follows (for an outcome: of the decided).
    rate: float | None
    rate_of: str


@dataclass(frozen=True)
class Funnel:
    registered: int
    started: int
    submitted: int
    withdrawn: int
    fully_reviewed: int
    reviews_expected: int
    decided: int
    accepted: int
    waitlisted: int
    unsuccessful: int
    released: int
    reviews_assigned: int
    reviews_submitted: int

    @property
    def undecided(self) -> int:
        return max(self.submitted - self.decided, 0)

    @property
    def stages(self) -> list[FunnelStage]:
        return [
            FunnelStage("registered", _("Registered for updates"), self.registered, None, ""),
            FunnelStage(
                "started",
                _("Started an application"),
                self.started,
                _percent(self.started, self.registered),
                _("of those registered"),
            ),
            FunnelStage(
                "submitted", _("Submitted"), self.submitted, _percent(self.submitted, self.started), _("of started")
            ),
            FunnelStage(
                "fully_reviewed",
                _("Fully reviewed"),
                self.fully_reviewed,
                _percent(self.fully_reviewed, self.submitted),
                _("of submitted"),
            ),
            FunnelStage(
                "accepted", _("Accepted"), self.accepted, _percent(self.accepted, self.decided), _("of decided")
            ),
            FunnelStage(
                "waitlisted",
                _("On the waiting list"),
                self.waitlisted,
                _percent(self.waitlisted, self.decided),
                _("of decided"),
            ),
            FunnelStage(
                "unsuccessful",
                _("Unsuccessful"),
                self.unsuccessful,
                _percent(self.unsuccessful, self.decided),
                _("of decided"),
            ),
        ]


def round_funnel(*, round: Round, filters: InsightFilters) -> Funnel:
    """The round's funnel, narrowed by `filters`: three queries whatever its
    size (the round read with its selection settings).

    Registered for updates: confirmed registrations by the round's close (they
    heard it open). Started: every application. Submitted: submitted and not
    withdrawn. Fully reviewed: submitted with at least the round's reviews per
    application submitted (moderators' reviews not counted). Outcomes: the team's
    decisions, released or not (`released` says how many are)."""
    expected = reviews_expected(round=round)
    # One pass over the applications joined to their assignments and reviews:
    # applications are counted distinct, assignments and reviews as they come.
    review = "assignments__review"
    numbers = (
        Application.objects.filter(round=round)
        .filter(filters.applications())
        .aggregate(
            started=Count("pk", distinct=True),
            submitted=Count("pk", filter=Q(status__in=POOL_STATUSES), distinct=True),
            withdrawn=Count("pk", filter=Q(status=ApplicationStatus.WITHDRAWN), distinct=True),
            decided=Count("decision", distinct=True),
            accepted=Count("pk", filter=Q(decision__outcome=DecisionOutcome.ACCEPT), distinct=True),
            waitlisted=Count("pk", filter=Q(decision__outcome=DecisionOutcome.WAITLIST), distinct=True),
            unsuccessful=Count("pk", filter=Q(decision__outcome=DecisionOutcome.UNSUCCESSFUL), distinct=True),
            released=Count("pk", filter=Q(decision__released_at__isnull=False), distinct=True),
            reviews_assigned=Count("assignments"),
            reviews_submitted=Count(review, filter=Q(**{f"{review}__status": ReviewStatus.SUBMITTED})),
        )
    )
    reviews = Review.objects.filter(assignment__round=round).filter(filters.applications("assignment__application__"))
    # Grouped, then counted (one query: a COUNT over the grouped subquery).
    fully_reviewed = (
        reviews.filter(
            status=ReviewStatus.SUBMITTED,
            assignment__is_moderation=False,
            assignment__application__status__in=POOL_STATUSES,
        )
        .order_by()
        .values("assignment__application")
        .annotate(done=Count("pk"))
        .filter(done__gte=expected)
        .count()
    )
    registered = (
        UpdateSubscription.objects.filter(confirmed_at__isnull=False, confirmed_at__lte=round.closes_at)
        .filter(filters.subscriptions())
        .count()
    )
    return Funnel(
        registered=registered,
        fully_reviewed=fully_reviewed,
        reviews_expected=expected,
        **numbers,
    )


@dataclass(frozen=True)
class SubmissionDays:
    """Applications first submitted per day (or per week, for a long round),
    with the period the deadline falls in."""

    periods: list[tuple[date, int]]
    weekly: bool
    deadline: datetime
    deadline_index: int | None

    @property
    def total(self) -> int:
        return sum(count for _day, count in self.periods)

    @property
    def busiest(self) -> tuple[date, int] | None:
        return max(self.periods, key=lambda period: (period[1], period[0])) if self.total else None

    @property
    def on_deadline_day(self) -> int:
        return self.periods[self.deadline_index][1] if self.deadline_index is not None else 0


def submissions_per_day(*, round: Round, filters: InsightFilters) -> SubmissionDays:
    """One query: applications first submitted each day (Europe/London), every
    day from the round's opening to its close (or the last submission) shown,
    weeks instead when that is more than 13 weeks."""
    counts = dict(
        Application.objects.filter(round=round, first_submitted_at__isnull=False)
        .filter(filters.applications())
        .annotate(day=TruncDate("first_submitted_at", tzinfo=LONDON))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by("day")
        .values_list("day", "count")
    )
    deadline = timezone.localtime(round.closes_at, LONDON)
    first = min([timezone.localtime(round.opens_at, LONDON).date(), *counts])
    last = max([deadline.date(), *counts])
    days = (last - first).days + 1
    weekly = days > 91
    if weekly:
        first -= timedelta(days=first.weekday())
        periods = []
        start = first
        while start <= last:
            periods.append((start, sum(counts.get(start + timedelta(days=n), 0) for n in range(7))))
            start += timedelta(days=7)
        index = (deadline.date() - first).days // 7
    else:
        periods = [(first + timedelta(days=n), counts.get(first + timedelta(days=n), 0)) for n in range(days)]
        index = (deadline.date() - first).days
    return SubmissionDays(periods=periods, weekly=weekly, deadline=deadline, deadline_index=index)


# --- Representation --------------------------------------------------------------------


class Dimension:
    REGION = "region"
    ROLE = "role_category"
    ROUTE = "route"
    ALL = (REGION, ROLE, ROUTE)


DIMENSION_LABELS = {Dimension.REGION: "Region", Dimension.ROLE: "Role", Dimension.ROUTE: "Route"}


@dataclass
class GroupRow:
    key: str
    name: str
    pool: int
    nominated: int
    decided: int
    accepted: int
    pool_share: float | None = None
    nominated_share: float | None = None
    accepted_share: float | None = None
    # "higher" or "lower" than the round's acceptance rate by more than the threshold.
    flag: str = ""

    @property
    def rate(self) -> float | None:
        """Acceptance rate: accepted of those decided, in percent."""
        return _percent(self.accepted, self.decided)


@dataclass
class Representation:
    dimension: str
    rows: list[GroupRow]
    total: GroupRow
    threshold: int
    min_size: int

    @property
    def label(self) -> str:
        return _(DIMENSION_LABELS[self.dimension])

    @property
    def round_rate(self) -> float | None:
        return self.total.rate

    @property
    def flagged(self) -> list[GroupRow]:
        return [row for row in self.rows if row.flag]


def representation_flag(*, rate: float | None, round_rate: float | None, size: int, threshold: float, min_size: int):
    """ "higher" or "lower" when a group with at least `min_size` decided
    applications has an acceptance rate more than `threshold` percentage points
    from the round's; "" otherwise."""
    if rate is None or round_rate is None or size < min_size or abs(rate - round_rate) <= threshold:
        return ""
    return "higher" if rate > round_rate else "lower"


# What each dimension groups the pool by: its key, and its name where the key is an id.
REPRESENTATION_FIELDS = {
    Dimension.REGION: ("region_id", "region__name"),
    Dimension.ROLE: ("role_category",),
    Dimension.ROUTE: ("route_id", "route__name"),
}


def representation(*, round: Round, dimension: str, threshold: int = 10, min_size: int = 10) -> Representation:
    """The pool (submitted applications), the nominated among them, the decided
    and the accepted, by region, role or route: one query. Each group's share of
    each, its acceptance rate, and the flag."""
    groups = _pool_counts(round=round, fields=REPRESENTATION_FIELDS[dimension])
    return _representation(groups, dimension=dimension, threshold=threshold, min_size=min_size)


def representations(
    *, round: Round, threshold: int = 10, min_size: int = 10, counted: list[dict] | None = None
) -> list[Representation]:
    """`representation` by every dimension (in Dimension.ALL's order) from
    `representation_counts` (counted now unless `counted` is given)."""
    groups = representation_counts(round=round) if counted is None else counted
    return [
        _representation(groups, dimension=dimension, threshold=threshold, min_size=min_size)
        for dimension in Dimension.ALL
    ]


def representation_counts(*, round: Round) -> list[dict]:
    """The pool counted by region, role and route together, in one query: each
    dimension's groups are then added up from these cells (each application is
    in exactly one). Kept in the cache by `selection.services.kept`."""
    fields = tuple(field for dimension in Dimension.ALL for field in REPRESENTATION_FIELDS[dimension])
    return _pool_counts(round=round, fields=fields)


def _pool_counts(*, round: Round, fields: tuple[str, ...]) -> list[dict]:
    return list(
        Application.objects.filter(round=round, status__in=POOL_STATUSES)
        .values(*fields)
        .annotate(
            pool=Count("pk"),
            nominated=Count("pk", filter=Q(nomination__isnull=False)),
            decided=Count("decision"),
            accepted=Count("pk", filter=Q(decision__outcome=DecisionOutcome.ACCEPT)),
        )
        .order_by(*fields)
    )


def _representation(groups: list[dict], *, dimension: str, threshold: int, min_size: int) -> Representation:
    fields = REPRESENTATION_FIELDS[dimension]
    roles = dict(RoleCategory.choices)
    by_key: dict = {}
    for group in groups:
        key = group[fields[0]]
        if key not in by_key:
            name = roles.get(key, "") if dimension == Dimension.ROLE else group[fields[1]]
            by_key[key] = GroupRow(
                key=str(key or ""), name=str(name or _("Not given")), pool=0, nominated=0, decided=0, accepted=0
            )
        row = by_key[key]
        row.pool += group["pool"]
        row.nominated += group["nominated"]
        row.decided += group["decided"]
        row.accepted += group["accepted"]
    rows = list(by_key.values())
    total = GroupRow(
        key="",
        name=_("The round"),
        pool=sum(row.pool for row in rows),
        nominated=sum(row.nominated for row in rows),
        decided=sum(row.decided for row in rows),
        accepted=sum(row.accepted for row in rows),
    )
    for row in rows:
        row.pool_share = _percent(row.pool, total.pool)
        row.nominated_share = _percent(row.nominated, total.nominated)
        row.accepted_share = _percent(row.accepted, total.accepted)
        row.flag = representation_flag(
            rate=row.rate, round_rate=total.rate, size=row.decided, threshold=threshold, min_size=min_size
        )
    rows.sort(key=lambda row: (-row.pool, row.name))
    return Representation(dimension=dimension, rows=rows, total=total, threshold=threshold, min_size=min_size)


# --- Reviewer calibration and agreement ----------------------------------------------------


def calibration_scores(*, round: Round) -> QuerySet[CriterionScore]:
    """The scores calibration and agreement read: submitted reviews by the
    round's reviewers (moderators' reviews left out: they are chosen for
    disagreement, so would bias both)."""
    return CriterionScore.objects.filter(
        review__assignment__round=round,
        review__assignment__is_moderation=False,
        review__status=ReviewStatus.SUBMITTED,
        score__isnull=False,
    )


@dataclass(frozen=True)
class CriterionStats:
    mean: float | None
    sd: float | None
    count: int
    z: float | None = None
    leaning: Leaning = Leaning.NONE


@dataclass
class ReviewerCalibration:
    reviewer_id: int
    name: str
    stats: dict[int, CriterionStats] = field(default_factory=dict)

    @property
    def leanings(self) -> list[Leaning]:
        """Harsh, lenient or both (on different criteria), in that order."""
        return sorted({stats.leaning for stats in self.stats.values() if stats.leaning})

    @property
    def flagged(self) -> bool:
        return bool(self.leanings)

    def stats_for(self, criteria: list[Criterion]) -> list[CriterionStats]:
        return [self.stats.get(criterion.pk, CriterionStats(None, None, 0)) for criterion in criteria]


@dataclass
class Calibration:
    criteria: list[Criterion]
    panel: dict[int, CriterionStats]
    reviewers: list[ReviewerCalibration]

    def panel_for(self, criteria: list[Criterion]) -> list[CriterionStats]:
        return [self.panel.get(criterion.pk, CriterionStats(None, None, 0)) for criterion in criteria]

    @property
    def flagged(self) -> list[ReviewerCalibration]:
        return [reviewer for reviewer in self.reviewers if reviewer.flagged]


def reviewer_calibration(*, round: Round, criteria: list[Criterion]) -> Calibration:
    """Each reviewer's mean, standard deviation and count per criterion, and the
    panel's, with the harsh/lenient flag (`selection.agreement.calibration_flag`):
    one grouped query, a row per reviewer and criterion. The panel's numbers come
    from the same rows (its sums of scores and of squared scores)."""
    per_reviewer = list(
        calibration_scores(round=round)
        .values(
            "criterion_id",
            "review__assignment__reviewer_id",
            "review__assignment__reviewer__display_name",
            "review__assignment__reviewer__email",
        )
        .annotate(
            mean=Avg("score"),
            count=Count("pk"),
            total=Sum("score"),
            squares=Sum(F("score") * F("score")),
        )
        .order_by()
    )
    sums: dict[int, list[float]] = {}
    for row in per_reviewer:
        count, total, squares = sums.setdefault(row["criterion_id"], [0, 0.0, 0.0])
        sums[row["criterion_id"]] = [count + row["count"], total + row["total"], squares + row["squares"]]
    panel = {}
    for criterion_id, (count, total, squares) in sums.items():
        panel[criterion_id] = CriterionStats(
            mean=total / count, sd=sample_sd(count=count, total=total, squares=squares), count=count
        )
    reviewers: dict[int, ReviewerCalibration] = {}
    for row in per_reviewer:
        reviewer_id = row["review__assignment__reviewer_id"]
        reviewer = reviewers.get(reviewer_id)
        if reviewer is None:
            name = row["review__assignment__reviewer__display_name"] or row["review__assignment__reviewer__email"]
            reviewer = reviewers[reviewer_id] = ReviewerCalibration(reviewer_id=reviewer_id, name=name)
        against = panel[row["criterion_id"]]
        reviewer.stats[row["criterion_id"]] = CriterionStats(
            mean=row["mean"],
            sd=sample_sd(count=row["count"], total=row["total"], squares=row["squares"]),
            count=row["count"],
            z=calibration_z(mean=row["mean"], count=row["count"], panel_mean=against.mean, panel_sd=against.sd),
            leaning=calibration_flag(
                mean=row["mean"], count=row["count"], panel_mean=against.mean, panel_sd=against.sd
            ),
        )
    ordered = sorted(reviewers.values(), key=lambda reviewer: (reviewer.name.lower(), reviewer.reviewer_id))
    return Calibration(criteria=criteria, panel=panel, reviewers=ordered)


# A backstop: any review submitted, reopened or removed makes a new key at once.
CALIBRATION_CACHE_SECONDS = 10 * 60


def calibration_version(*, round: Round) -> tuple:
    """When the round's reviews last changed (`RoundScoring.dirty_at`, stamped by
    `selection.services.scores.scores_review_changed` on every submit, reopening
    and removal), when its scores were last computed in full (a refresh or the
    scale data set), and how many practice scores it has and the newest (a
    practice score submitted, or removed with its reviewer or practice
    application, changes them). One query."""
    scoring = RoundScoring.objects.filter(round_id=OuterRef("pk"))
    practice = PracticeReview.objects.filter(practice__round_id=OuterRef("pk")).order_by().values("practice__round_id")
    return tuple(
        Round.objects.filter(pk=round.pk)
        .values_list(
            Subquery(scoring.values("dirty_at")),
            Subquery(scoring.values("computed_at")),
            Subquery(practice.annotate(count=Count("pk")).values("count")),
            Subquery(practice.annotate(newest=Max("pk")).values("newest")),
        )
        .first()
    )


@dataclass(frozen=True)
class RoundCalibration:
    calibration: "Calibration"
    agreement: "Agreement"
    practice: PracticeCalibration


def round_calibration(*, round: Round, criteria: list[Criterion]) -> RoundCalibration:
    """`reviewer_calibration`, `agreement_over_round` and the practice beside the
    live reviews (`practice_calibration`) of the round, from the cache while its
    reviews, its model's fit and its practice scores are unchanged
    (`calibration_version`): they read every score of the round
    (90,000 at 10,000 applications), the agreement folding them in Python.
    Reviewers' names are read fresh each time (one query), so a changed name
    shows at once."""
    fingerprint = (
        round.pk,
        round.created_at,  # a restored or test database may give another round the same id
        [(criterion.pk, criterion.letter) for criterion in criteria],
        calibration_version(round=round),
    )
    key = f"selection:calibration:{sha256(repr(fingerprint).encode()).hexdigest()}"
    cached = cache.get(key)
    if cached is None:
        settings = _settings_of(round)
        cached = RoundCalibration(
            calibration=reviewer_calibration(round=round, criteria=criteria),
            agreement=agreement_over_round(round=round, criteria=criteria),
            practice=practice_calibration(
                round=round,
                criteria=criteria,
                live_scores=calibration_scores(round=round),
                weight_total=sum(settings.weight_of(c.letter) if settings else 1.0 for c in criteria),
            ),
        )
        cache.set(key, cached, CALIBRATION_CACHE_SECONDS)
    _current_names(cached.calibration)
    return cached


def _current_names(calibration: "Calibration") -> None:
    users = get_user_model().objects.filter(pk__in=[reviewer.reviewer_id for reviewer in calibration.reviewers])
    names = {pk: display_name or email for pk, display_name, email in users.values_list("pk", "display_name", "email")}
    for reviewer in calibration.reviewers:
        reviewer.name = names.get(reviewer.reviewer_id, reviewer.name)
    calibration.reviewers.sort(key=lambda reviewer: (reviewer.name.lower(), reviewer.reviewer_id))


@dataclass
class Agreement:
    criteria: list[Criterion]
    # The last day of each period (week or day), and alpha on the reviews up to it.
    periods: list[date]
    weekly: bool
    points: dict[int, list[AlphaPoint]]

    def overall(self, criterion: Criterion) -> AlphaPoint:
        points = self.points.get(criterion.pk) or []
        return points[-1] if points else AlphaPoint(None, 0)


def agreement_over_round(*, round: Round, criteria: list[Criterion]) -> Agreement:
    """Krippendorff's alpha (interval) per criterion on the reviews submitted up
    to the end of each week of the review (each day when it took a fortnight or
    less); the last point is the round as it stands. Two queries: the first and
    last submission, then the scores streamed oldest first."""
    scores = calibration_scores(round=round)
    span = scores.aggregate(first=Min("review__submitted_at"), last=Max("review__submitted_at"))
    if span["first"] is None:
        return Agreement(criteria=criteria, periods=[], weekly=False, points={})
    first = timezone.localtime(span["first"], LONDON).date()
    last = timezone.localtime(span["last"], LONDON).date()
    weekly = (last - first).days > 14
    if weekly:
        end = first + timedelta(days=6 - first.weekday())  # the Sunday
        periods = []
        while end < last + timedelta(days=7):
            periods.append(end)
            end += timedelta(days=7)
    else:
        periods = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    # The day (UK time) each score was submitted, oldest first; each period's
    # last day is an inclusive cut-off. (Days, not timestamps: cheaper to read.)
    observations = (
        scores.annotate(day=TruncDate("review__submitted_at", tzinfo=LONDON))
        .order_by("day")
        .values_list("day", "criterion_id", "review__assignment__application_id", "score")
        .iterator(chunk_size=5000)
    )
    points = alpha_over_time(observations, periods, [criterion.pk for criterion in criteria])
    return Agreement(criteria=criteria, periods=periods, weekly=weekly, points=points)


# --- Score distributions -----------------------------------------------------------------


@dataclass
class ScoreDistribution:
    criterion: Criterion
    levels: list[int]
    accepted: list[int]
    rest: list[int]
    accepted_mean: float | None
    accepted_sd: float | None
    rest_mean: float | None
    rest_sd: float | None

    @property
    def accepted_total(self) -> int:
        return sum(self.accepted)

    @property
    def rest_total(self) -> int:
        return sum(self.rest)

    @property
    def accepted_percent(self) -> list[float | None]:
        return [_percent(count, self.accepted_total) for count in self.accepted]

    @property
    def rest_percent(self) -> list[float | None]:
        return [_percent(count, self.rest_total) for count in self.rest]


def score_distributions(*, round: Round, criteria: list[Criterion], filters: InsightFilters) -> list[ScoreDistribution]:
    """Per criterion: how many scores of each level the accepted (the team's
    accept decisions) and the rest received, and each side's mean and standard
    deviation. Every submitted review counts. Two grouped queries."""
    scores = (
        CriterionScore.objects.filter(
            review__assignment__round=round, review__status=ReviewStatus.SUBMITTED, score__isnull=False
        )
        .filter(filters.applications("review__assignment__application__"))
        .order_by()
    )
    accepted = Q(review__assignment__application__decision__outcome=DecisionOutcome.ACCEPT)
    rest = Q(review__assignment__application__decision__isnull=True) | ~Q(
        review__assignment__application__decision__outcome=DecisionOutcome.ACCEPT
    )
    counts = {
        (row["criterion_id"], row["score"]): (row["accepted"], row["total"] - row["accepted"])
        for row in scores.values("criterion_id", "score").annotate(
            accepted=Count("pk", filter=accepted), total=Count("pk")
        )
    }
    stats = {
        row["criterion_id"]: row
        for row in scores.values("criterion_id").annotate(
            accepted_mean=Avg("score", filter=accepted),
            accepted_count=Count("pk", filter=accepted),
            accepted_total=Sum("score", filter=accepted),
            accepted_squares=Sum(F("score") * F("score"), filter=accepted),
            rest_mean=Avg("score", filter=rest),
            rest_count=Count("pk", filter=rest),
            rest_total=Sum("score", filter=rest),
            rest_squares=Sum(F("score") * F("score"), filter=rest),
        )
    }
    levels = sorted(set(score_levels(round=round)) | {score for _criterion, score in counts})
    distributions = []
    for criterion in criteria:
        row = stats.get(criterion.pk, {})
        distributions.append(
            ScoreDistribution(
                criterion=criterion,
                levels=levels,
                accepted=[counts.get((criterion.pk, level), (0, 0))[0] for level in levels],
                rest=[counts.get((criterion.pk, level), (0, 0))[1] for level in levels],
                accepted_mean=row.get("accepted_mean"),
                accepted_sd=sample_sd(
                    count=row.get("accepted_count", 0),
                    total=row.get("accepted_total"),
                    squares=row.get("accepted_squares"),
                ),
                rest_mean=row.get("rest_mean"),
                rest_sd=sample_sd(
                    count=row.get("rest_count", 0), total=row.get("rest_total"), squares=row.get("rest_squares")
                ),
            )
        )
    return distributions


# --- Nominations ---------------------------------------------------------------------------


def nominating_organisations(*, round: Round) -> QuerySet[Organisation]:
    """Organisations that nominated in the round or have a quota in it, by name,
    each with `own_quota` (its places), `region_quota` (its region's shared
    places), `nominated`, `used` (nominations holding a place), `submitted`
    (applications submitted) and `accepted`: one query a page."""
    in_round = Q(nominations__round=round)
    return (
        Organisation.objects.filter(
            Exists(Nomination.objects.filter(round=round, organisation=OuterRef("pk")))
            | Exists(NominationQuota.objects.filter(round=round, organisation=OuterRef("pk")))
        )
        .select_related("region")
        .annotate(
            own_quota=Subquery(
                NominationQuota.objects.filter(round=round, organisation=OuterRef("pk")).values("places")[:1]
            ),
            region_quota=Subquery(
                NominationQuota.objects.filter(round=round, region=OuterRef("region_id")).values("places")[:1]
            ),
            nominated=Count("nominations", filter=in_round),
            used=Count("nominations", filter=in_round & Q(nominations__status__in=ACTIVE_NOMINATION_STATUSES)),
            submitted=Count("nominations", filter=in_round & Q(nominations__application__status__in=POOL_STATUSES)),
            accepted=Count(
                "nominations",
                filter=in_round & Q(nominations__application__decision__outcome=DecisionOutcome.ACCEPT),
            ),
        )
        .order_by("name", "pk")
    )


def nomination_totals(*, round: Round) -> dict[str, int]:
    """The round's nominations in total: two queries."""
    totals = Nomination.objects.filter(round=round).aggregate(
        nominated=Count("pk"),
        used=Count("pk", filter=Q(status__in=ACTIVE_NOMINATION_STATUSES)),
        submitted=Count("pk", filter=Q(application__status__in=POOL_STATUSES)),
        accepted=Count("pk", filter=Q(application__decision__outcome=DecisionOutcome.ACCEPT)),
    )
    totals["places"] = NominationQuota.objects.filter(round=round).aggregate(places=Sum("places"))["places"] or 0
    return totals


# --- Membership growth -----------------------------------------------------------------------


@dataclass(frozen=True)
class GrowthInsight:
    growth: Growth
    target_members: int
    target_by: date | None
    target_is_default: bool

    @property
    def percent_of_target(self) -> float | None:
        return _percent(self.growth.total, self.target_members)

    @property
    def months(self) -> list[GrowthMonth]:
        """Every month from the first member's to this one (or the last a member
        joined in), the months no one joined included, so time runs evenly."""
        if not self.growth.months:
            return []
        joined = {month.month: month.joined for month in self.growth.months}
        current = self.growth.months[0].month
        last = max(self.growth.months[-1].month, timezone.localdate().replace(day=1))
        months, total = [], 0
        while current <= last:
            total += joined.get(current, 0)
            months.append(GrowthMonth(month=current, joined=joined.get(current, 0), total=total))
            current = (current + timedelta(days=32)).replace(day=1)
        return months


def membership_growth_insight() -> GrowthInsight:
    """The membership issue's growth numbers (`members.selectors.membership_growth`)
    with the target the team set, or the programme's aim of 5,000."""
    growth = membership_growth()
    target = growth.target
    return GrowthInsight(
        growth=growth,
        target_members=target.members if target else DEFAULT_MEMBERSHIP_TARGET,
        target_by=target.by_date if target else None,
        target_is_default=target is None,
    )
