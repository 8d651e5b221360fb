"""Uncertainty at the line, as pure functions over the model's estimates
(`scoring.model.Estimate`): where a line after `places` falls, and which
candidates are too close to it to call. New beside the decision room's own
copy (`selection.selectors.decision_room.close_to_call`, which works on its
Candidate rows) so the exchange panel can use the same rule without importing
selection; the rule and its constant are the same."""

from collections.abc import Mapping, Sequence

from .model import Estimate

# Within this many standard errors of the line, the model cannot tell on which
# side a candidate belongs (about a one-in-six chance or more of the other side).
CLOSE_TO_CALL_ERRORS = 1.0


def line_after(ranked: Sequence[int], estimates: Mapping[int, Estimate], *, places: int) -> float | None:
    """The score of the last candidate above a line after `places` of the
    ranked ids (best first), or None when no candidate is above it."""
    above = [candidate for candidate in ranked[: max(places, 0)] if candidate in estimates]
    return estimates[above[-1]].score if above else None


def close_to_call(estimates: Mapping[int, Estimate], *, line: float, errors: float = CLOSE_TO_CALL_ERRORS) -> set[int]:
    """The ids whose estimate lies within `errors` standard errors of `line`."""
    return {
        candidate
        for candidate, estimate in estimates.items()
        if estimate.standard_error > 0 and abs(estimate.score - line) <= errors * estimate.standard_error
    }
