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
