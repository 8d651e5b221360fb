"""A demo round in the middle of review, for `seed_demo`, run after
`selection.demo.seed_selection`: the regional round that closed three weeks ago,
its applications assigned to the two demo reviewers, some reviews submitted,
one saved as a draft and the rest still to do, due in ten days. So the
reviewer's queue has work on it and the programme team's morning view has
figures to show. Idempotent: what exists is left as it is."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from applications.choices import Phase, RoleCategory, RoundStatus, RouteKind
from applications.demo import demo_applicant, demo_application_create, demo_application_submit
from applications.demo_people import PilotApplicant
from applications.models import Criterion, Round, RoundCriterion, Route
from members.models import Organisation, Region, User

from .choices import Recommendation
from .models import Assignment
from .services.agreements import reviewer_agreement_accept
from .services.assignments import assignments_auto
from .services.reviews import review_save
from .services.settings import selection_settings_for, selection_settings_update

ROUND_NAME = "Regional round, autumn 2026"

APPLICANTS = [
    PilotApplicant(
        "Olivia Grant", "olivia.grant", "Community matron", RoleCategory.CLINICIAN,
        "Birmingham Community Healthcare NHS Foundation Trust", "West Midlands", RouteKind.NOMINATED, "",
        "Nominated by West Midlands AHSN for her work on frailty.", 4,
        "admissions of frail older people from care homes", "care home managers, GPs and the ambulance service",
        "plan-do-study-act cycles and a shared dashboard", "emergency admissions from the eight homes fell by a "
        "quarter over a winter",
    ),
    PilotApplicant(
        "Sunita Rao", "sunita.rao", "Quality improvement facilitator", RoleCategory.MANAGER,
        "Northumbria Healthcare NHS Foundation Trust", "North East and North Cumbria", RouteKind.OPEN, "",
        "I facilitate improvement projects across our trust's surgical division.", 3,
        "theatre start times", "surgeons, anaesthetists and theatre staff", "process mapping and run charts",
        "lists starting on time rose from 41% to 68%",
    ),
    PilotApplicant(
        "Gareth Lewis", "gareth.lewis", "Paramedic", RoleCategory.CLINICIAN,
        "Ambulance service (not listed)", "Wales", RouteKind.OPEN, "",
        "I lead a small improvement group in our ambulance station.", 2,
        "handover delays at the emergency department", "crews at my station", "an audit of handover times",
        "we presented the audit to the hospital",
    ),
    PilotApplicant(
        "Zara Hussain", "zara.hussain", "Improvement analyst", RoleCategory.RESEARCHER,
        "UCLPartners", "North Central and East London", RouteKind.NOMINATED, "",
        "Nominated by UCLPartners, where I support the cardiovascular programme's measurement.", 4,
        "blood pressure control in primary care", "twenty practices, pharmacists and a patient panel",
        "statistical process control and monthly learning sessions", "the share of patients with controlled "
        "blood pressure rose from 55% to 66% in a year",
    ),
    PilotApplicant(
        "Rhys Thomas", "rhys.thomas", "Occupational therapist", RoleCategory.CLINICIAN,
        "Aneurin Bevan University Health Board", "Wales", RouteKind.OPEN, "",
        "I lead improvement on our stroke rehabilitation ward.", 3,
        "therapy time for stroke patients", "therapists and ward nurses", "a daily huddle and run charts",
        "average daily therapy time rose from 28 to 41 minutes",
    ),
    PilotApplicant(
        "Orla Byrne", "orla.byrne", "Patient representative", RoleCategory.PATIENT_LEADER,
        "Maternity voices partnership (volunteer)", "Northern Ireland", RouteKind.OPEN, "",
        "I chair our local maternity voices partnership.", 2,
        "information for women after birth", "other mothers", "a survey", "a new leaflet",
    ),
    PilotApplicant(
        "Nikhil Shah", "nikhil.shah", "Foundation doctor", RoleCategory.CLINICIAN,
        "Imperial College Health Partners", "North West London", RouteKind.OPEN, "",
        "I led a junior doctors' improvement project in my first year.", 1,
        "handover between shifts", "other junior doctors", "a template", "handover was better",
    ),
    PilotApplicant(
        "Eilidh Ross", "eilidh.ross", "Senior charge nurse", RoleCategory.CLINICIAN,
        "NHS Greater Glasgow and Clyde", "Scotland", RouteKind.OPEN, "",
        "I lead a 28-bed acute medical ward and its improvement work.", 3,
        "deteriorating patients overnight", "nurses, the hospital-at-night team and patients' families",
        "an early warning score audit and small tests of change", "calls to the crash team fell by a third",
    ),
    PilotApplicant(
        "Marcus Webb", "marcus.webb", "Head of patient experience", RoleCategory.MANAGER,
        "Kent Surrey Sussex AHSN", "Kent, Surrey and Sussex", RouteKind.NOMINATED, "",
        "Nominated by Kent Surrey Sussex AHSN for the patient experience network he runs.", 4,
        "learning from complaints across a region", "patients, complaints teams in nine trusts and Healthwatch",
        "thematic analysis shared at quarterly learning events", "two themes led to changes adopted by every trust "
        "in the region",
    ),
    PilotApplicant(
        "Fiona Clarke", "fiona.clarke", "Practice manager", RoleCategory.MANAGER,
        "GP practice in Oxfordshire (not listed)", "Oxford", RouteKind.OPEN, "",
        "I manage a practice of 14,000 patients and lead its improvement work.", 2,
        "telephone access to the practice", "our reception team", "a new phone system", "fewer complaints",
    ),
]  # fmt: skip

# Submitted reviews, by reviewer and application (index into APPLICANTS):
# scores on (a, b, c) and a recommendation. reviewer@ also has one draft.
SUBMITTED = {
    "reviewer2@example.org": {
        0: ((4, 4, 3), Recommendation.ACCEPT),
        1: ((3, 3, 2), Recommendation.MAYBE),
        2: ((2, 2, 2), Recommendation.DO_NOT_ACCEPT),
        3: ((4, 3, 4), Recommendation.ACCEPT),
        4: ((3, 3, 3), Recommendation.ACCEPT),
    },
    "reviewer@example.org": {
        0: ((4, 3, 3), Recommendation.ACCEPT),
        3: ((4, 4, 4), Recommendation.ACCEPT),
    },
}
DRAFT = ("reviewer@example.org", 5, (3, None, None))


@transaction.atomic
def seed_review_round() -> None:
    if Round.objects.filter(name=ROUND_NAME).exists():
        return
    programme = User.objects.filter(email="programme@example.org").first()
    if programme is None:
        return
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    round = Round.objects.create(
        name=ROUND_NAME,
        phase=Phase.WIDER,
        opens_at=now - timedelta(days=80),
        closes_at=now - timedelta(days=21),
        status=RoundStatus.CLOSED,
        capacity=6,
        description="The first round run with the regional partners: nominations and open applications.",
    )
    round.routes.set(Route.objects.filter(kind__in=[RouteKind.NOMINATED, RouteKind.OPEN]))
    RoundCriterion.objects.bulk_create(
        RoundCriterion(round=round, criterion=criterion) for criterion in Criterion.objects.order_by("letter")
    )
    _applications(round)
    selection_settings_for(round=round)
    selection_settings_update(round=round, by=programme, review_due_on=(now + timedelta(days=10)).date())
    assignments_auto(round=round, by=programme)
    _reviews(round)


def _applications(round: Round) -> None:
    regions = {region.name: region for region in Region.objects.all()}
    organisations = {organisation.name: organisation for organisation in Organisation.objects.all()}
    routes = {route.kind: route for route in round.routes.all()}
    criteria = list(round.criteria.all())
    for number, person in enumerate(APPLICANTS):
        user = demo_applicant(f"{person.email}@example.org", person.name)
        submitted_at = round.closes_at - timedelta(days=(number * 5) % 23, hours=number % 7 + 1)
        application = demo_application_create(
            person, user=user, round=round, organisations=organisations, regions=regions, routes=routes
        )
        demo_application_submit(application, person, submitted_at=submitted_at, criteria=criteria)


def _reviews(round: Round) -> None:
    names = [person.name for person in APPLICANTS]
    assignments = Assignment.objects.filter(round=round, is_moderation=False).select_related(
        "round", "application", "reviewer"
    )
    for assignment in assignments:
        index = names.index(assignment.application.full_name)
        submitted = SUBMITTED.get(assignment.reviewer.email, {}).get(index)
        if submitted is not None or (assignment.reviewer.email, index) == DRAFT[:2]:
            # A reviewer opens an application only after accepting the round's agreement.
            reviewer_agreement_accept(round=round, by=assignment.reviewer)
        if submitted is not None:
            (a, b, c), recommendation = submitted
            review_save(
                assignment=assignment,
                by=assignment.reviewer,
                scores={"a": a, "b": b, "c": c},
                comments={"a": "Clear about their own part in the work."},
                recommendation=recommendation,
                note_to_panel="",
                submit=True,
            )
        elif (assignment.reviewer.email, index) == DRAFT[:2]:
            a, b, c = DRAFT[2]
            review_save(
                assignment=assignment,
                by=assignment.reviewer,
                scores={"a": a, "b": b, "c": c},
                comments={},
                recommendation="",
                note_to_panel="",
            )
