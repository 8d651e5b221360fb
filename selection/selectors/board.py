"""Reads for the selection board and the moderation queue: a round's stored
scores (`ApplicationScore`) joined to what the board shows of each application,
filtered and sorted in the database. One query a page whatever the round's size:
no aggregate over reviews on any request."""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from applications.models import Application, Round
from members.models import Organisation

from ..choices import ModerationState
from ..models import ApplicationScore, Assignment, SelectionSettings

# Sort key -> the column it orders by. Every column on the board sorts.
BOARD_SORTS = {
    "reference": "application__reference",
    "reviews": "reviews_done",
    "model": "model_score",
    "mean": "mean_score",
    "normalised": "normalised_score",
    "spread": "spread",
    "accept": "accept_count",
    "maybe": "maybe_count",
    "do_not_accept": "do_not_accept_count",
    "route": "application__route__name",
    "region": "application__region__name",
    "role": "application__role_category",
    "nominated_by": "application__nomination__organisation__name",
    "decision": "application__decision__outcome",
}
# The default ranking: the bias-corrected estimate (scoring.model). Ties, on
# every ranking, break by the application's id (the order applications were
# made): the rule the board, the decision room and the exports share (RANK_TIE_BREAK).
DEFAULT_SORT = "-model"
RANK_TIE_BREAK = "application_id"

# What a board row shows, read as plain values (no model instances: a page of
# 250 rows renders in milliseconds).
BOARD_COLUMNS = (
    "application_id",
    "application__reference",
    "application__full_name",
    "reviews_done",
    "reviews_expected",
    "mean_score",
    "normalised_score",
    "model_score",
    "model_low",
    "model_high",
    "spread",
    "accept_count",
    "maybe_count",
    "do_not_accept_count",
    "needs_moderation",
    "moderation_reviews_done",
    # Ids, not names: the page prints the names from the option lists its filters
    # have read already, so the query joins three tables fewer (and plans faster).
    "application__route_id",
    "application__region_id",
    "application__role_category",
    "application__nomination__organisation_id",
    "application__decision__outcome",
    "application__decision__released_at",
)


def ordering(sort: str) -> list:
    """The ORDER BY of a sort key (`-` for descending): blanks last either way,
    then the application, so pages never overlap. The default sorts by score
    read the board's indexes in order."""
    descending = sort.startswith("-")
    column = BOARD_SORTS.get(sort.lstrip("-"), BOARD_SORTS[DEFAULT_SORT.lstrip("-")])
    first = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return [first, RANK_TIE_BREAK]


def scores_of_round(*, round: Round) -> QuerySet[ApplicationScore]:
    """The round's scored applications. Rows exist only for applications under
    review or decided (`selection.services.scores`), statuses an application
    never leaves, so the board needs no join to the applications to count them."""
    return ApplicationScore.objects.filter(round=round)


class CountedRows:
    """What a Paginator pages: the rows from one query, their number from a
    cheaper one without the joins the rows need."""

    ordered = True

    def __init__(self, rows: QuerySet, counted: QuerySet):
        self.rows, self.counted = rows, counted

    def count(self) -> int:
        return self.counted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        return self.rows[key]


def board_rows(*, round: Round, filters: dict | None = None, sort: str = DEFAULT_SORT) -> CountedRows:
    """The board: every scored application of the round with its numbers, route,
    region, role, nominating organisation and decision as named tuples
    (`BOARD_COLUMNS`), filtered (`filters` as cleaned by `BoardFilterForm`) and
    sorted: one query a page, and one to count."""
    matching = _filtered(scores_of_round(round=round), filters or {})
    return CountedRows(
        rows=matching.order_by(*ordering(sort)).values_list(*BOARD_COLUMNS, named=True),
        counted=matching,
    )


def _filtered(rows: QuerySet[ApplicationScore], filters: dict) -> QuerySet[ApplicationScore]:
    if filters.get("q"):
        text = filters["q"].strip()
        rows = rows.filter(Q(application__reference__icontains=text) | Q(application__full_name__icontains=text))
    if filters.get("route"):
        rows = rows.filter(application__route=filters["route"])
    if filters.get("region"):
        rows = rows.filter(application__region=filters["region"])
    if filters.get("role"):
        rows = rows.filter(application__role_category=filters["role"])
    nominated_by = filters.get("nominated_by")
    if nominated_by == "none":
        rows = rows.filter(application__nomination__isnull=True)
    elif nominated_by:
        rows = rows.filter(application__nomination__organisation_id=int(nominated_by))
    reviews = filters.get("reviews")
    if reviews == "complete":
        rows = rows.filter(reviews_done__gte=F("reviews_expected"))
    elif reviews == "incomplete":
        rows = rows.filter(reviews_done__lt=F("reviews_expected"))
    for field, column, lookup in (
        ("mean_min", "mean_score", "gte"),
        ("mean_max", "mean_score", "lte"),
        ("normalised_min", "normalised_score", "gte"),
        ("normalised_max", "normalised_score", "lte"),
        ("spread_min", "spread", "gte"),
        ("accept_min", "accept_count", "gte"),
        ("maybe_min", "maybe_count", "gte"),
        ("do_not_accept_min", "do_not_accept_count", "gte"),
    ):
        if filters.get(field) is not None:
            rows = rows.filter(**{f"{column}__{lookup}": filters[field]})
    moderation = filters.get("moderation")
    if moderation == "needed":
        rows = rows.filter(needs_moderation=True)
    elif moderation == "moderated":
        rows = rows.filter(moderation_reviews_done__gt=0)
    elif moderation == "none":
        rows = rows.filter(needs_moderation=False, moderation_reviews_done=0)
    decision = filters.get("decision")
    if decision == "none":
        rows = rows.filter(application__decision__isnull=True)
    elif decision:
        rows = rows.filter(application__decision__outcome=decision)
    return rows


def nominating_organisations(*, round: Round) -> QuerySet[Organisation]:
    """Organisations that nominated someone whose application is on the board."""
    return (
        Organisation.objects.filter(nominations__application__score_summary__round=round)
        .distinct()
        .order_by("name")
        .only("pk", "name")
    )


# --- Moderation ------------------------------------------------------------------


MODERATION_COLUMNS = (
    "application_id",
    "application__reference",
    "application__route__name",
    "application__region__name",
    "reviews_done",
    "reviews_expected",
    "mean_score",
    "normalised_score",
    "spread",
    "accept_count",
    "maybe_count",
    "do_not_accept_count",
    "needs_moderation",
    "moderation_reviews_done",
    "moderator_assigned",
)


def moderation_rows(
    *, round: Round, settings: SelectionSettings, state: str = "", reason: str = "", sort: str = ""
) -> CountedRows:
    """The moderation queue: applications whose reviewers disagree or that lack
    reviews, until a moderator review is submitted (or, with state `moderated`,
    those settled by one), as named tuples (`MODERATION_COLUMNS`; with
    `moderator_assigned`: a moderator review is asked for or under way). One
    query a page, and one to count."""
    moderator = Assignment.objects.filter(application_id=OuterRef("application_id"), is_moderation=True)
    rows = scores_of_round(round=round).annotate(moderator_assigned=Exists(moderator))
    if state == ModerationState.MODERATED:
        rows = rows.filter(moderation_reviews_done__gt=0)
    else:
        rows = rows.filter(needs_moderation=True)
        if state == ModerationState.TO_MODERATE:
            rows = rows.filter(moderator_assigned=False)
        elif state == ModerationState.IN_PROGRESS:
            rows = rows.filter(moderator_assigned=True)
    if reason == "disagree":
        rows = rows.filter(disagreement_q(settings))
    elif reason == "missing":
        rows = rows.filter(reviews_done__lt=F("reviews_expected"))
    return CountedRows(
        rows=rows.order_by(*ordering(sort or "-spread")).values_list(*MODERATION_COLUMNS, named=True),
        counted=rows,
    )


def disagreement_q(settings: SelectionSettings) -> Q:
    return Q(spread__gte=settings.moderation_spread) | Q(accept_count__gt=0, do_not_accept_count__gt=0)


def moderation_reasons(score: ApplicationScore, settings: SelectionSettings) -> list[str]:
    """Why the application is (or was) in moderation, in words, from its stored
    numbers: no query."""
    reasons = []
    if score.spread is not None and score.spread >= settings.moderation_spread:
        reasons.append(_("Scores differ by %(spread)d on a criterion") % {"spread": score.spread})
    if score.accept_count and score.do_not_accept_count:
        reasons.append(_("Accept and do not accept recommended"))
    if score.reviews_done < score.reviews_expected:
        reasons.append(
            _("%(done)d of %(expected)d reviews done")
            % {"done": score.reviews_done, "expected": score.reviews_expected}
        )
    return reasons


@dataclass
class CriterionComparison:
    criterion: object
    # [(review, criterion score row or None)] in the order of `reviews`.
    cells: list
    low: int | None
    high: int | None
    spread: int | None
    disagrees: bool


def reviews_compared(*, reviews: list, criteria: list, threshold: int) -> list[CriterionComparison]:
    """Per criterion, every submitted regular review's score side by side with
    the range between them; `reviews` carry their prefetched `scores`."""
    rows = []
    for criterion in criteria:
        cells = []
        for review in reviews:
            row = next((s for s in review.scores.all() if s.criterion_id == criterion.pk), None)
            cells.append((review, row))
        scores = [row.score for _review, row in cells if row is not None and row.score is not None]
        spread = max(scores) - min(scores) if len(scores) >= 2 else None
        rows.append(
            CriterionComparison(
                criterion=criterion,
                cells=cells,
                low=min(scores) if scores else None,
                high=max(scores) if scores else None,
                spread=spread,
                disagrees=spread is not None and spread >= threshold,
            )
        )
    return rows


def application_for_moderation() -> QuerySet[Application]:
    return Application.objects.select_related(
        "round", "round__selection_settings", "route", "organisation", "region", "score_summary"
    )
