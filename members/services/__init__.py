"""Every change to membership. Other apps call `member_create` (selection, when a
decision is released); the rest serve the members' and the programme team's pages."""

from .coffee import coffee_pair
from .communities import community_create, community_join, community_leave, community_update
from .contact import abuse_report_create, abuse_report_resolve, contact_reply, contact_send
from .membership import (
    ImportReport,
    ImportRow,
    growth_target_set,
    member_create,
    member_import,
    member_import_confirm,
    member_import_preview,
    member_import_stage,
    member_transition,
    profile_search_refresh,
)
from .profiles import (
    interest_create,
    interest_moderate,
    pledge_set,
    pledge_withdraw,
    profile_photo_remove,
    profile_photo_set,
    profile_settings_update,
    profile_update,
)

__all__ = [
    "ImportReport",
    "ImportRow",
    "abuse_report_create",
    "abuse_report_resolve",
    "coffee_pair",
    "community_create",
    "community_join",
    "community_leave",
    "community_update",
    "contact_reply",
    "contact_send",
    "growth_target_set",
    "interest_create",
    "interest_moderate",
    "member_create",
    "member_import",
    "member_import_confirm",
    "member_import_preview",
    "member_import_stage",
    "member_transition",
    "pledge_set",
    "pledge_withdraw",
    "profile_photo_remove",
    "profile_photo_set",
    "profile_search_refresh",
    "profile_settings_update",
    "profile_update",
]
