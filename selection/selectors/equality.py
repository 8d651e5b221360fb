"""Equality impact of each stage of selection, for the programme team only, and
only in aggregate.

People are counted at each stage they reached in a round:

- registered interest: confirmed registrations for updates by the round's close.
  A registration has no account; it is matched to monitoring answers only when
  its address is an account's login address (otherwise it is "Not answered").
  Starting an application does not need a registration, so no rate is given
  for "started";
- started: every application; submitted: submitted and not withdrawn;
- nominated: submitted through a partner organisation's nomination (shown only
  where the round has any);
- selected: the programme team's decision is to accept (above the line),
  released or not; offered: a place was offered; took up: the offer confirmed.

Monitoring answers are the person's (one set, linked to the account), so a
round's figures use the answers as they are now. When answers can no longer be
linked to a round's applications (the person is erased, or their application is
anonymised by the retention policy) their contribution is first added to the
round's `StageTally` rows, and the figures here are the live counts plus those
tallies: a round keeps its counts by category.

Three queries whatever the size: the applications grouped by answer for every
characteristic at once (a UNION ALL of one GROUP BY each), the registrations
likewise, and the tallies."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Nomination, Round, UpdateSubscription
from equality.choices import NOT_ANSWERED, PREFER_NOT, QUESTIONS, QUESTIONS_BY_FIELD, characteristic_label
from equality.models import MonitoringResponse, Stage, StageTally

from ..choices import DecisionOutcome, PlaceOfferStatus
from ..impact import ImpactTable, impact_table
from .insight import INSIGHT_ROUND_STATUSES, POOL_STATUSES

# (stage, label, the stage its rate is of)
STAGES = [
    (Stage.REGISTERED.value, gettext_lazy("Registered interest"), ""),
    (Stage.STARTED.value, gettext_lazy("Started an application"), ""),
    (Stage.SUBMITTED.value, gettext_lazy("Submitted"), Stage.STARTED.value),
    (Stage.NOMINATED.value, gettext_lazy("Nominated"), Stage.SUBMITTED.value),
    (Stage.SELECTED.value, gettext_lazy("Selected (above the line)"), Stage.SUBMITTED.value),
    (Stage.OFFERED.value, gettext_lazy("Offered a place"), Stage.SELECTED.value),
    (Stage.TOOK_UP.value, gettext_lazy("Took up the place"), Stage.OFFERED.value),
]
APPLICATION_STAGES = [stage for stage, _label, _previous in STAGES if stage != Stage.REGISTERED]


def suppress_below() -> int:
    return settings.EQUALITY_SUPPRESS_BELOW


def _stage_counts() -> dict:
    pool = Q(status__in=POOL_STATUSES)
    return {
        Stage.STARTED.value: Count("pk"),
        Stage.SUBMITTED.value: Count("pk", filter=pool),
        Stage.NOMINATED.value: Count("pk", filter=pool & Q(nomination__isnull=False)),
        Stage.SELECTED.value: Count("pk", filter=pool & Q(decision__outcome=DecisionOutcome.ACCEPT)),
        Stage.OFFERED.value: Count("pk", filter=Q(place_offer__isnull=False)),
        Stage.TOOK_UP.value: Count("pk", filter=Q(place_offer__status=PlaceOfferStatus.CONFIRMED)),
    }


def _by_answer(queryset: QuerySet, answer_of, counts: dict, extra: tuple[str, ...] = ()) -> QuerySet:
    """One GROUP BY per characteristic, as one UNION ALL query: rows of
    (characteristic, answer, *extra, *counts)."""
    parts = [
        queryset.annotate(
            characteristic=Value(question.field, output_field=CharField()),
            answer=Coalesce(answer_of(question.field), Value(NOT_ANSWERED), output_field=CharField()),
        )
        .values("characteristic", "answer", *extra)
        .annotate(**counts)
        .order_by()
        for question in QUESTIONS
    ]
    return parts[0].union(*parts[1:], all=True)


def _application_rows(applications: QuerySet, *, by_round: bool = False) -> QuerySet:
    return _by_answer(
        applications,
        lambda field: F(f"applicant__equality_monitoring__{field}"),
        _stage_counts(),
        extra=("round_id",) if by_round else (),
    )


def _registration_rows(registrations: QuerySet) -> QuerySet:
    def answer_of(field):
        return Subquery(MonitoringResponse.objects.filter(user__email__iexact=OuterRef("email")).values(field)[:1])

    return _by_answer(registrations, answer_of, {Stage.REGISTERED.value: Count("pk")})


# characteristic -> analysis group -> stage -> people
Counts = dict[str, dict[str, Counter]]


def _add(counts: Counts, characteristic: str, answer: str, stage_counts: dict[str, int]) -> None:
    group = QUESTIONS_BY_FIELD[characteristic].group_for(answer or NOT_ANSWERED)
    counts[characteristic][group].update({stage: n for stage, n in stage_counts.items() if n})


def _counts_for(*, rounds: QuerySet[Round] | None, registered_by) -> Counts:
    """Live counts plus tallies, for the rounds (None: every round with insight)."""
    counts: Counts = defaultdict(lambda: defaultdict(Counter))
    applications = Application.objects.filter(applicant__isnull=False)
    tallies = StageTally.objects.all()
    if rounds is None:
        applications = applications.filter(round__status__in=INSIGHT_ROUND_STATUSES)
        tallies = tallies.filter(round__status__in=INSIGHT_ROUND_STATUSES)
    else:
        applications = applications.filter(round__in=rounds)
        tallies = tallies.filter(round__in=rounds)
    for row in _application_rows(applications):
        _add(counts, row["characteristic"], row["answer"], {s: row[s] for s in APPLICATION_STAGES})
    registrations = UpdateSubscription.objects.filter(confirmed_at__isnull=False)
    if registered_by is not None:
        registrations = registrations.filter(confirmed_at__lte=registered_by)
    for row in _registration_rows(registrations):
        _add(counts, row["characteristic"], row["answer"], {Stage.REGISTERED.value: row[Stage.REGISTERED.value]})
    for row in tallies.values("characteristic", "category", "stage").annotate(people=Sum("count")).order_by():
        if row["characteristic"] in QUESTIONS_BY_FIELD:
            counts[row["characteristic"]][row["category"]][row["stage"]] += row["people"]
    return counts


@dataclass
class EqualityImpact:
    round: Round | None
    tables: list[ImpactTable]
    threshold: int
    stages: list[tuple[str, str, str]]

    @property
    def people(self) -> int:
        return self.tables[0].total.cells[Stage.STARTED.value].count if self.tables else 0

    @property
    def gaps(self) -> list[dict]:
        """Every flagged gap, in words' order: characteristic, group, stage, cell."""
        return [
            {"characteristic": table.label, "group": row.label, "stage": table.stage_label(stage), "cell": cell}
            for table in self.tables
            for row, stage, cell in table.gaps
        ]


def _groups(field: str) -> list[tuple[str, str, bool]]:
    return [
        (key, str(label), key not in (PREFER_NOT, NOT_ANSWERED))
        for key, label in QUESTIONS_BY_FIELD[field].analysis_groups()
    ]


def _tables(counts: Counts, stages, threshold: int) -> list[ImpactTable]:
    return [
        impact_table(
            characteristic=question.field,
            label=str(characteristic_label(question.field)),
            stages=stages,
            groups=_groups(question.field),
            counts=counts.get(question.field, {}),
            threshold=threshold,
            total_label=_("Everyone"),
        )
        for question in QUESTIONS
    ]


def equality_impact(*, round: Round | None, threshold: int | None = None) -> EqualityImpact:
    """Every characteristic's stage table for a round, or across every round that
    has opened (round None; a person who applied to two rounds counts in each).
    The nominated stage is left out where no application in scope was nominated."""
    threshold = suppress_below() if threshold is None else threshold
    if round is None:
        counts = _counts_for(rounds=None, registered_by=None)
        nominated = Nomination.objects.filter(
            application__isnull=False, round__status__in=INSIGHT_ROUND_STATUSES
        ).exists()
    else:
        counts = _counts_for(rounds=Round.objects.filter(pk=round.pk), registered_by=round.closes_at)
        nominated = Nomination.objects.filter(application__isnull=False, round=round).exists()
    stages = [
        (key, str(label), previous) for key, label, previous in STAGES if nominated or key != Stage.NOMINATED.value
    ]
    return EqualityImpact(round=round, tables=_tables(counts, stages, threshold), threshold=threshold, stages=stages)


# --- Erasure: what a person counted for ------------------------------------------------


def equality_contributions(*, applications: QuerySet[Application], registrations: QuerySet | None = None) -> Counter:
    """What these applications (with their applicant's answers, read now) and
    registrations count for in each round, as (round id, characteristic,
    analysis group, stage) -> people: for `StageTally`, before the link to the
    answers is broken. Registrations count in every round they were confirmed
    before the close of."""
    contributions: Counter = Counter()
    for row in _application_rows(applications.filter(applicant__isnull=False), by_round=True):
        group = QUESTIONS_BY_FIELD[row["characteristic"]].group_for(row["answer"] or NOT_ANSWERED)
        for stage in APPLICATION_STAGES:
            if row[stage]:
                contributions[(row["round_id"], row["characteristic"], group, stage)] += row[stage]
    if registrations is not None:
        rounds = list(Round.objects.filter(status__in=INSIGHT_ROUND_STATUSES).values_list("pk", "closes_at"))
        for registration in registrations.filter(confirmed_at__isnull=False).only("email", "confirmed_at"):
            response = MonitoringResponse.objects.filter(user__email__iexact=registration.email).first()
            for round_id, closes_at in rounds:
                if registration.confirmed_at > closes_at:
                    continue
                for question in QUESTIONS:
                    answer = getattr(response, question.field) if response else NOT_ANSWERED
                    key = (round_id, question.field, question.group_for(answer), Stage.REGISTERED.value)
                    contributions[key] += 1
    return contributions


# --- The decision room: the proposed cohort against the pool ----------------------------

COHORT_STAGES = [
    ("pool", gettext_lazy("Submitted (the pool)"), ""),
    ("cohort", gettext_lazy("In the proposed cohort"), "pool"),
]


def cohort_equality(*, round: Round, accepted_ids, threshold: int | None = None) -> list[ImpactTable]:
    """The proposed cohort (the applications the line accepts) against the pool
    of submitted applications, for each characteristic: one query."""
    threshold = suppress_below() if threshold is None else threshold
    rows = _by_answer(
        Application.objects.filter(round=round, status__in=POOL_STATUSES),
        lambda field: F(f"applicant__equality_monitoring__{field}"),
        {"pool": Count("pk"), "cohort": Count("pk", filter=Q(pk__in=list(accepted_ids)))},
    )
    counts: Counts = defaultdict(lambda: defaultdict(Counter))
    for row in rows:
        _add(counts, row["characteristic"], row["answer"], {"pool": row["pool"], "cohort": row["cohort"]})
    stages = [(key, str(label), previous) for key, label, previous in COHORT_STAGES]
    return _tables(counts, stages, threshold)


def cohort_equality_for_plan(*, round: Round, plan) -> list[ImpactTable]:
    """`cohort_equality` for the decision room's plan (the line drawn there)."""
    accepted = [
        candidate.id
        for candidate in (*plan.ranked, *plan.unscored)
        if plan.outcome_of(candidate) == DecisionOutcome.ACCEPT
    ]
    return cohort_equality(round=round, accepted_ids=accepted)
