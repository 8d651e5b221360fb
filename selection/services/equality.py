"""Keeping a round's equality counts when answers are unlinked from it: before
an erasure or the retention policy breaks the link between a person's answers and
their applications, what they counted for is added to the rounds' tallies
(`equality.models.StageTally`). Both run in the caller's transaction."""

from django.db.models import Q, QuerySet

from applications.models import Application, UpdateSubscription
from equality.services import monitoring_response_erase, stage_tallies_add
from q_portal.audit.services import audit_log

from ..selectors.equality import equality_contributions


def equality_person_erase(*, user, emails) -> int:
    """Tally what the person counted for in every round (their applications and
    their registrations for updates, which the erasure deletes too), then delete
    their monitoring answers. Returns 1 if answers were held, else 0."""
    by_address = Q(pk__in=[])
    for address in emails:
        by_address |= Q(email__iexact=address)
    applications = Application.objects.filter(applicant=user) if user is not None else Application.objects.none()
    contributions = equality_contributions(
        applications=applications, registrations=UpdateSubscription.objects.filter(by_address)
    )
    if user is None:
        stage_tallies_add(contributions=contributions)
        return 0
    return monitoring_response_erase(user=user, contributions=contributions)


def equality_applications_unlink(*, applications: QuerySet[Application]) -> int:
    """Tally what these applications count for, before they are anonymised (and
    lose their applicant). Returns the people-stages added."""
    return stage_tallies_add(
        contributions=equality_contributions(applications=applications.filter(anonymised_at__isnull=True))
    )


def equality_analysis_view_record(*, round, by) -> None:
    """Audit that someone looked at the equality analysis (its downloads are
    audited as every insight download is)."""
    audit_log(
        actor=by,
        action="equality.analysis_viewed",
        target=round,
        summary="Equality impact analysis viewed",
        changes={"round": round.pk if round is not None else None},
    )
