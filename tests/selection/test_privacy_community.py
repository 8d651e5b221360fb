"""Subject access and erasure of what members do in the community (issue #17):
group memberships, proposals, threads, posts and reports; event registrations,
feedback, pledges at events and calendar feeds; the exchange's ideas, teams,
comments, supports, edits, proposals and email choice. Each kind is in the
person's export, and erasure deletes it or leaves it by no one."""

import json

import pytest
from django.utils import timezone

from events.models import CalendarFeed, EventPledge, Feedback, Registration
from exchange.choices import EmailPreference, JoinStatus, ProposalStatus
from exchange.models import (
    Comment,
    ExchangePreference,
    Idea,
    IdeaRevision,
    Proposal,
    ProposalAnswer,
    Support,
    TeamMembership,
)
from members.choices import CommunityKind, CommunityStatus
from members.models.discussions import Post, PostReport, Thread
from members.models.membership import Community, CommunityMembership
from q_portal.audit.models import AuditEntry
from selection.selectors.privacy import data_subject_for, personal_data_of
from selection.services.privacy import person_erase
from tests.factories import UserFactory
from tests.factories.decisions import team_member
from tests.factories.events import EventFactory, registered
from tests.factories.exchange import IdeaFactory
from tests.factories.members import CommunityFactory, MemberFactory
from tests.factories.privacy import reviewed_round

pytestmark = pytest.mark.django_db


def community_life(member) -> dict:
    """`member` everywhere in the community, each record with a recognisable text."""
    other = MemberFactory(full_name="Olive Other")
    group = CommunityFactory(name="Human factors")
    CommunityMembership.objects.create(community=group, member=member, is_convenor=True)
    proposed = Community.objects.create(
        name="Learning from excellence",
        slug="learning-from-excellence",
        description="d",
        kind=CommunityKind.INTEREST_GROUP,
        status=CommunityStatus.PROPOSED,
        learning_question="Petra's learning question",
        proposed_by=member,
    )
    thread = Thread.objects.create(community=group, title="Petra's thread", author=member, last_post_at=timezone.now())
    post = Post.objects.create(thread=thread, author=member, body="Petra's post", body_html="<p>Petra's post</p>")
    others_post = Post.objects.create(thread=thread, author=other, body="Olive's post", body_html="<p>x</p>")
    report = PostReport.objects.create(post=others_post, reporter=member, reason="Petra's report")

    event = EventFactory(title="Welcome event in Leeds")
    registration = registered(event, member)
    feedback = Feedback.objects.create(registration=registration, rating=4, went_well="Petra's feedback")
    pledge = EventPledge.objects.create(event=event, member=member, text="Petra's pledge at the event")
    feed = CalendarFeed.objects.create(user=member.user)

    idea = IdeaFactory(lead=member, title="Petra's idea", budget_private="Petra's private budget")
    others_idea = IdeaFactory(lead=other, title="Olive's idea")
    team_place = TeamMembership.objects.create(
        idea=others_idea, member=member, status=JoinStatus.REQUESTED, message="Petra's request to join"
    )
    comment = Comment.objects.create(idea=others_idea, author=member, body="Petra's comment")
    support = Support.objects.create(idea=others_idea, member=member)
    revision = IdeaRevision.objects.create(idea=idea, author=member, changes={"plan": ["old", "Petra's edit"]})
    preference = ExchangePreference.objects.create(member=member, email=EmailPreference.DIGEST)
    proposal = Proposal.objects.create(
        idea=idea,
        call=idea.call,
        lead=member,
        title="Petra's proposal",
        summary="Petra's summary",
        budget=9000,
        status=ProposalStatus.DRAFT,
    )
    answer = ProposalAnswer.objects.create(
        proposal=proposal, question=idea.call.questions.first(), text="Petra's answer", updated_by=member
    )
    return locals()


def test_export_holds_every_community_record_of_the_person_and_none_of_anyone_elses():
    member = MemberFactory(full_name="Petra Person")
    community_life(member)

    export = personal_data_of(subject=data_subject_for(user=member.user), own=True)
    text = json.dumps(export)

    groups, events, exchange = export["groups"], export["events"], export["exchange"]
    assert [(m["group"], m["convenor"]) for m in groups["memberships"]] == [("Human factors", True)]
    assert groups["groups_you_proposed"][0]["learning_question"] == "Petra's learning question"
    assert [t["title"] for t in groups["threads_you_started"]] == ["Petra's thread"]
    assert [p["post"] for p in groups["posts"]] == ["Petra's post"]
    assert [r["reason"] for r in groups["posts_you_reported"]] == ["Petra's report"]
    [registration] = events["registrations"]
    assert registration["event"] == "Welcome event in Leeds"
    assert registration["feedback"]["what_worked_well"] == "Petra's feedback"
    assert [p["pledge"] for p in events["pledges_at_events"]] == ["Petra's pledge at the event"]
    assert events["calendar_feed_made_at"] is not None
    assert [i["title"] for i in exchange["ideas_you_lead"]] == ["Petra's idea"]
    assert exchange["ideas_you_lead"][0]["private_budget_line"] == "Petra's private budget"
    assert {t["message_to_the_lead"] for t in exchange["teams"]} == {"", "Petra's request to join"}
    assert [c["comment"] for c in exchange["comments"]] == ["Petra's comment"]
    assert [s["idea"] for s in exchange["ideas_you_support"]] == ["Olive's idea"]
    assert exchange["edits_you_made"][0]["changes"] == {"plan": ["old", "Petra's edit"]}
    assert exchange["proposals_you_lead"][0]["answers"][0]["answer"] == "Petra's answer"
    assert exchange["emails_about_your_ideas"] == str(EmailPreference.DIGEST.label)
    assert "Olive's post" not in text
    assert "Olive Other" not in text


def test_export_of_someone_without_community_records_has_empty_sections():
    export = personal_data_of(subject=data_subject_for(user=UserFactory()))

    assert (export["groups"], export["events"], export["exchange"]) == ({}, {}, {})


def test_erasure_deletes_or_leaves_by_no_one_every_community_record():
    member = MemberFactory(full_name="Petra Person")
    held = community_life(member)
    user = member.user

    counts = person_erase(subject=data_subject_for(user=user), reason="Request DP-7", by=team_member())

    # Deleted with the person.
    assert not CommunityMembership.objects.filter(member_id=member.pk).exists()
    assert not PostReport.objects.filter(pk=held["report"].pk).exists()
    assert not Registration.objects.filter(pk=held["registration"].pk).exists()
    assert not Feedback.objects.filter(pk=held["feedback"].pk).exists()
    assert not EventPledge.objects.filter(pk=held["pledge"].pk).exists()
    assert not CalendarFeed.objects.filter(pk=held["feed"].pk).exists()
    assert not TeamMembership.objects.filter(pk=held["team_place"].pk).exists()
    assert not Support.objects.filter(pk=held["support"].pk).exists()
    assert not ExchangePreference.objects.filter(pk=held["preference"].pk).exists()
    # Left in the community's record by no one.
    assert Thread.objects.get(pk=held["thread"].pk).author is None
    assert Post.objects.get(pk=held["post"].pk).author is None
    assert Community.objects.get(pk=held["proposed"].pk).proposed_by is None
    assert Idea.objects.get(pk=held["idea"].pk).lead is None
    assert Comment.objects.get(pk=held["comment"].pk).author is None
    assert IdeaRevision.objects.get(pk=held["revision"].pk).author is None
    assert Proposal.objects.get(pk=held["proposal"].pk).lead is None
    assert ProposalAnswer.objects.get(pk=held["answer"].pk).updated_by is None
    # Someone else's records stay theirs.
    assert Post.objects.get(pk=held["others_post"].pk).author == held["other"]
    assert Idea.objects.get(pk=held["others_idea"].pk).lead == held["other"]
    assert (
        counts["event_registrations_deleted"],
        counts["event_pledges_deleted"],
        counts["group_memberships_deleted"],
        counts["group_post_reports_deleted"],
        counts["exchange_supports_deleted"],
        counts["exchange_ideas_left_without_lead"],
        counts["exchange_comments_left_without_author"],
    ) == (1, 1, 1, 1, 1, 1, 1)
    entry = AuditEntry.objects.get(action="privacy.erase")
    assert entry.changes["event_registrations_deleted"] == 1


def test_erasure_of_a_reviewer_kept_as_a_placeholder_still_deletes_their_event_records():
    reviewer = reviewed_round(size=2).reviewers[0]
    event = EventFactory()
    registration = registered(event, reviewer)
    CalendarFeed.objects.create(user=reviewer)

    counts = person_erase(subject=data_subject_for(user=reviewer), reason="Left", by=team_member())

    assert counts["accounts_kept_as_placeholder"] == 1
    assert not Registration.objects.filter(pk=registration.pk).exists()
    assert not CalendarFeed.objects.filter(user=reviewer).exists()


def test_your_data_page_shows_the_community_sections(client):
    from django.urls import reverse
    from django.utils.html import escape

    member = MemberFactory(full_name="Petra Person")
    community_life(member)
    client.force_login(member.user)

    page = client.get(reverse("selection:your_data")).content.decode()

    for heading in ("Communities and special interest groups", "Events", "Q Exchange"):
        assert f">{heading}<" in page
    for text in ("Petra's post", "Petra's pledge at the event", "Petra's comment"):
        assert escape(text) in page


def test_erasing_someone_with_a_place_at_a_full_event_offers_it_to_the_next_waiting():
    from events import services as event_services
    from events.choices import RegistrationStatus

    event = EventFactory(capacity=1, title="Full event")
    erased, waiting = MemberFactory(), MemberFactory()
    event_services.registration_register(event=event, user=erased.user, by=erased.user)
    event_services.registration_register(event=event, user=waiting.user, by=waiting.user)

    person_erase(subject=data_subject_for(user=erased.user), reason="Request", by=team_member())

    assert Registration.objects.get(user=waiting.user).status == RegistrationStatus.OFFERED


def test_votes_panel_assessments_and_project_posts_are_in_the_export_and_erasure_anonymises_the_votes():
    from exchange.choices import AssessmentStatus, AssessorStatus
    from exchange.models import Assessment, Assessor, PanelAssignment
    from funding.models import ProjectUpdate, UpdateComment, Vote, Voter
    from funding.services import vote_place
    from tests.factories.funding import CallVoteFactory, opened, published_and_announced, shortlisted

    member = MemberFactory(full_name="Petra Person")
    voting = CallVoteFactory()
    on_ballot = shortlisted(voting.call, panel_rank=1, title="Olive's shortlisted proposal")
    opened(voting)
    vote_place(call_vote=voting, member=member, proposal=on_ballot, by=member.user)
    assessor = Assessor.objects.create(
        call=on_ballot.call, member=member, status=AssessorStatus.RECRUITED, statement="Petra's panel statement"
    )
    Assessment.objects.create(
        assignment=PanelAssignment.objects.create(proposal=on_ballot, assessor=assessor),
        scores={"a": 3},
        note="Petra's panel note",
        status=AssessmentStatus.SUBMITTED,
        weighted_total=3.0,
        submitted_at=timezone.now(),
    )
    published = CallVoteFactory()
    shortlisted(published.call, panel_rank=1, team=[member])
    [project] = published_and_announced(opened(published), by=team_member())
    update = ProjectUpdate.objects.create(project=project, author=member, title="Petra's update", body="b")
    UpdateComment.objects.create(update=update, author=member, body="Petra's comment on an update")

    export = personal_data_of(subject=data_subject_for(user=member.user), own=True)

    funding, exchange = export["funding"], export["exchange"]
    [ballot] = [v for v in funding["member_votes"] if v["your_votes"]]
    assert [v["proposal"] for v in ballot["your_votes"]] == ["Olive's shortlisted proposal"]
    assert [u["title"] for u in funding["project_updates"]] == ["Petra's update"]
    assert [c["comment"] for c in funding["comments_on_project_updates"]] == ["Petra's comment on an update"]
    [panel] = exchange["shortlisting_panels"]
    assert panel["what_you_would_bring"] == "Petra's panel statement"
    assert panel["assessments"] == [
        {"proposal": "Olive's shortlisted proposal", "scores": {"a": 3}, "note": "Petra's panel note"}
    ]

    counts = person_erase(subject=data_subject_for(user=member.user), reason="Request DP-8", by=team_member())

    assert counts["votes_made_anonymous"] == 1
    assert Vote.objects.filter(proposal=on_ballot).count() == 1  # still counted
    assert not Voter.objects.filter(member_id=member.pk).exists()
    assert ProjectUpdate.objects.get(pk=update.pk).author is None
