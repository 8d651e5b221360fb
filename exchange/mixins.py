from django.contrib.auth.mixins import AccessMixin
from django.utils.functional import cached_property

from members.permissions import profile_of

from .permissions import can_take_part


class SignedInMixin(AccessMixin):
    """Anyone signed in reads the exchange."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def allowed(self, user) -> bool:
        return True

    @cached_property
    def member(self):
        """The signed-in user's active member profile, or None."""
        return profile_of(self.request.user) if can_take_part(self.request.user) else None


class MemberMixin(SignedInMixin):
    """Taking part: active members only (403 for anyone else signed in)."""

    def allowed(self, user) -> bool:
        return can_take_part(user)
