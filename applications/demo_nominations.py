"""Demo nominations for `seed_demo`, after `applications.demo.seed_recruitment()`:
`nominator@example.org` nominates for West Midlands AHSN, which has 10 places in
the open round, and has nominated people now at every stage. Idempotent."""

from django.db import transaction
from django.utils import timezone

from members.models import Organisation, Region, User

from .choices import ApplicationStatus, RoleCategory, RouteKind
from .demo_people import NOMINEE_ANSWERS
from .models import Application, CriterionResponse, Nomination, NominationQuota, NominationStatus, Round, Route
from .services.nominations import nominator_grant

ROUND_NAME = "Wider recruitment, winter 2026"
ORGANISATION_NAME = "West Midlands AHSN"
STATEMENT = (
    "Leads a falls-prevention collaborative across three trusts with patients and carers, uses run charts and "
    "PDSA cycles, and reflects openly on what did not work."
)

# (name, email, job title, role, status, application status)
NOMINEES = [
    ("Aisha Khan", "aisha.khan@example.org", "Ward sister", RoleCategory.CLINICIAN, NominationStatus.INVITED, None),
    ("Tom Price", "tom.price@example.org", "Service manager", RoleCategory.MANAGER, NominationStatus.INVITED, None),
    ("Grace Adeyemi", "grace.adeyemi@example.org", "Pharmacist", RoleCategory.CLINICIAN, NominationStatus.OPENED, None),
    (
        "Owen Hughes",
        "owen.hughes@example.org",
        "Improvement advisor",
        RoleCategory.MANAGER,
        NominationStatus.ACCEPTED,
        ApplicationStatus.DRAFT,
    ),
    (
        "Priya Sharma",
        "priya.sharma@example.org",
        "Consultant physician",
        RoleCategory.CLINICIAN,
        NominationStatus.ACCEPTED,
        ApplicationStatus.SUBMITTED,
    ),
    ("Mark Ellis", "mark.ellis@example.org", "GP partner", RoleCategory.CLINICIAN, NominationStatus.DECLINED, None),
]


@transaction.atomic
def seed_nominations() -> None:
    round = Round.objects.filter(name=ROUND_NAME).first()
    organisation = Organisation.objects.filter(name=ORGANISATION_NAME).first()
    nominator = User.objects.filter(email="nominator@example.org").first()
    if round is None or organisation is None or nominator is None:
        return
    nominator_grant(user=nominator, organisation=organisation, by=None)
    quota, _created = NominationQuota.objects.get_or_create(
        round=round, organisation=organisation, defaults={"places": 10}
    )
    region = organisation.region or Region.objects.order_by("pk").first()
    route = Route.objects.get(kind=RouteKind.NOMINATED)
    now = timezone.now()
    for name, email, job_title, role, status, application_status in NOMINEES:
        if Nomination.objects.filter(round=round, email__iexact=email).exists():
            continue
        nomination = Nomination.objects.create(
            round=round,
            organisation=organisation,
            quota=quota,
            nominated_by=nominator,
            full_name=name,
            email=email,
            job_title=job_title,
            role_category=role,
            region=region,
            statement=STATEMENT,
            status=NominationStatus.INVITED,
            invitations_sent=1,
            last_invited_at=now,
        )
        if status == NominationStatus.OPENED:
            nomination.opened_at = now
        if status == NominationStatus.DECLINED:
            nomination.responded_at = now
        if status == NominationStatus.ACCEPTED:
            nomination.nominee, nomination.application = _demo_nominee_application(
                nomination, route=route, submitted=application_status == ApplicationStatus.SUBMITTED, now=now
            )
            nomination.opened_at = nomination.responded_at = now
        nomination.status = status
        nomination.save()


def _demo_nominee_application(nomination: Nomination, *, route: Route, submitted: bool, now):
    """The nominee's account and application, started from the nomination (and
    submitted, with their answers, when `submitted`)."""
    round, name = nomination.round, nomination.full_name
    nominee = User.objects.filter(email=nomination.email).first() or User.objects.create_user(
        email=nomination.email, password=None, display_name=name
    )
    application = Application.objects.filter(applicant=nominee, round=round).first()
    if application is not None:
        return nominee, application
    application = Application.objects.create(
        applicant=nominee,
        round=round,
        route=route,
        full_name=name,
        job_title=nomination.job_title,
        role_category=nomination.role_category,
        region=nomination.region,
        organisation=nomination.organisation if submitted else None,
        route_evidence="I work with the AHSN's patient safety collaborative." if submitted else "",
        declares_true=submitted,
        consents_to_processing=submitted,
    )
    if submitted:
        CriterionResponse.objects.bulk_create(
            CriterionResponse(application=application, criterion=criterion, text=NOMINEE_ANSWERS[criterion.letter])
            for criterion in round.criteria.all()
        )
        application.status = ApplicationStatus.SUBMITTED
        application.submitted_at = application.first_submitted_at = now
        application.reference = f"Q-{now:%Y}-{application.pk:05d}"
        application.save(update_fields=["status", "submitted_at", "first_submitted_at", "reference"])
    return nominee, application
