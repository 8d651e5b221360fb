"""The people who applied to the demo's pilot round, and what they wrote.

The pilot opened only to three routes (DESIGN.md §1), so its applicants come
through all three: a patient's or carer's perspective at national level, the
alumni of identified improvement courses, and staff of identified national
organisations. Their answers differ in length, detail and quality, as real ones
do: a `quality` of 4 is a compelling, reflective answer with the applicant's own
role and a measured change; 1 says little against the criterion. The demo's
reviewers score by it (`selection.demo`), so the scores spread."""

from dataclasses import dataclass

from .choices import RoleCategory, RouteKind


@dataclass(frozen=True)
class PilotApplicant:
    name: str
    email: str
    job_title: str
    role: str
    organisation: str  # an Organisation's name, or free text when not in the list
    region: str
    route: str
    route_detail: str  # the course or national organisation, where the route needs one
    evidence: str
    quality: int
    topic: str  # what their improvement work was about
    partners: str  # who they worked with
    method: str  # the approach they used
    result: str  # what changed, in their words


PILOT_APPLICANTS = [
    PilotApplicant(
        "Folake Adeyemi", "folake.adeyemi", "Lead nurse for older people", RoleCategory.CLINICIAN,
        "Birmingham Community Healthcare NHS Foundation Trust", "West Midlands", RouteKind.COURSE_ALUMNI,
        "Quality Service Improvement and Redesign",
        "I completed QSIR in 2025 and have since coached three ward teams through their first projects.",
        4, "falls among older people on our community wards", "physiotherapists, healthcare assistants and "
        "two patients' relatives", "plan-do-study-act cycles tracked on a run chart", "falls with harm fell from "
        "eleven a quarter to four, and have stayed there for two quarters",
    ),
    PilotApplicant(
        "Tom Hughes", "tom.hughes", "Consultant in emergency medicine", RoleCategory.CLINICIAN,
        "Sheffield Teaching Hospitals NHS Foundation Trust", "Yorkshire and Humber", RouteKind.COURSE_ALUMNI,
        "Improvement Science Fellowship",
        "I was an Improvement Science Fellow in 2024 to 2025, studying sepsis recognition in emergency departments.",
        3, "sepsis screening in the emergency department", "the nursing team and our patient safety lead",
        "a driver diagram and weekly audit", "screening within an hour of arrival went from 58% to 81%",
    ),
    PilotApplicant(
        "Siobhan Kelly", "siobhan.kelly", "Patient leader", RoleCategory.PATIENT_LEADER,
        "National Voices", "North Central and East London", RouteKind.PATIENT_CARER, "",
        "I sit on two national patient panels and chair the lived experience group of a national charity.",
        4, "how people with long-term conditions are involved in redesigning outpatient care",
        "clinicians, commissioners and fourteen people living with long-term conditions",
        "experience-based co-design", "the new clinic letters and the option of a phone review were adopted by "
        "three trusts",
    ),
    PilotApplicant(
        "Dafydd Roberts", "dafydd.roberts", "Improvement adviser", RoleCategory.MANAGER,
        "Aneurin Bevan University Health Board", "Wales", RouteKind.COURSE_ALUMNI, "Improving Quality Together",
        "Silver and then Gold Improving Quality Together; I now teach the bronze level to new staff.",
        2, "waiting times in our memory assessment service", "the service's administrators",
        "process mapping", "the team agreed a new booking process",
    ),
    PilotApplicant(
        "Priti Mehta", "priti.mehta", "Senior inspector", RoleCategory.POLICY_MAKER,
        "Care Quality Commission", "South London", RouteKind.NATIONAL_ORGANISATION, "Care Quality Commission",
        "I lead inspections of maternity services and contribute to the national maternity programme.",
        3, "how maternity services learn from incidents", "midwives, obstetricians and families",
        "thematic review of inspection findings", "our guidance on learning from incidents was rewritten and is "
        "now used in every maternity inspection",
    ),
    PilotApplicant(
        "Callum Fraser", "callum.fraser", "Pharmacist", RoleCategory.CLINICIAN,
        "NHS Greater Glasgow and Clyde", "Scotland", RouteKind.COURSE_ALUMNI, "Scottish Improvement Leader Programme",
        "I completed the Scottish Improvement Leader Programme (cohort 21) in 2025.",
        4, "missed doses of time-critical medicines for Parkinson's disease", "ward pharmacists, nurses and "
        "Parkinson's UK volunteers", "plan-do-study-act cycles and statistical process control charts",
        "missed or late doses fell from 23% to 6% across five wards in nine months",
    ),
    PilotApplicant(
        "Wendy Osei", "wendy.osei", "Carer and lay representative", RoleCategory.PATIENT_LEADER,
        "Carers' voice network (volunteer)", "Eastern", RouteKind.PATIENT_CARER, "",
        "I care for my son and represent carers on a national stakeholder forum.",
        1, "support for carers", "other carers", "listening events", "people felt more listened to",
    ),
    PilotApplicant(
        "Imran Iqbal", "imran.iqbal", "Head of quality improvement", RoleCategory.MANAGER,
        "NHS Improvement", "North West Coast", RouteKind.NATIONAL_ORGANISATION, "NHS Improvement",
        "I lead NHS Improvement's support to trusts in the North West on patient flow.",
        3, "delayed discharges from acute medical wards", "four trusts, social care and the ambulance service",
        "a collaborative with shared measures", "average length of stay fell by 0.8 days in two of the four trusts",
    ),
    PilotApplicant(
        "Lowri Davies", "lowri.davies", "Research fellow", RoleCategory.RESEARCHER,
        "University of Leicester", "East Midlands", RouteKind.COURSE_ALUMNI, "Improvement Science Fellowship",
        "Improvement Science Fellowship, 2023; my research is on how improvement collaboratives spread.",
        3, "why some improvement collaboratives spread and others stall", "twelve collaborative teams",
        "interviews and a realist evaluation", "our findings now shape how two national programmes plan spread",
    ),
    PilotApplicant(
        "Ben Nolan", "ben.nolan", "Ward manager", RoleCategory.CLINICIAN,
        "Northumbria Healthcare NHS Foundation Trust", "North East and North Cumbria", RouteKind.COURSE_ALUMNI,
        "Quality Service Improvement and Redesign", "QSIR practitioner, 2024.",
        2, "pressure ulcers on my ward", "my ward team", "a new skin check", "we had fewer pressure ulcers",
    ),
    PilotApplicant(
        "Aisha Rahman", "aisha.rahman", "Policy adviser", RoleCategory.POLICY_MAKER,
        "Care Quality Commission", "North West London", RouteKind.NATIONAL_ORGANISATION, "Care Quality Commission",
        "I advise on how inspections take account of quality improvement capability.",
        2, "how inspection reports describe improvement work", "inspection colleagues",
        "a review of reports", "a briefing for inspectors",
    ),
    PilotApplicant(
        "Euan MacLeod", "euan.macleod", "GP partner", RoleCategory.CLINICIAN,
        "Highland GP practice (not listed)", "Scotland", RouteKind.COURSE_ALUMNI,
        "Scottish Improvement Leader Programme", "Scottish Improvement Leader Programme, 2024.",
        3, "repeat prescription errors in a rural general practice", "our receptionists, dispensers and the "
        "community pharmacy", "a failure modes and effects analysis followed by small tests of change",
        "prescription queries from the pharmacy halved within four months",
    ),
    PilotApplicant(
        "Niamh Quinn", "niamh.quinn", "Service user representative", RoleCategory.PATIENT_LEADER,
        "Mental health lived experience forum (volunteer)", "Northern Ireland", RouteKind.PATIENT_CARER, "",
        "I represent people with lived experience of mental illness on a UK-wide advisory group.",
        3, "crisis care for young people", "young people, crisis teams and a youth charity",
        "co-designed pathway workshops", "a new crisis plan template is being tested in two services",
    ),
    PilotApplicant(
        "Kwame Mensah", "kwame.mensah", "Programme manager", RoleCategory.MANAGER,
        "NHS Improvement", "Kent, Surrey and Sussex", RouteKind.NATIONAL_ORGANISATION, "NHS Improvement",
        "I manage NHS Improvement's national programme on reducing cancelled operations.",
        1, "cancelled operations", "colleagues", "project management", "the programme met its milestones",
    ),
    PilotApplicant(
        "Hannah Baker", "hannah.baker", "Midwife and improvement lead", RoleCategory.CLINICIAN,
        "Wessex maternity network (not listed)", "Wessex", RouteKind.COURSE_ALUMNI,
        "Quality Service Improvement and Redesign", "QSIR, 2025; I now run QSIR taster sessions for midwives.",
        4, "delays in maternity triage", "midwives, obstetricians, maternity support workers and women who "
        "had used the service", "a triage tool tested in small cycles and tracked on an SPC chart", "the median "
        "wait to be seen in triage fell from 52 to 17 minutes, and complaints about triage stopped",
    ),
    PilotApplicant(
        "Yusuf Ali", "yusuf.ali", "Senior analyst", RoleCategory.RESEARCHER,
        "NHS Improvement", "Greater Manchester", RouteKind.NATIONAL_ORGANISATION, "NHS Improvement",
        "I build the measurement for NHS Improvement's national improvement collaboratives.",
        3, "measurement in national improvement collaboratives", "clinical teams in 40 trusts",
        "statistical process control and a shared data platform", "teams now see their data monthly instead of "
        "quarterly, and two collaboratives changed course early because of it",
    ),
    PilotApplicant(
        "Mairead Flynn", "mairead.flynn", "Retired nurse and patient advocate", RoleCategory.PATIENT_LEADER,
        "Patient safety charity (volunteer)", "South West", RouteKind.PATIENT_CARER, "",
        "After my husband's death I became a patient safety advocate and now sit on a national safety panel.",
        2, "how families are involved after a serious incident", "families and a trust's patient safety team",
        "sharing my family's story", "the trust changed its letter to families",
    ),
    PilotApplicant(
        "Victor Singh", "victor.singh", "Clinical director", RoleCategory.CLINICIAN,
        "Imperial College Health Partners", "North West London", RouteKind.COURSE_ALUMNI,
        "Improvement Science Fellowship", "Improvement Science Fellowship, 2022.",
        4, "atrial fibrillation detection in primary care", "GPs, practice nurses, pharmacists and a patient "
        "group", "a regional collaborative using the model for improvement",
        "over 2,000 more people with atrial fibrillation were found and offered anticoagulation in a year",
    ),
]  # fmt: skip


def _a(person: PilotApplicant) -> str:
    if person.quality >= 4:
        return (
            f"Improvement in my experience only sticks when the people who do the work and the people it is for "
            f"shape it together. In our work on {person.topic} I brought together {person.partners}. I set up the "
            f"first meeting, but I deliberately did not chair the later ones: a relative chaired two of them and "
            f"changed the questions we asked. I shared our measures openly every week, including the weeks they "
            f"went the wrong way, and I took what we learnt to two neighbouring teams, who adapted it rather than "
            f"copying it. What I learnt from others was humbling: the best idea we tested came from someone with "
            f"no clinical title at all. I would bring that habit of asking first, and the willingness to share "
            f"what did not work, to Q."
        )
    if person.quality == 3:
        return (
            f"I work with {person.partners} on {person.topic}. I try to involve people from the start and to share "
            f"what we learn, for example by presenting our results at a regional event and sending our measures "
            f"to other teams who asked for them. From others I learnt to test ideas small before rolling them out."
        )
    if person.quality == 2:
        return (
            f"Our team works well together and with {person.partners}. We have regular meetings and everyone's "
            f"views are listened to. I am keen to share our work with others."
        )
    return f"I believe in working together. I have worked with {person.partners} on {person.topic}."


def _b(person: PilotApplicant) -> str:
    if person.quality >= 4:
        return (
            f"I led our work on {person.topic} for eighteen months. My role was to frame the problem with the "
            f"team, agree a measure everyone believed, and coach the team through {person.method}. We started "
            f"with one bay on one shift; the first two changes we tested failed and we said so. The third worked, "
            f"we tested it on nights and weekends, and then spread it. As a result {person.result}. I also wrote "
            f"the standard operating procedure so the change did not depend on me, and it has survived two "
            f"changes of ward manager."
        )
    if person.quality == 3:
        return (
            f"I was part of a project on {person.topic}, where I led the measurement and ran the weekly huddle. "
            f"We used {person.method}. Over the year {person.result}. My part was keeping the team's attention "
            f"on the data and making sure the changes were tested before we adopted them."
        )
    if person.quality == 2:
        return (
            f"Our department did a project on {person.topic} using {person.method}. I attended the meetings and "
            f"helped collect data. In the end {person.result}."
        )
    return f"I have been involved in {person.topic}. {person.result.capitalize()}."


def _c(person: PilotApplicant) -> str:
    if person.quality >= 4:
        return (
            f"We chose {person.method} because the problem was not one big failure but many small ones, and we "
            f"needed to learn quickly which changes mattered. Plotting the data over time stopped us celebrating "
            f"a good week that was only noise. Looking back, I would involve the people using the service even "
            f"earlier: we spent a month solving a problem they could have told us was the wrong one. I would also "
            f"plan for spread from the start rather than after the results, because the teams we spread to "
            f"needed the story of what failed as much as what worked."
        )
    if person.quality == 3:
        return (
            f"We used {person.method}. It helped us see whether changes were improvements. Next time I would "
            f"spend longer understanding the problem before testing changes, and agree the measures with the "
            f"whole team at the start, because we changed a measure halfway through and lost comparability."
        )
    if person.quality == 2:
        return f"We used {person.method}, which worked well. I would use it again on other projects."
    return f"We used {person.method}. It went well."


def answers_of(person: PilotApplicant) -> dict[str, str]:
    """Their answer to each criterion, by letter."""
    return {"a": _a(person), "b": _b(person), "c": _c(person)}


def email_of(person: PilotApplicant) -> str:
    return f"{person.email}@example.org"


# What Priya Sharma, nominated by West Midlands AHSN to the wider round, wrote
# (`demo_nominations`).
NOMINEE_ANSWERS = answers_of(
    PilotApplicant(
        "Priya Sharma", "priya.sharma", "Consultant physician", RoleCategory.CLINICIAN,
        "West Midlands AHSN", "West Midlands", RouteKind.NOMINATED, "",
        "I work with the AHSN's patient safety collaborative.", 3,
        "falls prevention across three trusts", "patients, carers and the three trusts' falls leads",
        "plan-do-study-act cycles and run charts", "falls with harm fell by a third across the three trusts",
    )
)  # fmt: skip
