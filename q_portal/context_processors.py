import functools

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .roles import Role, has_role, is_active_member, is_programme_team, shows_application_area


def portal(request):
    """The navigation for the signed-in user: each role sees only its own areas."""
    # A request refused before the auth middleware (a bad Host header) has no user.
    user = getattr(request, "user", None)
    areas = []
    if user is not None and user.is_authenticated:
        if shows_application_area(user):
            areas.append((_("Your application"), reverse("applications:applicant_home")))
        if is_active_member(user) or is_programme_team(user):
            areas.append((_("Members"), reverse("members:directory")))
            areas.append((_("Exchange"), reverse("exchange:calls")))
        areas.append((_("Events"), reverse("events:list")))
        if has_role(user, Role.NOMINATOR) or user.is_superuser:
            areas.append((_("Nominate"), reverse("nominations:home")))
        if has_role(user, Role.REVIEWER) or user.is_superuser:
            areas.append((_("Review"), reverse("selection:reviewer_home")))
        if is_programme_team(user):
            areas.append((_("Programme"), reverse("selection:programme_home")))
        if user.is_superuser:
            areas.append((_("Admin"), reverse("admin:index")))
    current = request.path
    return {
        "portal_areas": [{"label": label, "url": url, "current": current.startswith(url)} for label, url in areas],
        "programme_contact_email": settings.PROGRAMME_CONTACT_EMAIL,
    }


@functools.cache
def _template_choices() -> dict:
    return {name: import_string(path) for name, path in settings.TEMPLATE_CHOICES.items()}


def choices(request):
    """The choices classes named in `TEMPLATE_CHOICES`, so that a template compares
    a status with its member (`wave.status == WaveStatus.DRAFT`), never with a
    string that a renamed value would silently stop matching."""
    return _template_choices()
