from .decisions import ApplicationScore, CriterionFeedback, Decision, PlaceHold, PlaceOffer, RoundScoring
from .practice import PracticeApplication, PracticeReview
from .release import ReleaseRun
from .reviewers import ReviewerAgreement, ReviewerCapacity, ReviewerProfile, SelectionSettings
from .reviews import Assignment, Conflict, CriterionScore, Review, RoundProgress

__all__ = [
    "ApplicationScore",
    "Assignment",
    "Conflict",
    "CriterionFeedback",
    "CriterionScore",
    "Decision",
    "PlaceHold",
    "PlaceOffer",
    "PracticeApplication",
    "PracticeReview",
    "ReleaseRun",
    "Review",
    "ReviewerAgreement",
    "ReviewerCapacity",
    "ReviewerProfile",
    "RoundProgress",
    "RoundScoring",
    "SelectionSettings",
]
