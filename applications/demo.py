"""Demo recruitment data for `seed_demo`: routes, courses, the three criteria, a
closed pilot round with submitted applications and an open wider round with
`applicant@example.org`'s draft. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.models import Organisation, OrganisationKind, Region, User

from .choices import ApplicationStatus, Phase, RoleCategory, RoundStatus, RouteKind
from .models import Application, Criterion, CriterionResponse, ImprovementCourse, Round, RoundCriterion, Route

CRITERIA = [
    (
        "a",
        "Commitment to collaborative improvement",
        "Tell us how you work with others to improve health and care: colleagues, patients, "
        "other organisations. Give an example of what you brought and what you learnt from others.",
        "Look for a genuine commitment to improving with others, and willingness to share and learn.",
    ),
    (
        "b",
        "Experience of playing a role in efforts to improve quality",
        "Describe an improvement effort you played a part in: your role, what you did, and what changed.",
        "Look for a clear personal role in an improvement effort and evidence of what changed.",
    ),
    (
        "c",
        "Ability to articulate and reflect on approaches used to improve quality",
        "Explain an approach or method you used to improve quality, why you chose it, and what you "
        "would do differently next time.",
        "Look for understanding of improvement approaches and honest reflection on their use.",
    ),
]

ROUTES = [
    (
        RouteKind.PATIENT_CARER,
        "Patient or carer perspective",
        "People who bring a patient's or carer's perspective and work mainly at national level.",
        "Do you bring a patient's or carer's perspective to improvement, working mainly at national level?",
        "Tell us about your national role and the perspective you bring.",
    ),
    (
        RouteKind.COURSE_ALUMNI,
        "Improvement course alumni",
        "Alumni of an identified improvement course.",
        "Have you completed one of the identified improvement courses?",
        "Tell us which course you completed, when, and what you used it for.",
    ),
    (
        RouteKind.NATIONAL_ORGANISATION,
        "Staff of a national organisation",
        "People who work in an identified national organisation.",
        "Do you work for one of the identified national organisations?",
        "Tell us about your role in the organisation.",
    ),
    (
        RouteKind.NOMINATED,
        "Nominated by a partner organisation",
        "People nominated by a regional partner organisation, such as an Academic Health Science Network.",
        "Have you been nominated by a partner organisation?",
        "Tell us about your connection with the organisation that nominated you.",
    ),
    (
        RouteKind.OPEN,
        "Open to everyone in improvement",
        "Anyone in the UK working to improve health and care.",
        "Do you work or volunteer to improve health and care in the UK?",
        "Tell us briefly about your current improvement work.",
    ),
]

COURSES = [
    ("Improvement Science Fellowship", "The Health Foundation"),
    ("Scottish Improvement Leader Programme", "NHS Education for Scotland"),
    ("Improving Quality Together", "1000 Lives Improvement"),
    ("Quality Service Improvement and Redesign", "NHS Improvement"),
]

NATIONAL_ORGANISATIONS = ["NHS Improvement", "Care Quality Commission", "National Voices"]


@transaction.atomic
def seed_recruitment() -> None:
    criteria = [
        Criterion.objects.update_or_create(
            letter=letter,
            defaults={"title": title, "guidance_for_applicants": applicants, "guidance_for_reviewers": reviewers},
        )[0]
        for letter, title, applicants, reviewers in CRITERIA
    ]
    routes = {}
    for order, (kind, name, summary, question, evidence) in enumerate(ROUTES):
        routes[kind] = Route.objects.update_or_create(
            kind=kind,
            defaults={
                "name": name,
                "summary": summary,
                "question": question,
                "evidence_prompt": evidence,
                "order": order,
            },
        )[0]
    courses = [
        ImprovementCourse.objects.update_or_create(name=name, defaults={"provider": provider})[0]
        for name, provider in COURSES
    ]
    routes[RouteKind.COURSE_ALUMNI].courses.set(courses)
    routes[RouteKind.NATIONAL_ORGANISATION].organisations.set(
        Organisation.objects.filter(name__in=NATIONAL_ORGANISATIONS)
    )

    # Deadlines at noon UK time, as a real round would have them.
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    pilot = _round(
        name="Pilot, summer 2026",
        phase=Phase.PILOT,
        opens_at=now - timedelta(days=150),
        closes_at=now - timedelta(days=100),
        status=RoundStatus.CLOSED,
        capacity=60,
        routes=[
            routes[RouteKind.PATIENT_CARER],
            routes[RouteKind.COURSE_ALUMNI],
            routes[RouteKind.NATIONAL_ORGANISATION],
        ],
        criteria=criteria,
    )
    wider = _round(
        name="Wider recruitment, winter 2026",
        phase=Phase.WIDER,
        opens_at=now - timedelta(days=14),
        closes_at=now + timedelta(days=42),
        status=RoundStatus.OPEN,
        capacity=300,
        routes=[routes[RouteKind.NOMINATED], routes[RouteKind.OPEN]],
        criteria=criteria,
        description="Open to everyone in the UK working to improve health and care, and to people nominated "
        "by our regional partners.",
    )
    _pilot_applications(pilot, routes[RouteKind.COURSE_ALUMNI], courses[0])
    _applicant_draft(wider, routes[RouteKind.OPEN])


def _round(*, name, criteria, routes, **values) -> Round:
    round, created = Round.objects.get_or_create(name=name, defaults=values)
    if created:
        round.routes.set(routes)
        RoundCriterion.objects.bulk_create(RoundCriterion(round=round, criterion=c) for c in criteria)
    return round


ANSWER = (
    "I co-led a multidisciplinary project with patients and pharmacists to reduce missed doses of "
    "time-critical medicines on our wards. We used plan-do-study-act cycles, run charts and weekly "
    "huddles, and shared what we learnt with two neighbouring trusts."
)


def _pilot_applications(pilot: Round, route: Route, course: ImprovementCourse) -> None:
    regions = list(Region.objects.order_by("pk"))
    organisations = list(Organisation.objects.exclude(kind=OrganisationKind.AHSN).order_by("pk"))
    roles = list(RoleCategory.values)
    for number in range(1, 13):
        email = f"pilot.applicant{number}@example.org"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=None, display_name=f"Pilot Applicant {number}"
        )
        if Application.objects.filter(applicant=user, round=pilot).exists():
            continue
        submitted_at = pilot.closes_at - timedelta(days=number)
        application = Application.objects.create(
            applicant=user,
            round=pilot,
            full_name=user.display_name,
            job_title="Improvement lead",
            role_category=roles[number % len(roles)],
            organisation=organisations[number % len(organisations)],
            region=regions[number % len(regions)],
            route=route,
            route_course=course,
            route_evidence="I completed the course and now lead improvement work in my organisation.",
            declares_true=True,
            consents_to_processing=True,
        )
        # The reference is made from the row's id, so it is set once the row exists.
        application.status = ApplicationStatus.SUBMITTED
        application.submitted_at = application.first_submitted_at = submitted_at
        application.reference = f"Q-{submitted_at:%Y}-{application.pk:05d}"
        application.save(update_fields=["status", "submitted_at", "first_submitted_at", "reference"])
        CriterionResponse.objects.bulk_create(
            CriterionResponse(application=application, criterion=criterion, text=ANSWER)
            for criterion in pilot.criteria.all()
        )


def _applicant_draft(wider: Round, route: Route) -> None:
    applicant = User.objects.get(email="applicant@example.org")
    Application.objects.get_or_create(
        applicant=applicant,
        round=wider,
        defaults={
            "route": route,
            "full_name": applicant.display_name,
            "job_title": "Ward manager",
            "role_category": RoleCategory.MANAGER,
            "region": Region.objects.filter(name="West Midlands").first(),
        },
    )
