from applications.choices import ApplicationStatus, RoundStatus
from applications.models import Application, CriterionResponse, Round
from members.models import Organisation, Region, User
from selection.models import Assignment, ReviewerAgreement, ReviewerProfile

from . import OrganisationFactory, RegionFactory, reviewer, with_totp
from .applications import ApplicationFactory, RoundFactory, submitted


def closed_round(**kwargs) -> Round:
    """A closed round with the three criteria, ready for assignment."""
    return RoundFactory(status=RoundStatus.CLOSED, **kwargs)


def review_round(**kwargs) -> Round:
    return RoundFactory(status=RoundStatus.IN_REVIEW, **kwargs)


def submitted_application(round: Round, **kwargs) -> Application:
    """A submitted application, with its own organisation and region unless given."""
    organisation = kwargs.pop("organisation", None)
    region = kwargs.pop("region", None)
    application = submitted(ApplicationFactory(round=round, **kwargs))
    if organisation is not None or region is not None:
        application.organisation = organisation or application.organisation
        application.region = region or application.region
        application.save(update_fields=["organisation", "region"])
    return application


def reviewer_with_profile(
    *, organisation: Organisation | None = None, region: Region | None = None, mfa: bool = True, **kwargs
) -> User:
    """A reviewer (with TOTP by default) who works for `organisation` in `region`."""
    user = reviewer(**kwargs)
    ReviewerProfile.objects.create(
        user=user, organisation=organisation or OrganisationFactory(), region=region or RegionFactory()
    )
    return with_totp(user) if mfa else user


def assign(application: Application, user: User) -> Assignment:
    return Assignment.objects.create(round=application.round, application=application, reviewer=user)


def bulk_submitted_applications(round: Round, count: int, *, start: int = 0) -> list[Application]:
    """`count` submitted applications with answers, inserted in bulk (for query-count
    tests at size)."""
    from django.utils import timezone

    applicants = User.objects.bulk_create(
        [User(email=f"bulk{start + n}-{round.pk}@example.org", display_name=f"Bulk {n}") for n in range(count)]
    )
    now = timezone.now()
    applications = Application.objects.bulk_create(
        [
            Application(
                applicant=applicant,
                round=round,
                full_name=applicant.display_name,
                status=ApplicationStatus.SUBMITTED,
                submitted_at=now,
                first_submitted_at=now,
                reference=f"B-{round.pk}-{start + n:06d}",
                route=round.routes.first(),
            )
            for n, applicant in enumerate(applicants)
        ]
    )
    criteria = list(round.criteria.all())
    CriterionResponse.objects.bulk_create(
        [CriterionResponse(application=a, criterion=c, text="An answer.") for a in applications for c in criteria]
    )
    return applications


def agreement_accepted(user: User, round: Round) -> ReviewerAgreement:
    """The reviewer has accepted the round's confidentiality and conflicts
    agreement, so the round's applications open for them."""
    from django.utils import timezone

    from selection import reviewer_agreement

    return ReviewerAgreement.objects.create(
        round=round, reviewer=user, wording_version=reviewer_agreement.VERSION, accepted_at=timezone.now()
    )
