"""Demo data for the member vote and the funded projects (after `exchange.demo`):

- a call whose member vote is open now, with seven shortlisted proposals in three
  themes and some members' votes already in; `member@example.org` has not voted
  yet and is in the team of one proposal (so cannot vote for it);
- last year's call, its vote counted and published, the funding decided and
  announced: funded projects with their pages and schedules of updates, the first
  update posted by one team and commented on by members.

Every rule runs through the services (the vote's rules, opening, placing votes,
the count, publishing, the funding plan, projects, updates and comments), so the
numbers add up as they would for real. Idempotent: each call is made once, by title.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from exchange.choices import JoinStatus, ProposalStatus, TeamRole
from exchange.models import Call, Idea, Proposal, ProposalAnswer, Question, TeamMembership, Theme
from members.models import MemberProfile, User
from q_portal.exceptions import PortalError

from . import services
from .choices import VoteStatus
from .models import CallVote, ProjectUpdate, Vote, Voter

VOTE_CALL = "Q Exchange: safer care closer to home"
PAST_CALL = "Q Exchange 2025: learning from each other"
THEMES = ("Digital", "Patient safety", "Health inequalities")
QUESTIONS = (
    ("What problem will you tackle, and for whom?", 300),
    ("What will you do, and how will you know it has worked?", 500),
)
# title, theme, budget (£), summary
VOTE_PROPOSALS = (
    (
        "Medicines reconciliation at the front door",
        "Patient safety",
        24_000,
        "Pharmacy technicians in the emergency department check medicines on arrival.",
    ),
    (
        "A shared falls register for community teams",
        "Patient safety",
        18_500,
        "One register of falls across district nursing, therapy and the ambulance service.",
    ),
    (
        "Safety huddles in care homes",
        "Patient safety",
        12_000,
        "Ten-minute daily huddles, led by care staff, on the risks of the day.",
    ),
    (
        "Remote monitoring for heart failure",
        "Digital",
        29_000,
        "Weight and symptoms sent from home, reviewed daily by the heart failure nurses.",
    ),
    (
        "An open dashboard of waiting times",
        "Digital",
        15_000,
        "Published weekly, so patients and GPs can see how long each clinic takes.",
    ),
    (
        "Health checks at the food bank",
        "Health inequalities",
        9_500,
        "Blood pressure and diabetes checks where people already come each week.",
    ),
    (
        "Interpreters booked with the appointment",
        "Health inequalities",
        21_000,
        "The booking system asks about language and books the interpreter at once.",
    ),
    (
        "Discharge by text message",
        "Digital",
        14_000,
        "A text to the patient and their GP the moment they leave the ward.",
    ),
)
PAST_PROPOSALS = (
    (
        "Learning from excellence on children's wards",
        "Patient safety",
        26_000,
        "Staff report what went well, and the ward learns from it as it does from incidents.",
    ),
    (
        "A peer network for quality improvement coaches",
        "Digital",
        22_000,
        "Monthly online sessions and a shared library of run charts and change ideas.",
    ),
    (
        "Dental care for people without a home",
        "Health inequalities",
        30_000,
        "A mobile clinic two days a week, with outreach workers the patients know.",
    ),
    (
        "Fewer missed outpatient appointments",
        "Digital",
        19_000,
        "Reminders in the patient's language, and a one-tap way to rearrange.",
    ),
    (
        "Safer insulin on surgical wards",
        "Patient safety",
        17_000,
        "A bedside checklist and a diabetes link nurse on every ward.",
    ),
)
UPDATE_BODY = (
    "We ran **two workshops** with staff on both wards and collected 140 reports of excellence in the first "
    "three months, against 35 incident reports in the same period.\n\n"
    "What we learnt: the reports are most useful when they are read out at the morning huddle. Next we will "
    "share the themes with the other children's wards in the region."
)
UPDATE_COMMENTS = (
    "This is wonderful to see. Could you share the reporting form you used?",
    "We started something similar on our adult wards: reading them at the huddle made the difference for us too.",
    "How are you keeping the momentum going on night shifts?",
)


def seed_funding() -> None:
    members = list(MemberProfile.objects.active().select_related("user").order_by("pk"))
    programme = User.objects.filter(email="programme@example.org").first()
    if len(members) < 30 or programme is None:
        return
    _seed_open_vote(members, programme)
    _seed_past_call(members, programme)


def _call(title: str, days: tuple[int, ...], total: int) -> tuple[Call, dict[str, Theme]]:
    """A call whose stages started the given numbers of days from now, with its themes and questions."""
    now = timezone.now()
    call = Call.objects.create(
        title=title,
        summary="Members fund each other's improvement work: ideas refined in the open, a member panel's "
        "shortlist, then a vote of every member.",
        total_funding=total,
        largest_grant=30_000,
        **{
            field: now + timedelta(days=day)
            for field, day in zip(
                ("ideas_open_at", "refinement_from", "proposals_from", "proposals_due_at", "vote_from", "results_from"),
                days,
                strict=True,
            )
        },
    )
    for position, (text, limit) in enumerate(QUESTIONS, 1):
        Question.objects.create(call=call, position=position, text=text, word_limit=limit)
    return call, {name: Theme.objects.create(call=call, name=name) for name in THEMES}


def _proposals(call, themes, rows, leads, teams, shortlisted: int) -> list[Proposal]:
    """Each row's idea, team and submitted proposal; the first `shortlisted` are on
    the shortlist, in the panel's order."""
    proposals = []
    questions = list(call.questions.all())
    for rank, ((title, theme, budget, summary), lead, team) in enumerate(zip(rows, leads, teams, strict=True), 1):
        idea = Idea.objects.create(
            call=call,
            theme=themes[theme],
            lead=lead,
            title=title,
            problem=summary,
            plan=summary,
            budget=budget,
            created_at=call.ideas_open_at + timedelta(days=rank),
        )
        TeamMembership.objects.bulk_create(
            [
                TeamMembership(
                    idea=idea,
                    member=member,
                    role=TeamRole.LEAD if member == lead else TeamRole.MEMBER,
                    status=JoinStatus.ACCEPTED,
                    created_at=idea.created_at,
                    decided_at=idea.created_at,
                )
                for member in [lead, *team]
            ]
        )
        proposal = Proposal.objects.create(
            idea=idea,
            call=call,
            lead=lead,
            title=title,
            summary=summary,
            budget=budget,
            status=ProposalStatus.SHORTLISTED if rank <= shortlisted else ProposalStatus.NOT_SHORTLISTED,
            panel_rank=rank,
            submitted_at=call.proposals_due_at - timedelta(hours=rank),
            submitted_by=lead.user,
        )
        ProposalAnswer.objects.bulk_create(
            ProposalAnswer(proposal=proposal, question=question, text=summary, updated_by=lead)
            for question in questions
        )
        proposals.append(proposal)
    return proposals[:shortlisted]


def _rules(call, programme, **overrides) -> CallVote:
    values = {
        "votes_per_member": 6,
        "most_per_theme": 3,
        "own_team_may_vote": False,
        "panel_reviewers_may_vote": True,
        "totals_hidden": True,
        "opens_at": call.vote_from,
        "closes_at": call.results_from,
        "tie_break": "panel_rank",
        **overrides,
    }
    return services.vote_rules_save(call=call, values=values, by=programme)


def _cast(call_vote, voters, shortlist) -> None:
    """Each voter's votes, placed through the service (every rule checked): a
    few proposals each, chosen in turn so that some draw more votes than others."""
    for number, member in enumerate(voters):
        for offset in range(1 + number % 4):
            proposal = shortlist[(number * 2 + offset * 3) % len(shortlist)]
            try:
                services.vote_place(call_vote=call_vote, member=member, proposal=proposal, by=member.user)
            except PortalError:
                continue  # their own team's, or a theme already full: as a real voter would be told


@transaction.atomic
def _seed_open_vote(members, programme) -> None:
    if Call.objects.filter(title=VOTE_CALL).exists():
        return
    call, themes = _call(VOTE_CALL, (-70, -55, -40, -25, -2, 5), total=120_000)
    demo = next((m for m in members if m.user.email == "member@example.org"), None)
    others = [m for m in members if m != demo]
    leads = others[10:18]
    teams = [[demo] if demo and index == 2 else others[20 + index : 21 + index] for index in range(len(leads))]
    shortlist = _proposals(call, themes, VOTE_PROPOSALS, leads, teams, shortlisted=7)
    call_vote = _rules(call, programme)
    services.vote_open(call_vote=call_vote)
    _cast(call_vote, others[:24], shortlist)


@transaction.atomic
def _seed_past_call(members, programme) -> None:
    if Call.objects.filter(title=PAST_CALL).exists():
        return
    call, themes = _call(PAST_CALL, (-300, -250, -200, -160, -130, -116), total=90_000)
    others = [m for m in members if m.user.email != "member@example.org"]
    leads = others[1:6]
    teams = [others[12 + 2 * index : 14 + 2 * index] for index in range(len(leads))]
    shortlist = _proposals(call, themes, PAST_PROPOSALS, leads, teams, shortlisted=5)
    call_vote = _rules(call, programme)
    # The vote ran last year: its snapshot and ballots as they were, then the close.
    opened_at = call.vote_from
    CallVote.objects.filter(pk=call_vote.pk).update(status=VoteStatus.OPEN, opened_at=opened_at)
    voters = Voter.objects.bulk_create(
        Voter(call_vote=call_vote, member=member, token=secrets.token_hex(8), created_at=opened_at)
        for member in members
    )
    team_of = {
        proposal.pk: set(proposal.idea.memberships.values_list("member_id", flat=True)) for proposal in shortlist
    }
    # Half the voters chose the first proposal, a third the second, and so on
    # (at most two a theme, never their own team's); some did not vote.
    votes = [
        Vote(voter=voter, proposal=proposal, theme=proposal.idea.theme, created_at=opened_at)
        for number, voter in enumerate(voters)
        for index, proposal in enumerate(shortlist)
        if (number * (index + 1)) % (index + 2) == 0 and voter.member_id not in team_of[proposal.pk]
    ]
    Vote.objects.bulk_create(votes)
    CallVote.objects.filter(pk=call_vote.pk).update(status=VoteStatus.CLOSED, closed_at=call.results_from)
    services.vote_count(call_vote=call_vote)
    services.vote_publish(call_vote=call_vote, by=programme)
    services.funding_confirm(call_vote=call_vote, by=programme)
    starts_on = timezone.localdate() - timedelta(days=100)
    projects = services.funding_announce(
        call_vote=call_vote, starts_on=starts_on, months=12, every_months=3, by=programme
    )
    # The members' favourite reported on time; members commented.
    project = next(project for project in projects if project.title == PAST_PROPOSALS[0][0])
    lead = project.proposal.lead
    update = services.project_update_post(
        project=project,
        member=lead,
        values={"title": "The first three months", "body": UPDATE_BODY, "links": "https://www.health.org.uk/"},
        by=lead.user,
    )
    posted = timezone.now() - timedelta(days=12)
    ProjectUpdate.objects.filter(pk=update.pk).update(created_at=posted)
    for number, body in enumerate(UPDATE_COMMENTS):
        author = others[24 + number]
        comment = services.update_comment_add(update=update, member=author, body=body, by=author.user)
        type(comment).objects.filter(pk=comment.pk).update(created_at=posted + timedelta(hours=5 + 20 * number))
