"""Who may see and do what in the members' area. Pure predicates; views,
templates and services use the same ones."""

from django.http import Http404

from q_portal.roles import is_programme_team

from .choices import MembershipStatus
from .models import ContactMessage, MemberProfile


def profile_of(user) -> MemberProfile | None:
    """The user's member profile, whatever its status (cached on the user)."""
    if not user.is_authenticated:
        return None
    return getattr(user, "member_profile", None)


def is_member(user) -> bool:
    """An active member."""
    profile = profile_of(user)
    return profile is not None and profile.status == MembershipStatus.ACTIVE


def can_see_directory(user) -> bool:
    return is_member(user) or is_programme_team(user)


def can_view_profile(user, profile: MemberProfile) -> bool:
    if not user.is_authenticated:
        return False
    if profile.user_id == user.pk:
        return True
    if is_programme_team(user):
        return True
    return is_member(user) and profile.is_listed


def can_contact(user, profile: MemberProfile) -> bool:
    return is_member(user) and profile.user_id != user.pk and profile.is_listed and profile.contact_enabled


def can_view_message(user, message: ContactMessage) -> bool:
    own = profile_of(user)
    return own is not None and own.pk in (message.sender_id, message.recipient_id)


def get_profile_for_user_or_404(user, pk) -> MemberProfile:
    """A profile the user may see; a hidden, paused or ended one answers 404 so
    whether it exists stays private."""
    profile = (
        MemberProfile.objects.select_related("region", "organisation", "pledge")
        .prefetch_related("interests", "communities")
        .filter(pk=pk)
        .first()
    )
    if profile is None or not can_view_profile(user, profile):
        raise Http404
    return profile


def get_message_for_user_or_404(user, pk) -> ContactMessage:
    message = ContactMessage.objects.select_related("sender__user", "recipient__user").filter(pk=pk).first()
    if message is None or not can_view_message(user, message):
        raise Http404
    return message
