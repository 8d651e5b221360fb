from .reviewers import ReviewerCapacity, ReviewerProfile, SelectionSettings
from .reviews import Assignment, Conflict, CriterionScore, Review

__all__ = [
    "Assignment",
    "Conflict",
    "CriterionScore",
    "Review",
    "ReviewerCapacity",
    "ReviewerProfile",
    "SelectionSettings",
]
