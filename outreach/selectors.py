"""Read queries for the waves pages: each a constant number of queries."""

from dataclasses import dataclass

from django.db.models import CharField, Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _

from applications.choices import ApplicationOutcome, RoundStatus
from applications.models import Round, Route
from members.choices import RoleCategory
from members.models import Region
from q_portal.outbox.choices import Status
from q_portal.outbox.models import OutboundEmail

from .audiences import Segment
from .models import Wave, WaveKind


def waves_for_programme() -> QuerySet[Wave]:
    """Every wave, newest first, with its round and author, and how many of its
    emails have been sent (one subquery per row, on the outbox's batch index)."""
    batch = Concat(Value("wave:"), Cast(OuterRef("pk"), output_field=CharField()))
    sent = (
        OutboundEmail.objects.filter(batch=batch, status=Status.SENT)
        .order_by()
        .values("batch")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Wave.objects.select_related("round", "created_by").annotate(
        sent_count=Coalesce(Subquery(sent, output_field=IntegerField()), 0)
    )


@dataclass(frozen=True)
class WaveProgress:
    """Where a wave's emails are. `waiting` includes those being sent this moment
    and those waiting to retry after a temporary failure."""

    total: int
    waiting: int
    sent: int
    failed: int
    suppressed: int
    cancelled: int

    @property
    def done(self) -> int:
        return self.total - self.waiting

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.done * 100 / self.total)

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "waiting": self.waiting,
            "sent": self.sent,
            "failed": self.failed,
            "suppressed": self.suppressed,
            "cancelled": self.cancelled,
            "done": self.done,
            "percent": self.percent,
        }


def wave_progress(*, wave: Wave) -> WaveProgress:
    """The wave's emails counted by status: one query."""
    counts = dict(
        OutboundEmail.objects.filter(batch=wave.batch)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    return WaveProgress(
        total=sum(counts.values()),
        waiting=counts.get(Status.QUEUED, 0) + counts.get(Status.SENDING, 0),
        sent=counts.get(Status.SENT, 0),
        failed=counts.get(Status.FAILED, 0),
        suppressed=counts.get(Status.SUPPRESSED, 0),
        cancelled=counts.get(Status.CANCELLED, 0),
    )


def wave_failures(*, wave: Wave) -> QuerySet[OutboundEmail]:
    """The wave's emails that failed for good, latest first, for a paginated table."""
    return (
        OutboundEmail.objects.filter(batch=wave.batch, status=Status.FAILED)
        .only("pk", "to", "last_error", "attempts", "created_at", "claimed_at")
        .order_by("-claimed_at", "-pk")
    )


def rounds_for_reminders() -> QuerySet[Round]:
    """Rounds whose drafts can still be reminded (draft or open), soonest closing
    first, each with its reminder waves."""
    return (
        Round.objects.filter(status__in=(RoundStatus.DRAFT, RoundStatus.OPEN))
        .order_by("closes_at", "pk")
        .prefetch_related(
            Prefetch(
                "waves",
                queryset=Wave.objects.filter(kind=WaveKind.REMINDER).order_by("-reminder_days"),
                to_attr="reminder_waves",
            )
        )
    )


__all__ = [
    "WaveProgress",
    "rounds_for_reminders",
    "wave_failures",
    "wave_progress",
    "waves_for_programme",
]


def segment_filters(segment: Segment) -> str:
    """A segment's choices in words ("London, Front-line clinician"): at most a
    query or two per segment, and a wave has at most six segments."""
    parts = []
    if segment.region_id:
        region = Region.objects.filter(pk=segment.region_id).values_list("name", flat=True).first()
        parts.append(region or _("a region that no longer exists"))
    if segment.role_category:
        parts.append(RoleCategory(segment.role_category).label if segment.role_category in RoleCategory.values else "")
    if segment.route_id:
        parts.append(Route.objects.filter(pk=segment.route_id).values_list("name", flat=True).first() or "")
    if segment.outcome and segment.outcome in ApplicationOutcome.values:
        parts.append(ApplicationOutcome(segment.outcome).label)
    return ", ".join(part for part in parts if part)
