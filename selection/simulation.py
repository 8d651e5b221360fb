"""A synthetic round run through the portal's own services (issue 15): the
assignment service on a real round, every review submitted by the review
service, the round's scores stored by the score services, and the ranking read
back from the stored scores, so the simulation measures what the board shows,
not only the pure functions beneath it (`scoring.simulation`).

Slow beside the pure path (each review is a transaction with its audit row), so
the tests run it on a small round and `manage.py simulate_selection` keeps to
the pure functions for twenty rounds of 3,000 reviews; this path checks that
both give the same rankings."""

from dataclasses import dataclass

from applications.models import Application, Round
from scoring.simulation import Design, make_round, rankings, recovery, score_pairs

from .choices import Recommendation
from .models import ApplicationScore, Assignment, SelectionSettings
from .services.assignments import assignments_auto, round_mixing
from .services.reviews import review_save
from .services.scores import scores_refresh_round
from .services.settings import selection_settings_for

# Stored score field of each ranking method the board offers.
STORED = {"mean": "mean_score", "z-score": "normalised_score", "model": "model_score"}


@dataclass
class ServicesRun:
    # {method: share of the true top recovered}, from the stored scores.
    stored: dict[str, float]
    # The same from the pure functions over the same reviews.
    pure: dict[str, float]
    mixing: dict
    reviews: int
    # {method: the largest difference between a stored score and the pure one}.
    largest_difference: dict[str, float]


def _stored_scores(*, round: Round, application_number: dict[int, int]) -> dict[str, dict[int, float]]:
    """{method: {synthetic application number: score}} as the services stored them."""
    stored_rows = ApplicationScore.objects.filter(round=round).values_list("application_id", *STORED.values())
    stored = {method: {} for method in STORED}
    for application_id, *values in stored_rows:
        for method, value in zip(STORED, values, strict=True):
            if value is not None:
                stored[method][application_number[application_id]] = value
    return stored


def simulate_through_services(
    *, round: Round, applications: list[Application], reviewers: list, design: Design, seed: int, by
) -> ServicesRun:
    """Run a synthetic round on `round` (closed, with its three criteria) whose
    submitted `applications` and `reviewers` (with profiles) the caller made:
    `assignments_auto` assigns `design.per_application` reviewers each, every
    assigned reviewer submits scores drawn as `scoring.simulation` draws them
    (true merit + their bias + noise, on the rubric) through `review_save`, and
    `scores_refresh_round` stores the round's scores. Writes everything those
    services write; run it in a transaction the caller rolls back, or a
    throw-away database."""
    settings = selection_settings_for(round=round)
    SelectionSettings.objects.filter(pk=settings.pk).update(
        reviewers_per_application=design.per_application,
        default_capacity=-(-design.applicants * design.per_application // design.reviewers),
        rubric={str(level): str(level) for level in range(1, 5)},
    )
    synthetic, _facts, _reviewer_facts = make_round(design, seed)
    # The synthetic round's ids are 1..n in the order of the rows' primary keys.
    application_number = {a.pk: n for n, a in enumerate(sorted(applications, key=lambda a: a.pk), start=1)}
    reviewer_number = {r.pk: n for n, r in enumerate(sorted(reviewers, key=lambda r: r.pk), start=1)}
    reviewer_of = {r.pk: r for r in reviewers}

    assignments_auto(round=round, by=by)
    assignments = list(
        Assignment.objects.filter(round=round, is_moderation=False).select_related("round", "application")
    )
    pairs = [(application_number[a.application_id], reviewer_number[a.reviewer_id]) for a in assignments]
    score_pairs(synthetic, pairs, design)
    for assignment, (_application, _reviewer, scores) in zip(assignments, synthetic.reviews, strict=True):
        review_save(
            assignment=assignment,
            by=reviewer_of[assignment.reviewer_id],
            scores=scores,
            comments={},
            recommendation=Recommendation.MAYBE,
            note_to_panel="",
            submit=True,
        )
    scores_refresh_round(round=round)

    stored = _stored_scores(round=round, application_number=application_number)
    pure_rankings = rankings(synthetic, seed=seed)
    pure = {
        "mean": pure_rankings["mean"],
        "z-score": pure_rankings["z-score"],
        "model": pure_rankings["model (default: fixed reviewer effects)"],
    }
    return ServicesRun(
        stored={m: recovery(synthetic.true_merit, s, design.select) for m, s in stored.items()},
        pure={m: recovery(synthetic.true_merit, s, design.select) for m, s in pure.items()},
        mixing=round_mixing(round=round),
        reviews=len(synthetic.reviews),
        largest_difference={
            method: max(abs(stored[method][a] - pure[method][a]) for a in pure[method]) for method in STORED
        },
    )
