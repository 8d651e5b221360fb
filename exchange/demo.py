"""Demo data for the exchange: a call in refinement with ideas of varied
engagement (some busy, some quiet, one withdrawn), led by demo members and by
`member@example.org`. Idempotent: nothing happens if the call exists."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.models import MemberProfile

from . import services
from .choices import JoinStatus, TeamRole
from .models import Call, Criterion, Idea, Panel, Question, TeamMembership, Theme

DEMO_CALL = "Q Exchange: improving care together"
THEMES = ("Digital", "Patient safety", "Health inequalities")
QUESTIONS = (
    ("What problem will you tackle, and for whom?", 300),
    ("What will you do, and how will you know it has worked?", 500),
    ("How will you share what you learn with other members?", 250),
)
IDEAS = (
    # title, theme, skills wanted, comments, supporters, joiners, edits
    ("Same-day discharge letters for care homes", "Patient safety", "data analysis, care home experience", 9, 14, 2, 2),
    ("A peer network for ward-based quality improvement", "Patient safety", "facilitation", 6, 9, 1, 1),
    ("Text reminders in community languages", "Health inequalities", "translation, patient involvement", 4, 7, 1, 1),
    ("Open-source run chart tool for teams", "Digital", "software development", 3, 5, 0, 1),
    ("Listening events with people experiencing homelessness", "Health inequalities", "", 2, 3, 1, 0),
    ("Learning from excellence in out-of-hours care", "Patient safety", "", 1, 1, 0, 0),
    ("A virtual ward measurement framework", "Digital", "statistics", 0, 0, 0, 0),
)
# Each idea's problem and plan, in its team's words.
PITCHES = {
    "Same-day discharge letters for care homes": (
        "Residents return to their care home before the discharge letter does, so staff guess at new medicines.",
        "Send the letter by secure email as the resident leaves the ward, and check with three homes that it arrived.",
    ),
    "A peer network for ward-based quality improvement": (
        "Ward teams starting improvement work have nobody outside their trust to ask for advice.",
        "Pair each new ward team with an experienced one for six months, with a monthly call and a shared log.",
    ),
    "Text reminders in community languages": (
        "Patients who do not read English miss more appointments, and the reminders are only in English.",
        "Send reminders in the five most spoken languages here and compare missed appointments before and after.",
    ),
    "Open-source run chart tool for teams": (
        "Teams spend hours making run charts by hand in spreadsheets, and get the rules for signals wrong.",
        "Build a small web tool that draws run charts, marks the signals, and can be shared freely with other trusts.",
    ),
    "Listening events with people experiencing homelessness": (
        "Services for people without a home are designed without hearing from them.",
        "Hold four paid listening events at day centres, and publish what we heard and what changed.",
    ),
    "Learning from excellence in out-of-hours care": (
        "Out-of-hours teams only hear about what went wrong, never about what went well.",
        "Collect reports of excellent care for three months and feed the themes back at handover.",
    ),
    "A virtual ward measurement framework": (
        "Virtual wards are growing fast, but nobody agrees how to tell whether they are safe.",
        "Agree a small set of measures with three virtual ward teams and test them for a quarter.",
    ),
}
CRITERIA = (
    "Benefit to patients, carers or staff",
    "A realistic plan and budget",
    "Shared learning with other members",
)
COMMENTS = (
    "Have you spoken to the **discharge team** about this? They will have data on delays.",
    "We tried something similar in our trust: the hardest part was *agreeing the template*.",
    "Love this. How will you involve patients and carers from the start?",
    "It would help to see a rough timeline for the first three months.",
    "Could this link with the work the regional AHSN is doing?",
)


@transaction.atomic
def seed_exchange() -> None:
    if Call.objects.filter(title=DEMO_CALL).exists():
        return
    members = list(MemberProfile.objects.active().select_related("user").order_by("pk"))
    if len(members) < 12:
        return
    now = timezone.now()
    call, themes = _demo_call(now)
    leads = [m for m in members if m.user.email == "member@example.org"] + members[1:8]
    others = [m for m in members if m not in leads]
    for number, row in enumerate(IDEAS):
        _demo_idea(call, number, row, themes=themes, lead=leads[number % len(leads)], others=others, now=now)
    withdrawn = Idea.objects.filter(call=call, title=IDEAS[-1][0]).first()
    if withdrawn is not None:
        services.idea_withdraw(idea=withdrawn, member=withdrawn.lead, by=withdrawn.lead.user)


def _demo_call(now) -> tuple[Call, dict[str, Theme]]:
    """The call in refinement, with its themes, proposal questions, and the member
    panel's places and criteria ready for shortlisting."""
    call = Call.objects.create(
        title=DEMO_CALL,
        summary=(
            "Members fund each other's improvement work. Post an idea, refine it in the open with other members, "
            "then turn it into a proposal. Grants of up to £30,000."
        ),
        total_funding=500_000,
        largest_grant=30_000,
        ideas_open_at=now - timedelta(days=30),
        refinement_from=now - timedelta(days=5),
        proposals_from=now + timedelta(days=20),
        proposals_due_at=now + timedelta(days=40),
        vote_from=now + timedelta(days=70),
        results_from=now + timedelta(days=90),
    )
    themes = {name: Theme.objects.create(call=call, name=name) for name in THEMES}
    for position, (text, limit) in enumerate(QUESTIONS, 1):
        Question.objects.create(call=call, position=position, text=text, word_limit=limit)
    # The member panel's criteria, ready for shortlisting.
    Panel.objects.create(call=call, places=4)
    for letter, name in zip("abc", CRITERIA, strict=True):
        Criterion.objects.create(call=call, letter=letter, name=name)
    return call, themes


def _demo_idea(call: Call, number: int, row: tuple, *, themes: dict, lead, others: list, now) -> None:
    """One idea of IDEAS with its team, comments (and the lead's replies),
    supporters and edits, by members taken in turn from `others`."""
    title, theme, skills, comments, supporters, joiners, edits = row
    idea = Idea.objects.create(
        call=call,
        theme=themes[theme],
        lead=lead,
        title=title,
        problem=PITCHES[title][0],
        plan=PITCHES[title][1],
        involved="A ward manager, a patient representative and an analyst.",
        budget=8_000 + 3_000 * number,
        budget_private="Backfill for a band 6 nurse, one day a week." if number % 2 == 0 else "",
        skills_wanted=skills,
        created_at=now - timedelta(days=29 - 3 * number),
    )
    TeamMembership.objects.create(
        idea=idea, member=lead, role=TeamRole.LEAD, status=JoinStatus.ACCEPTED, decided_at=idea.created_at
    )
    pool = others[number:] + others[:number]
    for joiner in pool[:joiners]:
        request = services.join_request(idea=idea, member=joiner, message="I'd like to help.", by=joiner.user)
        services.join_decide(membership=request, accept=True, lead=lead, by=lead.user)
    for index in range(comments):
        author = pool[(index + 3) % len(pool)]
        comment = services.comment_add(idea=idea, member=author, body=COMMENTS[index % len(COMMENTS)], by=author.user)
        if index % 3 == 1:
            services.comment_add(
                idea=idea, member=lead, body="Thank you, good point: we'll add it.", parent=comment, by=lead.user
            )
    for supporter in pool[5 : 5 + supporters]:
        services.support_set(idea=idea, member=supporter, support=True, by=supporter.user)
    for edit in range(edits):
        values = {field: getattr(idea, field) for field in services.IDEA_FIELDS}
        values["plan"] = values["plan"] + f" Refined after feedback ({edit + 1})."
        services.idea_update(idea=idea, member=lead, values=values, by=lead.user)
        idea.refresh_from_db()
