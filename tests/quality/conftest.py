import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from applications.choices import RouteKind
from applications.models import NominationQuota
from applications.services.nominations import NomineeDetails, nomination_create, nominator_grant
from events.models import EventPledge
from exchange.choices import Stage
from exchange.models import Assessor, PanelAssignment
from exchange.services import join_request, proposal_start
from funding.services import project_update_post
from members.models import CommunityMembership, OnboardingStep
from members.services.contact import abuse_report_create, contact_send
from members.services.groups import thread_start
from q_portal.roles import Role
from selection.choices import DecisionOutcome
from selection.models import PracticeApplication, ReviewerProfile
from selection.services.release import decisions_release
from selection.views.privacy import PEOPLE_SESSION_KEY
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, with_totp
from tests.factories.applications import ApplicationFactory, RoundFactory, route, submitted
from tests.factories.decisions import decided
from tests.factories.events import happening_now, registered
from tests.factories.exchange import CallFactory, IdeaFactory, submitted_proposal
from tests.factories.funding import CallVoteFactory, opened, published_and_announced, shortlisted
from tests.factories.members import CommunityFactory, MemberFactory, onboarding_steps
from tests.factories.selection import agreement_accepted, assign, closed_round, review_round, submitted_application
from tests.factories.waves import WaveFactory

from .access import World


@pytest.fixture
def world(db):
    users = {
        "applicant": UserFactory(),
        "other_applicant": UserFactory(),
        "nominator": UserFactory(roles=[Role.NOMINATOR]),
        "other_nominator": UserFactory(roles=[Role.NOMINATOR]),
        "reviewer": with_totp(UserFactory(roles=[Role.REVIEWER])),
        "conflicted_reviewer": with_totp(UserFactory(roles=[Role.REVIEWER])),
        "reviewer_without_mfa": UserFactory(roles=[Role.REVIEWER]),
        "programme": with_totp(UserFactory(roles=[Role.PROGRAMME_TEAM])),
        "programme_without_mfa": UserFactory(roles=[Role.PROGRAMME_TEAM]),
        "member": UserFactory(),
        "admin": with_totp(UserFactory(is_superuser=True, is_staff=True)),
    }
    round = RoundFactory()
    application = submitted(ApplicationFactory(applicant=users["applicant"], round=round))
    application.adjustment_request, application.adjustment_status = "Large print", "requested"
    application.save()
    ApplicationFactory(applicant=users["other_applicant"], round=round)
    organisation = OrganisationFactory()
    nominator_grant(user=users["nominator"], organisation=organisation, by=users["admin"])
    NominationQuota.objects.create(round=round, organisation=organisation, places=5)
    other_organisation = OrganisationFactory()
    nominator_grant(user=users["other_nominator"], organisation=other_organisation, by=users["admin"])
    NominationQuota.objects.create(round=round, organisation=other_organisation, places=5)
    round.routes.add(route(RouteKind.NOMINATED))
    nomination = nomination_create(
        round=round,
        organisation=organisation,
        by=users["nominator"],
        details=NomineeDetails(
            full_name="Nadia Nominee",
            email="nominee@example.org",
            job_title="Nurse",
            role_category="clinician",
            region=RegionFactory(),
            statement="Leads improvement.",
        ),
    )
    in_review = closed_round()
    under_review = submitted_application(in_review)
    ReviewerProfile.objects.create(user=users["reviewer"], organisation=OrganisationFactory(), region=RegionFactory())
    assignment = assign(under_review, users["reviewer"])
    agreement_accepted(users["reviewer"], in_review)
    # Conflicted after being assigned (their organisation changed): the assignment
    # stays until the programme team moves it, but opens nothing.
    conflicted = users["conflicted_reviewer"]
    ReviewerProfile.objects.create(user=conflicted, organisation=under_review.organisation, region=RegionFactory())
    assign(under_review, conflicted)
    # The applicant's released acceptance in a decided round, with its offer of a place.
    placed = submitted_application(review_round(), applicant=users["applicant"])
    decided(placed, DecisionOutcome.ACCEPT)
    decisions_release(round=placed.round, by=users["programme"])
    member = MemberFactory(user=users["member"])
    other_member = MemberFactory()
    community = CommunityFactory()
    other_member.photo.name = default_storage.save("members/photos/other.jpg", ContentFile(b"\xff\xd8\xff"))
    other_member.save(update_fields=["photo"])
    message = contact_send(sender=other_member, recipient=member, body="Hello", by=other_member.user)
    report = abuse_report_create(
        reporter=member, reported=other_member, reason="Spam", by=users["member"], message=message
    )
    # A practice application in a round of its own (#15), so the world's
    # assignment stays reachable without practising first.
    practice = PracticeApplication.objects.create(
        round=closed_round(), title="Practice 1", answers={"a": "A."}, agreed_scores={"a": 3}, rationale="Why."
    )
    onboarding_steps()
    CommunityMembership.objects.create(community=community, member=member, is_convenor=True)
    CommunityMembership.objects.create(community=community, member=other_member)
    thread = thread_start(group=community, member=other_member, title="Hello", body="First post", by=other_member.user)
    event = happening_now(organisation=organisation, capacity=10)
    event_registration = registered(event, member)
    event_pledge = EventPledge.objects.create(event=event, member=member, text="Mentor a new member")
    # Q Exchange: an idea (not the member's) in a call taking ideas, with a request
    # to join; the member's own proposal in a call at the proposals stage.
    ideas_call = CallFactory(stage=Stage.IDEAS)
    idea = IdeaFactory(call=ideas_call)
    join = join_request(idea=idea, member=MemberFactory(), message="", by=users["admin"])
    own_idea = IdeaFactory(call=CallFactory(stage=Stage.PROPOSALS), lead=member)
    proposal = proposal_start(idea=own_idea, member=member, by=users["member"])
    # The member panel (#19): the member assesses a proposal in a call at shortlisting.
    panel_call = CallFactory(stage=Stage.SHORTLISTING)
    panel_proposal = submitted_proposal(IdeaFactory(call=panel_call))
    panel_assessor = Assessor.objects.create(call=panel_call, member=member, status="recruited")
    panel_assignment = PanelAssignment.objects.create(proposal=panel_proposal, assessor=panel_assessor)
    # Q Exchange's member vote (issue 20): a call whose vote is open (the member is
    # eligible), and one whose results are published, funding the member's team.
    voting = CallVoteFactory()
    on_ballot = shortlisted(voting.call, panel_rank=1)
    opened(voting)
    published = CallVoteFactory()
    shortlisted(published.call, panel_rank=1, team=[member])
    funded = published_and_announced(opened(published), by=users["programme"])
    update = project_update_post(
        project=funded[0], member=member, values={"title": "Q1", "body": "Started."}, by=users["member"]
    )
    update.image.name = default_storage.save("funding/updates/world.png", ContentFile(b"\x89PNG"))
    update.save(update_fields=["image"])
    clients = {"visitor": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
        session = clients[role].session
        session[PEOPLE_SESSION_KEY] = {"world-person": {"value": users["applicant"].email, "at": time.time()}}
        session.save()
    kwargs = {
        "pk": application.pk,
        "round_pk": round.pk,
        "letter": "a",
        "token": "tampered-token",
        "key": "tampered-key",
        "uidb36": "zz",
        "organisation_pk": organisation.pk,
        "user_pk": users["reviewer"].pk,
        "slug": community.slug,
        "message": message.pk,
        "provider_id": "nhs",  # an identity provider's id (q_portal/sso)
        "code": event_registration.checkin_token,
        "pledge": event_pledge.pk,
        # The programme team's page of the applicant's personal data, as a search
        # in the team member's session links to it.
        "person": "world-person",
    }
    pk_for = {
        "rounds": round.pk,
        "nominations:programme_round": round.pk,
        "nominations:resend": nomination.pk,
        "nominations:withdraw": nomination.pk,
        "nominations:upload_preview": uuid.uuid4(),
        "selection:review": assignment.pk,
        "selection:practice_score": practice.pk,
        "selection:practice_compare": practice.pk,
        "selection:practice_list": in_review.pk,
        "selection:declare_conflict": assignment.pk,
        "selection:abstain": assignment.pk,
        "selection:reviewer_agreement": assignment.pk,
        "selection:assignment_action": assignment.pk,
        "selection:review_reopen": assignment.pk,
        "selection:reviewer_profile": users["reviewer"].pk,
        "selection:application": under_review.pk,
        "selection:moderation_application": under_review.pk,
        "selection:moderation_request_reviewer": under_review.pk,
        "selection:decision_set": under_review.pk,
        "selection:feedback": under_review.pk,
        "selection:feedback_approve": under_review.pk,
        "selection:decision_reverse": placed.pk,
        "selection:place": placed.pk,
        "selection:place_decline": placed.pk,
        "selection": in_review.pk,
        "members": other_member.pk,
        "members:message": message.pk,
        "members:programme_member_status": other_member.pk,
        "members:report_resolve": report.pk,
        "waves": WaveFactory(round=round).pk,
        "waves:reminder_edit": round.pk,
        "events": event.pk,
        "members:thread": thread.pk,
        "members:thread_moderate": thread.pk,
        "members:post_report": thread.posts.get().pk,
        "members:programme_onboarding_edit": OnboardingStep.objects.get(topic="profile").pk,
        "exchange": idea.pk,
        **dict.fromkeys(["exchange:call", "exchange:idea_create", "exchange:programme_call_edit"], ideas_call.pk),
        "exchange:programme_questions": ideas_call.pk,
        "exchange:programme_question_edit": ideas_call.questions.first().pk,
        "exchange:join_decide": join.pk,
        "exchange:proposal": proposal.pk,
        "exchange:proposal_check": proposal.pk,
        "exchange:volunteer": ideas_call.pk,
        "exchange:assessment": panel_assignment.pk,
        "exchange:programme_assessor_decide": panel_assessor.pk,
        **dict.fromkeys(
            [
                "exchange:programme_panel",
                "exchange:programme_panel_assign",
                "exchange:programme_shortlist",
                "exchange:programme_shortlist_announce",
            ],
            panel_call.pk,
        ),
        **dict.fromkeys(["exchange:programme_moderation_request", "exchange:programme_feedback"], panel_proposal.pk),
        "funding": voting.call_id,
        **dict.fromkeys(
            [f"funding:{name}" for name in ("results", "ballot_file", "programme_publish", "programme_funding")],
            published.call_id,
        ),
        **dict.fromkeys(["funding:programme_confirm", "funding:programme_announce"], published.call_id),
        "funding:shortlisted": on_ballot.pk,
        **dict.fromkeys(
            ["funding:project", "funding:update_post", "funding:report", "funding:programme_schedule"], funded[0].pk
        ),
        **dict.fromkeys(["funding:update_comment", "funding:update_image"], update.pk),
    }
    return World(clients=clients, kwargs=kwargs, pk_for=pk_for)
