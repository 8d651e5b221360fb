"""The programme team's morning view: for each live round, what needs doing
today, each figure a number that links to the work.

Every figure is counted in the database, grouped by round, so the page costs
the same number of queries whether there are two rounds or twenty and ten
applications or ten thousand (`DASHBOARD_QUERIES` in the tests)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from applications.choices import AdjustmentStatus, ApplicationStatus, RoundStatus
from applications.models import Application, Nomination, Round
from applications.models.nominations import NominationStatus
from outreach.models import Wave, WaveStatus
from q_portal.outbox.choices import Status as OutboxStatus
from q_portal.outbox.models import OutboundEmail

from ..choices import REVIEWED_STATUSES, PlaceOfferStatus, ReleaseRunStatus, ReviewStatus
from ..models import ApplicationScore, Assignment, Decision, PlaceOffer
from ..models.release import ReleaseRun
from . import round_count
from .programme import SELECTION_ROUND_STATUSES, SUBMITTED_STATUSES, kept_or, progress_current

# A round needing the team: taking applications, being reviewed, or decided
# with decisions still to release or places still to be answered.
WORKING_STATUSES = (RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.IN_REVIEW)
# Rounds whose applications are being given reviewers.
SELECTING_STATUSES = (RoundStatus.CLOSED, RoundStatus.IN_REVIEW)
ACTIVE_WAVE_STATUSES = (WaveStatus.SCHEDULED, WaveStatus.SENDING, WaveStatus.PAUSED)
PENDING_NOMINATION_STATUSES = (NominationStatus.INVITED, NominationStatus.OPENED)
# When a failed email still matters on the morning view.
OUTBOX_FAILURE_DAYS = 7
LAPSING_DAYS = 7
DEFAULT_REVIEWERS_PER_APPLICATION = 2


@dataclass
class RoundWork:
    round: Round
    days_to_deadline: int | None = None
    drafts: int = 0
    submitted: int = 0
    adjustments_requested: int = 0
    nominations_pending: int = 0
    awaiting_assignment: int = 0
    reviews_due: int = 0
    reviews_done: int = 0
    overdue_reviewers: int = 0
    review_due_on: date | None = None
    needs_moderation: int = 0
    decisions_drafted: int = 0
    decisions_released: int = 0
    offers_awaiting: int = 0
    offers_lapsing: int = 0
    release_status: str = ""
    release_problem: str = ""

    @property
    def in_selection(self) -> bool:
        return self.round.status != RoundStatus.OPEN and self.round.status != RoundStatus.DRAFT

    @property
    def release_failed(self) -> bool:
        return self.release_status == ReleaseRunStatus.FAILED


@dataclass
class MorningView:
    rounds: list[RoundWork] = field(default_factory=list)
    waves: list[Wave] = field(default_factory=list)
    outbox_failures: int = 0
    adjustments_requested: int = 0


def _count(queryset) -> Coalesce:
    """The number of `queryset`'s rows of the outer round, as an annotation."""
    return round_count(queryset.filter(round=OuterRef("pk")))


def _awaiting_assignment() -> Coalesce:
    """Applications with fewer regular reviewers than the outer round wants."""
    regular = (
        Assignment.objects.filter(application=OuterRef("pk"), is_moderation=False)
        .values("application")
        .annotate(count=Count("pk"))
        .values("count")
    )
    needed = Coalesce(
        F("round__selection_settings__reviewers_per_application"), Value(DEFAULT_REVIEWERS_PER_APPLICATION)
    )
    short = (
        Application.objects.filter(status__in=REVIEWED_STATUSES)
        .annotate(reviewers=Coalesce(Subquery(regular, output_field=IntegerField()), 0))
        .filter(reviewers__lt=needed)
    )
    return _count(short)


def _overdue_reviewers(*, today: date) -> Coalesce:
    """Reviewers of the outer round with a review not submitted after its date."""
    overdue = (
        Assignment.objects.filter(round=OuterRef("pk"), round__selection_settings__review_due_on__lt=today)
        .exclude(review__status=ReviewStatus.SUBMITTED)
        .values("round")
        .annotate(count=Count("reviewer_id", distinct=True))
        .values("count")
    )
    return Coalesce(Subquery(overdue, output_field=IntegerField()), 0)


def _in_selection(figure, statuses=SELECTION_ROUND_STATUSES) -> Case:
    """`figure` for a round in one of `statuses`, else 0 without counting (an
    open round has no assignments, scores or decisions)."""
    return Case(When(status__in=statuses, then=figure), default=Value(0), output_field=IntegerField())


def _kept(name: str, live, *, now: datetime, statuses=SELECTION_ROUND_STATUSES) -> Case:
    """The round's kept progress figure `name` (`RoundProgress`) where current,
    else `live`, counted by a subquery only for such a round (and 0 for a round
    in none of `statuses`, unless None: an open round's, counted)."""
    kept_or_live = kept_or(name, live, now=now)
    return kept_or_live if statuses is None else _in_selection(kept_or_live, statuses)


def live_rounds(*, now: datetime) -> QuerySet[Round]:
    """Rounds the team works on today, with their selection settings, their
    latest release run's state, the figures counted from one table each
    (moderation, decisions, offers, nominations) and their review's progress,
    kept (`RoundProgress`, counted each minute by beat) or counted: one query."""
    unreleased = Decision.objects.filter(round=OuterRef("pk"), released_at__isnull=True)
    offered = PlaceOffer.objects.filter(round=OuterRef("pk"), status=PlaceOfferStatus.OFFERED)
    latest_release = ReleaseRun.objects.filter(round=OuterRef("pk")).order_by("-created_at", "-pk")
    offers = PlaceOffer.objects.filter(status=PlaceOfferStatus.OFFERED)
    today = timezone.localdate(now)
    kept = progress_current(now=now)
    return (
        Round.objects.filter(
            Q(status__in=WORKING_STATUSES) | Q(status=RoundStatus.DECIDED) & (Exists(unreleased) | Exists(offered))
        )
        .select_related("selection_settings")
        .annotate(
            release_status=Subquery(latest_release.values("status")[:1]),
            release_problem=Subquery(latest_release.values("problem")[:1]),
            needs_moderation=_kept(
                "needs_moderation", _count(ApplicationScore.objects.filter(needs_moderation=True)), now=now
            ),
            # Kept, else None: counted for such rounds (open ones) by `_application_figures`.
            drafts=Case(When(kept, then=F("progress__drafts"))),
            submitted=Case(When(kept, then=F("progress__submitted_applications"))),
            # Live, whatever the round: the team answers them, and sees each answered at once.
            adjustments_requested=_count(Application.objects.filter(adjustment_status=AdjustmentStatus.REQUESTED)),
            decisions_drafted=_count(Decision.objects.filter(released_at__isnull=True)),
            decisions_released=_count(Decision.objects.filter(released_at__isnull=False)),
            offers_awaiting=_count(offers),
            offers_lapsing=_count(offers.filter(respond_by__lte=now + timedelta(days=LAPSING_DAYS))),
            nominations_pending=_count(Nomination.objects.filter(status__in=PENDING_NOMINATION_STATUSES)),
            awaiting_assignment=_kept("short", _awaiting_assignment(), now=now, statuses=SELECTING_STATUSES),
            reviews_due=_kept("assignments", _count(Assignment.objects.all()), now=now),
            reviews_done=_kept(
                "submitted", _count(Assignment.objects.filter(review__status=ReviewStatus.SUBMITTED)), now=now
            ),
            overdue_reviewers=_kept("overdue_reviewers", _overdue_reviewers(today=today), now=now),
        )
        .order_by("closes_at", "pk")
    )


ROUND_FIGURES = (
    "adjustments_requested",
    "awaiting_assignment",
    "reviews_due",
    "reviews_done",
    "overdue_reviewers",
    "needs_moderation",
    "decisions_drafted",
    "decisions_released",
    "offers_awaiting",
    "offers_lapsing",
    "nominations_pending",
)


def morning_view(*, now: datetime | None = None) -> MorningView:
    """What needs doing today across live rounds. Four queries, whatever the sizes."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rounds = list(live_rounds(now=now))
    counted = _application_figures(round_ids=[round.pk for round in rounds if round.drafts is None])
    view = MorningView()
    for round in rounds:
        settings = getattr(round, "selection_settings", None)
        work = RoundWork(
            round=round,
            review_due_on=settings.review_due_on if settings else None,
            release_status=round.release_status or "",
            release_problem=round.release_problem or "",
        )
        if round.status == RoundStatus.OPEN:
            work.days_to_deadline = max((timezone.localdate(round.closes_at) - today).days, 0)
        for name in ROUND_FIGURES:
            setattr(work, name, getattr(round, name))
        work.drafts, work.submitted = (
            counted.get(round.pk, (0, 0)) if round.drafts is None else (round.drafts, round.submitted)
        )
        view.rounds.append(work)

    view.adjustments_requested = sum(work.adjustments_requested for work in view.rounds)
    view.waves = list(
        Wave.objects.filter(status__in=ACTIVE_WAVE_STATUSES)
        .select_related("round")
        .order_by("scheduled_for", "pk")[:10]
    )
    view.outbox_failures = OutboundEmail.objects.filter(
        status=OutboxStatus.FAILED, created_at__gte=now - timedelta(days=OUTBOX_FAILURE_DAYS)
    ).count()
    return view


def _application_figures(*, round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Drafts and submitted applications of rounds whose kept figures are not
    current (an open round's), by round: one query (none for no round), reading
    the (round, status) index for each round named."""
    rows = (
        Application.objects.filter(round_id__in=round_ids)
        .values("round_id")
        .annotate(
            drafts=Count("pk", filter=Q(status=ApplicationStatus.DRAFT)),
            submitted=Count("pk", filter=Q(status__in=SUBMITTED_STATUSES)),
        )
        .order_by()
    )
    return {row["round_id"]: (row["drafts"], row["submitted"]) for row in rows}
