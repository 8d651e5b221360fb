from datetime import timedelta

import pytest
from django.utils import timezone

from exchange import services
from exchange.choices import EmailPreference, IdeaStatus, JoinStatus, ProposalStatus, Stage
from exchange.models import Call, Comment, ExchangePreference, IdeaRevision, Proposal, Support, TeamMembership
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from tests.factories import programme_team
from tests.factories.exchange import CallFactory, IdeaFactory, stage_dates
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def idea_values(idea, **changes):
    return {field: getattr(idea, field) for field in services.IDEA_FIELDS} | changes


def test_call_stage_follows_its_dates():
    now = timezone.now()
    for stage in (Stage.UPCOMING, Stage.IDEAS, Stage.REFINEMENT, Stage.PROPOSALS, Stage.SHORTLISTING, Stage.VOTE):
        call = Call(**stage_dates(stage, now=now))
        assert call.stage_at(now) == stage
    call = Call(**stage_dates(Stage.PROPOSALS, now=now))
    assert call.stage_at(call.proposals_due_at - timedelta(seconds=1)) == Stage.PROPOSALS
    assert call.stage_at(call.proposals_due_at) == Stage.SHORTLISTING


def test_call_save_creates_themes_and_refuses_dates_out_of_order():
    by = programme_team()
    values = {
        "title": "Q Exchange 2026",
        "summary": "Ideas to improve care.",
        "total_funding": 400_000,
        "largest_grant": 30_000,
        **stage_dates(Stage.UPCOMING),
    }
    call = services.call_save(call=None, values=values, themes=["Digital", "Patient safety"], by=by)
    assert sorted(call.themes.values_list("name", flat=True)) == ["Digital", "Patient safety"]

    bad = {**values, "vote_from": values["proposals_from"]}
    with pytest.raises(PortalError) as error:
        services.call_save(call=call, values=bad, themes=["Digital"], by=by)
    assert error.value.field == "vote_from"
    with pytest.raises(PortalError) as error:
        services.call_save(call=call, values={**values, "largest_grant": 500_000}, themes=["Digital"], by=by)
    assert error.value.field == "largest_grant"


def test_a_theme_with_ideas_cannot_be_removed():
    idea = IdeaFactory()
    call = idea.call
    values = {field: getattr(call, field) for field in services.CALL_FIELDS}
    with pytest.raises(PortalError):
        services.call_save(call=call, values=values, themes=["Something else"], by=programme_team())
    assert call.themes.filter(pk=idea.theme_id).exists()


def test_ideas_are_posted_only_while_ideas_are_open_and_only_by_active_members():
    member = MemberFactory()
    open_call = CallFactory(stage=Stage.IDEAS)
    values = {
        "title": "Same-day discharge letters",
        "theme": open_call.themes.first(),
        "problem": "Late letters.",
        "plan": "Send them the same day.",
        "involved": "",
        "budget": 9000,
        "budget_private": "",
        "skills_wanted": "data analysis",
    }
    idea = services.idea_create(call=open_call, member=member, values=values, by=member.user)
    assert TeamMembership.objects.get(idea=idea).member == member

    refining = CallFactory(stage=Stage.REFINEMENT)
    with pytest.raises(PortalError):
        services.idea_create(
            call=refining, member=member, values={**values, "theme": refining.themes.first()}, by=member.user
        )
    paused = MemberFactory(status="paused")
    with pytest.raises(PortalError):
        services.idea_create(call=open_call, member=paused, values=values, by=paused.user)


def test_team_edits_are_revisions_with_what_changed_and_others_cannot_edit():
    helper = MemberFactory()
    idea = IdeaFactory(team=[helper], title="Late letters")
    lead = idea.lead
    services.idea_update(idea=idea, member=lead, values=idea_values(idea, title="Same-day letters"), by=lead.user)
    idea.refresh_from_db()
    services.idea_update(idea=idea, member=helper, values=idea_values(idea, budget=12_000), by=helper.user)
    idea.refresh_from_db()
    revisions = [(r.author, r.changes) for r in IdeaRevision.objects.filter(idea=idea).order_by("created_at", "pk")]
    assert revisions == [
        (lead, {"title": ["Late letters", "Same-day letters"]}),
        (helper, {"budget": ["10000", "12000"]}),
    ]
    stranger = MemberFactory()
    with pytest.raises(PortalError):
        services.idea_update(idea=idea, member=stranger, values=idea_values(idea, title="Mine"), by=stranger.user)
    assert services.idea_update(idea=idea, member=helper, values=idea_values(idea), by=helper.user) is None


def test_a_withdrawn_idea_keeps_its_comments_and_takes_no_more():
    idea = IdeaFactory(call=CallFactory(stage=Stage.REFINEMENT))
    commenter = MemberFactory()
    services.comment_add(idea=idea, member=commenter, body="Have you tried X?", by=commenter.user)
    services.idea_withdraw(idea=idea, member=idea.lead, by=idea.lead.user)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.WITHDRAWN
    assert idea.comments.count() == 1
    with pytest.raises(PortalError):
        services.comment_add(idea=idea, member=commenter, body="Again", by=commenter.user)


def test_a_comment_emails_the_team_but_not_the_author_or_those_who_opted_out(django_capture_on_commit_callbacks):
    helper, quiet, commenter = MemberFactory(), MemberFactory(), MemberFactory()
    idea = IdeaFactory(team=[helper, quiet])
    ExchangePreference.objects.create(member=quiet, email=EmailPreference.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(idea=idea, member=commenter, body="**Great** idea", by=commenter.user)
        services.comment_add(idea=idea, member=helper, body="Thanks!", parent=comment, by=helper.user)
    recipients = sorted(OutboundEmail.objects.values_list("to", flat=True))
    assert recipients == sorted([idea.lead.user.email, helper.user.email, idea.lead.user.email])


def test_replies_are_one_level_deep():
    idea = IdeaFactory()
    member = MemberFactory()
    top = services.comment_add(idea=idea, member=member, body="Top", by=member.user)
    reply = services.comment_add(idea=idea, member=idea.lead, body="Reply", parent=top, by=idea.lead.user)
    deeper = services.comment_add(idea=idea, member=member, body="Reply to reply", parent=reply, by=member.user)
    assert deeper.parent == top
    assert Comment.objects.filter(parent__parent__isnull=False).count() == 0


def test_support_is_counted_once_and_can_be_withdrawn():
    idea = IdeaFactory()
    member = MemberFactory()
    assert services.support_set(idea=idea, member=member, support=True, by=member.user) is True
    assert services.support_set(idea=idea, member=member, support=True, by=member.user) is True
    assert Support.objects.filter(idea=idea).count() == 1
    assert services.support_set(idea=idea, member=member, support=False, by=member.user) is False
    assert Support.objects.filter(idea=idea).count() == 0


def test_asking_to_join_and_the_lead_deciding(django_capture_on_commit_callbacks):
    idea = IdeaFactory()
    joiner, other = MemberFactory(), MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.join_request(idea=idea, member=joiner, message="I can do the data.", by=joiner.user)
    assert OutboundEmail.objects.filter(to=idea.lead.user.email, subject__contains="asks to join").count() == 1
    with pytest.raises(PortalError):
        services.join_request(idea=idea, member=joiner, message="", by=joiner.user)
    with pytest.raises(PortalError):
        services.join_decide(membership=request, accept=True, lead=other, by=other.user)
    services.join_decide(membership=request, accept=True, lead=idea.lead, by=idea.lead.user)
    request.refresh_from_db()
    assert request.status == JoinStatus.ACCEPTED
    assert OutboundEmail.objects.filter(to=joiner.user.email, subject__contains="You have joined").count() == 1
    with pytest.raises(PortalError):
        services.join_decide(membership=request, accept=False, lead=idea.lead, by=idea.lead.user)


def _proposal_ready(stage=Stage.PROPOSALS):
    helper = MemberFactory()
    idea = IdeaFactory(call=CallFactory(stage=stage), team=[helper], skills_wanted="")
    proposal = services.proposal_start(idea=idea, member=idea.lead, by=idea.lead.user)
    answers = {answer.question_id: "A short answer." for answer in proposal.answers.all()}
    values = {"title": proposal.title, "summary": proposal.summary, "budget": proposal.budget}
    services.proposal_save(proposal=proposal, member=helper, values=values, answers=answers, by=helper.user)
    return proposal, helper


def test_a_proposal_is_prefilled_from_the_idea_and_only_the_lead_submits():
    proposal, helper = _proposal_ready()
    assert proposal.title == proposal.idea.title
    assert proposal.budget == proposal.idea.budget
    with pytest.raises(PortalError):
        services.proposal_submit(proposal=proposal, member=helper, by=helper.user)
    services.proposal_submit(proposal=proposal, member=proposal.lead, by=proposal.lead.user)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_one_second_late_is_refused_and_the_draft_kept():
    proposal, _helper = _proposal_ready()
    due = proposal.call.proposals_due_at
    with pytest.raises(PortalError):
        services.proposal_submit(proposal=proposal, member=proposal.lead, by=proposal.lead.user, now=due)
    with pytest.raises(PortalError):
        services.proposal_submit(
            proposal=proposal, member=proposal.lead, by=proposal.lead.user, now=due + timedelta(seconds=1)
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.answers.exclude(text="").count() == 2
    services.proposal_submit(
        proposal=proposal, member=proposal.lead, by=proposal.lead.user, now=due - timedelta(seconds=1)
    )


def test_a_member_leads_one_proposal_per_call():
    call = CallFactory(stage=Stage.PROPOSALS)
    lead = MemberFactory()
    first, second = IdeaFactory(call=call, lead=lead), IdeaFactory(call=call, lead=lead)
    services.proposal_start(idea=first, member=lead, by=lead.user)
    with pytest.raises(PortalError):
        services.proposal_start(idea=second, member=lead, by=lead.user)
    assert Proposal.objects.filter(call=call, lead=lead).count() == 1


def test_proposals_start_only_at_the_proposals_stage():
    idea = IdeaFactory(call=CallFactory(stage=Stage.REFINEMENT))
    with pytest.raises(PortalError):
        services.proposal_start(idea=idea, member=idea.lead, by=idea.lead.user)


def test_the_daily_digest_gathers_a_days_news_for_those_who_chose_it(django_capture_on_commit_callbacks):
    digest_reader, instant_reader = MemberFactory(), MemberFactory()
    idea = IdeaFactory(team=[digest_reader, instant_reader])
    ExchangePreference.objects.create(member=digest_reader, email=EmailPreference.DIGEST)
    commenter, joiner = MemberFactory(), MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(idea=idea, member=commenter, body="Try a *run chart*", by=commenter.user)
        services.comment_add(idea=idea, member=digest_reader, body="Will do", by=digest_reader.user)
        services.join_request(idea=idea, member=joiner, message="", by=joiner.user)
    assert not OutboundEmail.objects.filter(to=digest_reader.user.email).exists()
    assert OutboundEmail.objects.filter(to=instant_reader.user.email).count() == 3

    today = timezone.localdate()
    assert services.exchange_digest_send(day=today) == 1
    assert services.exchange_digest_send(day=today) == 1  # the same key: nothing sent twice
    digest = OutboundEmail.objects.get(to=digest_reader.user.email)
    assert "Try a *run chart*" in digest.body_text
    assert "Will do" not in digest.body_text  # their own comment
    assert f"{joiner.full_name} asks to join" in digest.body_text
    assert services.exchange_digest_send(day=today - timedelta(days=1)) == 0
