from .discussions import Post, PostReport, Thread
from .membership import (
    AbuseReport,
    CoffeePairing,
    Community,
    CommunityMembership,
    ContactMessage,
    GrowthTarget,
    Interest,
    MemberImport,
    MemberProfile,
    Pledge,
)
from .onboarding import OnboardingStep, OnboardingTopic
from .people import Nation, Organisation, OrganisationKind, Region, User, UserManager

__all__ = [
    "AbuseReport",
    "CoffeePairing",
    "Community",
    "CommunityMembership",
    "ContactMessage",
    "GrowthTarget",
    "Interest",
    "MemberImport",
    "MemberProfile",
    "Nation",
    "OnboardingStep",
    "OnboardingTopic",
    "Organisation",
    "OrganisationKind",
    "Pledge",
    "Post",
    "PostReport",
    "Region",
    "Thread",
    "User",
    "UserManager",
]
