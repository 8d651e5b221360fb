"""The call page's figures (ideas, comments, supporters, members in teams) are kept
between views, and every change to what they count shows on the next view."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchange import services
from exchange.choices import JoinStatus, Stage
from exchange.models import TeamMembership
from tests.factories.exchange import CallFactory, IdeaFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def figures(client, call) -> dict[str, int]:
    """The figures at the top of the call's page, by what they count."""
    html = client.get(reverse("exchange:call", kwargs={"pk": call.pk})).content.decode()
    names = {"idea": "idea", "comment": "comment", "supporter": "supporter", "member in team": "team"}
    shown = re.findall(r"<strong>(\d+)</strong> (idea|comment|supporter|members? in team)s?\b", html)
    return {names[label.replace("members", "member")]: int(number) for number, label in shown}


def test_each_change_to_what_the_call_counts_shows_on_the_next_view(client, django_capture_on_commit_callbacks):
    call = CallFactory(stage=Stage.REFINEMENT)
    lead, reader, joiner = MemberFactory(), MemberFactory(), MemberFactory()
    idea = IdeaFactory(call=call, lead=lead)
    client.force_login(reader.user)
    before = figures(client, call)
    assert before == {"idea": 1, "comment": 0, "supporter": 0, "team": before["team"]}

    def committed():
        """Each change as its request commits it."""
        return django_capture_on_commit_callbacks(execute=True)

    with committed():
        services.comment_add(idea=idea, member=reader, body="Have you asked the ward clerks?", by=reader.user)
    assert figures(client, call)["comment"] == 1
    with committed():
        services.support_set(idea=idea, member=reader, support=True, by=reader.user)
    assert figures(client, call)["supporter"] == 1
    with committed():
        services.support_set(idea=idea, member=reader, support=False, by=reader.user)
    assert figures(client, call)["supporter"] == 0

    with committed():
        membership = services.join_request(idea=idea, member=joiner, message="I run the data team.", by=joiner.user)
    assert figures(client, call)["team"] == before["team"]
    with committed():
        services.join_decide(membership=membership, accept=True, lead=lead, by=lead.user)
    assert TeamMembership.objects.get(pk=membership.pk).status == JoinStatus.ACCEPTED
    assert figures(client, call)["team"] == before["team"] + 1

    with committed():
        IdeaFactory(call=call, lead=joiner)
    assert figures(client, call)["idea"] == 2
    with committed():
        services.idea_withdraw(idea=idea, member=lead, by=lead.user)
    assert figures(client, call)["idea"] == 1


def test_a_change_not_yet_committed_leaves_the_kept_figures_alone(client, django_capture_on_commit_callbacks):
    call = CallFactory(stage=Stage.REFINEMENT)
    idea = IdeaFactory(call=call)
    member = MemberFactory()
    client.force_login(member.user)
    assert figures(client, call)["comment"] == 0
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        services.comment_add(idea=idea, member=member, body="A thought", by=member.user)
    # A view between the change and its commit would count it too early for other
    # readers: the figures are only forgotten when the change commits.
    assert figures(client, call)["comment"] == 0
    assert waiting
    for callback in waiting:
        callback()
    assert figures(client, call)["comment"] == 1


def test_the_figures_are_counted_once_while_nothing_changes(client):
    call = CallFactory(stage=Stage.REFINEMENT)
    IdeaFactory(call=call)
    member = MemberFactory()
    client.force_login(member.user)
    url = reverse("exchange:call", kwargs={"pk": call.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not [query for query in queries.captured_queries if "comment_total" in query["sql"]]


def test_without_a_cache_every_view_counts(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    call = CallFactory(stage=Stage.REFINEMENT)
    idea = IdeaFactory(call=call)
    member = MemberFactory()
    client.force_login(member.user)
    assert figures(client, call)["comment"] == 0
    services.comment_add(idea=idea, member=member, body="A thought", by=member.user)
    assert figures(client, call)["comment"] == 1
