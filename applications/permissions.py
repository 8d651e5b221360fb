from django.http import Http404

from members.models import Organisation

from .models import Application, Nomination, NominatorOrganisation


def can_view_application(user, application: Application) -> bool:
    return user.is_authenticated and application.applicant_id == user.pk


def get_application_for_applicant_or_404(user, pk) -> Application:
    """The signed-in applicant's own application; anyone else's answers 404, so
    whether it exists stays private."""
    application = (
        Application.objects.select_related(
            "round", "route", "organisation", "region", "route_course", "route_organisation"
        )
        .prefetch_related("round__criteria", "responses__criterion")
        .filter(pk=pk, applicant_id=user.pk)
        .first()
    )
    if application is None or not can_view_application(user, application):
        raise Http404
    return application


# --- Nominations ---------------------------------------------------------------


def nominator_organisation_ids(user) -> frozenset[int]:
    """The organisations the user nominates for (read once per request)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_nominator_organisation_ids", None)
    if cached is None:
        cached = frozenset(NominatorOrganisation.objects.filter(user=user).values_list("organisation_id", flat=True))
        user._nominator_organisation_ids = cached
    return cached


def can_nominate_for(user, organisation) -> bool:
    return user.is_authenticated and organisation.pk in nominator_organisation_ids(user)


def can_manage_nomination(user, nomination) -> bool:
    """Nominators of the nominating organisation, and no one else, manage it."""
    return user.is_authenticated and nomination.organisation_id in nominator_organisation_ids(user)


def get_organisation_for_nominator_or_404(user, pk):
    """One of the user's own organisations; any other answers 404."""
    organisation = Organisation.objects.filter(pk=pk).select_related("region").first()
    if organisation is None or not can_nominate_for(user, organisation):
        raise Http404
    return organisation


def get_nomination_for_nominator_or_404(user, pk):
    """A nomination made for one of the user's organisations; anyone else's
    answers 404, so whether it exists stays private."""
    nomination = (
        Nomination.objects.select_related("round", "organisation", "application", "nominated_by")
        .filter(pk=pk, organisation_id__in=nominator_organisation_ids(user))
        .first()
    )
    if nomination is None or not can_manage_nomination(user, nomination):
        raise Http404
    return nomination
