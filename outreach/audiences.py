"""Who a wave goes to: segments (update subscribers, applicants through a route,
nominees of a region's organisations, unsubmitted drafts, applicants by decision
outcome, members), combined with OR ("anyone in any of them") or AND ("only
people in all of them").

Everything is computed in the database, in one statement: each segment is a
SELECT of (address lower-cased, name, application, segment number), the segments
are joined with UNION ALL, and the result is grouped by address, so a person in
several segments is counted and emailed once; AND keeps the addresses found in
every segment (HAVING COUNT(DISTINCT segment) = n). Counting, previewing and
materialising all run this same query, so the count shown before sending is
the number of emails queued (if nobody joins or leaves in between).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import BigIntegerField, Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Lower, Trim
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.choices import ApplicationOutcome, ApplicationStatus, SubscriptionStatus
from applications.models import Application, Nomination, NominationStatus, Round, Route, UpdateSubscription
from members.choices import MembershipStatus, RoleCategory
from members.models import MemberProfile, Region
from q_portal.exceptions import PortalError

__all__ = ["Audience", "Combine", "Recipient", "Segment", "SegmentKind"]


class SegmentKind(models.TextChoices):
    SUBSCRIBERS = "subscribers", gettext_lazy("People registered for updates")
    ROUTE = "route", gettext_lazy("Applicants through an eligibility route")
    NOMINEES = "nominees", gettext_lazy("Nominees of the organisations in a region")
    DRAFTS = "drafts", gettext_lazy("Applicants with an unsubmitted draft in the wave's round")
    OUTCOME = "outcome", gettext_lazy("Applicants in the wave's round by decision outcome")
    MEMBERS = "members", gettext_lazy("Members")


# These segments need the wave's round.
_NEED_ROUND = (SegmentKind.DRAFTS, SegmentKind.OUTCOME)


class Combine(models.TextChoices):
    ANY = "any", gettext_lazy("Anyone in any of the chosen groups")
    ALL = "all", gettext_lazy("Only people in all of the chosen groups")


# Nominations that no longer stand: the nominee declined or it was withdrawn.
_ENDED_NOMINATIONS = (NominationStatus.DECLINED, NominationStatus.WITHDRAWN)
_RELEASED_OUTCOMES = tuple(value for value in ApplicationOutcome.values if value)


@dataclass(frozen=True)
class Segment:
    kind: str
    region_id: int | None = None
    role_category: str = ""
    route_id: int | None = None
    outcome: str = ""

    def as_json(self) -> dict:
        data = {"kind": self.kind}
        for name in ("region_id", "role_category", "route_id", "outcome"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


@dataclass(frozen=True)
class Audience:
    combine: str = Combine.ANY
    segments: tuple[Segment, ...] = field(default_factory=tuple)

    def as_json(self) -> dict:
        return {"combine": self.combine, "segments": [segment.as_json() for segment in self.segments]}

    @classmethod
    def from_json(cls, data) -> "Audience":
        """The audience stored on a wave. Unknown keys are ignored; `check` says
        whether what is left makes sense."""
        data = data if isinstance(data, dict) else {}
        segments = []
        for item in data.get("segments") or []:
            if not isinstance(item, dict) or item.get("kind") not in SegmentKind.values:
                continue
            segments.append(
                Segment(
                    kind=item["kind"],
                    region_id=_int_or_none(item.get("region_id")),
                    role_category=str(item.get("role_category") or ""),
                    route_id=_int_or_none(item.get("route_id")),
                    outcome=str(item.get("outcome") or ""),
                )
            )
        combine = data.get("combine") if data.get("combine") in Combine.values else Combine.ANY
        return cls(combine=combine, segments=tuple(segments))

    def check(self, *, round: Round | None) -> None:
        """Raise PortalError (on the form field of the segment concerned) if the
        audience cannot be computed: no segment, a segment without its choice, a
        choice that does not exist, or a round-based segment without a round."""
        if not self.segments:
            raise PortalError(
                _("Choose at least one group of people to send the wave to."), field="include_subscribers"
            )
        for segment in self.segments:
            include = f"include_{segment.kind}"
            if segment.kind in _NEED_ROUND and round is None:
                raise PortalError(
                    _("Choose the round this wave is about (above) to send to “%(group)s”.")
                    % {"group": SegmentKind(segment.kind).label},
                    field=include,
                )
            if segment.kind == SegmentKind.ROUTE and not Route.objects.filter(pk=segment.route_id).exists():
                raise PortalError(_("Choose the eligibility route."), field="route")
            if segment.kind == SegmentKind.NOMINEES and not Region.objects.filter(pk=segment.region_id).exists():
                raise PortalError(
                    _("Choose the region whose organisations' nominees get the wave."), field="nominees_region"
                )
            if segment.kind == SegmentKind.OUTCOME and segment.outcome not in _RELEASED_OUTCOMES:
                raise PortalError(_("Choose the decision outcome."), field="outcome")
            if (
                segment.kind in (SegmentKind.SUBSCRIBERS, SegmentKind.MEMBERS)
                and segment.region_id is not None
                and not Region.objects.filter(pk=segment.region_id).exists()
            ):
                raise PortalError(_("Choose a region from the list."), field=f"{segment.kind}_region")
            if segment.role_category and segment.role_category not in RoleCategory.values:
                raise PortalError(_("Choose a role from the list."), field="subscribers_role")


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str
    # The person's application in the wave's round, if they have one.
    application_id: int | None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name and self.name.split() else ""


@dataclass(frozen=True)
class AudienceCount:
    total: int
    # Per segment, in the audience's order: people in that segment alone.
    by_segment: tuple[int, ...]


def audience_count(*, audience: Audience, round: Round | None) -> AudienceCount:
    """How many people the audience reaches, each counted once, and how many each
    segment holds: two queries whatever the size."""
    if not audience.segments:
        return AudienceCount(total=0, by_segment=())
    union, params = _union(audience, round)
    grouped, _ = _grouped(audience, round)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({grouped}) AS recipients", params)  # noqa: S608 - our own SQL
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT segment, COUNT(DISTINCT address) FROM ({union}) AS members GROUP BY segment",  # noqa: S608
            params,
        )
        counts = dict(cursor.fetchall())
    return AudienceCount(total=total, by_segment=tuple(counts.get(index, 0) for index in range(len(audience.segments))))


def audience_recipients(
    *, audience: Audience, round: Round | None, offset: int = 0, limit: int | None = None, chunk_size: int = 2000
) -> Iterator[Recipient]:
    """The audience's people, each address once, in address order; fetched from
    one query in chunks, so a large audience is never held in memory at once."""
    if not audience.segments:
        return
    grouped, params = _grouped(audience, round)
    sql = f"{grouped} ORDER BY address"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            for address, name, application_id in rows:
                yield Recipient(address=address, name=name or "", application_id=application_id)


def _grouped(audience: Audience, round: Round | None) -> tuple[str, list]:
    union, params = _union(audience, round)
    having = f" HAVING COUNT(DISTINCT segment) = {len(audience.segments)}" if audience.combine == Combine.ALL else ""
    return (
        f"SELECT address, MAX(name) AS name, MAX(application) AS application "  # noqa: S608 - our own SQL
        f"FROM ({union}) AS members GROUP BY address{having}",
        params,
    )


def _union(audience: Audience, round: Round | None) -> tuple[str, list]:
    parts, params = [], []
    for index, segment in enumerate(audience.segments):
        queryset = _segment_queryset(segment, round).annotate(wave_segment=Value(index, output_field=IntegerField()))
        sql, segment_params = (
            queryset.order_by()
            .values_list("wave_address", "wave_name", "wave_application", "wave_segment")
            .query.sql_with_params()
        )
        # Plain column names for the statement around the union (the annotations'
        # aliases; SQLite has no column list on a derived table).
        parts.append(
            "SELECT wave_address AS address, wave_name AS name, wave_application AS application, "  # noqa: S608
            f"wave_segment AS segment FROM ({sql}) AS segment_{index}"
        )
        params.extend(segment_params)
    return " UNION ALL ".join(parts), params


def _segment_queryset(segment: Segment, round: Round | None) -> QuerySet:
    no_application = Cast(Value(None), output_field=BigIntegerField())
    round_id = round.pk if round is not None else None
    if segment.kind == SegmentKind.SUBSCRIBERS:
        queryset = UpdateSubscription.objects.filter(status=SubscriptionStatus.CONFIRMED)
        if segment.region_id:
            queryset = queryset.filter(region_id=segment.region_id)
        if segment.role_category:
            queryset = queryset.filter(role_category=segment.role_category)
        return queryset.annotate(wave_address=_address("email"), wave_name=F("name"), wave_application=no_application)
    if segment.kind == SegmentKind.MEMBERS:
        queryset = MemberProfile.objects.filter(status=MembershipStatus.ACTIVE, user__is_active=True)
        if segment.region_id:
            queryset = queryset.filter(region_id=segment.region_id)
        return queryset.annotate(
            wave_address=_address("user__email"), wave_name=F("full_name"), wave_application=no_application
        )
    if segment.kind == SegmentKind.NOMINEES:
        queryset = Nomination.objects.filter(organisation__region_id=segment.region_id).exclude(
            status__in=_ENDED_NOMINATIONS
        )
        if round_id is not None:
            queryset = queryset.filter(round_id=round_id)
        return queryset.annotate(
            wave_address=_address("email"), wave_name=F("full_name"), wave_application=F("application_id")
        )
    applications = Application.objects.filter(applicant__isnull=False, applicant__is_active=True)
    if segment.kind == SegmentKind.ROUTE:
        queryset = applications.filter(route_id=segment.route_id)
        application = Case(When(Q(round_id=round_id), then=F("pk")), default=no_application)
    elif segment.kind == SegmentKind.DRAFTS:
        queryset = applications.filter(round_id=round_id, status=ApplicationStatus.DRAFT)
        application = F("pk")
    elif segment.kind == SegmentKind.OUTCOME:
        queryset = applications.filter(round_id=round_id, outcome=segment.outcome)
        application = F("pk")
    else:
        raise ValueError(f"Unknown segment {segment.kind!r}")
    return queryset.annotate(
        wave_address=_address("applicant__email"), wave_name=F("full_name"), wave_application=application
    )


def _address(field_name: str):
    return Lower(Trim(field_name))


def _int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
