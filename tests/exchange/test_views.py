from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from exchange import services
from exchange.choices import Stage
from exchange.models import Call, Comment, Idea, IdeaRevision, Support
from tests.factories import UserFactory, programme_team
from tests.factories.exchange import CallFactory, IdeaFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_anyone_signed_in_reads_ideas_but_only_the_team_sees_the_private_budget(client):
    helper = MemberFactory()
    idea = IdeaFactory(team=[helper], budget_private="Backfill for a band 6 nurse: £4,000")
    url = idea.get_absolute_url()
    assert client.get(url).status_code == 302  # a visitor signs in first
    for reader in (UserFactory(), MemberFactory().user):
        page = signed_in(client, reader).get(url).content.decode()
        assert idea.title in page
        assert "band 6 nurse" not in page
    page = signed_in(client, helper.user).get(url).content.decode()
    assert "band 6 nurse" in page


def test_comments_are_markdown_with_script_removed(client):
    idea = IdeaFactory()
    member = MemberFactory()
    services.comment_add(
        idea=idea, member=member, body="**Bold** <script>alert(1)</script> [link](javascript:alert(1))", by=member.user
    )
    page = signed_in(client, member.user).get(idea.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "javascript:alert" not in page


def test_a_member_posts_an_idea_and_a_bad_form_keeps_what_was_typed(client):
    call = CallFactory(stage=Stage.IDEAS)
    member = MemberFactory()
    signed_in(client, member.user)
    url = reverse("exchange:idea_create", kwargs={"pk": call.pk})
    response = client.post(url, {"title": "  Same-day\tletters ", "problem": "Late letters", "budget": "lots"})
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose a theme." in page
    assert "Late letters" in page
    response = client.post(
        url,
        {
            "title": "  Same-day\tletters ",
            "theme": call.themes.first().pk,
            "problem": "Late letters",
            "plan": "Send them the same day",
            "budget": "9000",
        },
    )
    idea = Idea.objects.get()
    assert idea.title == "Same-day letters"
    assert response["Location"] == idea.get_absolute_url()


def test_a_non_member_cannot_post_and_a_non_team_member_cannot_edit(client):
    idea = IdeaFactory()
    signed_in(client, UserFactory())
    assert client.get(reverse("exchange:idea_create", kwargs={"pk": idea.call_id})).status_code == 403
    signed_in(client, MemberFactory().user)
    assert client.get(reverse("exchange:idea_edit", kwargs={"pk": idea.pk})).status_code == 403
    response = client.post(reverse("exchange:idea_edit", kwargs={"pk": idea.pk}), {"title": "Hijacked"})
    assert response.status_code == 403
    idea.refresh_from_db()
    assert idea.title != "Hijacked"


def test_support_comment_join_accept_edit_and_history(client):
    idea = IdeaFactory(call=CallFactory(stage=Stage.REFINEMENT))
    joiner = MemberFactory()
    signed_in(client, joiner.user)
    client.post(reverse("exchange:support", kwargs={"pk": idea.pk}), {"support": "add"})
    client.post(reverse("exchange:comment", kwargs={"pk": idea.pk}), {"body": "Count *readmissions* too"})
    client.post(reverse("exchange:join", kwargs={"pk": idea.pk}), {"message": "I do data"})
    assert Support.objects.filter(idea=idea, member=joiner).exists()
    assert Comment.objects.get(idea=idea).body == "Count *readmissions* too"
    request = idea.memberships.get(member=joiner)

    signed_in(client, idea.lead.user)
    team_page = client.get(reverse("exchange:team", kwargs={"pk": idea.pk})).content.decode()
    assert "I do data" in team_page
    client.post(reverse("exchange:join_decide", kwargs={"pk": request.pk}), {"decision": "accept"})

    signed_in(client, joiner.user)
    values = {
        "title": "Better letters",
        "theme": idea.theme_id,
        "problem": idea.problem,
        "plan": idea.plan,
        "budget": idea.budget,
    }
    response = client.post(reverse("exchange:idea_edit", kwargs={"pk": idea.pk}), values)
    assert response.status_code == 302
    assert IdeaRevision.objects.get(idea=idea).author == joiner
    history = client.get(reverse("exchange:idea_history", kwargs={"pk": idea.pk})).content.decode()
    assert joiner.full_name in history
    assert "Better letters" in history


def test_a_bad_comment_is_shown_again_with_its_error(client):
    idea = IdeaFactory()
    signed_in(client, MemberFactory().user)
    response = client.post(reverse("exchange:comment", kwargs={"pk": idea.pk}), {"body": "x" * 5001})
    page = response.content.decode()
    assert "There is a problem" in page
    assert "x" * 100 in page
    assert Comment.objects.count() == 0


def test_the_proposal_is_the_teams_only_and_late_submission_keeps_the_draft(client):
    idea = IdeaFactory(call=CallFactory(stage=Stage.PROPOSALS))
    signed_in(client, idea.lead.user)
    client.post(reverse("exchange:proposal_start", kwargs={"pk": idea.pk}))
    proposal = idea.proposal
    url = proposal.get_absolute_url()
    questions = list(idea.call.questions.all())
    answers = {f"answer_{q.pk}": "Fewer readmissions." for q in questions}
    response = client.post(url, {"title": "Letters", "summary": "Same day", "budget": "9000", "check": "1", **answers})
    assert response["Location"] == reverse("exchange:proposal_check", kwargs={"pk": proposal.pk})
    signed_in(client, MemberFactory().user)
    assert client.get(url).status_code == 404
    signed_in(client, idea.lead.user)
    # The deadline passed a second ago.
    Call.objects.filter(pk=idea.call_id).update(proposals_due_at=timezone.now() - timedelta(seconds=1))
    response = client.post(reverse("exchange:proposal_check", kwargs={"pk": proposal.pk}), {"confirm": "on"})
    assert "The deadline for proposals has passed" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "draft"
    assert proposal.title == "Letters"


def test_programme_team_opens_a_call_with_themes_and_questions(client, settings):
    settings.REQUIRE_MFA_FOR_STAFF = False
    signed_in(client, programme_team())
    response = client.post(
        reverse("exchange:programme_call_create"),
        {
            "title": "Q Exchange 2026",
            "summary": "Improvement ideas",
            "themes": "Digital\nPatient safety\n\nDigital",
            "total_funding": "400000",
            "largest_grant": "30000",
            "ideas_open_at": "2030-01-01T09:00",
            "refinement_from": "2030-02-01T09:00",
            "proposals_from": "2030-03-01T09:00",
            "proposals_due_at": "2030-04-01T12:00",
            "vote_from": "2030-05-01T09:00",
            "results_from": "2030-06-01T09:00",
        },
    )
    call = Call.objects.get(title="Q Exchange 2026")
    assert response["Location"] == reverse("exchange:programme_questions", kwargs={"pk": call.pk})
    assert sorted(call.themes.values_list("name", flat=True)) == ["Digital", "Patient safety"]
    client.post(response["Location"], {"text": "What will change?", "word_limit": "300", "position": "1"})
    assert list(call.questions.values_list("text", "word_limit")) == [("What will change?", 300)]
    response = client.post(
        reverse("exchange:programme_call_edit", kwargs={"pk": call.pk}),
        {"title": "X", "summary": "Y", "themes": "Digital", "total_funding": "10", "largest_grant": "20"},
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter the date and time." in page


def test_an_erased_members_idea_and_comments_stay_by_a_former_member(client):
    idea = IdeaFactory(title="Kept for the record")
    commenter = MemberFactory(full_name="Gone Person")
    services.comment_add(idea=idea, member=commenter, body="My thought", by=commenter.user)
    idea.lead.user.delete()
    commenter.user.delete()
    page = signed_in(client, MemberFactory().user).get(idea.get_absolute_url()).content.decode()
    assert "Kept for the record" in page
    assert "led by a former member" in page
    assert "A former member" in page
    assert "Gone Person" not in page


@pytest.mark.parametrize("size", [1, 4])
def test_the_team_and_history_pages_cost_the_same_queries_at_any_size(client, django_assert_num_queries, size):
    call = CallFactory(stage=Stage.REFINEMENT)
    team = [MemberFactory() for _ in range(size)]
    idea = IdeaFactory(call=call, team=team)
    for number, member in enumerate([idea.lead, *team]):
        values = {field: getattr(idea, field) for field in services.IDEA_FIELDS}
        values["budget"] = idea.budget + number + 1
        services.idea_update(idea=idea, member=member, values=values, by=member.user)
        idea.refresh_from_db()
    asking = MemberFactory()
    services.join_request(idea=idea, member=asking, message="May I help?", by=asking.user)
    signed_in(client, idea.lead.user)
    client.get(reverse("exchange:team", kwargs={"pk": idea.pk}))  # warm the session
    with django_assert_num_queries(6):
        team_page = client.get(reverse("exchange:team", kwargs={"pk": idea.pk})).content.decode()
    assert all(member.full_name in team_page for member in team) and "May I help?" in team_page
    with django_assert_num_queries(5):
        history = client.get(reverse("exchange:idea_history", kwargs={"pk": idea.pk})).content.decode()
    assert history.count("data-revision") == size + 1


def told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_the_lead_is_asked_before_withdrawing_the_idea(client):
    idea = IdeaFactory()
    url = reverse("exchange:idea_withdraw", kwargs={"pk": idea.pk})
    signed_in(client, idea.lead.user)

    page = client.get(url)
    response = client.post(url)

    assert (page.status_code, idea.title in page.content.decode()) == (200, True)
    assert response["Location"] == idea.get_absolute_url()
    assert told(response) == [("success", "Your idea is withdrawn. It stays readable, marked as withdrawn.")]
    assert Idea.objects.get(pk=idea.pk).is_withdrawn


def test_a_reply_to_a_comment_that_has_gone_is_shown_again_with_what_was_typed(client):
    idea = IdeaFactory()
    signed_in(client, MemberFactory().user)
    url = reverse("exchange:comment", kwargs={"pk": idea.pk})

    response = client.post(url, {"body": "I agree with this", "parent": "999999"})
    posted = client.post(url, {"body": "Count readmissions"})

    page = response.content.decode()
    assert (response.status_code, "The comment you replied to is no longer there." in page) == (200, True)
    assert "I agree with this" in page
    comment = Comment.objects.get()
    assert posted["Location"] == f"{idea.get_absolute_url()}#comment-{comment.pk}"
    assert told(posted) == [("success", "Your comment is posted.")]


def test_a_proposal_refused_to_start_sends_the_lead_back_to_the_idea(client):
    idea = IdeaFactory(call=CallFactory(stage=Stage.PROPOSALS))
    services.idea_withdraw(idea=idea, member=idea.lead, by=idea.lead.user)
    signed_in(client, idea.lead.user)

    response = client.post(reverse("exchange:proposal_start", kwargs={"pk": idea.pk}))

    assert response["Location"] == idea.get_absolute_url()
    assert told(response) == [("error", "This idea has been withdrawn.")]
    signed_in(client, MemberFactory().user)
    assert client.post(reverse("exchange:proposal_start", kwargs={"pk": idea.pk})).status_code == 403


def test_a_question_is_removed_unless_teams_have_answered_it(client, settings):
    settings.REQUIRE_MFA_FOR_STAFF = False
    call = CallFactory(stage=Stage.PROPOSALS)
    answered, unanswered = call.questions.order_by("position")
    idea = IdeaFactory(call=call)
    proposal = services.proposal_start(idea=idea, member=idea.lead, by=idea.lead.user)
    proposal.answers.update_or_create(question=answered, defaults={"text": "Fewer readmissions."})
    signed_in(client, programme_team())

    refused = client.post(reverse("exchange:programme_question_edit", kwargs={"pk": answered.pk}), {"delete": "1"})
    removed = client.post(reverse("exchange:programme_question_edit", kwargs={"pk": unanswered.pk}), {"delete": "1"})

    assert refused["Location"] == reverse("exchange:programme_question_edit", kwargs={"pk": answered.pk})
    refusal = ("error", "Teams have answered this question, so it cannot be removed.")
    assert told(refused) == [refusal]
    assert removed["Location"] == reverse("exchange:programme_questions", kwargs={"pk": call.pk})
    assert told(removed) == [refusal, ("success", "The question is removed.")]  # the first not yet read
    assert list(call.questions.all()) == [answered]


def test_a_member_chooses_how_to_hear_about_their_ideas(client):
    member = MemberFactory()
    signed_in(client, member.user)
    url = reverse("exchange:preferences")

    unchosen = client.post(url, {})
    chosen = client.post(url, {"email": "none"})

    assert "Choose how you want to hear about your ideas." in unchosen.content.decode()
    assert chosen["Location"] == url
    assert told(chosen) == [("success", "Your email preference is saved.")]
    assert member.exchange_preference.email == "none"
