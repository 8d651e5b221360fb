"""Access to the members' area. A visitor is sent to sign in; a signed-in user
who is not an active member is refused (403); the programme team may see the
directory, profiles, communities and pledges too (after setting up MFA)."""

from django.utils.functional import cached_property

from q_portal.roles import RoleRequiredMixin, is_programme_team, needs_mfa_setup

from ..permissions import can_see_directory, is_member, profile_of


class _AccessMixin(RoleRequiredMixin):
    """The portal's access order (sign in, then `allowed`, then MFA), with the
    members' area's own rule for who is allowed."""

    def allowed(self, user) -> bool:
        raise NotImplementedError

    def user_has_required_role(self, user) -> bool:
        return self.allowed(user)

    def must_set_up_mfa(self, user) -> bool:
        # Only the programme team: a member who also reviews sees no application here.
        return is_programme_team(user) and needs_mfa_setup(user)


class MemberAreaMixin(_AccessMixin):
    """Active members and the programme team."""

    def allowed(self, user) -> bool:
        return can_see_directory(user)

    @cached_property
    def member(self):
        """The signed-in user's own active profile, or None (the programme team)."""
        profile = profile_of(self.request.user)
        return profile if is_member(self.request.user) else None


class ActiveMemberMixin(MemberAreaMixin):
    """Active members only: things a member does as a member."""

    def allowed(self, user) -> bool:
        return is_member(user)


class ProfileOwnerMixin(_AccessMixin):
    """Anyone with a member profile, active or not: their own page."""

    def allowed(self, user) -> bool:
        return profile_of(user) is not None

    @cached_property
    def member(self):
        return profile_of(self.request.user)
