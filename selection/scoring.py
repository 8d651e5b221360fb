"""Moved to the model-free `scoring` package (shared with the exchange panel);
kept so existing imports keep working."""

from scoring.totals import (  # noqa: F401
    FLAT,
    mean_totals,
    normalised_scores,
    normalised_scores_with_moderation,
    weighted_total,
)
