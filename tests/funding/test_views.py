import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from funding import services
from funding.models import CallVote, ProjectUpdate, UpdateComment, Vote
from q_portal.roles import Role
from tests.factories import UserFactory, with_totp
from tests.factories.funding import CallVoteFactory, opened, published_and_announced, shortlisted
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def ballot_order(client, call_vote):
    page = client.get(reverse("funding:ballot", kwargs={"pk": call_vote.call_id})).content.decode()
    return [int(pk) for pk in re.findall(r'data-proposal="(\d+)"', page)]


@pytest.fixture
def vote_of_ten():
    call_vote = CallVoteFactory()
    themes = list(call_vote.call.themes.all())
    for rank in range(1, 11):
        shortlisted(call_vote.call, panel_rank=rank, theme=themes[rank % 2])
    return call_vote


def test_the_ballot_order_is_random_stable_for_each_voter_and_differs_between_voters(client, vote_of_ten):
    members = [MemberFactory() for _ in range(3)]
    opened(vote_of_ten)
    orders = []
    for member in members:
        client.force_login(member.user)
        first = ballot_order(client, vote_of_ten)
        again = ballot_order(client, vote_of_ten)
        assert first == again
        assert sorted(first) == sorted(vote_of_ten.call.proposals.values_list("pk", flat=True))
        orders.append(first)
    # Placing a vote does not reshuffle the ballot.
    client.force_login(members[0].user)
    client.post(
        reverse("funding:cast", kwargs={"pk": vote_of_ten.call_id}), {"action": "place", "proposal": orders[0][4]}
    )
    assert ballot_order(client, vote_of_ten) == orders[0]
    assert len({tuple(order) for order in orders}) == 3
    assert all(order != sorted(order) for order in orders)


@pytest.mark.parametrize("size", [3, 30])
def test_the_ballot_page_costs_the_same_queries_at_any_size(client, django_assert_num_queries, size):
    call_vote = CallVoteFactory()
    themes = list(call_vote.call.themes.all())
    for rank in range(1, size + 1):
        shortlisted(call_vote.call, panel_rank=rank, theme=themes[rank % 2])
    member = MemberFactory()
    opened(call_vote)
    for proposal in call_vote.call.proposals.order_by("pk")[:2]:
        services.vote_place(call_vote=call_vote, member=member, proposal=proposal, by=member.user)
    client.force_login(member.user)
    url = reverse("funding:ballot", kwargs={"pk": call_vote.call_id})
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.content.decode().count("funding-ballot__item ") == size
    assert "You have 4 votes left" in response.content.decode()


def test_the_ballot_says_why_a_vote_is_refused_and_shows_votes_left_per_theme(client, vote_of_ten):
    member = MemberFactory()
    opened(vote_of_ten)
    client.force_login(member.user)
    url = reverse("funding:cast", kwargs={"pk": vote_of_ten.call_id})
    same_theme = list(vote_of_ten.call.proposals.filter(idea__theme__name="Digital"))
    for proposal in same_theme[:4]:
        response = client.post(url, {"action": "place", "proposal": proposal.pk}, follow=True)
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    page = response.content.decode()
    assert "the most allowed in one theme" in page
    assert "Digital: 0 votes left (3 used)" in page
    assert Vote.objects.filter(voter__member=member).count() == 3
    assert shown == [] or shown  # messages were rendered on the page already


def test_cast_survives_bad_input(client, vote_of_ten):
    member = MemberFactory()
    opened(vote_of_ten)
    client.force_login(member.user)
    url = reverse("funding:cast", kwargs={"pk": vote_of_ten.call_id})
    other_call = CallVoteFactory()
    stranger = shortlisted(other_call.call, panel_rank=1)
    for data in (
        {},
        {"action": "explode", "proposal": "1"},
        {"action": "place", "proposal": "abc"},
        {"action": "place", "proposal": "99999999999999999999999"},
        {"action": "place", "proposal": stranger.pk},
        {"action": "move", "proposal": vote_of_ten.call.proposals.first().pk},
        {"action": "move", "proposal": vote_of_ten.call.proposals.first().pk, "from_proposal": stranger.pk},
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
    assert Vote.objects.count() == 0


def test_results_and_the_ballot_file_are_hidden_until_published(
    client, vote_of_ten, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    programme = with_totp(UserFactory(roles=[Role.PROGRAMME_TEAM]))
    opened(vote_of_ten)
    services.vote_place(
        call_vote=vote_of_ten, member=member, proposal=vote_of_ten.call.proposals.first(), by=member.user
    )
    results = reverse("funding:results", kwargs={"pk": vote_of_ten.call_id})
    ballots = reverse("funding:ballot_file", kwargs={"pk": vote_of_ten.call_id})
    room = reverse("funding:room_json", kwargs={"pk": vote_of_ten.call_id})
    client.force_login(member.user)
    assert client.get(results).status_code == 404
    assert client.get(room).json()["totals"] is None
    assert client.get(room).json()["voted"] == 1

    with (
        time_machine.travel(vote_of_ten.closes_at + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.votes_open_and_close_due()
    assert client.get(results).status_code == 404
    assert client.get(ballots).status_code == 404
    client.force_login(programme)
    assert "Not yet published" in client.get(results).content.decode()

    services.vote_publish(call_vote=CallVote.objects.get(pk=vote_of_ten.pk), by=programme)
    client.force_login(member.user)
    page = client.get(results).content.decode()
    assert "1 of 11 eligible members voted" in page
    assert "The proposal the member panel ranked higher comes first" in page
    assert client.get(room).json()["totals"][0]["votes"] == 1


def test_the_room_shows_running_totals_only_when_the_call_shows_them(client, vote_of_ten):
    CallVote.objects.filter(pk=vote_of_ten.pk).update(totals_hidden=False)
    member = MemberFactory()
    opened(vote_of_ten)
    proposal = vote_of_ten.call.proposals.first()
    services.vote_place(call_vote=vote_of_ten, member=member, proposal=proposal, by=member.user)
    client.force_login(member.user)
    page = client.get(reverse("funding:room", kwargs={"pk": vote_of_ten.call_id})).content.decode()
    assert f"{proposal.title}: 1" in page
    assert "1 vote so far" in client.get(reverse("funding:ballot", kwargs={"pk": vote_of_ten.call_id})).content.decode()


def test_the_programme_team_sets_the_rules_with_errors_at_the_fields(client):
    call_vote = CallVoteFactory()
    programme = with_totp(UserFactory(roles=[Role.PROGRAMME_TEAM]))
    client.force_login(programme)
    url = reverse("funding:programme_vote", kwargs={"pk": call_vote.call_id})
    local = timezone.localtime(call_vote.opens_at)
    data = {
        "votes_per_member": "6",
        "most_per_theme": "9",
        "totals_hidden": "on",
        "opens_at": local.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (local + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "tie_break": "lower_budget",
    }
    page = client.post(url, data).content.decode()
    assert "cannot be more than the votes per member" in page
    assert 'value="9"' in page  # nothing typed is lost
    response = client.post(url, data | {"most_per_theme": "2"})
    assert response.status_code == 302
    saved = CallVote.objects.get(pk=call_vote.pk)
    assert (saved.most_per_theme, saved.tie_break, saved.panel_reviewers_may_vote) == (2, "lower_budget", False)


@pytest.fixture
def project(django_capture_on_commit_callbacks):
    call_vote = CallVoteFactory()
    proposal = shortlisted(call_vote.call, panel_rank=1)
    opened(call_vote)
    with (
        time_machine.travel(call_vote.closes_at + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.votes_open_and_close_due()
    programme = UserFactory(roles=[Role.PROGRAMME_TEAM])
    services.vote_publish(call_vote=call_vote, by=programme)
    services.funding_confirm(call_vote=call_vote, by=programme)
    services.funding_announce(
        call_vote=call_vote, starts_on=timezone.localdate() - timedelta(days=80), months=6, every_months=3, by=programme
    )
    return proposal.project


def test_the_team_posts_an_update_with_an_image_and_a_member_comments_safely(client, project):
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(picture, "PNG")
    client.force_login(project.proposal.lead.user)
    url = reverse("funding:update_post", kwargs={"pk": project.pk})
    page = client.post(url, {"title": "Month 3", "body": "Hello", "links": "not a link"}).content.decode()
    assert "must start with https://" in page and "Month 3" in page
    client.post(
        url,
        {
            "title": "Month 3",
            "body": "We **started**.",
            "links": "https://example.org/slides",
            "image": SimpleUploadedFile("chart.png", picture.getvalue(), content_type="image/png"),
            "image_alt": "A red square",
        },
    )
    update = ProjectUpdate.objects.get()
    assert update.image.name.startswith(f"funding/updates/{project.pk}/")

    member = MemberFactory()
    client.force_login(member.user)
    client.post(
        reverse("funding:update_comment", kwargs={"pk": update.pk}), {"body": "<script>alert(1)</script> **Great**"}
    )
    assert UpdateComment.objects.count() == 1
    page = client.get(project.get_absolute_url()).content.decode()
    assert "<strong>started</strong>" in page and "<strong>Great</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert client.get(reverse("funding:update_image", kwargs={"pk": update.pk}))["Content-Type"] == "image/png"
    assert client.get(url).status_code == 403  # not on the team

    report = client.get(reverse("funding:report", kwargs={"pk": project.pk}))
    assert "attachment" in report["Content-Disposition"]
    assert "The final report has not been posted yet." in report.content.decode()


@pytest.mark.parametrize("size", [1, 6])
def test_the_projects_at_a_glance_cost_the_same_queries_at_any_size(client, django_assert_num_queries, size):
    call_vote = CallVoteFactory()
    for rank in range(1, size + 1):
        shortlisted(call_vote.call, panel_rank=rank)
    opened(call_vote)
    call_vote.closes_at = timezone.now()
    programme = with_totp(UserFactory(roles=[Role.PROGRAMME_TEAM]))
    CallVote.objects.filter(pk=call_vote.pk).update(closes_at=timezone.now(), status="closed")
    services.vote_count(call_vote=call_vote)
    services.vote_publish(call_vote=call_vote, by=programme)
    services.funding_confirm(call_vote=call_vote, by=programme)
    services.funding_announce(
        call_vote=call_vote, starts_on=timezone.localdate(), months=12, every_months=3, by=programme
    )
    client.force_login(programme)
    with django_assert_num_queries(10):
        response = client.get(reverse("funding:programme_projects"))
    assert response.content.decode().count('data-status="on_track"') == size
    with django_assert_num_queries(11):
        client.get(reverse("funding:programme_insight", kwargs={"pk": call_vote.call_id}))


def test_the_call_page_links_to_the_ballot_while_the_vote_is_open(client, vote_of_ten):
    member = MemberFactory()
    client.force_login(member.user)
    call_page = reverse("exchange:call", kwargs={"pk": vote_of_ten.call_id})
    ballot = reverse("funding:ballot", kwargs={"pk": vote_of_ten.call_id})
    assert ballot not in client.get(call_page).content.decode()
    opened(vote_of_ten)
    assert f'href="{ballot}"' in client.get(call_page).content.decode()

    # Someone signed in who is not a member (the programme team) is not sent to a ballot they cannot open.
    client.force_login(with_totp(UserFactory(roles=[Role.PROGRAMME_TEAM])))
    proposal = vote_of_ten.call.proposals.first()
    for page in (
        call_page,
        reverse("funding:room", kwargs={"pk": vote_of_ten.call_id}),
        reverse("funding:shortlisted", kwargs={"pk": proposal.pk}),
    ):
        assert f'href="{ballot}"' not in client.get(page).content.decode()
    assert client.get(ballot).status_code == 403


@pytest.mark.parametrize("size", [1, 5])
def test_the_results_and_a_project_page_cost_the_same_queries_at_any_size(client, django_assert_num_queries, size):
    call_vote = CallVoteFactory()
    for rank in range(1, size + 1):
        shortlisted(call_vote.call, panel_rank=rank)
    opened(call_vote)
    programme = UserFactory(roles=[Role.PROGRAMME_TEAM])
    project = published_and_announced(call_vote, by=programme)[0]
    lead = project.proposal.lead
    for number in range(size):
        update = services.project_update_post(
            project=project, member=lead, values={"title": f"Update {number}", "body": "News."}, by=lead.user
        )
        services.update_comment_add(update=update, member=lead, body="A comment", by=lead.user)
    member = MemberFactory()
    client.force_login(member.user)
    with django_assert_num_queries(10):
        page = client.get(reverse("funding:results", kwargs={"pk": call_vote.call_id})).content.decode()
    assert page.count("project page") == size
    with django_assert_num_queries(9):
        page = client.get(project.get_absolute_url()).content.decode()
    assert page.count("data-comment") == size
