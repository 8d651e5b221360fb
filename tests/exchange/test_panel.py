"""Shortlisting by a member panel: volunteers, recruitment, conflicts of interest
(team, organisation by record, supporters, commenters), blind scoring, the
bias-corrected ranking, the shortlist and the teams told."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchange import selectors, services
from exchange.choices import AssessorStatus, FeedbackStatus, JoinStatus, PanelConflictKind, ProposalStatus, Stage
from exchange.conflicts import AssessorFacts, ConflictRules, ProposalFacts, find_panel_conflicts
from exchange.models import (
    Assessor,
    Comment,
    Criterion,
    Panel,
    PanelAssignment,
    PanelConflict,
    Proposal,
    Support,
    TeamMembership,
    Theme,
)
from exchange.views import ShortlistView
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from tests.factories import OrganisationFactory, UserFactory, programme_team, with_totp
from tests.factories.exchange import CallFactory, IdeaFactory, submitted_proposal
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


# --- The conflict rules, pure -------------------------------------------------------------


def test_conflict_rules_team_organisation_supporter_and_commenter():
    proposal = ProposalFacts(
        id=1, team=frozenset({10, 11}), organisations=frozenset({100}), supporters=frozenset({12}), commenters={13}
    )
    assessors = [
        AssessorFacts(id=1, member_id=10),  # on the team
        AssessorFacts(id=2, member_id=20, organisation_id=100),  # a team member's organisation
        AssessorFacts(id=3, member_id=12),  # supported the idea
        AssessorFacts(id=4, member_id=13),  # commented on it
        AssessorFacts(id=5, member_id=14, organisation_id=101),  # none of these
    ]
    assert find_panel_conflicts([proposal], assessors) == {
        (1, 1): PanelConflictKind.TEAM,
        (1, 2): PanelConflictKind.SAME_ORGANISATION,
        (1, 3): PanelConflictKind.SUPPORTED,
        (1, 4): PanelConflictKind.COMMENTED,
    }


def test_conflict_rules_can_be_switched_off_but_the_team_always_conflicts():
    proposal = ProposalFacts(
        id=7, team=frozenset({10}), organisations=frozenset({100}), supporters=frozenset({10, 12}), commenters={13}
    )
    assessors = [
        AssessorFacts(id=1, member_id=10),
        AssessorFacts(id=2, member_id=20, organisation_id=100),
        AssessorFacts(id=3, member_id=12),
        AssessorFacts(id=4, member_id=13),
    ]
    off = ConflictRules(same_organisation=False, supported=False, commented=False)
    assert find_panel_conflicts([proposal], assessors, off) == {(7, 1): PanelConflictKind.TEAM}
    only_commenters = ConflictRules(same_organisation=False, supported=False, commented=True)
    assert find_panel_conflicts([proposal], assessors, only_commenters) == {
        (7, 1): PanelConflictKind.TEAM,
        (7, 4): PanelConflictKind.COMMENTED,
    }


# --- A call at shortlisting --------------------------------------------------------------


def panel_call(*, proposals=3, assessors=3, per_proposal=2):
    call = CallFactory(stage=Stage.SHORTLISTING)
    Criterion.objects.create(call=call, letter="a", name="Impact")
    Criterion.objects.create(call=call, letter="b", name="Feasibility")
    Panel.objects.create(call=call, assessors_per_proposal=per_proposal, capacity=50, places=1)
    made = [submitted_proposal(IdeaFactory(call=call, title=f"Proposal {n}")) for n in range(proposals)]
    members = [recruited(call, MemberFactory(organisation=OrganisationFactory())) for _ in range(assessors)]
    return call, made, members


def recruited(call, member):
    return Assessor.objects.create(call=call, member=member, status=AssessorStatus.RECRUITED)


def assigned_pairs(call):
    return set(PanelAssignment.objects.filter(proposal__call=call).values_list("proposal_id", "assessor_id"))


def test_assignment_never_gives_a_proposal_to_a_supporter_commenter_team_member_or_colleague():
    # Three unconflicted assessors and the one with the lead's email domain: exactly the four needed,
    # so the same-domain assessor must be chosen (with five, the random tie-break could leave them out).
    call, proposals, _assessors = panel_call(proposals=1, assessors=3, per_proposal=4)
    proposal = proposals[0]
    idea = proposal.idea
    colleague_org = OrganisationFactory()
    TeamMembership.objects.create(
        idea=idea, member=MemberFactory(organisation=colleague_org), status=JoinStatus.ACCEPTED
    )
    supporter = recruited(call, MemberFactory())
    Support.objects.create(idea=idea, member=supporter.member)
    commenter = recruited(call, MemberFactory())
    Comment.objects.create(idea=idea, author=commenter.member, body="Have you asked the ward clerks?")
    team_member = recruited(call, idea.lead)
    colleague = recruited(call, MemberFactory(organisation=colleague_org))
    # The same email domain as the lead is no conflict: organisations are by record.
    same_domain = recruited(call, MemberFactory(user=UserFactory(email="x" + idea.lead.user.email)))

    result = services.panel_assign(call=call, by=programme_team())

    conflicted = {supporter.pk, commenter.pk, team_member.pk, colleague.pk}
    assessor_ids = {assessor_id for _proposal_id, assessor_id in assigned_pairs(call)}
    assert assessor_ids.isdisjoint(conflicted)
    assert same_domain.pk in assessor_ids
    assert len(assessor_ids) == 4
    assert result.conflicts_found == 4
    kinds = dict(PanelConflict.objects.filter(proposal=proposal).values_list("assessor_id", "kind"))
    assert kinds == {
        supporter.pk: PanelConflictKind.SUPPORTED,
        commenter.pk: PanelConflictKind.COMMENTED,
        team_member.pk: PanelConflictKind.TEAM,
        colleague.pk: PanelConflictKind.SAME_ORGANISATION,
    }


def test_switching_the_commenter_rule_off_lets_a_commenter_assess():
    call, proposals, _assessors = panel_call(proposals=1, assessors=0, per_proposal=1)
    Panel.objects.filter(call=call).update(conflict_commented=False)
    commenter = recruited(call, MemberFactory())
    Comment.objects.create(idea=proposals[0].idea, author=commenter.member, body="Nice")
    services.panel_assign(call=call, by=programme_team())
    assert assigned_pairs(call) == {(proposals[0].pk, commenter.pk)}


def test_a_conflicted_assessor_never_sees_the_proposal_even_if_assigned_before(client):
    call, proposals, assessors = panel_call(proposals=1, assessors=1, per_proposal=1)
    assessor = assessors[0]
    assignment = PanelAssignment.objects.create(proposal=proposals[0], assessor=assessor)
    url = reverse("exchange:assessment", kwargs={"pk": assignment.pk})
    client.force_login(assessor.member.user)
    assert proposals[0].title in client.get(url).content.decode()
    # They commented before shortlisting (recorded now): the proposal vanishes.
    Comment.objects.create(idea=proposals[0].idea, author=assessor.member, body="Looks good")
    assert client.get(url).status_code == 404
    assert proposals[0].title not in client.get(reverse("exchange:panel")).content.decode()
    services.panel_assign(call=call, by=programme_team())
    assert not PanelAssignment.objects.filter(pk=assignment.pk).exists()
    assert proposals[0].title not in client.get(reverse("exchange:panel")).content.decode()
    with pytest.raises(PortalError):
        services.assessment_save(
            assignment=assignment, member=assessor.member, scores={"a": 3, "b": 3}, note="", submit=True, by=None
        )


def test_scoring_is_blind_and_another_members_assignment_does_not_exist(client):
    _call, proposals, assessors = panel_call(proposals=1, assessors=2, per_proposal=1)
    assignment = PanelAssignment.objects.create(proposal=proposals[0], assessor=assessors[0])
    client.force_login(assessors[0].member.user)
    page = client.get(assignment.get_absolute_url()).content.decode()
    assert proposals[0].title in page
    assert proposals[0].lead.full_name not in page
    client.force_login(assessors[1].member.user)
    assert client.get(assignment.get_absolute_url()).status_code == 404


def test_a_volunteer_is_recruited_and_told():
    call = CallFactory(stage=Stage.REFINEMENT)
    member = MemberFactory()
    assessor = services.assessor_volunteer(call=call, member=member, statement="I chair a QI panel.", by=member.user)
    with pytest.raises(PortalError):
        services.assessor_volunteer(call=call, member=member, statement="", by=member.user)
    services.assessor_decide(assessor=assessor, recruit=True, by=programme_team())
    assessor.refresh_from_db()
    assert assessor.status == AssessorStatus.RECRUITED
    assert OutboundEmail.objects.filter(to=member.user.email, subject__contains="shortlisting panel").count() == 1


def score_all(call, scores_by_assessor):
    for assignment in PanelAssignment.objects.filter(proposal__call=call).select_related("assessor__member"):
        scores = scores_by_assessor(assignment)
        services.assessment_save(
            assignment=assignment,
            member=assignment.assessor.member,
            scores=scores,
            note=f"Note on {assignment.proposal.title}",
            submit=True,
            by=assignment.assessor.member.user,
        )


def test_the_shortlist_is_marked_by_rank_and_the_teams_told_once():
    call, proposals, _assessors = panel_call(proposals=3, assessors=3, per_proposal=3)
    services.panel_assign(call=call, by=programme_team())
    merit = {proposals[0].pk: 4, proposals[1].pk: 3, proposals[2].pk: 1}
    score_all(call, lambda assignment: {"a": merit[assignment.proposal_id], "b": merit[assignment.proposal_id]})
    ranking = selectors.panel_ranking(call=call)
    assert [row.proposal.pk for row in ranking.ranked] == [p.pk for p in proposals]
    team = programme_team()
    services.shortlist_mark(call=call, shortlisted={proposals[0].pk}, by=team)
    marked = {p.pk: (p.status, p.panel_rank) for p in Proposal.objects.filter(call=call)}
    assert marked == {
        proposals[0].pk: (ProposalStatus.SHORTLISTED, 1),
        proposals[1].pk: (ProposalStatus.NOT_SHORTLISTED, 2),
        proposals[2].pk: (ProposalStatus.NOT_SHORTLISTED, 3),
    }
    # Feedback must be approved before the teams are told.
    services.feedback_save(proposal=proposals[1], text="Strong, but the costs are unclear.", approve=True, by=team)
    services.feedback_save(proposal=proposals[2], text="The plan needs a measure.", approve=False, by=team)
    with pytest.raises(PortalError, match="1 still waiting"):
        services.shortlist_announce(call=call, by=team)
    assert not OutboundEmail.objects.filter(key__startswith="exchange.feedback").exists()
    services.feedback_save(proposal=proposals[2], text="The plan needs a measure.", approve=True, by=team)
    told = services.shortlist_announce(call=call, by=team)
    assert (told.shortlisted, told.feedback_sent) == (1, 2)
    lead_emails = {p.pk: list(OutboundEmail.objects.filter(to=p.lead.user.email)) for p in proposals}
    assert [email.subject for email in lead_emails[proposals[0].pk]] == [
        f"Shortlisted for the member vote: {proposals[0].title}"
    ]
    assert "the costs are unclear" in lead_emails[proposals[1].pk][0].body_text
    assert proposals[2].feedback.__class__.objects.get(proposal=proposals[2]).status == FeedbackStatus.SENT
    before = OutboundEmail.objects.count()
    services.shortlist_announce(call=call, by=team)
    assert OutboundEmail.objects.count() == before
    with pytest.raises(PortalError):
        services.shortlist_mark(call=call, shortlisted={proposals[1].pk}, by=team)
    with pytest.raises(PortalError):
        services.feedback_save(proposal=proposals[1], text="Changed", approve=True, by=team)


def test_a_lenient_assessor_does_not_change_the_panels_order():
    call, proposals, assessors = panel_call(proposals=6, assessors=4, per_proposal=2)
    services.panel_assign(call=call, by=programme_team())
    levels = [(1, 1), (1, 2), (2, 2), (2, 3), (3, 3), (4, 4)]
    merit = {p.pk: levels[index] for index, p in enumerate(proposals)}
    score_all(call, lambda a: {"a": merit[a.proposal_id][0], "b": merit[a.proposal_id][1]})
    fair = [row.proposal.pk for row in selectors.panel_ranking(call=call).ranked]
    lenient = assessors[0]
    for assignment in PanelAssignment.objects.filter(assessor=lenient):
        assessment = assignment.assessment
        assessment.weighted_total += 3
        assessment.save(update_fields=["weighted_total"])
    shifted = selectors.panel_ranking(call=call)
    assert [row.proposal.pk for row in shifted.ranked] == fair
    assert shifted.mixing.groups == 1


def test_disagreement_asks_for_a_moderator_who_is_not_conflicted():
    call, proposals, assessors = panel_call(proposals=1, assessors=3, per_proposal=2)
    services.panel_assign(call=call, by=programme_team())
    first, second = PanelAssignment.objects.filter(proposal=proposals[0]).order_by("pk")
    spare = next(a for a in assessors if a.pk not in (first.assessor_id, second.assessor_id))
    for assignment, score in ((first, 1), (second, 4)):
        services.assessment_save(
            assignment=assignment,
            member=assignment.assessor.member,
            scores={"a": score, "b": score},
            note="",
            submit=True,
            by=None,
        )
    row = selectors.panel_ranking(call=call).ranked[0]
    assert (row.spread, row.needs_moderation) == (3, True)
    moderation = services.panel_moderation_request(proposal=proposals[0], by=programme_team())
    assert (moderation.assessor_id, moderation.is_moderation) == (spare.pk, True)
    services.assessment_save(
        assignment=moderation, member=spare.member, scores={"a": 3, "b": 3}, note="", submit=True, by=None
    )
    row = selectors.panel_ranking(call=call).ranked[0]
    assert (row.moderated, row.needs_moderation, row.estimate.reviews) == (True, False, 3)


def test_an_assessment_needs_every_criterion_to_be_submitted(client):
    _call, proposals, assessors = panel_call(proposals=1, assessors=1, per_proposal=1)
    assignment = PanelAssignment.objects.create(proposal=proposals[0], assessor=assessors[0])
    client.force_login(assessors[0].member.user)
    response = client.post(assignment.get_absolute_url(), {"score_a": "3", "note": "Keep this note", "submit": "1"})
    page = response.content.decode()
    assert "Score every criterion before you submit." in page
    assert "Keep this note" in page
    client.post(assignment.get_absolute_url(), {"score_a": "3", "score_b": "2", "submit": "1"})
    assert assignment.assessment.weighted_total == 5.0


def told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_an_assessor_saves_a_draft_submits_or_declares_a_conflict_each_going_where_it_says(client):
    _call, proposals, assessors = panel_call(proposals=3, assessors=1, per_proposal=1)
    drafted, submitted, conflicted = (
        PanelAssignment.objects.create(proposal=proposal, assessor=assessors[0]) for proposal in proposals
    )
    client.force_login(assessors[0].member.user)

    draft = client.post(drafted.get_absolute_url(), {"score_a": "3"})
    submit = client.post(submitted.get_absolute_url(), {"score_a": "3", "score_b": "2", "submit": "1"})
    conflict = client.post(conflicted.get_absolute_url(), {"conflict": "1"})

    panel = reverse("exchange:panel")
    assert [draft["Location"], submit["Location"], conflict["Location"]] == [drafted.get_absolute_url(), panel, panel]
    assert told(conflict) == [
        ("success", "Your scores are saved as a draft."),
        ("success", "Your assessment is submitted."),
        ("success", "Your conflict of interest is recorded: the proposal goes to someone else."),
    ]
    assert PanelConflict.objects.filter(proposal=proposals[2], assessor=assessors[0]).exists()


def test_assigning_the_panel_goes_to_the_shortlist_and_a_refusal_back_to_the_panel(client):
    call, _proposals, _assessors = panel_call(proposals=2, assessors=2, per_proposal=1)
    early = CallFactory(stage=Stage.PROPOSALS)
    Panel.objects.create(call=early, assessors_per_proposal=1, capacity=50, places=1)
    programme_client(client)

    done = client.post(reverse("exchange:programme_panel_assign", kwargs={"pk": call.pk}))
    refused = client.post(reverse("exchange:programme_panel_assign", kwargs={"pk": early.pk}))

    assert done["Location"] == reverse("exchange:programme_shortlist", kwargs={"pk": call.pk})
    assert refused["Location"] == reverse("exchange:programme_panel", kwargs={"pk": early.pk})
    assert told(refused) == [
        (
            "success",
            "2 assignments made; 0 conflicts of interest found; 0 removed for a conflict; "
            "0 proposals short of assessors.",
        ),
        ("error", "Proposals are assigned once they are due, during shortlisting."),
    ]


# --- Query counts: the same at two sizes --------------------------------------------------


def programme_client(client):
    client.force_login(with_totp(programme_team()))
    return client


@pytest.mark.parametrize("size", [2, 6])
def test_assessor_queue_query_count_is_flat(client, django_assert_num_queries, size):
    call, _proposals, assessors = panel_call(proposals=size, assessors=1, per_proposal=1)
    services.panel_assign(call=call, by=programme_team())
    client.force_login(assessors[0].member.user)
    with django_assert_num_queries(10):
        page = client.get(reverse("exchange:panel")).content.decode()
    assert page.count("Proposal ") >= size


@pytest.mark.parametrize("size", [2, 6])
def test_programme_panel_page_query_count_is_flat(client, django_assert_num_queries, size):
    call, _proposals, _assessors = panel_call(proposals=size, assessors=size, per_proposal=1)
    services.panel_assign(call=call, by=programme_team())
    programme_client(client)
    with django_assert_num_queries(12):
        page = client.get(reverse("exchange:programme_panel", kwargs={"pk": call.pk})).content.decode()
    assert page.count("Do not recruit") == size


@pytest.mark.parametrize("size", [3, 8])
def test_shortlist_page_query_count_is_flat(client, django_assert_num_queries, monkeypatch, size):
    monkeypatch.setattr(ShortlistView, "paginate_by", 5)
    call, proposals, _assessors = panel_call(proposals=size, assessors=3, per_proposal=2)
    services.panel_assign(call=call, by=programme_team())
    score_all(call, lambda a: {"a": 1 + a.proposal_id % 4, "b": 2})
    services.shortlist_mark(call=call, shortlisted={proposals[0].pk}, by=programme_team())
    programme_client(client)
    with django_assert_num_queries(14):
        page = client.get(reverse("exchange:programme_shortlist", kwargs={"pk": call.pk})).content.decode()
    assert page.count('name="shortlisted"') == min(size, 5)
    assert ("Page 1 of 2" in page) == (size > 5)


def test_the_shortlist_is_marked_a_page_at_a_time_keeping_the_filters_and_other_pages(client, monkeypatch):
    monkeypatch.setattr(ShortlistView, "paginate_by", 2)
    call, proposals, _assessors = panel_call(proposals=5, assessors=3, per_proposal=3)
    services.panel_assign(call=call, by=programme_team())
    merit = {proposal.pk: 4 - index * 0.5 for index, proposal in enumerate(proposals)}
    score_all(call, lambda a: {"a": round(merit[a.proposal_id]), "b": 4 if a.proposal_id == proposals[0].pk else 2})
    ranked = [row.proposal.pk for row in selectors.panel_ranking(call=call).ranked]
    programme_client(client)
    url = reverse("exchange:programme_shortlist", kwargs={"pk": call.pk})

    # Page 2 shows the 3rd and 4th; marking there keeps page 1's proposed tick (the panel's 1 place).
    page = client.get(f"{url}?page=2").content.decode()
    assert [f'id="shortlist-{pk}"' in page for pk in ranked] == [False, False, True, True, False]
    response = client.post(f"{url}?page=2", {"shown": ranked[2:4], "shortlisted": [ranked[3]]})
    assert response["Location"] == f"{url}?page=2"
    marked = set(Proposal.objects.filter(call=call, status=ProposalStatus.SHORTLISTED).values_list("pk", flat=True))
    assert marked == {ranked[0], ranked[3]}

    # Unticking on page 1 leaves page 2's tick; the filter shows only the ticked, and its pages keep it.
    client.post(f"{url}?page=1", {"shown": ranked[:2], "shortlisted": []})
    marked = set(Proposal.objects.filter(call=call, status=ProposalStatus.SHORTLISTED).values_list("pk", flat=True))
    assert marked == {ranked[3]}
    page = client.get(f"{url}?show=shortlisted").content.decode()
    assert page.count('name="shown"') == 1 and f'name="shown" value="{ranked[3]}"' in page
    other = Theme.objects.create(call=call, name="Zebra")
    page = client.get(f"{url}?theme={other.pk}").content.decode()
    assert "No proposal matches these filters." in page


def test_panel_ranking_costs_five_queries():
    call, _proposals, _assessors = panel_call(proposals=4, assessors=3, per_proposal=2)
    with CaptureQueriesContext(connection) as queries:
        selectors.panel_ranking(call=call)
    assert len(queries) == 5
