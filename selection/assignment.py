"""Moved to the model-free `scoring` package (shared with the exchange panel);
kept so existing imports keep working."""

from scoring.assignment import (  # noqa: F401
    CONFLICT_RULES,
    ApplicationFacts,
    AssignmentPlan,
    Pair,
    ReviewerFacts,
    find_conflicts,
    plan_assignments,
)
