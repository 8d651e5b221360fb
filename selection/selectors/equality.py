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

A constant number of queries whatever the size: one pass over the round's
applications grouped by every answer and how far each got (folded per
characteristic in Python: the rows are combinations, not people), the
registrations matched to answers and their total, the tallies."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Nomination, Round, UpdateSubscription
from equality.choices import NOT_ANSWERED, PREFER_NOT, QUESTIONS, QUESTIONS_BY_FIELD, characteristic_label
from equality.models import CharacteristicHold, MonitoringResponse, PositiveAction, Stage, StageTally
from equality.services import category_label

from ..choices import DecisionOutcome, PlaceOfferStatus
from ..impact import ImpactTable, impact_table
from .decision_room import CharacteristicPlaces
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


def suppress_below() -> int:
    return settings.EQUALITY_SUPPRESS_BELOW


ANSWER_FIELDS = tuple(f"applicant__equality_monitoring__{question.field}" for question in QUESTIONS)


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def _grouped_applications(applications: QuerySet, *extra: str, **more) -> QuerySet:
    """One pass over the applications: how many share each combination of answers
    to every question and of how far they got (LEFT JOINs on one-to-one
    relations, one GROUP BY). Far cheaper than a GROUP BY per characteristic."""
    return (
        applications.annotate(
            in_pool=_flag(Q(status__in=POOL_STATUSES)),
            was_nominated=_flag(Q(nomination__isnull=False)),
            was_selected=_flag(Q(decision__outcome=DecisionOutcome.ACCEPT)),
            was_offered=_flag(Q(place_offer__isnull=False)),
            took_up_place=_flag(Q(place_offer__status=PlaceOfferStatus.CONFIRMED)),
            **more,
        )
        .values(*ANSWER_FIELDS, "in_pool", "was_nominated", "was_selected", "was_offered", "took_up_place", *extra)
        .annotate(people=Count("pk"))
        .order_by()
    )


def _stages_of(row: dict) -> tuple[str, ...]:
    stages = [Stage.STARTED.value]
    if row["in_pool"]:
        stages.append(Stage.SUBMITTED.value)
        if row["was_nominated"]:
            stages.append(Stage.NOMINATED.value)
        if row["was_selected"]:
            stages.append(Stage.SELECTED.value)
    if row["was_offered"]:
        stages.append(Stage.OFFERED.value)
    if row["took_up_place"]:
        stages.append(Stage.TOOK_UP.value)
    return tuple(stages)


def _fold(rows, stages_of, key_of=lambda row: ()) -> Counter:
    """(key, characteristic, analysis group, stage) -> people, from grouped rows:
    first counted per question by (answer, stages), of which there are few, then
    expanded. Counting runs in Counter's C loop where every row is one person
    (the common case at scale: rows are distinct combinations of answers)."""
    rows = list(rows)
    keys = [key_of(row) for row in rows]
    stages = [stages_of(row) for row in rows]
    weights = [row["people"] for row in rows]
    one_each = all(weight == 1 for weight in weights)
    folded: Counter = Counter()
    for question, field in zip(QUESTIONS, ANSWER_FIELDS, strict=True):
        answers = [row[field] or NOT_ANSWERED for row in rows]
        if one_each:
            per_answer = Counter(zip(keys, answers, stages, strict=True))
        else:
            per_answer = Counter()
            for combination in zip(keys, answers, stages, weights, strict=True):
                per_answer[combination[:3]] += combination[3]
        for (key, answer, reached), people in per_answer.items():
            group = question.group_for(answer)
            for stage in reached:
                folded[(key, question.field, group, stage)] += people
    return folded


def _registered(registrations: QuerySet) -> Counter:
    """Registrations by the answers of the account with the same address (two
    queries: those matched, grouped by answers, and how many there are)."""
    addresses = registrations.annotate(address=Lower("email")).values("address")
    matched = (
        MonitoringResponse.objects.annotate(address=Lower("user__email"))
        .filter(address__in=addresses)
        .values(*(question.field for question in QUESTIONS))
        .annotate(people=Count("pk"))
        .order_by()
    )
    folded: Counter = Counter()
    total = registrations.count()
    for row in matched:
        for question in QUESTIONS:
            folded[(question.field, question.group_for(row[question.field] or NOT_ANSWERED))] += row["people"]
    for question in QUESTIONS:
        answered = sum(people for (field, _group), people in folded.items() if field == question.field)
        folded[(question.field, NOT_ANSWERED)] += total - answered
    return folded


# characteristic -> analysis group -> stage -> people
Counts = dict[str, dict[str, Counter]]


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
    for (_key, characteristic, group, stage), people in _fold(_grouped_applications(applications), _stages_of).items():
        counts[characteristic][group][stage] += people
    registrations = UpdateSubscription.objects.filter(confirmed_at__isnull=False)
    if registered_by is not None:
        registrations = registrations.filter(confirmed_at__lte=registered_by)
    for (characteristic, group), people in _registered(registrations).items():
        if people:
            counts[characteristic][group][Stage.REGISTERED.value] += people
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


def equality_counts(*, round: Round | None) -> tuple[Counts, bool]:
    """How many people reached each stage, by characteristic and analysis group,
    for a round or across every round that has opened (round None; a person who
    applied to two rounds counts in each), and whether any application in scope
    was nominated: plain dicts of Counters, kept in the cache by
    `selection.services.kept`."""
    if round is None:
        counts = _counts_for(rounds=None, registered_by=None)
        nominated = Nomination.objects.filter(
            application__isnull=False, round__status__in=INSIGHT_ROUND_STATUSES
        ).exists()
    else:
        counts = _counts_for(rounds=Round.objects.filter(pk=round.pk), registered_by=round.closes_at)
        nominated = Nomination.objects.filter(application__isnull=False, round=round).exists()
    return {characteristic: dict(groups) for characteristic, groups in counts.items()}, nominated


def equality_impact(
    *, round: Round | None, threshold: int | None = None, counted: tuple[Counts, bool] | None = None
) -> EqualityImpact:
    """Every characteristic's stage table for a round, or across every round that
    has opened (round None), from `equality_counts` (counted now unless
    `counted` is given). The nominated stage is left out where no application in
    scope was nominated."""
    threshold = suppress_below() if threshold is None else threshold
    counts, nominated = counted or equality_counts(round=round)
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
    grouped = _grouped_applications(applications.filter(applicant__isnull=False), "round_id")
    for (round_id, characteristic, group, stage), people in _fold(
        grouped, _stages_of, lambda row: row["round_id"]
    ).items():
        contributions[(round_id, characteristic, group, stage)] += people
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
    grouped = _grouped_applications(
        Application.objects.filter(round=round, status__in=POOL_STATUSES),
        "in_cohort",
        in_cohort=_flag(Q(pk__in=list(accepted_ids))),
    )
    counts: Counts = defaultdict(lambda: defaultdict(Counter))
    for (_key, characteristic, group, stage), people in _fold(
        grouped, lambda row: ("pool", "cohort") if row["in_cohort"] else ("pool",)
    ).items():
        counts[characteristic][group][stage] += people
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


# --- Positive action: places held for a monitoring characteristic -------------------------


def positive_action_of(*, round: Round):
    """The round's positive action setting (None: never enabled)."""
    return PositiveAction.objects.filter(round=round).first()


def characteristic_holds_for(*, round: Round, action=None, holds=None) -> list:
    """The places held for monitoring characteristics in the round, each with the
    ids of its group's submitted applications, for the decision room's plan only
    (`CharacteristicPlaces`: never shown). Empty unless the round's positive
    action is enabled. Two queries (none when `action` and `holds` are given),
    and one more for each group held: a
    person counts in a group only by their own answer ("Prefer not to say" and
    unanswered never count)."""
    if action is None:
        action = PositiveAction.objects.filter(round=round, enabled=True).first()
    if action is None or not action.enabled:
        return []
    if holds is None:
        holds = CharacteristicHold.objects.filter(round=round).order_by("characteristic", "category")
    held = []
    for hold in holds:
        question = QUESTIONS_BY_FIELD.get(hold.characteristic)
        if question is None or hold.category in (PREFER_NOT, NOT_ANSWERED):
            continue
        answers = [value for value, _label in question.flat_choices() if question.group_for(value) == hold.category]
        members = Application.objects.filter(
            round=round,
            status__in=POOL_STATUSES,
            **{f"applicant__equality_monitoring__{hold.characteristic}__in": answers},
        ).values_list("pk", flat=True)
        label = category_label(hold.characteristic, hold.category)
        held.append(
            CharacteristicPlaces(
                label=f"{characteristic_label(hold.characteristic)}: {label}",
                places=hold.places,
                members=frozenset(members),
                bar=action.quality_bar,
            )
        )
    return held
