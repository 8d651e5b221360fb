"""The bias-corrected ranking: an additive model of every review of a round,
fitted at once by penalised least squares (SciPy sparse conjugate gradients
on the normal equations).

    total[a, r] = level + merit[a] + effect[r] + noise

- `total` is a review's weighted total (per-criterion weights as the round sets
  them), so the estimate is on the same scale as the mean score.
- `merit[a]` is the application's own standing. It is shrunk towards the round's
  level by its prior variance (a random effect), so an application with one or
  two reviews is not ranked as surely as one with three: it needs more evidence
  to stand far from the level.
- `effect[r]` is the reviewer's leniency (positive) or harshness (negative). By
  default it is a *fixed* effect, estimated from the overlap between reviewers
  only: adding a constant to every score one reviewer gives moves that
  reviewer's effect by exactly the constant and changes no estimate of merit
  (the property the tests check). A positive `reviewer_shrinkage` instead
  shrinks the effects towards zero (a ridge), which trusts a reviewer's own mean
  a little when they have few reviews; `"estimated"` picks its strength from
  the data. The simulation (`manage.py simulate_selection`) compares them.
- A moderator's review is a review like any other: moderators have effects too.
- Only differences within a review's reviewer enter, never the reviewer's spread,
  so a nearly flat reviewer (29 sixes and a seven) moves an application by the
  one point they gave, not by five of their own standard deviations.

The variances: with fixed reviewer effects (the default), by the method of
moments from one unshrunk solve (noise from the residuals, merit and reviewer
effects from the spread of their unshrunk estimates less its sampling noise),
then one shrunk solve (the reviewer variance is only reported); with shrunk
reviewer effects, by rounds of an EM-style update, each solving the sparse
system once.

Uncertainty: each estimate has a standard error from the model: the noise
variance pooled with the application's own residuals (so three reviews that
disagree give a wider interval than three that agree), divided by how much the
reviews tell about it (fewer reviews, a wider interval), plus the uncertainty of
its reviewers' effects. `low`/`high` are the estimate ± 1.96 standard errors.

No Django here and no database: the selection services feed it rows and store
what it returns; the exchange panel may use it the same way."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import cg

Z_95 = 1.959963984540054
# The weight of the pooled noise variance in an application's own residual
# variance, in pseudo-reviews: with three reviews the pooled figure still counts
# for more than the application's own two degrees of freedom.
POOLED_WEIGHT = 4.0
# Variances never fall below this share of the totals' variance, so a round
# where every review is the same still fits.
VARIANCE_FLOOR = 1e-4
MAX_ROUNDS = 30
TOLERANCE = 1e-3


@dataclass(frozen=True, slots=True)
class Estimate:
    score: float
    low: float
    high: float
    standard_error: float
    reviews: int


@dataclass
class ModelFit:
    estimates: dict[int, Estimate] = field(default_factory=dict)
    # {reviewer id: effect}: positive lenient, negative harsh, in weighted-total points.
    reviewer_effects: dict[int, float] = field(default_factory=dict)
    level: float = 0.0
    merit_sd: float = 0.0
    reviewer_sd: float = 0.0
    noise_sd: float = 0.0
    rounds: int = 0

    def summary(self) -> dict:
        """The fit's numbers for storing beside the round (JSON-ready)."""
        return {
            "level": round(self.level, 4),
            "merit_sd": round(self.merit_sd, 4),
            "reviewer_sd": round(self.reviewer_sd, 4),
            "noise_sd": round(self.noise_sd, 4),
            "rounds": self.rounds,
            "applications": len(self.estimates),
            "reviewers": len(self.reviewer_effects),
        }


Shrinkage = float | Literal["estimated"]


def fit_additive(
    reviews: Iterable[tuple[int, int, float]], *, reviewer_shrinkage: Shrinkage = 0.0, z: float = Z_95
) -> ModelFit:
    """Fit the additive model to (application id, reviewer id, weighted total)
    rows. `reviewer_shrinkage` is the ridge on reviewer effects as a ratio
    noise variance / effect variance (0: fixed effects, the default), or
    "estimated". Returns every application's estimate with its interval and
    every reviewer's effect."""
    rows = list(reviews)
    if not rows:
        return ModelFit()
    application_ids, application_index = np.unique(np.array([row[0] for row in rows]), return_inverse=True)
    reviewer_ids, reviewer_index = np.unique(np.array([row[1] for row in rows]), return_inverse=True)
    totals = np.array([row[2] for row in rows], dtype=float)
    n, n_applications, n_reviewers = len(totals), len(application_ids), len(reviewer_ids)
    per_application = np.bincount(application_index)
    per_reviewer = np.bincount(reviewer_index)

    level = float(totals.mean())
    centred = totals - level
    fixed_effects = reviewer_shrinkage == 0
    if fixed_effects:
        # The variance within reviewers: unchanged when a constant is added to
        # one reviewer's scores, so the fit's starting point and floor are too.
        reviewer_means = np.bincount(reviewer_index, weights=totals) / per_reviewer
        scale = float((totals - reviewer_means[reviewer_index]).var())
    else:
        scale = float(centred.var())
    if scale < 1e-12:
        # Every review gave the same total (with fixed effects: every reviewer
        # gave all theirs the same): nothing to rank, nothing to correct.
        return _flat_fit(application_ids, reviewer_ids, per_application, level)
    floor = VARIANCE_FLOOR * scale

    # np.unique's inverse holds every index, so the counts above and the
    # design's shape follow from the indices alone.
    design = sparse.hstack(
        [
            sparse.csr_matrix((np.ones(n), (np.arange(n), application_index))),
            sparse.csr_matrix((np.ones(n), (np.arange(n), reviewer_index))),
        ]
    )
    noise_var, merit_var = scale / 2, scale / 2
    reviewer_var = scale / 4
    gram = (design.T @ design).tocsr()
    moment = design.T @ centred
    solution = np.zeros(n_applications + n_reviewers)
    if fixed_effects:
        # Variances by the method of moments from the unshrunk fit: one solve,
        # where EM needs tens of rounds when merit varies little.
        solution = _solve(1e-8, 0.0, n_applications, n_reviewers, gram, moment, solution)
        residuals = centred - design @ solution
        # Least squares fits one level per connected group of applications and
        # reviewers (a panel that shares no application with the rest is a group of
        # its own), so each group uses one parameter fewer than it has.
        groups = connected_components(gram)[0]
        freedom = max(n - n_applications - n_reviewers + groups, 1)
        noise_var = max(float(residuals @ residuals) / freedom, floor)
        # How much each review tells about its application once its reviewer's
        # effect is unknown too (and the other way round).
        merit_info = np.bincount(application_index, weights=((per_reviewer - 1) / per_reviewer)[reviewer_index])
        effect_info = np.bincount(reviewer_index, weights=((per_application - 1) / per_application)[application_index])
        merit_var = _spread_less_noise(solution[:n_applications], merit_info, noise_var, floor)
        reviewer_var = _spread_less_noise(solution[n_applications:], effect_info, noise_var, floor)
    for rounds in range(1, MAX_ROUNDS + 1):  # noqa: B007 - the count is reported
        merit_ridge = noise_var / merit_var
        # With fixed effects the shrinkage is 0: no ridge.
        reviewer_ridge = noise_var / reviewer_var if reviewer_shrinkage == "estimated" else float(reviewer_shrinkage)
        solution = _solve(merit_ridge, reviewer_ridge, n_applications, n_reviewers, gram, moment, solution)
        merit, effects = solution[:n_applications], solution[n_applications:]
        residuals = centred - design @ solution

        # How much each review tells about its application's merit once its
        # reviewer's effect is unknown too (and the other way round).
        reviewer_info_per_review = (per_reviewer - 1 + reviewer_ridge) / (per_reviewer + reviewer_ridge)
        merit_info = np.bincount(application_index, weights=reviewer_info_per_review[reviewer_index])
        merit_posterior = noise_var / (merit_info + merit_ridge)
        merit_info_per_review = (per_application - 1 + merit_ridge) / (per_application + merit_ridge)
        effect_info = np.bincount(reviewer_index, weights=merit_info_per_review[application_index])
        effect_posterior = noise_var / np.maximum(effect_info + reviewer_ridge, 1e-9)

        if fixed_effects:
            break  # the variances came from the moments
        new_merit_var = max(float((merit**2 + merit_posterior).mean()), floor)
        new_reviewer_var = max(float((effects**2 + effect_posterior).mean()), floor)
        effect_parameters = float((1 - effect_posterior / reviewer_var).clip(0).sum())
        parameters = float((1 - merit_posterior / merit_var).clip(0).sum()) + effect_parameters
        new_noise_var = max(float(residuals @ residuals) / max(n - parameters, 1.0), floor)
        change = max(
            abs(new_noise_var - noise_var) / noise_var,
            abs(new_merit_var - merit_var) / merit_var,
            abs(new_reviewer_var - reviewer_var) / reviewer_var,
        )
        noise_var, merit_var, reviewer_var = new_noise_var, new_merit_var, new_reviewer_var
        if change < TOLERANCE:
            break

    # Fixed effects carry the round's level between them; report them around zero
    # (weighted by reviews) and put the level back into merit.
    shift = float(np.average(effects, weights=per_reviewer)) if fixed_effects else 0.0
    scores = level + shift + merit
    effects = effects - shift

    # An application's own residual variance, pooled with the round's noise.
    own_squares = np.bincount(application_index, weights=residuals**2)
    own_freedom = np.maximum(per_application - 1, 0)
    local_noise = (POOLED_WEIGHT * noise_var + own_squares) / (POOLED_WEIGHT + own_freedom)
    variance = local_noise / (merit_info + noise_var / merit_var)
    # Plus what its reviewers' effects leave unknown.
    variance += (
        np.bincount(application_index, weights=effect_posterior[reviewer_index]) / np.maximum(per_application, 1) ** 2
    )
    standard_error = np.sqrt(variance)

    fit = ModelFit(
        level=level,
        merit_sd=float(np.sqrt(merit_var)),
        reviewer_sd=float(np.sqrt(reviewer_var)),
        noise_sd=float(np.sqrt(noise_var)),
        rounds=rounds,
    )
    for position, application_id in enumerate(application_ids.tolist()):
        score, error = float(scores[position]), float(standard_error[position])
        fit.estimates[application_id] = Estimate(
            score=score,
            low=score - z * error,
            high=score + z * error,
            standard_error=error,
            reviews=int(per_application[position]),
        )
    fit.reviewer_effects = {
        reviewer_id: float(effect) for reviewer_id, effect in zip(reviewer_ids.tolist(), effects, strict=True)
    }
    return fit


def _spread_less_noise(estimates, information, noise_var, floor):
    """The variance of unshrunk estimates less their mean sampling variance (the
    method of moments), over those the reviews tell anything about. An
    application whose every reviewer reviewed nothing else (a moderator's one
    review, say) tells nothing about its merit: its reviews are all reviewer
    effect (and a reviewer whose every application had no other review, nothing
    about their effect). Left in, its unbounded sampling noise would put every
    variance at the floor and shrink every estimate to the level."""
    informed = information > 0
    if not informed.any():
        return floor
    return max(float(estimates[informed].var()) - float((noise_var / information[informed]).mean()), floor)


def _solve(merit_ridge, reviewer_ridge, n_applications, n_reviewers, gram, moment, start):
    """Penalised least squares through its sparse normal equations,
    (X'X + ridge) theta = X'y, symmetric positive definite: SciPy's conjugate
    gradients with a Jacobi preconditioner, warm-started from the last round.
    `gram` (X'X) and `moment` (X'y) do not change between rounds: only the
    ridge on the diagonal does."""
    ridge = np.concatenate([np.full(n_applications, merit_ridge), np.full(n_reviewers, reviewer_ridge)])
    system = (gram + sparse.diags(ridge)).tocsr()
    preconditioner = sparse.diags(1 / np.maximum(system.diagonal(), 1e-12))
    solution, _info = cg(system, moment, x0=start, rtol=1e-10, maxiter=10_000, M=preconditioner)
    return solution


def _flat_fit(application_ids, reviewer_ids, per_application, level) -> ModelFit:
    fit = ModelFit(level=level)
    for position, application_id in enumerate(application_ids.tolist()):
        fit.estimates[application_id] = Estimate(
            score=level, low=level, high=level, standard_error=0.0, reviews=int(per_application[position])
        )
    fit.reviewer_effects = dict.fromkeys(reviewer_ids.tolist(), 0.0)
    return fit


def rank(estimates: dict[int, float], *, tie_break: dict[int, tuple] | None = None) -> list[int]:
    """Application ids best first: by estimate, ties by `tie_break` (ascending),
    then by id. The one rule the board, the decision room and the exports share."""
    tie_break = tie_break or {}
    return sorted(
        estimates,
        key=lambda application_id: (-estimates[application_id], tie_break.get(application_id, ()), application_id),
    )
