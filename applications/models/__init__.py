from .applications import Application, CriterionResponse
from .nominations import CohortUpload, Nomination, NominationStatus, NominatorOrganisation
from .rounds import Criterion, ImprovementCourse, NominationQuota, Round, RoundCriterion, Route
from .updates import UpdateSubscription

__all__ = [
    "Application",
    "CohortUpload",
    "Criterion",
    "CriterionResponse",
    "ImprovementCourse",
    "Nomination",
    "NominationQuota",
    "NominationStatus",
    "NominatorOrganisation",
    "Round",
    "RoundCriterion",
    "Route",
    "UpdateSubscription",
]
