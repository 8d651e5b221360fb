"""The retention schedule (see `registry` for what it is and how to add an entry)."""

from .registry import (
    BASIS_CONSENT,
    BASIS_LEGAL_OBLIGATION,
    BASIS_LEGITIMATE_INTERESTS,
    End,
    Period,
    Rule,
    before_apply,
    not_personal,
    not_personal_markers,
    register,
    schedule,
)

__all__ = [
    "BASIS_CONSENT",
    "BASIS_LEGAL_OBLIGATION",
    "BASIS_LEGITIMATE_INTERESTS",
    "End",
    "Period",
    "Rule",
    "before_apply",
    "not_personal",
    "not_personal_markers",
    "register",
    "schedule",
]
