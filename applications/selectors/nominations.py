"""Reads for the nominator's dashboard, the nominee's invitation and the programme
team's view of nominations. Every count is made in the database, so a page's
query count does not grow with the number of nominations."""

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from members.models import Organisation

from ..choices import ApplicationStatus, NomineeProgress, RouteKind
from ..models import CohortUpload, Nomination, NominationQuota, NominationStatus, NominatorOrganisation, Round
from ..models.nominations import ACTIVE_NOMINATION_STATUSES


def _progress() -> Case:
    return Case(
        When(status=NominationStatus.INVITED, then=Value(NomineeProgress.INVITED)),
        When(status=NominationStatus.OPENED, then=Value(NomineeProgress.OPENED)),
        When(status=NominationStatus.DECLINED, then=Value(NomineeProgress.DECLINED)),
        When(status=NominationStatus.WITHDRAWN, then=Value(NomineeProgress.WITHDRAWN)),
        When(application__status=ApplicationStatus.DRAFT, then=Value(NomineeProgress.STARTED)),
        When(
            application__status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW],
            then=Value(NomineeProgress.SUBMITTED),
        ),
        When(application__status=ApplicationStatus.DECIDED, then=Value(NomineeProgress.DECIDED)),
        When(application__status=ApplicationStatus.WITHDRAWN, then=Value(NomineeProgress.APPLICATION_WITHDRAWN)),
        default=Value(NomineeProgress.STARTED),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class QuotaUse:
    quota: NominationQuota | None
    used: int

    @property
    def places(self) -> int:
        return self.quota.places if self.quota else 0

    @property
    def left(self) -> int:
        return max(self.places - self.used, 0)

    @property
    def shared_by_region(self) -> bool:
        return self.quota is not None and self.quota.region_id is not None


@dataclass(frozen=True)
class NominatorRound:
    """One line of the nominator's home page: a round, an organisation, its quota."""

    round: Round
    organisation: Organisation
    quota_use: QuotaUse
    nominations: int


def rounds_taking_nominations() -> QuerySet[Round]:
    return (
        Round.objects.open_now()
        .filter(Exists(Round.routes.through.objects.filter(round=OuterRef("pk"), route__kind=RouteKind.NOMINATED)))
        .order_by("closes_at")
    )


def nominator_organisations(*, user) -> list[Organisation]:
    return [
        link.organisation
        for link in NominatorOrganisation.objects.filter(user=user).select_related("organisation__region")
    ]


def _quota_uses(*, rounds: list[Round], organisations: list[Organisation]) -> dict[tuple[int, int], QuotaUse]:
    """(round id, organisation id) → the quota the organisation's nominations count
    against in the round and how much of it is used. Three queries whatever the
    number of rounds and organisations."""
    region_ids = {organisation.region_id for organisation in organisations if organisation.region_id}
    quotas = list(
        NominationQuota.objects.filter(round__in=rounds).filter(
            Q(organisation__in=organisations) | Q(region_id__in=region_ids)
        )
    )
    used = dict(
        Nomination.objects.active()
        .filter(quota__in=quotas)
        .values_list("quota_id")
        .annotate(count=Count("pk"))
        .values_list("quota_id", "count")
    )
    by_organisation = {(q.round_id, q.organisation_id): q for q in quotas if q.organisation_id}
    by_region = {(q.round_id, q.region_id): q for q in quotas if q.region_id}
    result = {}
    for round in rounds:
        for organisation in organisations:
            quota = by_organisation.get((round.pk, organisation.pk)) or by_region.get(
                (round.pk, organisation.region_id)
            )
            result[(round.pk, organisation.pk)] = QuotaUse(quota=quota, used=used.get(quota.pk, 0) if quota else 0)
    return result


def nominator_rounds(*, user) -> list[NominatorRound]:
    """For the nominator's home page: each round taking nominations now, for each of
    the user's organisations that has places in it, and each earlier round in which
    the organisation nominated people."""
    organisations = nominator_organisations(user=user)
    if not organisations:
        return []
    pairs = (
        Nomination.objects.filter(organisation__in=organisations)
        .values("round_id", "organisation_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {(pair["round_id"], pair["organisation_id"]): pair["count"] for pair in pairs}
    open_rounds = list(rounds_taking_nominations())
    earlier_ids = {round_id for round_id, _organisation in counts} - {round.pk for round in open_rounds}
    rounds = open_rounds + list(Round.objects.filter(pk__in=earlier_ids).order_by("-opens_at"))
    uses = _quota_uses(rounds=rounds, organisations=organisations)
    lines = []
    for round in rounds:
        for organisation in organisations:
            use = uses[(round.pk, organisation.pk)]
            count = counts.get((round.pk, organisation.pk), 0)
            if use.quota is not None or count:
                lines.append(NominatorRound(round=round, organisation=organisation, quota_use=use, nominations=count))
    return lines


def quota_use_for(*, round: Round, organisation: Organisation) -> QuotaUse:
    return _quota_uses(rounds=[round], organisations=[organisation])[(round.pk, organisation.pk)]


def nominations_for_dashboard(*, round: Round, organisation: Organisation, progress: str = "") -> QuerySet[Nomination]:
    """The organisation's nominations in the round, newest first, each with its
    `progress` (NomineeProgress) annotated; optionally only those at one stage."""
    queryset = (
        Nomination.objects.filter(round=round, organisation=organisation)
        .select_related("nominated_by", "region", "application")
        .annotate(progress=_progress())
        .order_by("-created_at", "-pk")
    )
    if progress:
        queryset = queryset.filter(progress=progress)
    return queryset


def progress_counts(*, round: Round, organisation: Organisation | None = None) -> dict[str, int]:
    """How many nominations are at each stage, in one query."""
    queryset = Nomination.objects.filter(round=round)
    if organisation is not None:
        queryset = queryset.filter(organisation=organisation)
    rows = queryset.annotate(progress=_progress()).values("progress").annotate(count=Count("pk")).order_by()
    counts = {row["progress"]: row["count"] for row in rows}
    return {key: counts.get(key, 0) for key in NomineeProgress.values}


def invitation_for_page(*, nomination: Nomination) -> Nomination:
    return (
        Nomination.objects.select_related("round", "organisation", "nominated_by", "region", "application")
        .annotate(progress=_progress())
        .get(pk=nomination.pk)
    )


def pending_upload_for(*, user, pk) -> CohortUpload | None:
    return (
        CohortUpload.objects.select_related("round", "organisation")
        .filter(pk=pk, uploaded_by=user, imported_at__isnull=True)
        .first()
    )


# --- The programme team ----------------------------------------------------------------


def rounds_with_nominations() -> QuerySet[Round]:
    """Rounds that take nominations, or have quotas or nominations, newest first,
    each with its number of active nominations."""
    active = (
        Nomination.objects.active()
        .filter(round=OuterRef("pk"))
        .order_by()
        .values("round")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Round.objects.filter(
            Q(Exists(Round.routes.through.objects.filter(round=OuterRef("pk"), route__kind=RouteKind.NOMINATED)))
            | Q(Exists(NominationQuota.objects.filter(round=OuterRef("pk"))))
            | Q(Exists(Nomination.objects.filter(round=OuterRef("pk"))))
        )
        .annotate(nominations_active=Coalesce(Subquery(active), 0))
        .order_by("-opens_at")
    )


def nominations_by_organisation(*, round: Round) -> list[dict]:
    """Per nominating organisation: its region, the nominations at each stage, the
    places it counts against (its own quota, or its region's, shared) and how many
    are used. A handful of queries whatever the numbers."""
    rows = list(
        Nomination.objects.filter(round=round)
        .annotate(_stage=_progress())
        .values("organisation_id", "organisation__name", "organisation__region__name", "organisation__region_id")
        .annotate(
            active=Count("pk", filter=Q(status__in=ACTIVE_NOMINATION_STATUSES)),
            **{f"stage_{key}": Count("pk", filter=Q(_stage=key)) for key in NomineeProgress.values},
        )
        .order_by("organisation__name")
    )
    quotas = list(NominationQuota.objects.filter(round=round).select_related("organisation", "region"))
    by_organisation = {quota.organisation_id: quota for quota in quotas if quota.organisation_id}
    by_region = {quota.region_id: quota for quota in quotas if quota.region_id}
    seen = set()
    for row in rows:
        quota = by_organisation.get(row["organisation_id"]) or by_region.get(row["organisation__region_id"])
        row["quota"] = quota
        row["stages"] = [row[f"stage_{key}"] for key in NomineeProgress.values]
        seen.add(row["organisation_id"])
    # Organisations with a quota who have nominated no one yet.
    for quota in quotas:
        if quota.organisation_id and quota.organisation_id not in seen:
            rows.append(
                {
                    "organisation_id": quota.organisation_id,
                    "organisation__name": quota.organisation.name,
                    "organisation__region__name": quota.organisation.region.name
                    if quota.organisation.region_id
                    else "",
                    "active": 0,
                    "quota": quota,
                    "stages": [0] * len(NomineeProgress.values),
                }
            )
    rows.sort(key=lambda row: row["organisation__name"].lower())
    return rows


def quota_use_of_round(*, round: Round) -> list[tuple[NominationQuota, int, int]]:
    """Each quota of the round with the places used and left, in one query."""
    quotas = list(
        NominationQuota.objects.filter(round=round)
        .select_related("organisation", "region")
        .annotate(used=Count("nominations", filter=Q(nominations__status__in=ACTIVE_NOMINATION_STATUSES)))
        .order_by("organisation__name", "region__name")
    )
    return [(quota, quota.used, max(quota.places - quota.used, 0)) for quota in quotas]


def nominations_by_region(*, round: Round) -> list[dict]:
    """Per region where the nominees work: the nominations at each stage."""
    rows = list(
        Nomination.objects.filter(round=round)
        .annotate(_stage=_progress())
        .values("region__name")
        .annotate(
            active=Count("pk", filter=Q(status__in=ACTIVE_NOMINATION_STATUSES)),
            **{f"stage_{key}": Count("pk", filter=Q(_stage=key)) for key in NomineeProgress.values},
        )
        .order_by("region__name")
    )
    for row in rows:
        row["stages"] = [row[f"stage_{key}"] for key in NomineeProgress.values]
    return rows


def nominator_links() -> QuerySet[NominatorOrganisation]:
    return NominatorOrganisation.objects.select_related("user", "organisation").order_by(
        "organisation__name", "user__email"
    )
