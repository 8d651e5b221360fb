import contextlib
import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from exchange.choices import AssessmentStatus, AssessorStatus, JoinStatus
from exchange.models import Assessment, Assessor, ExchangePreference, PanelAssignment, TeamMembership
from funding import services
from funding.choices import TieBreak, VoteStatus
from funding.models import Award, CallVote, Project, ProjectUpdate, Vote, VoteCount, Voter
from members.choices import MembershipStatus
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from q_portal.roles import Role
from tests.factories import UserFactory, with_totp
from tests.factories.funding import CallVoteFactory, opened, shortlisted
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote():
    call_vote = CallVoteFactory()
    call = call_vote.call
    digital, safety = list(call.themes.order_by("name"))
    for rank in range(1, 5):
        shortlisted(call, panel_rank=rank, theme=digital, title=f"Digital {rank}")
    for rank in range(5, 9):
        shortlisted(call, panel_rank=rank, theme=safety, title=f"Safety {rank}")
    return call_vote


def proposals_in(call_vote, theme_name):
    return list(call_vote.call.proposals.filter(idea__theme__name=theme_name).order_by("panel_rank"))


def place(call_vote, member, proposal, **kwargs):
    return services.vote_place(call_vote=call_vote, member=member, proposal=proposal, by=member.user, **kwargs)


def test_opening_snapshots_the_members_in_good_standing_that_day(vote):
    active, paused = MemberFactory(), MemberFactory(status=MembershipStatus.PAUSED)
    opened(vote)
    joined_later = MemberFactory()

    eligible = set(Voter.objects.filter(call_vote=vote).values_list("member", flat=True))
    assert active.pk in eligible and paused.pk not in eligible
    with pytest.raises(PortalError, match="on the day the vote opened"):
        place(vote, joined_later, proposals_in(vote, "Digital")[0])
    assert vote.status == VoteStatus.OPEN


def test_a_fourth_vote_in_one_theme_is_refused_with_the_reason(vote):
    member = MemberFactory()
    opened(vote)
    digital = proposals_in(vote, "Digital")
    for proposal in digital[:3]:
        place(vote, member, proposal)

    with pytest.raises(PortalError) as refused:
        place(vote, member, digital[3])
    assert "the most allowed in one theme" in refused.value.message
    assert "Digital" in refused.value.message
    place(vote, member, proposals_in(vote, "Patient safety")[0])
    assert Vote.objects.filter(voter__member=member).count() == 4


def test_no_more_than_the_votes_per_member(vote):
    CallVote.objects.filter(pk=vote.pk).update(votes_per_member=4, most_per_theme=None)
    member = MemberFactory()
    opened(vote)
    everything = list(vote.call.proposals.order_by("panel_rank"))
    for proposal in everything[:4]:
        place(vote, member, proposal)
    with pytest.raises(PortalError, match="used all your 4 votes"):
        place(vote, member, everything[4])


def test_one_vote_per_proposal(vote):
    member = MemberFactory()
    opened(vote)
    proposal = proposals_in(vote, "Digital")[0]
    place(vote, member, proposal)
    with pytest.raises(PortalError, match="already voted"):
        place(vote, member, proposal)


def test_a_member_cannot_vote_for_their_own_teams_proposal_unless_the_call_allows(vote):
    teammate = MemberFactory()
    own = proposals_in(vote, "Digital")[0]
    TeamMembership.objects.create(idea=own.idea, member=teammate, status=JoinStatus.ACCEPTED)
    opened(vote)
    with pytest.raises(PortalError, match="on this proposal's team"):
        place(vote, teammate, own)
    with pytest.raises(PortalError, match="on this proposal's team"):
        place(vote, own.lead, own)

    CallVote.objects.filter(pk=vote.pk).update(own_team_may_vote=True)
    place(vote, teammate, own)
    assert Vote.objects.filter(proposal=own).count() == 1


def assessed_on_panel(member, *proposals):
    assessor = Assessor.objects.create(call=proposals[0].call, member=member, status=AssessorStatus.RECRUITED)
    for proposal in proposals:
        assignment = PanelAssignment.objects.create(proposal=proposal, assessor=assessor)
        Assessment.objects.create(
            assignment=assignment, status=AssessmentStatus.SUBMITTED, weighted_total=3.0, submitted_at=timezone.now()
        )


def test_panel_reviewers_may_vote_unless_the_call_says_otherwise(vote):
    reviewer = MemberFactory()
    opened(vote)
    first, second = proposals_in(vote, "Digital")[:2]
    assessed_on_panel(reviewer, first, second)
    place(vote, reviewer, first)

    CallVote.objects.filter(pk=vote.pk).update(panel_reviewers_may_vote=False)
    with pytest.raises(PortalError, match="reviewed this proposal"):
        place(vote, reviewer, second)


def test_move_and_withdraw_until_the_close(vote):
    member = MemberFactory()
    opened(vote)
    digital = proposals_in(vote, "Digital")
    for proposal in digital[:3]:
        place(vote, member, proposal)
    # A full theme: a vote moves within it in one step.
    place(vote, member, digital[3], replacing=digital[0])
    services.vote_withdraw(call_vote=vote, member=member, proposal=digital[1], by=member.user)
    assert set(Vote.objects.filter(voter__member=member).values_list("proposal", flat=True)) == {
        digital[2].pk,
        digital[3].pk,
    }

    with time_machine.travel(vote.closes_at + timedelta(seconds=1)):
        with pytest.raises(PortalError, match="The vote is closed"):
            place(vote, member, digital[0])
        with pytest.raises(PortalError, match="The vote is closed"):
            services.vote_withdraw(call_vote=vote, member=member, proposal=digital[2], by=member.user)


def test_rules_are_fixed_once_the_vote_opens(vote):
    programme = with_totp(UserFactory(roles=[Role.PROGRAMME_TEAM]))
    opened(vote)
    values = {field: getattr(vote, field) for field in services.RULE_FIELDS} | {"tie_break": TieBreak.LOWER_BUDGET}
    with pytest.raises(PortalError, match="can no longer change"):
        services.vote_rules_save(call=vote.call, values=values, by=programme)
    assert CallVote.objects.get(pk=vote.pk).tie_break == TieBreak.PANEL_RANK


def test_rules_check_their_own_consistency(vote):
    programme = UserFactory(roles=[Role.PROGRAMME_TEAM])
    values = {field: getattr(vote, field) for field in services.RULE_FIELDS}
    with pytest.raises(PortalError) as error:
        services.vote_rules_save(call=vote.call, values=values | {"most_per_theme": 7}, by=programme)
    assert error.value.field == "most_per_theme"
    with pytest.raises(PortalError) as error:
        services.vote_rules_save(call=vote.call, values=values | {"closes_at": vote.opens_at}, by=programme)
    assert error.value.field == "closes_at"
    saved = services.vote_rules_save(call=vote.call, values=values | {"votes_per_member": 5}, by=programme)
    assert saved.votes_per_member == 5
    assert AuditEntry.objects.filter(action="funding.vote_rules").count() == 1


def close_and_count(call_vote, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(call_vote.closes_at + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _opened, closed_count = services.votes_open_and_close_due()
    assert closed_count == 1
    call_vote.refresh_from_db()
    return call_vote


def test_the_close_counts_by_a_task_and_results_wait_for_publishing(vote, django_capture_on_commit_callbacks):
    voters = [MemberFactory() for _ in range(3)]
    opened(vote)
    digital = proposals_in(vote, "Digital")
    for voter in voters:
        place(vote, voter, digital[2])
    place(vote, voters[0], digital[3])
    place(vote, voters[1], digital[3])
    place(vote, voters[2], digital[0])

    vote = close_and_count(vote, django_capture_on_commit_callbacks)

    assert vote.status == VoteStatus.COUNTED
    counts = {count.proposal_id: (count.votes, count.place) for count in VoteCount.objects.filter(call_vote=vote)}
    assert counts[digital[2].pk] == (3, 1)
    assert counts[digital[3].pk] == (2, 2)
    assert counts[digital[0].pk] == (1, 3)
    # Equal on nothing: the panel's ranking orders the rest.
    assert counts[digital[1].pk] == (0, 4)
    services.vote_publish(call_vote=vote, by=UserFactory(roles=[Role.PROGRAMME_TEAM]))
    vote.refresh_from_db()
    assert vote.status == VoteStatus.PUBLISHED


def test_the_funding_plan_funds_in_order_until_the_money_runs_out_within_theme_shares(
    vote, django_capture_on_commit_callbacks
):
    call = vote.call
    call.total_funding = 30_000
    call.save()
    member = MemberFactory()
    opened(vote)
    vote = close_and_count(vote, django_capture_on_commit_callbacks)
    programme = with_totp(UserFactory(roles=[Role.PROGRAMME_TEAM]))
    digital = call.themes.get(name="Digital")

    services.funding_settings_save(call_vote=vote, vote_weight=100, shares={digital: 10_000}, by=programme)
    awards = services.funding_confirm(call_vote=vote, by=programme)

    funded = [award.proposal.panel_rank for award in awards if award.funded]
    # Nobody voted: the panel's order. Digital's share pays for one (£10,000), the
    # other £20,000 for the first two of the other theme.
    assert funded == [1, 5, 6]
    assert member is not None


def test_announcing_creates_projects_and_emails_every_shortlisted_team(vote, django_capture_on_commit_callbacks):
    call = vote.call
    call.total_funding, call.largest_grant = 20_000, 10_000
    call.save()
    opened(vote)
    vote = close_and_count(vote, django_capture_on_commit_callbacks)
    programme = with_totp(UserFactory(roles=[Role.PROGRAMME_TEAM]))
    services.funding_confirm(call_vote=vote, by=programme)
    with pytest.raises(PortalError, match="Publish the vote's results"):
        services.funding_announce(call_vote=vote, starts_on=date(2027, 1, 1), months=12, every_months=3, by=programme)
    services.vote_publish(call_vote=vote, by=programme)

    projects = services.funding_announce(
        call_vote=vote, starts_on=date(2027, 1, 1), months=12, every_months=3, by=programme
    )

    assert [project.proposal.panel_rank for project in projects] == [1, 2]
    assert projects[0].due_dates() == [date(2027, 4, 1), date(2027, 7, 1), date(2027, 10, 1), date(2028, 1, 1)]
    subjects = sorted(OutboundEmail.objects.values_list("subject", flat=True))
    assert len(subjects) == 8
    assert sum(subject.startswith("Funded") for subject in subjects) == 2
    with pytest.raises(PortalError, match="already been announced"):
        services.funding_announce(call_vote=vote, starts_on=date(2027, 1, 1), months=12, every_months=3, by=programme)


def test_the_ballot_file_recomputes_the_published_totals(vote, django_capture_on_commit_callbacks, client):
    import random

    members = [MemberFactory() for _ in range(12)]
    opened(vote)
    everything = list(vote.call.proposals.all())
    chooser = random.Random(7)  # noqa: S311 - a fixed sample of ballots
    for member in members:
        chosen = chooser.sample(everything, 4)
        for proposal in chosen:
            with contextlib.suppress(PortalError):  # the theme cap
                place(vote, member, proposal)
    vote = close_and_count(vote, django_capture_on_commit_callbacks)
    services.vote_publish(call_vote=vote, by=UserFactory(roles=[Role.PROGRAMME_TEAM]))
    client.force_login(members[0].user)

    response = client.get(f"/exchange/vote/{vote.call_id}/ballots.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))

    recomputed = {}
    for row in rows:
        recomputed.setdefault(int(row["proposal"]), 0)
        if row["voter"]:
            recomputed[int(row["proposal"])] += 1
    published = dict(VoteCount.objects.filter(call_vote=vote).values_list("proposal_id", "votes"))
    assert recomputed == published
    tokens = {row["voter"] for row in rows if row["voter"]}
    assert tokens <= set(Voter.objects.values_list("token", flat=True))
    assert not any(member.full_name in response.content.decode() for member in members)
    assert not any(str(member.user.email) in response.content.decode() for member in members)


def test_retention_leaves_votes_anonymous_and_the_totals_intact(vote, django_capture_on_commit_callbacks):
    from q_portal.retention.services import retention_run

    member = MemberFactory()
    opened(vote)
    place(vote, member, proposals_in(vote, "Digital")[0])
    vote = close_and_count(vote, django_capture_on_commit_callbacks)
    with time_machine.travel(vote.closed_at + timedelta(days=366)):
        retention_run()
    assert Voter.objects.filter(member=member).count() == 0
    assert Vote.objects.filter(voter__call_vote=vote).count() == 1


# --- Projects -------------------------------------------------------------------------


@pytest.fixture
def project(vote, django_capture_on_commit_callbacks):
    opened(vote)
    vote = close_and_count(vote, django_capture_on_commit_callbacks)
    programme = UserFactory(roles=[Role.PROGRAMME_TEAM])
    services.funding_confirm(call_vote=vote, by=programme)
    services.vote_publish(call_vote=vote, by=programme)
    starts = timezone.localdate() - timedelta(days=80)
    return services.funding_announce(call_vote=vote, starts_on=starts, months=6, every_months=3, by=programme)[0]


def test_a_team_update_answers_the_due_date_in_its_period_and_the_last_is_the_final_report(project):
    lead = project.proposal.lead
    first = services.project_update_post(
        project=project, member=lead, values={"title": "Month 3", "body": "We started."}, by=lead.user
    )
    extra = services.project_update_post(
        project=project, member=lead, values={"title": "News", "body": "More."}, by=lead.user
    )
    assert first.due_on == project.due_dates()[0] and not first.is_final
    assert extra.due_on is None

    with time_machine.travel(project.ends_on - timedelta(days=2)):
        final = services.project_update_post(
            project=project, member=lead, values={"title": "Final", "body": "Done."}, by=lead.user
        )
    assert final.is_final and final.due_on == project.ends_on


def test_only_the_team_posts_updates(project):
    outsider = MemberFactory()
    with pytest.raises(PortalError, match="Only the project's team"):
        services.project_update_post(
            project=project, member=outsider, values={"title": "x", "body": "y"}, by=outsider.user
        )
    assert ProjectUpdate.objects.count() == 0


def test_reminders_before_an_update_is_due_and_to_the_programme_team_when_late(project):
    programme = UserFactory(roles=[Role.PROGRAMME_TEAM])
    due = project.due_dates()[0]
    OutboundEmail.objects.all().delete()

    assert services.project_reminders_send(today=due - timedelta(days=10)) == 0
    services.project_reminders_send(today=due - timedelta(days=5))
    services.project_reminders_send(today=due - timedelta(days=4))  # the same reminder is not sent twice
    reminders = OutboundEmail.objects.filter(key__startswith=f"funding.reminder.{project.pk}.")
    assert list(reminders.values_list("to", flat=True)) == [project.proposal.lead.user.email]

    services.project_reminders_send(today=due + timedelta(days=1))
    late = OutboundEmail.objects.filter(key__startswith=f"funding.late.{project.pk}.")
    late_to = list(late.values_list("to", flat=True))
    assert programme.email in late_to and project.proposal.lead.user.email not in late_to
    assert len(late_to) == len(set(late_to)) == 2  # the fixture's programme team member and this one


def test_a_comment_by_any_member(project):
    update = services.project_update_post(
        project=project, member=project.proposal.lead, values={"title": "Q1", "body": "Hi"}, by=None
    )
    member = MemberFactory()
    comment = services.update_comment_add(update=update, member=member, body="**Great**", by=member.user)
    assert comment.author == member
    assert Project.objects.count() == Award.objects.filter(funded=True).count()


def test_a_comment_on_an_update_emails_the_team_by_their_preference_and_never_the_commenter(project):
    lead = project.proposal.lead
    each, digest, silent = MemberFactory(), MemberFactory(), MemberFactory()
    for member, preference in ((each, "each"), (digest, "digest"), (silent, "none")):
        TeamMembership.objects.create(idea=project.proposal.idea, member=member, status=JoinStatus.ACCEPTED)
        ExchangePreference.objects.create(member=member, email=preference)
    update = services.project_update_post(project=project, member=lead, values={"title": "Q1", "body": "Hi"}, by=None)
    OutboundEmail.objects.all().delete()
    outsider = MemberFactory()
    today = timezone.localdate()

    first = services.update_comment_add(update=update, member=outsider, body="Could you share the slides?", by=None)
    emails = OutboundEmail.objects.order_by("to")
    assert sorted(emails.values_list("to", "key")) == sorted(
        [
            (lead.user.email, f"funding.update_comment.{first.pk}.{lead.pk}"),
            (each.user.email, f"funding.update_comment.{first.pk}.{each.pk}"),
        ]
    )
    assert "Could you share the slides?" in emails.first().body_text
    assert f"/exchange/projects/{project.pk}/#comment-{first.pk}" in emails.first().body_text

    # A team member's own comment goes to the rest of the team only.
    OutboundEmail.objects.all().delete()
    services.update_comment_add(update=update, member=each, body="Slides attached.", by=None)
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [lead.user.email]

    # The daily digest: one email to the member who chose it, with both comments; none twice.
    OutboundEmail.objects.all().delete()
    assert services.project_comment_digest_send(day=today) == 1
    services.project_comment_digest_send(day=today)  # a second run queues nothing more
    digest_email = OutboundEmail.objects.get()
    assert (digest_email.to, digest_email.key) == (digest.user.email, f"funding.digest.{digest.pk}.{today}")
    assert "Could you share the slides?" in digest_email.body_text and "Slides attached." in digest_email.body_text
    assert services.project_comment_digest_send(day=today - timedelta(days=1)) == 0
