"""Demo people and places for `seed_demo`. Idempotent: running it again updates
what it made and adds nothing twice."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from .choices import InterestStatus
from .models import Nation, Organisation, OrganisationKind, Region, User

DEMO_PASSWORD = "demo-pass-2016"  # noqa: S105 - documented demo credential, refused outside DEBUG

# The 15 Academic Health Science Networks of England (each its own region), and
# the improvement partners of the devolved nations.
AHSN_REGIONS = [
    ("East Midlands", "East Midlands AHSN"),
    ("Eastern", "Eastern AHSN"),
    ("Greater Manchester", "Health Innovation Manchester"),
    ("Kent, Surrey and Sussex", "Kent Surrey Sussex AHSN"),
    ("North East and North Cumbria", "North East and North Cumbria AHSN"),
    ("North West Coast", "Innovation Agency (North West Coast AHSN)"),
    ("North West London", "Imperial College Health Partners"),
    ("North Central and East London", "UCLPartners"),
    ("Oxford", "Oxford AHSN"),
    ("South London", "Health Innovation Network"),
    ("South West", "South West AHSN"),
    ("Wessex", "Wessex AHSN"),
    ("West Midlands", "West Midlands AHSN"),
    ("West of England", "West of England AHSN"),
    ("Yorkshire and Humber", "Yorkshire and Humber AHSN"),
]
NATION_PARTNERS = [
    ("Scotland", Nation.SCOTLAND, "Healthcare Improvement Scotland"),
    ("Wales", Nation.WALES, "1000 Lives Improvement, Public Health Wales"),
    ("Northern Ireland", Nation.NORTHERN_IRELAND, "HSC Safety Forum"),
]
OTHER_ORGANISATIONS = [
    ("NHS Improvement", OrganisationKind.NATIONAL, None),
    ("Care Quality Commission", OrganisationKind.NATIONAL, None),
    ("National Voices", OrganisationKind.CHARITY, None),
    ("Birmingham Community Healthcare NHS Foundation Trust", OrganisationKind.PROVIDER, "West Midlands"),
    ("Sheffield Teaching Hospitals NHS Foundation Trust", OrganisationKind.PROVIDER, "Yorkshire and Humber"),
    ("Northumbria Healthcare NHS Foundation Trust", OrganisationKind.PROVIDER, "North East and North Cumbria"),
    ("NHS Greater Glasgow and Clyde", OrganisationKind.PROVIDER, "Scotland"),
    ("Aneurin Bevan University Health Board", OrganisationKind.PROVIDER, "Wales"),
    ("Belfast Health and Social Care Trust", OrganisationKind.PROVIDER, "Northern Ireland"),
    ("University of Leicester", OrganisationKind.UNIVERSITY, "East Midlands"),
]

# (email, name, groups, superuser)
DEMO_ACCOUNTS = [
    ("admin@example.org", "Alex Admin", [], True),
    ("programme@example.org", "Priya Shah", ["Programme team"], False),
    ("reviewer@example.org", "Rob Evans", ["Reviewers"], False),
    ("reviewer2@example.org", "Rhiannon Jones", ["Reviewers"], False),
    ("nominator@example.org", "Nadia Hussain", ["Nominators"], False),
    ("applicant@example.org", "Amara Okafor", [], False),
    ("member@example.org", "Morgan Campbell", [], False),
]


@transaction.atomic
def seed_places() -> dict[str, Region]:
    regions = {}
    for name, _organisation in AHSN_REGIONS:
        regions[name], _ = Region.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "nation": Nation.ENGLAND}
        )
    for name, nation, _organisation in NATION_PARTNERS:
        regions[name], _ = Region.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "nation": nation}
        )
    for region_name, organisation in AHSN_REGIONS:
        Organisation.objects.update_or_create(
            name=organisation, defaults={"kind": OrganisationKind.AHSN, "region": regions[region_name]}
        )
    for region_name, _nation, organisation in NATION_PARTNERS:
        Organisation.objects.update_or_create(
            name=organisation, defaults={"kind": OrganisationKind.NATIONAL, "region": regions[region_name]}
        )
    for organisation, kind, region_name in OTHER_ORGANISATIONS:
        Organisation.objects.update_or_create(
            name=organisation, defaults={"kind": kind, "region": regions.get(region_name)}
        )
    return regions


@transaction.atomic
def seed_accounts() -> dict[str, User]:
    """The demo accounts, each with a verified email address and the demo password."""
    accounts = {}
    for email, name, groups, superuser in DEMO_ACCOUNTS:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name)
        else:
            user.set_password(DEMO_PASSWORD)
        user.display_name = name
        user.is_superuser = user.is_staff = superuser
        user.save()
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        accounts[email] = user
    return accounts


# --- Members --------------------------------------------------------------------------

DEMO_INTERESTS = [
    "Patient safety",
    "Medication safety",
    "Human factors",
    "Learning from excellence",
    "Measurement for improvement",
    "Statistical process control",
    "Experience-based co-design",
    "Primary care",
    "Mental health",
    "Sepsis",
    "Frailty",
    "Flow and capacity",
    "Coproduction with patients",
    "Quality improvement training",
    "Digital health",
    "Maternity",
]
DEMO_COMMUNITIES = [
    ("Learning from excellence", "Studying what goes well, and sharing it, as much as what goes wrong."),
    ("Human factors", "Designing systems around the people who work in them: ergonomics, teams, checklists."),
    ("Medication safety", "Reducing harm from medicines: missed doses, prescribing errors, polypharmacy."),
    ("Measurement for improvement", "Run charts, SPC and getting the data right for improvement work."),
    ("Coproduction", "Working with patients, carers and communities as equal partners in improvement."),
]
FIRST_NAMES = [
    "Aisha", "Ben", "Ciara", "Dafydd", "Eilidh", "Farah", "Gareth", "Hannah", "Imran", "Jess",
    "Kwame", "Lowri", "Mairead", "Nikhil", "Orla", "Priti", "Rhys", "Siobhan", "Tom", "Uzma",
    "Victor", "Wendy", "Yusuf", "Zara", "Callum", "Niamh", "Ola", "Sunita", "Euan", "Grace",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Baker", "Campbell", "Davies", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones",
    "Kelly", "Lewis", "MacLeod", "Nolan", "Osei", "Patel", "Quinn", "Roberts", "Singh", "Thomas",
]  # fmt: skip
JOB_TITLES = [
    ("Consultant anaesthetist", "clinician"),
    ("Ward sister", "clinician"),
    ("GP partner", "clinician"),
    ("Improvement manager", "manager"),
    ("Head of quality", "manager"),
    ("Senior research fellow", "researcher"),
    ("Policy adviser", "policy_maker"),
    ("Patient leader", "patient_leader"),
    ("Pharmacist", "clinician"),
    ("Programme manager", "manager"),
]
DEMO_PLEDGES = [
    ("I will mentor two members new to improvement this year.", "mentoring"),
    ("I will host a visit to our sepsis team for any member who asks.", "hosting"),
    ("I will share our run chart template and how we use it on the wards.", "tool"),
    ("I will speak at a regional Q event about coproduction.", "speaking"),
    ("I will review improvement project plans for members in my region.", "mentoring"),
]
DEMO_MEMBER_COUNT = 30
BIOS = [
    "{title} working on {first} and {second}. Happy to share what has worked for us, and keen to learn from "
    "other regions.",
    "{title}. I got into improvement after a near miss on my ward and have not looked back. Currently: {first}; "
    "next: {second}.",
    "I'm a {title_lower} with a soft spot for measurement. Ask me about {first}, or about the time our run chart "
    "told us our best idea was not working.",
    "{title}, part-time, and a carer the rest of the week. Interested in {first} and how we make improvement "
    "work for people with less time.",
    "{title}. Ten years in the NHS, two in improvement. I help teams get started on {first} and I'm learning "
    "about {second}.",
    "{title}. Most of my work is about {first}: small tests, honest data, and bringing patients into the room.",
]
SKILLS = [
    "Facilitation, coaching teams through PDSA cycles, building measurement plans.",
    "Statistical process control, data visualisation, teaching measurement to clinical teams.",
    "Co-design with patients and carers, running workshops, writing plain-English summaries.",
    "Project leadership, stakeholder mapping, getting busy people into one room.",
    "Human factors, simulation training, incident review.",
]
METHODS = [
    "Model for improvement, run charts, experience-based co-design.",
    "Lean, value-stream mapping, SPC charts.",
    "Appreciative inquiry, learning from excellence, driver diagrams.",
    "Realist evaluation, interviews, process mapping.",
]


@transaction.atomic
def seed_members() -> None:
    """Communities, curated interests, a growth target, `member@example.org` with a
    full profile, and DEMO_MEMBER_COUNT members across the regions with profiles,
    pledges and communities. Idempotent: services that do nothing the second time."""
    import random
    from datetime import timedelta

    from django.utils import timezone

    from .models import GrowthTarget

    rng = random.Random(2016)  # noqa: S311 - demo data, the same every time
    programme = User.objects.filter(email="programme@example.org").first()
    interests = _demo_interests(programme)
    communities = _demo_communities(programme)
    # The founding year ends as the pilot opens (applications.demo: 150 days ago):
    # the founding cohort joined a year before that, at the launch, and others at
    # the regional welcome events of the months after; the aim is 5,000 members
    # about four years after the launch.
    launch = timezone.localdate() - timedelta(days=150 + 365)
    if not GrowthTarget.objects.exists():
        GrowthTarget.objects.create(members=5000, by_date=launch + timedelta(days=4 * 365))
    regions = list(Region.objects.order_by("nation", "name"))
    organisations = list(Organisation.objects.order_by("name"))
    for index, person in enumerate(_demo_people()):
        region = regions[index % len(regions)] if regions else None
        organisation = next((o for o in organisations if region and o.region_id == region.pk), None)
        member, user = _demo_member(
            index, person, launch=launch, region=region, organisation=organisation, by=programme
        )
        _demo_member_profile(index, person, member, user, interests=interests, communities=communities, rng=rng)


def _demo_interests(programme) -> list:
    from .models import Interest
    from .services import interest_create

    interests = []
    for name in DEMO_INTERESTS:
        interest = Interest.objects.filter(name__iexact=name).first()
        if interest is None or interest.status != InterestStatus.APPROVED:
            interest = interest_create(name=name, by=programme)
        interests.append(interest)
    return interests


def _demo_communities(programme) -> list:
    from .models import Community
    from .services import community_create

    communities = []
    for name, description in DEMO_COMMUNITIES:
        community = Community.objects.filter(name=name).first() or community_create(
            name=name, description=description, by=programme
        )
        communities.append(community)
    return communities


def _demo_people() -> list[tuple[str, str, str, str]]:
    """(email, name, job title, role) of `member@example.org` and the demo members."""
    people = [("member@example.org", "Morgan Campbell", "Improvement lead, medicines", "clinician")]
    for number in range(DEMO_MEMBER_COUNT):
        name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {LAST_NAMES[(number * 7) % len(LAST_NAMES)]}"
        title, role = JOB_TITLES[number % len(JOB_TITLES)]
        people.append((f"demo.member{number + 1}@example.org", name, title, role))
    return people


def _demo_member(index: int, person: tuple, *, launch, region, organisation, by):
    """The person's account and membership: the first twelve are the founding cohort."""
    from datetime import timedelta

    from .choices import MemberSource
    from .services import member_create

    email, name, title, role = person
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, display_name=name)
    founding = index < 12
    member = member_create(
        user=user,
        by=by,
        cohort_name="Founding cohort" if founding else "Regional welcome events",
        joined_on=launch if founding else launch + timedelta(days=30 * (1 + index % 11)),
        job_title=title,
        role_category=role,
        organisation=organisation,
        region=region,
        source=MemberSource.FOUNDING if founding else MemberSource.APPLICATION,
        full_name=name,
    )
    return member, user


def _demo_member_profile(index: int, person: tuple, member, user, *, interests: list, communities: list, rng) -> None:
    """Interests, a bio, skills and methods; for an active member a pledge, two
    communities and (every third) random coffee."""
    from .services import community_join, pledge_set, profile_settings_update, profile_update

    email, _name, title, _role = person
    chosen = rng.sample(interests, 3)
    if email == "member@example.org":
        chosen = [i for i in interests if i.name in ("Medication safety", "Human factors", "Patient safety")]
    profile_update(
        member=member,
        by=user,
        interests=chosen,
        bio=BIOS[index % len(BIOS)].format(
            title=title, title_lower=title.lower(), first=chosen[0].name.lower(), second=chosen[1].name.lower()
        ),
        skills=SKILLS[index % len(SKILLS)],
        methods=METHODS[index % len(METHODS)],
        links=["https://q.health.org.uk/"],
    )
    if member.is_active:
        text, category = DEMO_PLEDGES[index % len(DEMO_PLEDGES)]
        pledge_set(member=member, text=text, category=category, by=user)
        for community in rng.sample(communities, 2):
            community_join(community=community, member=member, by=user)
        if index % 3 == 0 and not member.coffee_opt_in:
            profile_settings_update(
                member=member, by=user, visibility=member.visibility, contact_enabled=True, coffee_opt_in=True
            )
