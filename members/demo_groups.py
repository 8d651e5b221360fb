"""Demo special interest groups with discussions, for `seed_demo`. Idempotent:
groups are found by name and seeded once."""

from django.db import transaction

from .models import Community, CommunityMembership, MemberProfile
from .services import groups

GROUPS = [
    (
        "Frailty and medicines",
        "How do we stop over-prescribing for people living with frailty?",
        "Pharmacists, geriatricians, GPs and carers learning together about deprescribing.",
        [
            (
                "Where do we start with deprescribing?",
                [
                    "Share one thing that worked for you.",
                    "We began with a **structured medication review** clinic, run with the practice pharmacist.",
                    "Patients' own goals first: see [the NICE guidance](https://www.nice.org.uk/guidance/ng56).",
                ],
            ),
            (
                "Measuring harm from polypharmacy",
                [
                    "What measures are people using?",
                    "Falls per 1,000 bed days, and admissions for adverse drug reactions.",
                ],
            ),
        ],
    ),
    (
        "Co-design with patients and carers",
        "What does real co-design look like in a busy service?",
        "For anyone bringing patients, carers and staff together to improve care.",
        [
            (
                "Paying people for their time",
                [
                    "How do your organisations pay patient partners?",
                    "We use vouchers, but cash is fairer. Our finance team now has a simple process.",
                ],
            ),
        ],
    ),
]


@transaction.atomic
def seed_groups() -> None:
    members = list(MemberProfile.objects.active().select_related("user").order_by("pk")[:40])
    if len(members) < 6:
        return
    for index, (name, question, description, threads) in enumerate(GROUPS):
        if Community.objects.filter(name=name).exists():
            continue
        convenor = members[index]
        group = groups.group_propose(
            member=convenor,
            name=name,
            learning_question=question,
            description=description,
            welcome_message="Welcome! Introduce yourself in the first discussion.",
            convenors=[],
            by=convenor.user,
        )
        group = groups.group_decide(group=group, approve=True, by=None)
        joiners = members[index + 2 : index + 14]
        for member in joiners:
            CommunityMembership.objects.get_or_create(community=group, member=member)
        for title, posts in threads:
            thread = groups.thread_start(group=group, member=convenor, title=title, body=posts[0], by=convenor.user)
            for n, body in enumerate(posts[1:]):
                author = joiners[n % len(joiners)]
                groups.thread_reply(thread=thread, member=author, body=body, by=author.user)
    # A proposal waiting for the programme team.
    if not Community.objects.filter(name="Improvement in mental health crisis care").exists():
        groups.group_propose(
            member=members[5],
            name="Improvement in mental health crisis care",
            learning_question="How can crisis teams learn from each other across regions?",
            description="Crisis teams, commissioners and people with lived experience.",
            welcome_message="",
            convenors=[],
            by=members[5].user,
        )
