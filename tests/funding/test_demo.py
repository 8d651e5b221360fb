"""The demo's member vote and funded projects (`funding/demo.py`, run by seed_demo)."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from exchange.models import Call
from funding.demo import PAST_CALL, VOTE_CALL
from funding.models import Award, CallVote, Project, ProjectUpdate, UpdateComment, Vote, VoteCount
from members.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_vote_for_the_demo_member_and_last_years_funded_projects(client, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Call.objects.count(), Vote.objects.count(), Project.objects.count(), UpdateComment.objects.count())
    call_command("seed_demo")
    assert (
        Call.objects.count(),
        Vote.objects.count(),
        Project.objects.count(),
        UpdateComment.objects.count(),
    ) == counts

    # The vote is open and the demo member has all six votes to place.
    open_vote = CallVote.objects.get(call__title=VOTE_CALL)
    assert open_vote.is_taking_votes()
    client.force_login(User.objects.get(email="member@example.org"))
    ballot = client.get(f"/exchange/vote/{open_vote.call_id}/").content.decode()
    assert "You have 6 votes left" in ballot
    assert "Your team's proposal: you cannot vote for it." in ballot

    # Last year's results are published; the money funds projects in order and adds up.
    past = CallVote.objects.select_related("call").get(call__title=PAST_CALL)
    assert past.results_published and past.announced_at is not None
    assert sum(VoteCount.objects.filter(call_vote=past).values_list("votes", flat=True)) == (
        Vote.objects.filter(voter__call_vote=past).count()
    )
    funded = Award.objects.filter(call_vote=past, funded=True)
    assert Project.objects.filter(award__call_vote=past).count() == funded.count() >= 2
    assert funded.aggregate(total=Sum("grant"))["total"] <= past.call.total_funding
    dates = [getattr(past.call, field) for field in ("ideas_open_at", "proposals_due_at", "vote_from", "results_from")]
    assert dates == sorted(dates) and past.closed_at == past.call.results_from
    assert all(project.starts_on > past.closed_at.date() for project in Project.objects.all())

    # One project has reported, on time, and members commented.
    update = ProjectUpdate.objects.get()
    assert update.due_on is not None and update.created_at.date() <= update.due_on
    page = client.get(update.project.get_absolute_url()).content.decode()
    assert "The first three months" in page and page.count("data-comment") == 3
