"""The decision room: where a cut-off line falls in a round ranked by score, and
the cohort it gives by region, role, route and nominating organisation against
the round's capacity, held places and nomination quotas.

The round's facts are loaded with a constant number of queries (`room_facts`);
the cohort is planned in memory by `plan_cohort`, a pure function, so what the
room shows, what the preview lists and what a bulk decision applies are one
computation. Released decisions, and the decisions on applications without a
score, are fixed: the plan never changes them, but their accepted places count."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from applications.choices import RoleCategory
from applications.models import NominationQuota, Round
from scoring.model import Z_95

from ..choices import DecisionOutcome, GroupDimension, LineMethod, LineRest
from ..models import PlaceHold
from .board import scores_of_round

# The close-to-call band: applications whose estimate is within this many
# standard errors of the line (about a one-in-six chance or more of belonging
# on its other side).
CLOSE_TO_CALL_ERRORS = 1.0


# The nominating organisation is a group the room shows, not one places are held for.
NOMINATED_BY = "nominated_by"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One scored application as the room sees it."""

    id: int
    reference: str
    score: float | None
    region_id: int | None
    region: str
    role_category: str
    route_id: int | None
    route: str
    nominated_by_id: int | None
    nominated_by: str
    decision: str | None
    released: bool
    # The bias-corrected estimate's 95 % interval (scoring.model), whatever the ranking.
    low: float | None = None
    high: float | None = None
    # The mean weighted total, whatever the ranking: the scale of positive action's quality bar.
    mean: float | None = None

    @property
    def standard_error(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / (2 * Z_95)

    @property
    def role(self) -> str:
        return RoleCategory(self.role_category).label if self.role_category in RoleCategory.values else ""

    def group(self, dimension: str) -> str:
        """The key of the candidate's group, as stored in PlaceHold.value."""
        return {
            GroupDimension.REGION: str(self.region_id or ""),
            GroupDimension.ROLE_CATEGORY: self.role_category or "",
            GroupDimension.ROUTE: str(self.route_id or ""),
            NOMINATED_BY: str(self.nominated_by_id or ""),
        }[dimension]

    def group_name(self, dimension: str) -> str:
        return {
            GroupDimension.REGION: self.region,
            GroupDimension.ROLE_CATEGORY: RoleCategory(self.role_category).label if self.role_category else "",
            GroupDimension.ROUTE: self.route,
            NOMINATED_BY: self.nominated_by,
        }[dimension] or _("Not given")


@dataclass(frozen=True, slots=True)
class LineRule:
    """Where the line is drawn and what happens below it. `places` puts the line
    after that many accepted places (held and released ones included);
    `min_score` instead accepts everyone scoring at least that."""

    method: str = LineMethod.MODEL
    places: int | None = None
    min_score: float | None = None
    waitlist: int = 0
    rest: str = LineRest.LEAVE
    rest_below: float | None = None

    def describe(self) -> str:
        method = LineMethod.of(self.method).short_name
        if self.min_score is not None:
            line = _("accept everyone with a %(method)s of %(score)s or more") % {
                "method": method,
                "score": f"{self.min_score:g}",
            }
        else:
            line = _("accept the top %(places)d by %(method)s") % {"places": self.places or 0, "method": method}
        parts = [line]
        if self.waitlist:
            parts.append(_("the next %(count)d on the waiting list") % {"count": self.waitlist})
        if self.rest == LineRest.UNSUCCESSFUL:
            parts.append(_("the rest unsuccessful"))
        elif self.rest == LineRest.BELOW and self.rest_below is not None:
            parts.append(_("the rest with a score below %(score)s unsuccessful") % {"score": f"{self.rest_below:g}"})
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Hold:
    dimension: str
    value: str
    places: int


@dataclass(frozen=True, slots=True)
class CharacteristicPlaces:
    """Places held for a group of a monitoring characteristic under the round's
    positive action. `members` are the ids of the group's applications: used by
    the plan only, never shown (the room sees counts). Filled by rank, only from
    applicants whose mean weighted total is at least `bar`."""

    label: str
    places: int
    members: frozenset[int]
    bar: float


@dataclass
class CharacteristicEffect:
    """What a characteristic's held places did, in counts only."""

    label: str
    places: int
    bar: float
    filled: int = 0
    # The group's applicants accepted without the held places (released, or above the line anyway).
    already: int = 0

    @property
    def short(self) -> int:
        """Held places not filled: too few of the group meet the quality bar."""
        return max(0, self.places - self.already - self.filled)

    def shown(self, *, threshold: int) -> "CharacteristicEffectShown":
        """The effect as a page may show it: a count of the group's people under
        `threshold` is hidden (None, shown as "fewer than"), and so is the number
        of places not filled whenever, with the places held, it would give a
        hidden count back (then only that some are not filled is said)."""
        filled = self.filled if self.filled >= threshold else None
        already = self.already if self.already >= threshold else None
        return CharacteristicEffectShown(
            label=self.label,
            places=self.places,
            filled=filled,
            already=already,
            short=self.short if filled is not None and already is not None else None,
            some_short=self.short > 0,
        )


@dataclass(frozen=True)
class CharacteristicEffectShown:
    label: str
    places: int
    # None: fewer than the suppression threshold.
    filled: int | None
    already: int | None
    # None: not to be shown as a number (see `some_short`).
    short: int | None
    some_short: bool


@dataclass
class GroupRow:
    key: str
    name: str
    applications: int = 0
    accepted: int = 0
    waitlisted: int = 0
    held: int | None = None
    held_filled: int = 0
    quota: int | None = None

    @property
    def hold_short(self) -> int:
        """Held places the group cannot fill: it has too few scored applications."""
        return max(0, (self.held or 0) - self.held_filled)


@dataclass
class CohortPlan:
    rule: LineRule
    capacity: int
    # Scored applications, best first (ties broken by application id, as on the
    # board and in the exports); then the unscored.
    ranked: list[Candidate]
    unscored: list[Candidate]
    # The planned outcome of each application the plan decides (None: no decision);
    # fixed applications are not in it.
    planned: dict[int, str | None]
    # Accepted because their group has places held.
    held: set[int]
    fixed_accepted: int
    line_score: float | None = None
    tie_at_line: bool = False
    # Applications too close to call at the line (`close_to_call`), best first.
    close_to_call: list[Candidate] = field(default_factory=list)
    groups: dict[str, list[GroupRow]] = field(default_factory=dict)
    # Accepted into places held for a monitoring characteristic: kept apart from
    # `held` so no page marks these applicants one by one (the room shows counts).
    held_for_characteristic: set[int] = field(default_factory=set)
    characteristic_effects: list[CharacteristicEffect] = field(default_factory=list)

    def outcome_of(self, candidate: Candidate) -> str | None:
        return self.planned.get(candidate.id, candidate.decision)

    def close_to_call_rows(self) -> list[tuple[Candidate, str | None]]:
        return [(candidate, self.outcome_of(candidate)) for candidate in self.close_to_call]

    @property
    def counts(self) -> Counter:
        return Counter(self.outcome_of(candidate) for candidate in [*self.ranked, *self.unscored])

    @property
    def accepted(self) -> int:
        return self.counts[DecisionOutcome.ACCEPT]

    @property
    def over_capacity(self) -> int:
        return max(0, self.accepted - self.capacity)

    def position_of_line(self) -> int:
        """How many ranked applications come before the first one not accepted."""
        for index, candidate in enumerate(self.ranked):
            if self.outcome_of(candidate) != DecisionOutcome.ACCEPT:
                return index
        return len(self.ranked)


@dataclass(frozen=True, slots=True)
class Change:
    candidate: Candidate
    before: str | None
    after: str | None


def room_facts(*, round: Round, method: str) -> tuple[list[Candidate], list[Hold], dict[tuple[str, str], int]]:
    """The round's scored applications, its held places and its nomination
    quotas ({(dimension, key): places}): three queries."""
    return _candidates(round=round, method=method), _holds(round=round), _quotas(round=round)


def _candidates(*, round: Round, method: str) -> list[Candidate]:
    score_column = LineMethod.of(method).column
    rows = scores_of_round(round=round).values_list(
        "application_id",
        "application__reference",
        score_column,
        "application__region_id",
        "application__region__name",
        "application__role_category",
        "application__route_id",
        "application__route__name",
        "application__nomination__organisation_id",
        "application__nomination__organisation__name",
        "application__decision__outcome",
        "application__decision__released_at",
        "model_low",
        "model_high",
        "mean_score",
    )
    return [
        Candidate(
            id=pk,
            reference=reference or "",
            score=score,
            region_id=region_id,
            region=region or "",
            role_category=role or "",
            route_id=route_id,
            route=route or "",
            nominated_by_id=organisation_id,
            nominated_by=organisation or "",
            decision=decision,
            released=released_at is not None,
            low=low,
            high=high,
            mean=mean,
        )
        for (
            pk,
            reference,
            score,
            region_id,
            region,
            role,
            route_id,
            route,
            organisation_id,
            organisation,
            decision,
            released_at,
            low,
            high,
            mean,
        ) in rows
    ]


def _holds(*, round: Round) -> list[Hold]:
    return [
        Hold(dimension=dimension, value=value, places=places)
        for dimension, value, places in PlaceHold.objects.filter(round=round)
        .order_by("dimension", "value")
        .values_list("dimension", "value", "places")
    ]


def _quotas(*, round: Round) -> dict[tuple[str, str], int]:
    quotas = {}
    for organisation_id, region_id, places in NominationQuota.objects.filter(round=round).values_list(
        "organisation_id", "region_id", "places"
    ):
        if organisation_id:
            quotas[NOMINATED_BY, str(organisation_id)] = places
        elif region_id:
            quotas[GroupDimension.REGION.value, str(region_id)] = places
    return quotas


def plan_cohort(
    *,
    candidates: list[Candidate],
    rule: LineRule,
    holds: list[Hold],
    capacity: int,
    quotas: dict[tuple[str, str], int] | None = None,
    characteristic_holds: list[CharacteristicPlaces] = (),
) -> CohortPlan:
    """Draw the line. In order: held places go to the best of each held group not
    already accepted; places held for a monitoring characteristic (positive
    action) go, by rank, to the best of the group meeting the quality bar, never
    to anyone below it; then the line accepts down the ranking until `places` are
    accepted in all (or everyone at `min_score` or more); the next `waitlist`
    go on the waiting list; the rest become unsuccessful (all, or those below
    `rest_below`) or have no decision. Released decisions and unscored
    applications are fixed."""
    ranked = sorted((c for c in candidates if c.score is not None), key=lambda c: (-c.score, c.id))
    unscored = sorted((c for c in candidates if c.score is None), key=lambda c: c.reference)
    fixed = {c.id for c in candidates if c.released or c.score is None}
    accepted = {c.id for c in candidates if c.id in fixed and c.decision == DecisionOutcome.ACCEPT}
    fixed_accepted = len(accepted)

    held = _fill_held_places(ranked, holds, fixed=fixed, accepted=accepted)
    held_for_characteristic, effects = _fill_characteristic_places(
        ranked, characteristic_holds, fixed=fixed, accepted=accepted
    )
    by_line = _accept_down_the_line(ranked, rule, fixed=fixed, accepted=accepted)
    waitlisted, next_below = _waiting_list(ranked, rule, fixed=fixed, accepted=accepted)
    planned = _planned_outcomes(ranked, rule, fixed=fixed, accepted=accepted, waitlisted=waitlisted)
    line_score = by_line[-1].score if by_line else None
    plan = CohortPlan(
        rule=rule,
        capacity=capacity,
        ranked=ranked,
        unscored=unscored,
        planned=planned,
        held=held,
        fixed_accepted=fixed_accepted,
        line_score=line_score,
        tie_at_line=line_score is not None and next_below is not None and next_below.score == line_score,
        held_for_characteristic=held_for_characteristic,
        characteristic_effects=effects,
    )
    if rule.method == LineMethod.MODEL and line_score is not None and next_below is not None:
        plan.close_to_call = close_to_call(
            [c for c in ranked if c.id not in fixed], line=(line_score + next_below.score) / 2
        )
    plan.groups = _groups(plan, holds, quotas or {})
    return plan


# The steps of drawing the line, in order. Each adds the applications it
# accepts to `accepted`, so a later step sees what an earlier one took.


def _fill_held_places(ranked: list[Candidate], holds: list[Hold], *, fixed: set[int], accepted: set[int]) -> set[int]:
    """Held places go to the best of each held group not already accepted."""
    held: set[int] = set()
    for hold in holds:
        members = [c for c in ranked if c.group(hold.dimension) == hold.value]
        have = sum(1 for c in members if c.id in accepted)
        for candidate in members:
            if have >= hold.places:
                break
            if candidate.id in fixed or candidate.id in accepted:
                continue
            accepted.add(candidate.id)
            held.add(candidate.id)
            have += 1
    return held


def _fill_characteristic_places(
    ranked: list[Candidate], holds: list[CharacteristicPlaces], *, fixed: set[int], accepted: set[int]
) -> tuple[set[int], list[CharacteristicEffect]]:
    """Places held for a monitoring characteristic go, by rank, to the best of
    the group meeting the quality bar, never to anyone below it."""
    held: set[int] = set()
    effects = []
    for hold in holds:
        members = [c for c in ranked if c.id in hold.members]
        effect = CharacteristicEffect(label=hold.label, places=hold.places, bar=hold.bar)
        effect.already = sum(1 for c in members if c.id in accepted)
        for candidate in members:
            if effect.already + effect.filled >= hold.places:
                break
            if candidate.id in fixed or candidate.id in accepted:
                continue
            if candidate.mean is None or candidate.mean < hold.bar:
                continue  # below the quality bar: positive action never reaches here
            accepted.add(candidate.id)
            held.add(candidate.id)
            effect.filled += 1
        effects.append(effect)
    return held, effects


def _accept_down_the_line(
    ranked: list[Candidate], rule: LineRule, *, fixed: set[int], accepted: set[int]
) -> list[Candidate]:
    """Accept down the ranking until `places` are accepted in all, or everyone at
    `min_score` or more; return those the line accepted, in order."""
    by_line: list[Candidate] = []
    for candidate in ranked:
        if candidate.id in fixed or candidate.id in accepted:
            continue
        if rule.min_score is not None:
            if candidate.score < rule.min_score:
                break
        elif len(accepted) >= (rule.places or 0):
            break
        accepted.add(candidate.id)
        by_line.append(candidate)
    return by_line


def _waiting_list(
    ranked: list[Candidate], rule: LineRule, *, fixed: set[int], accepted: set[int]
) -> tuple[set[int], Candidate | None]:
    """The next `waitlist` below the line, and the first of them (None if nobody
    is left below the line)."""
    waitlisted: set[int] = set()
    next_below = None
    for candidate in ranked:
        if candidate.id in fixed or candidate.id in accepted:
            continue
        if next_below is None:
            next_below = candidate
        if len(waitlisted) >= rule.waitlist:
            break
        waitlisted.add(candidate.id)
    return waitlisted, next_below


def _planned_outcomes(
    ranked: list[Candidate], rule: LineRule, *, fixed: set[int], accepted: set[int], waitlisted: set[int]
) -> dict[int, str | None]:
    """Each ranked application's planned outcome; the rest become unsuccessful
    (all, or those below `rest_below`) or have no decision."""
    planned: dict[int, str | None] = {}
    for candidate in ranked:
        if candidate.id in fixed:
            continue
        if candidate.id in accepted:
            planned[candidate.id] = DecisionOutcome.ACCEPT
        elif candidate.id in waitlisted:
            planned[candidate.id] = DecisionOutcome.WAITLIST
        elif rule.rest == LineRest.UNSUCCESSFUL or (
            rule.rest == LineRest.BELOW and rule.rest_below is not None and candidate.score < rule.rest_below
        ):
            planned[candidate.id] = DecisionOutcome.UNSUCCESSFUL
        else:
            planned[candidate.id] = None
    return planned


def _groups(plan: CohortPlan, holds: list[Hold], quotas: dict[tuple[str, str], int]) -> dict[str, list[GroupRow]]:
    """The cohort by region, role, route and nominating organisation: scored
    applications, accepted, waiting list, held places and quotas per group."""
    held_places = {(hold.dimension, hold.value): hold.places for hold in holds}
    groups: dict[str, list[GroupRow]] = {}
    for dimension in [*GroupDimension.values, NOMINATED_BY]:
        rows: dict[str, GroupRow] = {}
        for candidate in plan.ranked:
            key = candidate.group(dimension)
            if dimension == NOMINATED_BY and not key:
                continue
            row = rows.get(key)
            if row is None:
                row = rows[key] = GroupRow(key=key, name=candidate.group_name(dimension))
            row.applications += 1
            outcome = plan.outcome_of(candidate)
            if outcome == DecisionOutcome.ACCEPT:
                row.accepted += 1
            elif outcome == DecisionOutcome.WAITLIST:
                row.waitlisted += 1
        for (held_dimension, value), places in held_places.items():
            if held_dimension == dimension:
                row = rows.get(value) or rows.setdefault(value, GroupRow(key=value, name=_("Not in this round")))
                row.held = places
                row.held_filled = min(places, row.accepted)
        for (quota_dimension, value), places in quotas.items():
            if quota_dimension == dimension and value in rows:
                rows[value].quota = places
        groups[dimension] = sorted(rows.values(), key=lambda row: (-row.accepted, row.name))
    return groups


def close_to_call(candidates: list[Candidate], *, line: float) -> list[Candidate]:
    """The candidates whose estimate lies within CLOSE_TO_CALL_ERRORS standard
    errors of the line: the model cannot tell on which side they belong, so a
    moderator's review is worth more there than anywhere else."""
    band = []
    for candidate in candidates:
        error = candidate.standard_error
        if error is not None and abs(candidate.score - line) <= CLOSE_TO_CALL_ERRORS * error:
            band.append(candidate)
    return band


def plan_changes(plan: CohortPlan) -> list[Change]:
    """What applying the plan would change, best score first."""
    return [
        Change(candidate=candidate, before=candidate.decision, after=plan.planned[candidate.id])
        for candidate in plan.ranked
        if candidate.id in plan.planned and plan.planned[candidate.id] != candidate.decision
    ]


def near_the_line(plan: CohortPlan, *, around: int = 5) -> list[tuple[int, Candidate]]:
    """(rank, candidate) for the applications just above and below the line."""
    position = plan.position_of_line()
    start = max(0, position - around)
    return [(start + offset + 1, c) for offset, c in enumerate(plan.ranked[start : position + around])]


def group_choices(*, round: Round) -> list[tuple[str, list[tuple[str, str]]]]:
    """The groups places can be held for, as grouped choices `dimension:key`: the
    round's regions and routes (those of its applications) and every role."""
    applications = scores_of_round(round=round)
    regions = (
        applications.filter(~Q(application__region=None))
        .values_list("application__region_id", "application__region__name")
        .distinct()
        .order_by("application__region__name")
    )
    routes = (
        applications.filter(~Q(application__route=None))
        .values_list("application__route_id", "application__route__name")
        .distinct()
        .order_by("application__route__name")
    )
    return [
        (GroupDimension.REGION.label, [(f"region:{pk}", name) for pk, name in regions]),
        (
            GroupDimension.ROLE_CATEGORY.label,
            [(f"role_category:{value}", label) for value, label in RoleCategory.choices],
        ),
        (GroupDimension.ROUTE.label, [(f"route:{pk}", name) for pk, name in routes]),
    ]


def holds_of(*, round: Round) -> list[tuple[PlaceHold, str]]:
    """The round's held places with their group's name: two queries."""
    from applications.models import Route
    from members.models import Region

    holds = list(PlaceHold.objects.filter(round=round).order_by("dimension", "value"))
    regions = dict(
        Region.objects.filter(
            pk__in=[int(h.value) for h in holds if h.dimension == GroupDimension.REGION and h.value.isdigit()]
        ).values_list("pk", "name")
    )
    routes = dict(
        Route.objects.filter(
            pk__in=[int(h.value) for h in holds if h.dimension == GroupDimension.ROUTE and h.value.isdigit()]
        ).values_list("pk", "name")
    )
    named = []
    for hold in holds:
        if hold.dimension == GroupDimension.REGION:
            name = regions.get(int(hold.value)) if hold.value.isdigit() else None
        elif hold.dimension == GroupDimension.ROUTE:
            name = routes.get(int(hold.value)) if hold.value.isdigit() else None
        else:
            name = RoleCategory(hold.value).label if hold.value in RoleCategory.values else None
        named.append((hold, name or hold.value))
    return named


def dimension_label(dimension: str) -> str:
    if dimension == NOMINATED_BY:
        return _("Nominating organisation")
    return GroupDimension(dimension).label


def outcome_totals(plan: CohortPlan) -> dict[str, int]:
    counts = plan.counts
    return {
        "accept": counts[DecisionOutcome.ACCEPT],
        "waitlist": counts[DecisionOutcome.WAITLIST],
        "unsuccessful": counts[DecisionOutcome.UNSUCCESSFUL],
        "none": counts[None],
    }
