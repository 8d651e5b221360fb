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
    data = _reviews_as_arrays(rows)
    level = float(data.totals.mean())
    fixed_effects = reviewer_shrinkage == 0
    scale = _starting_variance(data, fixed_effects=fixed_effects)
    if scale < 1e-12:
        # Every review gave the same total (with fixed effects: every reviewer
        # gave all theirs the same): nothing to rank, nothing to correct.
        return _flat_fit(data, level)
    floor = VARIANCE_FLOOR * scale
    system = _normal_equations(data, data.totals - level)
    if fixed_effects:
        start, variances = _moment_variances(data, system, floor)
    else:
        start, variances = np.zeros(data.n_applications + data.n_reviewers), (scale / 2, scale / 2, scale / 4)
    solved = _fit_rounds(data, system, start, variances, reviewer_shrinkage, floor)
    return _model_fit(data, solved, level, fixed_effects=fixed_effects, z=z)


@dataclass(frozen=True)
class _Reviews:
    """The rows as arrays: each review's application and reviewer as positions
    in the sorted ids, its total, and how many reviews each has."""

    application_ids: np.ndarray
    reviewer_ids: np.ndarray
    application_index: np.ndarray
    reviewer_index: np.ndarray
    totals: np.ndarray
    per_application: np.ndarray
    per_reviewer: np.ndarray

    @property
    def n_applications(self) -> int:
        return len(self.application_ids)

    @property
    def n_reviewers(self) -> int:
        return len(self.reviewer_ids)


def _reviews_as_arrays(rows: list[tuple[int, int, float]]) -> _Reviews:
    application_ids, application_index = np.unique(np.array([row[0] for row in rows]), return_inverse=True)
    reviewer_ids, reviewer_index = np.unique(np.array([row[1] for row in rows]), return_inverse=True)
    # np.unique's inverse holds every index, so the counts and the design's
    # shape follow from the indices alone.
    return _Reviews(
        application_ids=application_ids,
        reviewer_ids=reviewer_ids,
        application_index=application_index,
        reviewer_index=reviewer_index,
        totals=np.array([row[2] for row in rows], dtype=float),
        per_application=np.bincount(application_index),
        per_reviewer=np.bincount(reviewer_index),
    )


def _starting_variance(data: _Reviews, *, fixed_effects: bool) -> float:
    """The totals' variance, the fit's starting point and the scale of its floor.
    With fixed effects, the variance within reviewers: unchanged when a constant
    is added to one reviewer's scores, so the starting point and floor are too."""
    if fixed_effects:
        reviewer_means = np.bincount(data.reviewer_index, weights=data.totals) / data.per_reviewer
        return float((data.totals - reviewer_means[data.reviewer_index]).var())
    return float(data.totals.var())


@dataclass(frozen=True)
class _System:
    """The least-squares problem: the design X (each review's row has a 1 in its
    application's column and one in its reviewer's), the centred totals y, and
    the normal equations' X'X (`gram`) and X'y (`moment`), which no round changes."""

    design: sparse.csr_matrix
    centred: np.ndarray
    gram: sparse.csr_matrix
    moment: np.ndarray


def _normal_equations(data: _Reviews, centred: np.ndarray) -> _System:
    n = len(centred)
    design = sparse.hstack(
        [
            sparse.csr_matrix((np.ones(n), (np.arange(n), data.application_index))),
            sparse.csr_matrix((np.ones(n), (np.arange(n), data.reviewer_index))),
        ]
    )
    return _System(design=design, centred=centred, gram=(design.T @ design).tocsr(), moment=design.T @ centred)


def _moment_variances(data: _Reviews, system: _System, floor: float):
    """With fixed reviewer effects: the variances (noise, merit, reviewer) by the
    method of moments from the unshrunk fit, one solve where EM needs tens of
    rounds when merit varies little. Returns that fit too, as the next solve's start."""
    n_applications, n_reviewers = data.n_applications, data.n_reviewers
    # Started from zeros (cg's default).
    solution = _solve(1e-8, 0.0, n_applications, n_reviewers, system.gram, system.moment, None)
    # Least squares fits one level per connected group of applications and
    # reviewers (a panel that shares no application with the rest is a group of
    # its own), so each group uses one parameter fewer than it has.
    groups, group_of = connected_components(system.gram)
    solution = _merit_centred_in_each_group(solution, group_of, n_applications)
    residuals = system.centred - system.design @ solution
    freedom = max(len(data.totals) - n_applications - n_reviewers + groups, 1)
    noise_var = max(float(residuals @ residuals) / freedom, floor)
    # How much each review tells about its application once its reviewer's
    # effect is unknown too (and the other way round).
    per_reviewer, per_application = data.per_reviewer, data.per_application
    merit_info = np.bincount(data.application_index, weights=((per_reviewer - 1) / per_reviewer)[data.reviewer_index])
    effect_info = np.bincount(
        data.reviewer_index, weights=((per_application - 1) / per_application)[data.application_index]
    )
    merit_var = _spread_less_noise(solution[:n_applications], merit_info, noise_var, floor)
    reviewer_var = _spread_less_noise(solution[n_applications:], effect_info, noise_var, floor)
    return solution, (noise_var, merit_var, reviewer_var)


def _merit_centred_in_each_group(solution, group_of, n_applications: int):
    """The unshrunk fit with each group's merits centred on zero, their level in
    its reviewers' effects (the fitted totals unchanged). That is where the tiny
    ridge on merit puts it; conjugate gradients reach it only to their tolerance
    and leave each group's level wherever the preconditioner took it, which would
    move the merits' spread, and so every estimate, when one group's reviewer
    adds a constant to their scores."""
    merit_group, effect_group = group_of[:n_applications], group_of[n_applications:]
    # Every group has an application: each reviewer in it reviewed one.
    drift = np.bincount(merit_group, weights=solution[:n_applications]) / np.bincount(merit_group)
    return solution - np.concatenate([drift[merit_group], -drift[effect_group]])


@dataclass(frozen=True)
class _Solved:
    """The last round's solution with what the standard errors need."""

    solution: np.ndarray
    residuals: np.ndarray
    merit_info: np.ndarray
    effect_posterior: np.ndarray
    noise_var: float
    merit_var: float
    reviewer_var: float
    rounds: int


def _fit_rounds(data: _Reviews, system: _System, start, variances, reviewer_shrinkage: Shrinkage, floor) -> _Solved:
    """Solve with the ridges the variances give; with shrunk reviewer effects,
    update the variances from the solution (EM) and solve again until they
    settle. With fixed effects the variances came from the moments: one round."""
    noise_var, merit_var, reviewer_var = variances
    solution = start
    for rounds in range(1, MAX_ROUNDS + 1):  # noqa: B007 - the count is reported
        merit_ridge = noise_var / merit_var
        # With fixed effects the shrinkage is 0: no ridge.
        reviewer_ridge = noise_var / reviewer_var if reviewer_shrinkage == "estimated" else float(reviewer_shrinkage)
        solution = _solve(
            merit_ridge, reviewer_ridge, data.n_applications, data.n_reviewers, system.gram, system.moment, solution
        )
        residuals = system.centred - system.design @ solution
        merit_info, merit_posterior, effect_posterior = _information(data, merit_ridge, reviewer_ridge, noise_var)
        if reviewer_shrinkage == 0:
            break  # the variances came from the moments
        new_variances = _em_variances(
            data, solution, residuals, merit_posterior, effect_posterior, (noise_var, merit_var, reviewer_var), floor
        )
        change = _relative_change((noise_var, merit_var, reviewer_var), new_variances)
        noise_var, merit_var, reviewer_var = new_variances
        if change < TOLERANCE:
            break
    return _Solved(
        solution=solution,
        residuals=residuals,
        merit_info=merit_info,
        effect_posterior=effect_posterior,
        noise_var=noise_var,
        merit_var=merit_var,
        reviewer_var=reviewer_var,
        rounds=rounds,
    )


def _information(data: _Reviews, merit_ridge: float, reviewer_ridge: float, noise_var: float):
    """How much each review tells about its application's merit once its
    reviewer's effect is unknown too (and the other way round): the merit
    information, and the posterior variances of merit and of reviewer effects."""
    per_application, per_reviewer = data.per_application, data.per_reviewer
    reviewer_info_per_review = (per_reviewer - 1 + reviewer_ridge) / (per_reviewer + reviewer_ridge)
    merit_info = np.bincount(data.application_index, weights=reviewer_info_per_review[data.reviewer_index])
    merit_posterior = noise_var / (merit_info + merit_ridge)
    merit_info_per_review = (per_application - 1 + merit_ridge) / (per_application + merit_ridge)
    effect_info = np.bincount(data.reviewer_index, weights=merit_info_per_review[data.application_index])
    effect_posterior = noise_var / np.maximum(effect_info + reviewer_ridge, 1e-9)
    return merit_info, merit_posterior, effect_posterior


def _em_variances(data: _Reviews, solution, residuals, merit_posterior, effect_posterior, variances, floor):
    """One EM-style update of the variances (noise, merit, reviewer) from a solution."""
    _noise_var, merit_var, reviewer_var = variances
    merit, effects = solution[: data.n_applications], solution[data.n_applications :]
    new_merit_var = max(float((merit**2 + merit_posterior).mean()), floor)
    new_reviewer_var = max(float((effects**2 + effect_posterior).mean()), floor)
    effect_parameters = float((1 - effect_posterior / reviewer_var).clip(0).sum())
    parameters = float((1 - merit_posterior / merit_var).clip(0).sum()) + effect_parameters
    new_noise_var = max(float(residuals @ residuals) / max(len(data.totals) - parameters, 1.0), floor)
    return new_noise_var, new_merit_var, new_reviewer_var


def _relative_change(variances, new_variances) -> float:
    (noise_var, merit_var, reviewer_var), (new_noise_var, new_merit_var, new_reviewer_var) = variances, new_variances
    return max(
        abs(new_noise_var - noise_var) / noise_var,
        abs(new_merit_var - merit_var) / merit_var,
        abs(new_reviewer_var - reviewer_var) / reviewer_var,
    )


def _standard_errors(data: _Reviews, solved: _Solved) -> np.ndarray:
    """Each application's standard error: its own residual variance pooled with
    the round's noise, over what its reviews tell, plus what its reviewers'
    effects leave unknown."""
    own_squares = np.bincount(data.application_index, weights=solved.residuals**2)
    own_freedom = np.maximum(data.per_application - 1, 0)
    local_noise = (POOLED_WEIGHT * solved.noise_var + own_squares) / (POOLED_WEIGHT + own_freedom)
    variance = local_noise / (solved.merit_info + solved.noise_var / solved.merit_var)
    variance += (
        np.bincount(data.application_index, weights=solved.effect_posterior[data.reviewer_index])
        / np.maximum(data.per_application, 1) ** 2
    )
    return np.sqrt(variance)


def _model_fit(data: _Reviews, solved: _Solved, level: float, *, fixed_effects: bool, z: float) -> ModelFit:
    """The estimates with their intervals, and the reviewer effects."""
    merit, effects = solved.solution[: data.n_applications], solved.solution[data.n_applications :]
    # Fixed effects carry the round's level between them; report them around zero
    # (weighted by reviews) and put the level back into merit.
    shift = float(np.average(effects, weights=data.per_reviewer)) if fixed_effects else 0.0
    scores = level + shift + merit
    effects = effects - shift
    standard_error = _standard_errors(data, solved)
    fit = ModelFit(
        level=level,
        merit_sd=float(np.sqrt(solved.merit_var)),
        reviewer_sd=float(np.sqrt(solved.reviewer_var)),
        noise_sd=float(np.sqrt(solved.noise_var)),
        rounds=solved.rounds,
    )
    for position, application_id in enumerate(data.application_ids.tolist()):
        score, error = float(scores[position]), float(standard_error[position])
        fit.estimates[application_id] = Estimate(
            score=score,
            low=score - z * error,
            high=score + z * error,
            standard_error=error,
            reviews=int(data.per_application[position]),
        )
    fit.reviewer_effects = {
        reviewer_id: float(effect) for reviewer_id, effect in zip(data.reviewer_ids.tolist(), effects, strict=True)
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


def _flat_fit(data: _Reviews, level: float) -> ModelFit:
    fit = ModelFit(level=level)
    for position, application_id in enumerate(data.application_ids.tolist()):
        fit.estimates[application_id] = Estimate(
            score=level, low=level, high=level, standard_error=0.0, reviews=int(data.per_application[position])
        )
    fit.reviewer_effects = dict.fromkeys(data.reviewer_ids.tolist(), 0.0)
    return fit


def rank(estimates: dict[int, float], *, tie_break: dict[int, tuple] | None = None) -> list[int]:
    """Application ids best first: by estimate, ties by `tie_break` (ascending),
    then by id. The one rule the board, the decision room and the exports share."""
    tie_break = tie_break or {}
    return sorted(
        estimates,
        key=lambda application_id: (-estimates[application_id], tie_break.get(application_id, ()), application_id),
    )
