"""Who may do what, by role (DESIGN.md §2), and the view mixins every app uses.

Roles are Django groups, created by a data migration in `members`. A user's group
names are read once per request and kept on the user object.
"""

from enum import StrEnum

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import AccessMixin
from django.db.models import CharField, Value
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    NOMINATOR = "Nominators"
    REVIEWER = "Reviewers"
    PROGRAMME_TEAM = "Programme team"


# Roles that see applications and so must sign in with a second factor.
MFA_ROLES = frozenset({Role.REVIEWER, Role.PROGRAMME_TEAM})

# A member is not a group: it is someone with an active member profile (DESIGN.md §2).
# It is read in the same query as the groups, so the navigation costs one query.
ACTIVE_MEMBER = "active member"
# Nor is having applied: someone with an application of their own, in any round
# and any state. Read in the same query, for the "Your application" tab.
HAS_APPLIED = "has applied"


def role_names(user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_portal_role_names", None)
    if cached is None:
        groups = user.groups.values_list("name", flat=True)
        membership = (
            get_user_model()
            .objects.filter(pk=user.pk, member_profile__status="active")
            .values_list(Value(ACTIVE_MEMBER, output_field=CharField()), flat=True)
        )
        applied = (
            get_user_model()
            .objects.filter(pk=user.pk, applications__isnull=False)
            .values_list(Value(HAS_APPLIED, output_field=CharField()), flat=True)
        )
        cached = frozenset(groups.union(membership, applied))
        user._portal_role_names = cached
    return cached


def is_active_member(user) -> bool:
    return ACTIVE_MEMBER in role_names(user)


def has_applied(user) -> bool:
    return HAS_APPLIED in role_names(user)


def has_role(user, role: Role) -> bool:
    return role in role_names(user)


def is_programme_team(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, Role.PROGRAMME_TEAM))


def holds_a_role(user) -> bool:
    """A reviewer, nominator, programme team member, member or administrator:
    someone who signs in for more than their own application."""
    return user.is_superuser or bool(role_names(user) & {*Role, ACTIVE_MEMBER})


def shows_application_area(user) -> bool:
    """The "Your application" tab: for anyone who has applied, and for anyone
    who holds no other role (they signed up to apply)."""
    return user.is_authenticated and (has_applied(user) or not holds_a_role(user))


def start_page_name(user) -> str:
    """The URL name of the page a person lands on after signing in: where their
    work is, the most demanding of their roles first."""
    if is_programme_team(user):
        return "selection:programme_home"
    if has_role(user, Role.REVIEWER):
        return "selection:reviewer_home"
    if has_role(user, Role.NOMINATOR):
        return "nominations:home"
    if is_active_member(user):
        return "members:directory"
    return "applications:applicant_home"


def has_mfa(user) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_portal_has_mfa", None)
    if cached is None:
        from allauth.mfa.models import Authenticator

        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._portal_has_mfa = cached
    return cached


def needs_mfa_setup(user) -> bool:
    """True for a reviewer, a programme team member or an administrator who must
    set up MFA (REQUIRE_MFA_FOR_STAFF) and has not yet."""
    if not settings.REQUIRE_MFA_FOR_STAFF or not user.is_authenticated:
        return False
    sees_applications = user.is_superuser or bool(role_names(user) & MFA_ROLES)
    return sees_applications and not has_mfa(user)


class RoleRequiredMixin(AccessMixin):
    """A view for one or more roles. A visitor is sent to sign in and back; a user
    without the role is refused (403); a staff role without MFA is sent to set it up.
    Superusers reach every area."""

    required_roles: tuple[Role, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return self.handle_no_permission()
        if not self.user_has_required_role(user):
            self.raise_exception = True
            return self.handle_no_permission()
        if self.must_set_up_mfa(user):
            return redirect_to_mfa_setup(request)
        return super().dispatch(request, *args, **kwargs)

    def user_has_required_role(self, user) -> bool:
        if user.is_superuser:
            return True
        return any(has_role(user, role) for role in self.required_roles)

    def must_set_up_mfa(self, user) -> bool:
        return needs_mfa_setup(user)


def redirect_to_mfa_setup(request):
    messages.warning(
        request,
        _(
            "Reviewers and the programme team must protect their account with "
            "two-factor authentication before they can see applications. Set it up below."
        ),
    )
    return redirect("mfa_activate_totp")


class ProgrammeTeamMixin(RoleRequiredMixin):
    """A page for the programme team (with MFA), wherever in the portal it lives."""

    required_roles = (Role.PROGRAMME_TEAM,)
