"""Moved to the model-free `scoring` package (shared with the exchange panel);
kept so existing imports keep working."""

from scoring.agreement import (  # noqa: F401
    MIN_DIFFERENCE,
    MIN_REVIEWS,
    Z_CRITICAL,
    AlphaPoint,
    IntervalAlpha,
    Leaning,
    alpha_over_time,
    calibration_flag,
    calibration_z,
    interval_alpha,
)
