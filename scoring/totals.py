"""The arithmetic of scores, as pure functions: a review's weighted total, an
application's mean of its reviewers' totals, and z-score normalisation per
reviewer that corrects harsh and lenient reviewers."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from math import sqrt


def weighted_total(scores: Mapping[str, int], weights: Mapping[str, float]) -> float:
    """the sum of weight x score over the criteria (by letter); a criterion without a
    weight weighs 1, so equal weights give the plain sum."""
    return float(sum(float(weights.get(letter, 1)) * score for letter, score in scores.items()))


def mean_totals(totals: Iterable[tuple[int, int, float]]) -> dict[int, float]:
    """{application id: mean of its reviewers' weighted totals} from
    (application id, reviewer id, total) rows."""
    by_application: dict[int, list[float]] = defaultdict(list)
    for application_id, _reviewer_id, total in totals:
        by_application[application_id].append(total)
    return {application_id: sum(values) / len(values) for application_id, values in by_application.items()}


def normalised_scores(totals: Iterable[tuple[int, int, float]]) -> dict[int, float]:
    """{application id: mean z-score} from (application id, reviewer id, total)
    rows. Each total becomes z = (total - mean) / sd over that reviewer's own totals
    in the round (population standard deviation); a reviewer with one review, or
    who gave every application the same total, tells nothing about relative merit
    and contributes z = 0."""
    rows = list(totals)
    by_reviewer: dict[int, list[float]] = defaultdict(list)
    for _application_id, reviewer_id, total in rows:
        by_reviewer[reviewer_id].append(total)
    spread = {}
    for reviewer_id, values in by_reviewer.items():
        mean = sum(values) / len(values)
        sd = sqrt(sum((value - mean) ** 2 for value in values) / len(values))
        spread[reviewer_id] = (mean, sd)
    return mean_totals(
        (application_id, reviewer_id, _z(total, *spread[reviewer_id])) for application_id, reviewer_id, total in rows
    )


def _z(total: float, mean: float, sd: float) -> float:
    return 0.0 if sd == 0 else (total - mean) / sd


# A reviewer whose totals spread less than this gave them all the same total.
FLAT = 1e-9


def normalised_scores_with_moderation(
    regular: Iterable[tuple[int, int, float]], moderation: Iterable[tuple[int, float]] = ()
) -> dict[int, float]:
    """{application id: mean z-score} from the regular reviews' (application id,
    reviewer id, total) rows and the moderator reviews' (application id, total)
    rows. A regular total is z-scored against that reviewer's own totals (as in
    `normalised_scores`). A moderator sees only contested applications, so their
    own mean says nothing about their leniency: a moderator's total is z-scored
    against every regular total in the round instead."""
    regular = list(regular)
    moderation = list(moderation)
    by_reviewer: dict[int, list[float]] = defaultdict(list)
    for _application_id, reviewer_id, total in regular:
        by_reviewer[reviewer_id].append(total)
    stats = {reviewer_id: _mean_sd(values) for reviewer_id, values in by_reviewer.items()}
    pooled = _mean_sd([total for _a, _r, total in regular]) if regular else (0.0, 0.0)
    rows = [(application_id, _flat_z(total, *stats[reviewer_id])) for application_id, reviewer_id, total in regular]
    rows += [(application_id, _flat_z(total, *pooled)) for application_id, total in moderation]
    by_application: dict[int, list[float]] = defaultdict(list)
    for application_id, z in rows:
        by_application[application_id].append(z)
    return {application_id: sum(values) / len(values) for application_id, values in by_application.items()}


def _mean_sd(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, sqrt(sum((value - mean) ** 2 for value in values) / len(values))


def _flat_z(total: float, mean: float, sd: float) -> float:
    return 0.0 if sd < FLAT else (total - mean) / sd
