"""Demo recruitment data for `seed_demo`: routes, courses, the three criteria, a
closed pilot round with submitted applications and an open wider round with
`applicant@example.org`'s draft. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.models import Organisation, Region, User

from .choices import ApplicationStatus, Phase, RoleCategory, RoundStatus, RouteKind
from .demo_people import PILOT_APPLICANTS, answers_of, email_of
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
    routes = _demo_routes()
    # Deadlines at noon UK time, as a real round would have them.
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    pilot = _round(
        name="Pilot, summer 2026",
        phase=Phase.PILOT,
        opens_at=now - timedelta(days=150),
        closes_at=now - timedelta(days=100),
        status=RoundStatus.CLOSED,
        # As many places as the panel could offer well; the rest of the strong
        # applicants wait on the list for a place someone declines.
        capacity=8,
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
    _pilot_applications(pilot, routes)
    _applicant_draft(wider, routes[RouteKind.OPEN])


def _demo_routes() -> dict[str, Route]:
    """The eligibility routes by kind, with the courses and national
    organisations whose alumni and staff the pilot was open to."""
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
    return routes


def _round(*, name, criteria, routes, **values) -> Round:
    round, created = Round.objects.get_or_create(name=name, defaults=values)
    if created:
        round.routes.set(routes)
        RoundCriterion.objects.bulk_create(RoundCriterion(round=round, criterion=c) for c in criteria)
    return round


def _pilot_applications(pilot: Round, routes: dict[str, Route]) -> None:
    """The pilot's applicants (`demo_people`), each on their own route with their
    own answers, submitted over the round's last weeks."""
    regions = {region.name: region for region in Region.objects.all()}
    organisations = {organisation.name: organisation for organisation in Organisation.objects.all()}
    courses = {course.name: course for course in ImprovementCourse.objects.all()}
    criteria = list(pilot.criteria.all())
    for number, person in enumerate(PILOT_APPLICANTS):
        user = demo_applicant(email_of(person), person.name)
        if Application.objects.filter(applicant=user, round=pilot).exists():
            continue
        # Spread over the last five weeks, most in the final days, as real rounds fill.
        submitted_at = pilot.closes_at - timedelta(days=(number * 7) % 36, hours=(number * 5) % 11 + 1)
        application = demo_application_create(
            person,
            user=user,
            round=pilot,
            organisations=organisations,
            regions=regions,
            routes=routes,
            route_course=courses.get(person.route_detail) if person.route == RouteKind.COURSE_ALUMNI else None,
            route_organisation=(
                organisations.get(person.route_detail) if person.route == RouteKind.NATIONAL_ORGANISATION else None
            ),
        )
        demo_application_submit(application, person, submitted_at=submitted_at, criteria=criteria)


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


def demo_applicant(email: str, name: str) -> User:
    """A demo applicant's account, made the first time it is asked for."""
    return User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=None, display_name=name
    )


def demo_application_create(person, *, user, round, organisations, regions, routes, **route_details) -> Application:
    """A demo person's draft application on their route, their declarations made."""
    organisation = organisations.get(person.organisation)
    return Application.objects.create(
        applicant=user,
        round=round,
        full_name=person.name,
        job_title=person.job_title,
        role_category=person.role,
        organisation=organisation,
        organisation_other="" if organisation else person.organisation,
        region=regions.get(person.region),
        route=routes[person.route],
        route_evidence=person.evidence,
        declares_true=True,
        consents_to_processing=True,
        **route_details,
    )


def demo_application_submit(application: Application, person, *, submitted_at, criteria) -> None:
    """Mark a demo application submitted at `submitted_at`, with its reference
    and the person's answers to the criteria."""
    # The reference is made from the row's id, so it is set once the row exists.
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = application.first_submitted_at = submitted_at
    application.reference = f"Q-{submitted_at:%Y}-{application.pk:05d}"
    application.save(update_fields=["status", "submitted_at", "first_submitted_at", "reference"])
    answers = answers_of(person)
    CriterionResponse.objects.bulk_create(
        CriterionResponse(application=application, criterion=criterion, text=answers[criterion.letter])
        for criterion in criteria
    )
