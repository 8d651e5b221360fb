"""Each reviewed application's stored scores (`ApplicationScore`), so the
selection board and the moderation queue sort and filter 10,000 applications
with an index instead of aggregating reviews on every request.

- `scores_refresh`: reviews done and expected, the mean of the weighted totals,
  the spread between reviewers, the recommendation counts and whether the
  application needs moderation, for a round or some of its applications. Run in
  the caller's transaction whenever a review is submitted, reopened or removed,
  or assignments change.
- `scores_normalise`: the round's normalised scores (mean z-scores) and its
  bias-corrected estimates with their intervals (`scoring.model`, fitted over
  every review of the round at once). Both move with every review, so a submit
  or reopen marks the round for recomputation on commit and queues one Celery
  task a few seconds later (`scores_recompute_soon`): a burst of reviews costs
  one recomputation, not one each.

On PostgreSQL each is one statement; elsewhere (the SQLite demo) the same
numbers are computed in Python. Both write only rows whose numbers changed."""

import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from applications.choices import ApplicationStatus
from applications.models import Application, Round
from scoring.model import fit_additive

from ..choices import REVIEWED_STATUSES, Recommendation, ReviewStatus
from ..models import ApplicationScore, Assignment, CriterionScore, Review, RoundScoring, SelectionSettings
from ..scoring import FLAT, normalised_scores_with_moderation
from ..tasks import scores_recompute_round as scores_recompute_round_task
from .round_settings import selection_settings_for

logger = logging.getLogger(__name__)

# While reviews keep arriving, a round is recomputed at most once in this many
# seconds, and always once after the last.
DEBOUNCE_SECONDS = 5
# A queued recomputation that never ran (a worker lost) is queued again after this.
SCHEDULE_STALE = timedelta(minutes=10)

# Applications on the board: being reviewed, or decided and released.
SCORED_STATUSES = (*REVIEWED_STATUSES, ApplicationStatus.DECIDED)

FIELDS = (
    "round_id",
    "reviews_expected",
    "reviews_done",
    "mean_score",
    "spread",
    "accept_count",
    "maybe_count",
    "do_not_accept_count",
    "needs_moderation",
    "moderation_reviews_done",
)


def scores_refresh(
    *, round: Round, application_ids: Iterable[int] | None = None, settings: SelectionSettings | None = None
) -> int:
    """Recompute the stored scores (all but the normalised score) of the round's
    reviewed applications, or only of `application_ids`, creating the rows that
    are missing. Returns how many rows were written.

    - reviews expected: the round's reviewers per application, or more when more
      (non-moderator) reviewers are assigned; reviews done: submitted ones.
    - mean score: of every submitted review's weighted total, a moderator's too.
    - spread: the largest range between the regular reviewers on one criterion.
    - needs moderation, until a moderator review is submitted: the spread reaches
      the round's threshold, one reviewer recommends accepting and another not,
      or fewer reviews are done than expected.

    One statement on PostgreSQL (atomic by itself, so no savepoint: it runs
    inside assignment and review transactions); `settings` saves a query when
    the caller has them."""
    ids = None if application_ids is None else sorted(set(application_ids))
    if ids == []:
        return 0
    settings = settings or selection_settings_for(round=round)
    if connection.vendor == "postgresql":
        return _refresh_in_database(
            round=round,
            ids=ids,
            per_application=settings.reviewers_per_application,
            threshold=settings.moderation_spread,
        )
    with transaction.atomic():
        return _refresh_in_python(
            round=round,
            ids=ids,
            per_application=settings.reviewers_per_application,
            threshold=settings.moderation_spread,
        )


def scores_normalise(*, round_id: int) -> int:
    """Recompute the normalised score (mean z-score, see
    `scoring.totals.normalised_scores_with_moderation`) and the bias-corrected
    estimate with its interval (`scores_model_fit`) of every scored application
    in the round; an application without a submitted review has neither.
    Returns how many rows changed."""
    if connection.vendor == "postgresql":
        changed = _normalise_in_database(round_id=round_id)
    else:
        with transaction.atomic():
            changed = _normalise_in_python(round_id=round_id)
    return changed + scores_model_fit(round_id=round_id)


def scores_model_fit(*, round_id: int) -> int:
    """Fit the additive model (merit + reviewer effect, `scoring.model`) to every
    submitted review of the round, a moderator's too, and store each
    application's estimate and 95 % interval (only rows that moved) and the
    fit's numbers with every reviewer's effect (`RoundScoring`). Three queries
    and one bulk write; at 10,000 applications x 3 reviews the fit takes well
    under a second (bench/results/selection-simulation.md)."""
    started = time.perf_counter()
    rows = list(
        Assignment.objects.filter(round_id=round_id, review__status=ReviewStatus.SUBMITTED).values_list(
            "application_id", "reviewer_id", "review__weighted_total"
        )
    )
    fit = fit_additive(rows)
    changed = []
    with transaction.atomic():
        for pk, *stored in ApplicationScore.objects.filter(round_id=round_id).values_list(
            "pk", "model_score", "model_low", "model_high"
        ):
            estimate = fit.estimates.get(pk)
            fresh = (None, None, None) if estimate is None else (estimate.score, estimate.low, estimate.high)
            if all(map(_same, stored, fresh)):
                continue
            model_score, model_low, model_high = fresh
            changed.append(ApplicationScore(pk=pk, model_score=model_score, model_low=model_low, model_high=model_high))
        _write_estimates(changed)
        summary = fit.summary() | {"seconds": round(time.perf_counter() - started, 3)}
        effects = {str(reviewer_id): round(effect, 4) for reviewer_id, effect in fit.reviewer_effects.items()}
        # One upsert: the round's record is created by its first fit, or by its first review.
        RoundScoring.objects.bulk_create(
            [RoundScoring(round_id=round_id, fit=summary, reviewer_effects=effects, computed_at=timezone.now())],
            update_conflicts=True,
            unique_fields=["round"],
            update_fields=["fit", "reviewer_effects", "computed_at"],
        )
    return len(changed)


def _write_estimates(rows: list[ApplicationScore]) -> None:
    """Store the changed estimates: on PostgreSQL one UPDATE from arrays (10,000
    rows in a fraction of a second, where bulk_update's CASE per row takes
    seconds); elsewhere bulk_update."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ApplicationScore.objects.bulk_update(rows, ["model_score", "model_low", "model_high"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ApplicationScore._meta.db_table} AS score "  # noqa: S608 - the table name is ours
            "SET model_score = fresh.model_score, model_low = fresh.model_low, model_high = fresh.model_high "
            "FROM unnest(%s::bigint[], %s::float8[], %s::float8[], %s::float8[]) "
            "AS fresh(application_id, model_score, model_low, model_high) "
            "WHERE score.application_id = fresh.application_id",
            [
                # psycopg passes a list as one array parameter.
                [row.pk for row in rows],
                [row.model_score for row in rows],
                [row.model_low for row in rows],
                [row.model_high for row in rows],
            ],
        )


def scores_recompute_soon(*, round_id: int) -> bool:
    """Mark the round's scores out of date and queue one recomputation
    DEBOUNCE_SECONDS from now, unless one is queued already (then it will see
    this change too). The marker is a database row claimed with one atomic
    UPDATE, so concurrent submits queue one task and it works without Redis;
    when the broker cannot take the task, the round is recomputed here and now.
    True if this call queued (or ran) the recomputation."""
    now = timezone.now()
    RoundScoring.objects.bulk_create(
        [RoundScoring(round_id=round_id, dirty_at=now)],
        update_conflicts=True,
        unique_fields=["round"],
        update_fields=["dirty_at"],
    )
    claimed = (
        RoundScoring.objects.filter(round_id=round_id)
        .filter(Q(scheduled_at__isnull=True) | Q(scheduled_at__lt=now - SCHEDULE_STALE))
        .update(scheduled_at=now)
    )
    if not claimed:
        return False
    try:
        scores_recompute_round_task.apply_async(kwargs={"round_id": round_id}, countdown=DEBOUNCE_SECONDS)
    except (BrokerError, ConnectionError, OSError):
        logger.warning("Broker unavailable: recomputing the scores of round %s now", round_id)
        scores_recompute(round_id=round_id)
    return True


def scores_recompute(*, round_id: int) -> int:
    """The queued recomputation: release the round's claim first (a review
    submitted from now on queues the next one), then recompute its normalised
    scores and estimates. Returns rows changed."""
    RoundScoring.objects.filter(round_id=round_id).update(scheduled_at=None)
    return scores_normalise(round_id=round_id)


def scores_refresh_round(*, round: Round) -> int:
    """Everything for the whole round, now: after a change of settings, by the
    scale data set, or when the programme team asks. Returns rows written."""
    written = scores_refresh(round=round)
    scores_normalise(round_id=round.pk)
    return written


def scores_review_changed(*, application: Application) -> None:
    """A review of the application was submitted, reopened or removed: its own
    numbers now, in the caller's transaction; the round's normalised scores and
    estimates after commit, debounced (`scores_recompute_soon`)."""
    scores_refresh(round=application.round, application_ids=[application.pk])
    round_id = application.round_id

    # A named function, not a partial: Django's robust on_commit logs a failure
    # by the callback's __qualname__, which a partial lacks.
    def recompute_soon() -> None:
        scores_recompute_soon(round_id=round_id)

    transaction.on_commit(recompute_soon, robust=True)


# --- PostgreSQL ------------------------------------------------------------------


def _tables() -> dict[str, str]:
    return {
        "score": ApplicationScore._meta.db_table,
        "application": Application._meta.db_table,
        "assignment": Assignment._meta.db_table,
        "review": Review._meta.db_table,
        "criterion_score": CriterionScore._meta.db_table,
    }


# One statement: each application of the round (or of `ids`) with its
# assignments, submitted reviews and per-criterion ranges read by index
# (LATERAL, so the plan stays linear even on freshly bulk-loaded tables whose
# statistics are stale), upserted; a row is rewritten only if a number moved.
_REFRESH_SQL = """
WITH fresh AS (
    SELECT app.id AS application_id, app.round_id,
        GREATEST(%(per_application)s, numbers.regular) AS reviews_expected,
        numbers.done AS reviews_done,
        numbers.mean AS mean_score,
        ranges.spread,
        numbers.accepts AS accept_count,
        numbers.maybes AS maybe_count,
        numbers.rejects AS do_not_accept_count,
        numbers.moderated AS moderation_reviews_done,
        numbers.regular_accepts,
        numbers.regular_rejects
    FROM {application} app
    CROSS JOIN LATERAL (
        SELECT
            count(*) FILTER (WHERE NOT a.is_moderation) AS regular,
            count(r.id) FILTER (WHERE NOT a.is_moderation) AS done,
            count(r.id) FILTER (WHERE a.is_moderation) AS moderated,
            avg(r.weighted_total) AS mean,
            count(r.id) FILTER (WHERE r.recommendation = %(accept)s) AS accepts,
            count(r.id) FILTER (WHERE r.recommendation = %(maybe)s) AS maybes,
            count(r.id) FILTER (WHERE r.recommendation = %(reject)s) AS rejects,
            count(r.id) FILTER (WHERE NOT a.is_moderation AND r.recommendation = %(accept)s) AS regular_accepts,
            count(r.id) FILTER (WHERE NOT a.is_moderation AND r.recommendation = %(reject)s) AS regular_rejects
        FROM {assignment} a
        LEFT JOIN {review} r ON r.assignment_id = a.id AND r.status = %(submitted)s
        WHERE a.application_id = app.id
    ) numbers
    CROSS JOIN LATERAL (
        SELECT max(score_range) AS spread FROM (
            SELECT max(s.score) - min(s.score) AS score_range
            FROM {assignment} a
            JOIN {review} r ON r.assignment_id = a.id AND r.status = %(submitted)s
            JOIN {criterion_score} s ON s.review_id = r.id AND s.score IS NOT NULL
            WHERE a.application_id = app.id AND NOT a.is_moderation
            GROUP BY s.criterion_id
            HAVING count(*) >= 2
        ) per_criterion
    ) ranges
    WHERE app.round_id = %(round)s AND app.status = ANY(%(statuses)s) {only_ids}
)
INSERT INTO {score} AS score (
    application_id, round_id, reviews_expected, reviews_done, mean_score, spread, accept_count, maybe_count,
    do_not_accept_count, needs_moderation, moderation_reviews_done, updated_at
)
SELECT application_id, round_id, reviews_expected, reviews_done, mean_score, spread, accept_count, maybe_count,
    do_not_accept_count,
    moderation_reviews_done = 0 AND (
        (spread IS NOT NULL AND spread >= %(threshold)s)
        OR (regular_accepts > 0 AND regular_rejects > 0)
        OR reviews_done < reviews_expected
    ),
    moderation_reviews_done, %(now)s
FROM fresh
ON CONFLICT (application_id) DO UPDATE SET
    round_id = EXCLUDED.round_id,
    reviews_expected = EXCLUDED.reviews_expected,
    reviews_done = EXCLUDED.reviews_done,
    mean_score = EXCLUDED.mean_score,
    spread = EXCLUDED.spread,
    accept_count = EXCLUDED.accept_count,
    maybe_count = EXCLUDED.maybe_count,
    do_not_accept_count = EXCLUDED.do_not_accept_count,
    needs_moderation = EXCLUDED.needs_moderation,
    moderation_reviews_done = EXCLUDED.moderation_reviews_done,
    updated_at = EXCLUDED.updated_at
WHERE (
    score.round_id, score.reviews_expected, score.reviews_done, score.mean_score, score.spread, score.accept_count,
    score.maybe_count, score.do_not_accept_count, score.needs_moderation, score.moderation_reviews_done
) IS DISTINCT FROM (
    EXCLUDED.round_id, EXCLUDED.reviews_expected, EXCLUDED.reviews_done, EXCLUDED.mean_score, EXCLUDED.spread,
    EXCLUDED.accept_count, EXCLUDED.maybe_count, EXCLUDED.do_not_accept_count, EXCLUDED.needs_moderation,
    EXCLUDED.moderation_reviews_done
)
"""


def _refresh_in_database(*, round: Round, ids: list[int] | None, per_application: int, threshold: int) -> int:
    sql = _REFRESH_SQL.format(**_tables(), only_ids="" if ids is None else "AND app.id = ANY(%(ids)s)")
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "round": round.pk,
                "statuses": [str(status) for status in SCORED_STATUSES],
                "ids": ids,
                "submitted": ReviewStatus.SUBMITTED.value,
                "accept": Recommendation.ACCEPT.value,
                "maybe": Recommendation.MAYBE.value,
                "reject": Recommendation.DO_NOT_ACCEPT.value,
                "per_application": per_application,
                "threshold": threshold,
                "now": timezone.now(),
            },
        )
        return cursor.rowcount


# z-scores per review with window functions over one scan of the round's
# submitted reviews: a regular review against its reviewer's regular totals, a
# moderator's against all regular totals (pooled); then the mean per application.
# Only rows whose score moved are written. No join between two aggregates, so
# the plan stays linear even on freshly bulk-loaded tables.
_NORMALISE_SQL = """
WITH reviews AS (
    SELECT a.application_id, a.is_moderation, r.weighted_total AS total,
        avg(r.weighted_total) OVER by_reviewer AS reviewer_mean,
        stddev_pop(r.weighted_total) OVER by_reviewer AS reviewer_sd,
        avg(r.weighted_total) FILTER (WHERE NOT a.is_moderation) OVER () AS pooled_mean,
        stddev_pop(r.weighted_total) FILTER (WHERE NOT a.is_moderation) OVER () AS pooled_sd
    FROM {assignment} a
    JOIN {review} r ON r.assignment_id = a.id
    WHERE a.round_id = %(round)s AND r.status = %(submitted)s
    WINDOW by_reviewer AS (PARTITION BY a.is_moderation, a.reviewer_id)
),
z AS (
    SELECT application_id,
        avg(CASE
            WHEN is_moderation THEN
                CASE WHEN pooled_sd >= %(flat)s THEN (total - pooled_mean) / pooled_sd ELSE 0 END
            ELSE
                CASE WHEN reviewer_sd >= %(flat)s THEN (total - reviewer_mean) / reviewer_sd ELSE 0 END
        END) AS normalised
    FROM reviews
    GROUP BY application_id
)
UPDATE {score} AS score SET normalised_score = z.normalised
FROM z
WHERE score.application_id = z.application_id
    AND score.round_id = %(round)s
    AND score.normalised_score IS DISTINCT FROM z.normalised
"""

# Applications left without a submitted review have no normalised score.
_UNNORMALISE_SQL = """
UPDATE {score} AS score SET normalised_score = NULL
WHERE score.round_id = %(round)s
    AND score.normalised_score IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM {assignment} a JOIN {review} r ON r.assignment_id = a.id
        WHERE a.application_id = score.application_id AND r.status = %(submitted)s
    )
"""


def _normalise_in_database(*, round_id: int) -> int:
    parameters = {"round": round_id, "submitted": ReviewStatus.SUBMITTED.value, "flat": FLAT}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_NORMALISE_SQL.format(**_tables()), parameters)
        changed = cursor.rowcount
        cursor.execute(_UNNORMALISE_SQL.format(**_tables()), parameters)
        return changed + cursor.rowcount


# --- Elsewhere: the same numbers in Python ----------------------------------------


class _SubmittedReview(NamedTuple):
    """One submitted review, as the numbers of its application need it."""

    pk: int
    is_moderation: bool
    total: float
    recommendation: str


def _refresh_in_python(*, round: Round, ids: list[int] | None, per_application: int, threshold: int) -> int:
    """`scores_refresh` on SQLite: the numbers of _REFRESH_SQL, read in five
    queries and written in one, only for rows whose numbers moved."""
    application_ids = _scored_application_ids(round=round, ids=ids)
    regular_assigned = _regular_assignments_per_application(application_ids)
    reviews = _submitted_reviews_per_application(application_ids)
    spreads = _spread_per_application(reviews)
    existing = {row.application_id: row for row in ApplicationScore.objects.filter(application_id__in=application_ids)}
    changed = []
    for application_id in application_ids:
        values = {
            "round_id": round.pk,
            **_fresh_numbers(
                reviews=reviews[application_id],
                regular_assigned=regular_assigned[application_id],
                spread=spreads.get(application_id),
                per_application=per_application,
                threshold=threshold,
            ),
        }
        if _already_stored(existing.get(application_id), values):
            continue
        changed.append(ApplicationScore(application_id=application_id, **values))
    ApplicationScore.objects.bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=["application"],
        update_fields=["round", *FIELDS[1:], "updated_at"],
    )
    return len(changed)


def _scored_application_ids(*, round: Round, ids: list[int] | None) -> list[int]:
    """The round's applications on the board, or only those of `ids`."""
    applications = Application.objects.filter(round=round, status__in=SCORED_STATUSES)
    if ids is not None:
        applications = applications.filter(pk__in=ids)
    return list(applications.values_list("pk", flat=True))


def _regular_assignments_per_application(application_ids: list[int]) -> defaultdict[int, int]:
    """How many regular (non-moderator) reviewers each application is assigned."""
    regular_assigned: defaultdict[int, int] = defaultdict(int)
    for application_id, is_moderation in Assignment.objects.filter(application_id__in=application_ids).values_list(
        "application_id", "is_moderation"
    ):
        if not is_moderation:
            regular_assigned[application_id] += 1
    return regular_assigned


def _submitted_reviews_per_application(application_ids: list[int]) -> defaultdict[int, list[_SubmittedReview]]:
    """Each application's submitted reviews, a moderator's too."""
    reviews: defaultdict[int, list[_SubmittedReview]] = defaultdict(list)
    for pk, application_id, is_moderation, total, recommendation in Review.objects.filter(
        assignment__application_id__in=application_ids, status=ReviewStatus.SUBMITTED
    ).values_list("pk", "assignment__application_id", "assignment__is_moderation", "weighted_total", "recommendation"):
        reviews[application_id].append(_SubmittedReview(pk, is_moderation, total, recommendation))
    return reviews


def _spread_per_application(reviews: dict[int, list[_SubmittedReview]]) -> dict[int, int]:
    """The largest range between the regular reviewers' scores on one criterion
    that two or more of them scored; an application with no such criterion has
    no spread (no key)."""
    regular_review_ids = {
        review.pk for of_application in reviews.values() for review in of_application if not review.is_moderation
    }
    by_criterion: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    for application_id, criterion_id, score in CriterionScore.objects.filter(
        review_id__in=regular_review_ids, score__isnull=False
    ).values_list("review__assignment__application_id", "criterion_id", "score"):
        by_criterion[application_id, criterion_id].append(score)
    spread: dict[int, int] = {}
    for (application_id, _criterion_id), scores in by_criterion.items():
        if len(scores) >= 2:
            spread[application_id] = max(spread.get(application_id, 0), max(scores) - min(scores))
    return spread


def _fresh_numbers(
    *, reviews: list[_SubmittedReview], regular_assigned: int, spread: int | None, per_application: int, threshold: int
) -> dict:
    """One application's numbers (all of FIELDS but the round) from its
    submitted reviews: the mean and the recommendations count a moderator's
    review too, reviews done only the regular ones."""
    regular = [review for review in reviews if not review.is_moderation]
    moderated = len(reviews) - len(regular)
    expected = max(per_application, regular_assigned)
    totals = [review.total for review in reviews]
    recommendations = [review.recommendation for review in reviews]
    return {
        "reviews_expected": expected,
        "reviews_done": len(regular),
        "mean_score": sum(totals) / len(totals) if totals else None,
        "spread": spread,
        "accept_count": recommendations.count(Recommendation.ACCEPT),
        "maybe_count": recommendations.count(Recommendation.MAYBE),
        "do_not_accept_count": recommendations.count(Recommendation.DO_NOT_ACCEPT),
        "needs_moderation": moderated == 0
        and _reviewers_disagree_or_fall_short(regular=regular, expected=expected, spread=spread, threshold=threshold),
        "moderation_reviews_done": moderated,
    }


def _reviewers_disagree_or_fall_short(
    *, regular: list[_SubmittedReview], expected: int, spread: int | None, threshold: int
) -> bool:
    """Whether the regular reviews call for a moderator: their spread reaches the
    round's threshold, one recommends accepting and another not, or fewer are
    done than expected."""
    recommendations = [review.recommendation for review in regular]
    return (
        (spread is not None and spread >= threshold)
        or (Recommendation.ACCEPT in recommendations and Recommendation.DO_NOT_ACCEPT in recommendations)
        or len(regular) < expected
    )


def _already_stored(row: ApplicationScore | None, values: dict) -> bool:
    """Whether the stored row already holds these numbers (then it is not written)."""
    return row is not None and all(_same(getattr(row, field), values[field]) for field in FIELDS)


def _same(stored, fresh) -> bool:
    """Whether a stored number is the fresh one: floats within FLAT, None only as None."""
    if isinstance(stored, float) or isinstance(fresh, float):
        return stored is not None and fresh is not None and abs(stored - fresh) < FLAT
    return stored == fresh


def _normalise_in_python(*, round_id: int) -> int:
    rows = list(
        Assignment.objects.filter(round_id=round_id, review__status=ReviewStatus.SUBMITTED).values_list(
            "application_id", "reviewer_id", "is_moderation", "review__weighted_total"
        )
    )
    normalised = normalised_scores_with_moderation(
        [(a, r, total) for a, r, is_moderation, total in rows if not is_moderation],
        [(a, total) for a, _r, is_moderation, total in rows if is_moderation],
    )
    changed = []
    for pk, stored in ApplicationScore.objects.filter(round_id=round_id).values_list("pk", "normalised_score"):
        fresh = normalised.get(pk)
        if not _same(stored, fresh):
            changed.append(ApplicationScore(pk=pk, normalised_score=fresh))
    ApplicationScore.objects.bulk_update(changed, ["normalised_score"])
    return len(changed)
