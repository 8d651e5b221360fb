"""Read queries for the programme team's rounds pages. Counts are computed in the
database per round shown, so a page's query count never grows with rounds or
applications."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ..choices import ApplicationStatus, RoundStatus
from ..models import Application, NominationQuota, Round

# An application counts as submitted from submission until its decision, unless
# it has been withdrawn.
SUBMITTED_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.DECIDED)


def _applications_count(condition: Q | None = None) -> Coalesce:
    """The number of the outer round's applications matching `condition`: a
    correlated subquery answered from the (round, status) index."""
    applications = Application.objects.filter(round=OuterRef("pk"))
    if condition is not None:
        applications = applications.filter(condition)
    counted = applications.order_by().values("round").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def rounds_for_programme() -> QuerySet[Round]:
    """Every round, newest first, with `applications_started` (every application,
    draft or not), `applications_submitted` and `applications_withdrawn`, and its
    routes prefetched."""
    return (
        Round.objects.annotate(
            applications_started=_applications_count(),
            applications_submitted=_applications_count(Q(status__in=SUBMITTED_STATUSES)),
            applications_withdrawn=_applications_count(Q(status=ApplicationStatus.WITHDRAWN)),
        )
        .prefetch_related("routes")
        .order_by("-opens_at", "-pk")
    )


def rounds_with_setup() -> QuerySet[Round]:
    """Rounds as `rounds_for_programme`, with their criteria and nomination quotas
    (and the quotas' organisations and regions) prefetched: the round page."""
    return rounds_for_programme().prefetch_related(
        "criteria",
        Prefetch(
            "nomination_quotas",
            queryset=NominationQuota.objects.select_related("organisation", "region").order_by(
                "region__name", "organisation__name"
            ),
        ),
    )


def quotas_of(*, round: Round) -> QuerySet[NominationQuota]:
    """The round's nomination quotas, regions first, then organisations, by name."""
    return (
        NominationQuota.objects.filter(round=round)
        .select_related("organisation", "region")
        .order_by("region__name", "organisation__name")
    )


def route_application_counts(*, round: Round, route_ids: Iterable[int] | None = None) -> dict[int, int]:
    """How many of the round's applications (of any status) use each route, by
    route id; routes no application uses are left out."""
    applications = Application.objects.filter(round=round, route__isnull=False)
    if route_ids is not None:
        applications = applications.filter(route_id__in=list(route_ids))
    rows = applications.order_by().values("route_id").annotate(count=Count("pk")).values_list("route_id", "count")
    return dict(rows)


def open_round_overlapping(
    *, phase: str, opens_at: datetime, closes_at: datetime, exclude_pk: int | None = None
) -> Round | None:
    """Another open round of the phase whose [opens_at, closes_at) overlaps the
    given dates, or None."""
    rounds = Round.objects.filter(
        status=RoundStatus.OPEN, phase=phase, opens_at__lt=closes_at, closes_at__gt=opens_at
    ).order_by("opens_at", "pk")
    if exclude_pk is not None:
        rounds = rounds.exclude(pk=exclude_pk)
    return rounds.first()
