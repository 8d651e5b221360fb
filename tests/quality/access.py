"""The access policy: every role, every URL name, what each role gets. One table,
used by the access matrix and the bad-input tests."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = [
    "visitor",
    "applicant",
    "other_applicant",
    "nominator",
    "reviewer",
    "reviewer_without_mfa",
    "programme",
    "programme_without_mfa",
    "member",
    "admin",
]
# Roles that stand in another relation to the world's objects than the role they
# resemble: a nominator of another organisation, a reviewer with a conflict of
# interest on the world's application under review. An entry gives them what the
# role they resemble gets, unless it names them (see `with_related_roles`).
RESEMBLES = {"other_nominator": "nominator", "conflicted_reviewer": "reviewer"}
ROLES += list(RESEMBLES)

# What a role gets: OK (the page, or a redirect within it), LOGIN (sent to sign in),
# FORBIDDEN (403), NOT_FOUND (404), MFA (sent to set up MFA), ANY (never a 5xx:
# allauth's own pages, which behave as allauth defines for signed-in or not).
OK, LOGIN, FORBIDDEN, NOT_FOUND, MFA, ANY, BAD = "ok", "login", "403", "404", "mfa", "any", "400"
# Allowed, but the view takes only POST: a GET answers 405.
POST_ONLY = "405"

PUBLIC = dict.fromkeys(ROLES, OK)
ACCOUNT = dict.fromkeys(ROLES, ANY)
SIGNED_IN = {**dict.fromkeys(ROLES, OK), "visitor": LOGIN}
OWN_APPLICATION = {**dict.fromkeys(ROLES, NOT_FOUND), "visitor": LOGIN, "applicant": OK}
TOKEN = dict.fromkeys(ROLES, BAD)


def staff_area(*roles_allowed):
    own_roles = [role for role in ROLES if role not in RESEMBLES]
    policy = {**dict.fromkeys(own_roles, FORBIDDEN), "visitor": LOGIN, "admin": OK}
    for role in roles_allowed:
        policy[role] = OK
        if f"{role}_without_mfa" in policy:
            policy[f"{role}_without_mfa"] = MFA
    return policy


PROGRAMME = staff_area("programme")
# The members' area: active members, and the programme team.
MEMBERS = {**staff_area("programme"), "member": OK}
# What only a member does: their own profile, contact, messages, joining a community.
MEMBER_ONLY = {**dict.fromkeys(ROLES, FORBIDDEN), "visitor": LOGIN, "member": OK}
REVIEWER = staff_area("reviewer")
NOMINATOR = staff_area("nominator")
# An event's organisers: its organisation's nominators and the programme team; to
# anyone else its management pages do not exist.
EVENT_ORGANISER = {
    **dict.fromkeys(ROLES, NOT_FOUND),
    "visitor": LOGIN,
    **dict.fromkeys(["nominator", "programme", "admin"], OK),
    "programme_without_mfa": MFA,
}
EVENT_REGISTRANT = {**dict.fromkeys(ROLES, NOT_FOUND), "visitor": LOGIN, "member": OK}

POLICY = {
    "home": PUBLIC,
    "healthz": PUBLIC,
    "privacy": PUBLIC,
    "privacy_retention": PUBLIC,
    "programme_retention": PROGRAMME,
    "accessibility": PUBLIC,
    **dict.fromkeys(
        [
            "account_login",
            "account_logout",
            "account_inactive",
            "account_signup",
            "account_reauthenticate",
            "account_email",
            "account_email_verification_sent",
            "account_change_password",
            "account_set_password",
            "account_reset_password",
            "account_confirm_login_code",
            "account_confirm_email",
            "account_reset_password_from_key_done",
            "account_reset_password_from_key",
            "account_reset_password_done",
            "mfa_index",
            "mfa_authenticate",
            "mfa_reauthenticate",
            "mfa_activate_totp",
            "mfa_deactivate_totp",
            "mfa_view_recovery_codes",
            "mfa_generate_recovery_codes",
            "mfa_download_recovery_codes",
        ],
        ACCOUNT,
    ),
    # Single sign-on (issue 18): allauth's social account pages and the OpenID Connect
    # login and callback (the matrix's world has no provider configured); the linked
    # work accounts page; the page after signing out of an SSO session.
    **dict.fromkeys(
        [
            "socialaccount_signup",
            "socialaccount_login_cancelled",
            "socialaccount_login_error",
            "openid_connect_login",
            "openid_connect_callback",
        ],
        ACCOUNT,
    ),
    "socialaccount_connections": SIGNED_IN,
    "sso_signed_out": PUBLIC,
    "account_resend_verification": PUBLIC,
    "applications:applicant_home": SIGNED_IN,
    "applications:eligibility": SIGNED_IN,
    "applications:download": SIGNED_IN,
    "applications:keep_alive": dict.fromkeys(ROLES, POST_ONLY),
    **dict.fromkeys(
        [
            "applications:task_list",
            "applications:about",
            "applications:route",
            "applications:criterion",
            "applications:declarations",
            "applications:adjustments",
            "applications:check",
            "applications:submitted",
            "applications:status",
            "applications:withdraw",
            "applications:reopen",
            "applications:delete",
        ],
        OWN_APPLICATION,
    ),
    "applications:adjustment_list": PROGRAMME,
    "applications:adjustment_answer": PROGRAMME,
    "updates:register": PUBLIC,
    "updates:check_email": PUBLIC,
    "updates:confirm": TOKEN,
    "updates:unsubscribe": TOKEN,
    "updates:resubscribe": TOKEN,
    "nominations:home": NOMINATOR,
    "rounds:list": PROGRAMME,
    "rounds:create": PROGRAMME,
    "rounds:detail": PROGRAMME,
    "rounds:edit": PROGRAMME,
    "rounds:transition": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "rounds:quotas": PROGRAMME,
    "selection:reviewer_home": REVIEWER,
    "selection:programme_home": PROGRAMME,
    # A reviewer's own assignment; anyone else's, even an administrator's look, or
    # one with a conflict of interest, is not found.
    "selection:review": {**REVIEWER, "admin": NOT_FOUND, "conflicted_reviewer": NOT_FOUND},
    "selection:declare_conflict": {**REVIEWER, "admin": NOT_FOUND, "conflicted_reviewer": NOT_FOUND},
    "selection:abstain": {**REVIEWER, "admin": NOT_FOUND, "conflicted_reviewer": NOT_FOUND},
    "selection:reviewer_agreement": {**REVIEWER, "admin": NOT_FOUND, "conflicted_reviewer": NOT_FOUND},
    "selection:review_next": REVIEWER,
    "selection:round_list": PROGRAMME,
    # Practice applications (#15): synthetic or anonymised, open to every reviewer.
    "selection:practice_score": REVIEWER,
    "selection:practice_compare": REVIEWER,
    "selection:practice_list": PROGRAMME,
    "selection:round": PROGRAMME,
    "selection:settings": PROGRAMME,
    "selection:reviewers": PROGRAMME,
    "selection:board": PROGRAMME,
    "selection:scores_refresh": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "selection:moderation": PROGRAMME,
    "selection:moderation_application": PROGRAMME,
    "selection:moderation_request_reviewer": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "selection:decision_room": PROGRAMME,
    "selection:decisions_preview": PROGRAMME,
    "selection:positive_action": PROGRAMME,
    "selection:decision_set": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "selection:reviewer_profile": PROGRAMME,
    "selection:application": PROGRAMME,
    "selection:assign": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "selection:capacity": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "selection:assignment_action": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "selection:review_reopen": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    # Insight (issue 9): the pages and every CSV download are the programme team's only.
    **{
        f"selection:{name}": PROGRAMME
        for name in [
            "insight",
            "insight_growth",
            "insight_round",
            "insight_funnel",
            "insight_representation",
            "insight_calibration",
            "insight_scores",
            "insight_nominations",
            "insight_export_applications",
            "insight_export_reviews",
            "insight_export_nominations",
            "insight_export_members",
        ]
    },
    # Releasing decisions, feedback, places and the waiting list; the applicant's own offer of a place.
    **{
        f"selection:{name}": PROGRAMME
        for name in ["release", "places", "waiting_list", "feedback_list", "feedback", "decision_reverse"]
    },
    # The progress of the latest release: the world's round was released without one.
    "selection:release_progress": {**PROGRAMME, "programme": NOT_FOUND, "admin": NOT_FOUND},
    "selection:promote": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "selection:feedback_approve": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    "selection:place": OWN_APPLICATION,
    "selection:place_decline": OWN_APPLICATION,
    # The nominator's pages for their organisation; the administrator passes the
    # role check but nominates for no organisation, so its pages are not found, as
    # they are for the nominator of another organisation.
    "nominations:csv_template": NOMINATOR,
    "nominations:dashboard": {**NOMINATOR, "admin": NOT_FOUND, "other_nominator": NOT_FOUND},
    "nominations:nominate": {**NOMINATOR, "admin": NOT_FOUND, "other_nominator": NOT_FOUND},
    "nominations:upload": {**NOMINATOR, "admin": NOT_FOUND, "other_nominator": NOT_FOUND},
    "nominations:export": {**NOMINATOR, "admin": NOT_FOUND, "other_nominator": NOT_FOUND},
    "nominations:upload_preview": {**NOMINATOR, "nominator": NOT_FOUND, "admin": NOT_FOUND},
    "nominations:withdraw": {**NOMINATOR, "admin": NOT_FOUND, "other_nominator": NOT_FOUND},
    "nominations:resend": {**NOMINATOR, "nominator": POST_ONLY, "admin": NOT_FOUND, "other_nominator": NOT_FOUND},
    # An invitation is reached only with its signed token; a tampered one is not found.
    "nominations:invitation": dict.fromkeys(ROLES, NOT_FOUND),
    "nominations:invitation_decline": dict.fromkeys(ROLES, NOT_FOUND),
    "nominations:invitation_accept": dict.fromkeys(ROLES, NOT_FOUND),
    **{f"members:{name}": MEMBERS for name in ["directory", "profile", "pledges", "communities", "community"]},
    **{
        f"members:{name}": MEMBER_ONLY
        for name in ["me", "me_edit", "settings", "me_photo", "me_pledge", "contact", "report", "messages"]
    },
    **{f"members:{name}": MEMBER_ONLY for name in ["message", "message_report"]},
    "members:community_membership": {**MEMBER_ONLY, "member": POST_ONLY},
    # A photo is served only to those who may see the profile; to anyone else it does not exist.
    "members:photo": {**dict.fromkeys(ROLES, NOT_FOUND), "member": OK, "programme": OK, "admin": OK},
    **{
        f"members:{name}": PROGRAMME
        for name in [
            "programme_home",
            "programme_members",
            "programme_member_status",
            "programme_import",
            "programme_import_preview",
            "programme_community_create",
            "programme_community_edit",
            "programme_interests",
            "reports",
            "report_resolve",
            "programme_growth",
        ]
    },
    "nominations:programme": PROGRAMME,
    "nominations:programme_round": PROGRAMME,
    "nominations:programme_nominators": PROGRAMME,
    # Subject access: one's own data, for anyone signed in; anyone's, for the programme team.
    "selection:your_data": SIGNED_IN,
    "selection:your_data_download": SIGNED_IN,
    "selection:people": PROGRAMME,
    "selection:person": PROGRAMME,
    "selection:person_export": PROGRAMME,
    "selection:person_erase": PROGRAMME,
    # Equality monitoring (issue 16): one's own answers, for anyone signed in; the
    # aggregated analysis, for the programme team only.
    "equality:form": SIGNED_IN,
    "equality:delete": SIGNED_IN,
    "selection:insight_equality": PROGRAMME,
    "selection:insight_equality_all": PROGRAMME,
    # Email waves (issue #8): the programme team's; the changes take only POST.
    **{
        f"waves:{name}": PROGRAMME
        for name in [
            *("list", "create", "reminders", "reminder_edit"),
            *("detail", "edit", "preview", "schedule", "progress"),
        ]
    },
    "waves:send_test": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    # Events (issue #17): the world's event is under way, organised by the nominator's
    # organisation, and the member has a place at it.
    **{f"events:{name}": PUBLIC for name in ["list", "detail"]},
    "events:create": staff_area("programme", "nominator"),
    "events:calendar": SIGNED_IN,
    "events:insight": PROGRAMME,
    "events:feed": dict.fromkeys(ROLES, NOT_FOUND),
    **{
        f"events:{name}": {**dict.fromkeys(ROLES, POST_ONLY), "visitor": LOGIN}
        for name in ["register", "cancel", "accept"]
    },
    **{f"events:{name}": {**EVENT_REGISTRANT} for name in ["confirmation", "pledge", "feedback"]},
    "events:ics": {**EVENT_ORGANISER, "member": OK, "programme_without_mfa": OK},
    **{f"events:{name}": {**EVENT_ORGANISER, "member": OK} for name in ["wall", "wall_json"]},
    **{f"events:{name}": EVENT_ORGANISER for name in ["edit", "manage", "check_in", "check_in_code"]},
    **{
        f"events:{name}": {**EVENT_ORGANISER, **dict.fromkeys(["nominator", "programme", "admin"], POST_ONLY)}
        for name in ["cancel_event", "pledge_hide"]
    },
    "members:home": MEMBER_ONLY,
    # Special interest groups (issue #17): the world's member convenes the world's community.
    "members:group_propose": MEMBER_ONLY,
    "members:programme_groups": PROGRAMME,
    "members:programme_onboarding": PROGRAMME,
    "members:programme_onboarding_edit": PROGRAMME,
    **{f"members:{name}": MEMBERS for name in ["community_discussions", "thread"]},
    "members:thread_new": {**MEMBERS, "programme": NOT_FOUND, "admin": NOT_FOUND},
    "members:post_report": {**MEMBERS, "programme": NOT_FOUND, "admin": NOT_FOUND},
    **{
        f"members:{name}": {**MEMBERS, **dict.fromkeys(["member", "programme", "admin"], POST_ONLY)}
        for name in ["thread_moderate", "group_notify", "group_member"]
    },
    "members:group_unsubscribe": dict.fromkeys(ROLES, NOT_FOUND),
    "waves:action": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY},
    # Q Exchange (issue 19): ideas are read by anyone signed in; taking part is for
    # members; the world's member is not in the team of the world's idea, but leads
    # the world's proposal. A proposal is its team's (and the programme team's) only.
    **{f"exchange:{name}": SIGNED_IN for name in ["calls", "call", "idea", "idea_history"]},
    **{f"exchange:{name}": MEMBER_ONLY for name in ["idea_create", "comment", "join", "preferences"]},
    **{f"exchange:{name}": {**MEMBER_ONLY, "member": FORBIDDEN} for name in ["idea_edit", "idea_withdraw"]},
    **{
        f"exchange:{name}": {**MEMBER_ONLY, "member": POST_ONLY}
        for name in ["support", "proposal_start", "join_decide"]
    },
    "exchange:team": {**dict.fromkeys(ROLES, FORBIDDEN), "visitor": LOGIN, "programme": OK, "admin": OK},
    **{
        f"exchange:{name}": {
            **dict.fromkeys(ROLES, NOT_FOUND),
            "visitor": LOGIN,
            "member": OK,
            "programme": OK,
            "admin": OK,
        }
        for name in ["proposal", "proposal_check"]
    },
    **{
        f"exchange:{name}": PROGRAMME
        for name in [
            "programme_calls",
            "programme_call_create",
            "programme_call_edit",
            "programme_questions",
            "programme_question_edit",
        ]
    },
    # The member panel (#19): a member puts themselves forward and assesses what
    # they are given (the world's assignment is the member's; another member's
    # is not found: tests/exchange/test_panel.py).
    **{f"exchange:{name}": MEMBER_ONLY for name in ["volunteer", "panel", "assessment"]},
    **{f"exchange:{name}": PROGRAMME for name in ["programme_panel", "programme_shortlist", "programme_feedback"]},
    **{
        f"exchange:{name}": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY}
        for name in [
            "programme_assessor_decide",
            "programme_panel_assign",
            "programme_shortlist_announce",
            "programme_moderation_request",
        ]
    },
    # Q Exchange's member vote and funded projects (issue 20): the world's member is
    # eligible in an open vote, and on the team of a funded project in a call whose
    # results are published.
    "funding:ballot": MEMBER_ONLY,
    "funding:cast": {**MEMBER_ONLY, "member": POST_ONLY},
    "funding:update_comment": MEMBER_ONLY,
    "funding:update_post": MEMBER_ONLY,
    "funding:shortlisted": {**MEMBERS, "programme_without_mfa": FORBIDDEN},
    **{
        f"funding:{name}": SIGNED_IN
        for name in ["results", "ballot_file", "room", "room_json", "project", "report", "update_image"]
    },
    **{
        f"funding:{name}": PROGRAMME
        for name in [
            "programme_vote",
            "programme_funding",
            "programme_announce",
            "programme_insight",
            "programme_projects",
            "programme_schedule",
        ]
    },
    **{
        f"funding:{name}": {**PROGRAMME, "programme": POST_ONLY, "admin": POST_ONLY}
        for name in ["programme_publish", "programme_confirm"]
    },
}


def with_related_roles(policy: dict) -> dict:
    """The entry with every role of RESEMBLES given what the role it resembles
    gets, where the entry does not name it."""
    return {**{role: policy[resembled] for role, resembled in RESEMBLES.items()}, **policy}


POLICY = {name: with_related_roles(policy) for name, policy in POLICY.items()}


@dataclass
class World:
    clients: dict
    kwargs: dict
    # The object a URL's `pk` names, by URL name or namespace (default: the
    # applicant's application).
    pk_for: dict


def url_patterns(patterns=None, namespace=None):
    """(name, pattern) for every named URL, skipping the Django admin (checked below)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            if inner != "admin":
                yield from url_patterns(pattern.url_patterns, inner or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def url_for(name, pattern, world):
    kwargs = {**world.kwargs}
    namespace = name.partition(":")[0]
    for key in (name, namespace):
        if key in world.pk_for:
            kwargs["pk"] = world.pk_for[key]
            break
    keys = set(pattern.pattern.regex.groupindex)
    if ":" not in name:
        # Parameters of an including pattern too (allauth's /accounts/oidc/<provider_id>/…).
        for possibilities, *_ in get_resolver().reverse_dict.getlist(name):
            keys |= {key for _result, params in possibilities for key in params}
    return reverse(name, kwargs={key: kwargs[key] for key in keys})


def outcome(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return LOGIN
        if location.startswith(reverse("mfa_activate_totp")):
            return MFA
        return OK
    return {200: OK, 403: FORBIDDEN, 404: NOT_FOUND}.get(response.status_code, str(response.status_code))
