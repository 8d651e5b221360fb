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

    leads = [m for m in members if m.user.email == "member@example.org"] + members[1:8]
    others = [m for m in members if m not in leads]
    for number, (title, theme, skills, comments, supporters, joiners, edits) in enumerate(IDEAS):
        lead = leads[number % len(leads)]
        idea = Idea.objects.create(
            call=call,
            theme=themes[theme],
            lead=lead,
            title=title,
            problem="Today this goes wrong for patients and staff; the cost falls on those least able to bear it.",
            plan="Test a small change with two teams, measure it with a run chart, and spread what works.",
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
        first = None
        for index in range(comments):
            author = pool[(index + 3) % len(pool)]
            comment = services.comment_add(
                idea=idea, member=author, body=COMMENTS[index % len(COMMENTS)], by=author.user
            )
            first = first or comment
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
    withdrawn = Idea.objects.filter(call=call, title=IDEAS[-1][0]).first()
    if withdrawn is not None:
        services.idea_withdraw(idea=withdrawn, member=withdrawn.lead, by=withdrawn.lead.user)
