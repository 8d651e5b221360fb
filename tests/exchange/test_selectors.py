import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchange import services
from exchange.choices import JoinStatus, Stage
from exchange.models import Comment, Idea, IdeaRevision, Support, TeamMembership
from exchange.selectors import IdeaFilters, call_ideas, with_engagement
from exchange.views import CallView
from tests.factories import OrganisationFactory, RegionFactory
from tests.factories.exchange import CallFactory, IdeaFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def generated_call(seed: int, ideas: int = 6):
    """A call with random comments, replies, supporters, teams and edits."""
    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not security
    call = CallFactory(stage=Stage.REFINEMENT)
    regions, organisations = [RegionFactory() for _ in range(3)], [OrganisationFactory() for _ in range(3)]
    people = [
        MemberFactory(region=rng.choice([*regions, None]), organisation=rng.choice([*organisations, None]))
        for _ in range(10)
    ]
    for _ in range(ideas):
        lead, *others = rng.sample(people, 4)
        idea = IdeaFactory(call=call, lead=lead, team=others[: rng.randint(0, 3)])
        team = [lead, *others]
        for _ in range(rng.randint(0, 6)):
            author = rng.choice(people)
            parent = rng.choice([None, *Comment.objects.filter(idea=idea, parent=None)])
            services.comment_add(idea=idea, member=author, body="A thought", parent=parent, by=author.user)
            if rng.random() < 0.4:
                editor = rng.choice(team[:1])
                values = {field: getattr(idea, field) for field in services.IDEA_FIELDS}
                values["budget"] = idea.budget + rng.randint(1, 100)
                services.idea_update(idea=idea, member=editor, values=values, by=editor.user)
                idea.refresh_from_db()
        for supporter in rng.sample(people, rng.randint(0, 5)):
            services.support_set(idea=idea, member=supporter, support=True, by=supporter.user)
    return call


def independent_count(idea):
    """The figures counted the slow way, in Python, as the assessors did by hand."""
    comments = list(Comment.objects.filter(idea=idea))
    team = [m.member for m in TeamMembership.objects.filter(idea=idea, status=JoinStatus.ACCEPTED)]
    team_ids = {member.pk for member in team}
    first = min((c.created_at for c in comments), default=None)
    revisions = IdeaRevision.objects.filter(idea=idea)
    return {
        "comment_count": len(comments),
        "commenter_count": len({c.author_id for c in comments}),
        "team_reply_count": sum(1 for c in comments if c.parent_id and c.author_id in team_ids),
        "supporter_count": Support.objects.filter(idea=idea).count(),
        "revisions_after_feedback": sum(1 for r in revisions if first is not None and r.created_at > first),
        "team_size": len(team),
        "team_region_count": len({m.region_id for m in team if m.region_id}),
        "team_organisation_count": len({m.organisation_id for m in team if m.organisation_id}),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engagement_matches_an_independent_count(seed):
    call = generated_call(seed)
    for idea in with_engagement(call.ideas.all()):
        computed = {key: getattr(idea, key) for key in independent_count(idea)}
        assert computed == independent_count(idea), idea.title


def test_filters_search_and_sorts():
    call = CallFactory(stage=Stage.REFINEMENT, themes=["Digital", "Patient safety"])
    digital, safety = call.themes.order_by("name")
    north = RegionFactory()
    quiet = IdeaFactory(call=call, theme=digital, title="Virtual wards", skills_wanted="data analysis")
    busy = IdeaFactory(
        call=call, theme=safety, title="Falls prevention", lead=MemberFactory(region=north), problem="Falls at night"
    )
    for member in [MemberFactory() for _ in range(3)]:
        services.support_set(idea=busy, member=member, support=True, by=member.user)
    services.comment_add(idea=quiet, member=busy.lead, body="Hi", by=busy.lead.user)

    def titles(**filters):
        return [idea.title for idea in call_ideas(call=call, filters=IdeaFilters(**filters))]

    assert titles(theme=digital) == ["Virtual wards"]
    assert titles(region=north) == ["Falls prevention"]
    assert titles(skill="data") == ["Virtual wards"]
    assert titles(query="falls") == ["Falls prevention"]
    assert titles(query="night") == ["Falls prevention"]
    assert titles(sort="supported") == ["Falls prevention", "Virtual wards"]
    assert titles(sort="discussed") == ["Virtual wards", "Falls prevention"]
    services.idea_withdraw(idea=quiet, member=quiet.lead, by=quiet.lead.user)
    assert titles(stage="withdrawn") == ["Virtual wards"]
    assert titles(stage="open") == ["Falls prevention"]


def _page_queries(client, url, expected):
    """The page's own queries, counted exactly. The session's refresh
    (SESSION_SAVE_EVERY_REQUEST: an UPDATE in a savepoint, on some requests
    only) is left out: it is the same for every page and size."""
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    own = [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" not in query["sql"] and "SAVEPOINT" not in query["sql"]
    ]
    assert len(own) == expected, "\n\n".join(own)
    return response


@pytest.mark.parametrize("ideas", [2, 6])
def test_the_call_page_costs_the_same_queries_at_any_size(client, monkeypatch, ideas):
    monkeypatch.setattr(CallView, "paginate_by", 4)
    call = generated_call(seed=ideas, ideas=ideas)
    member = MemberFactory()
    client.force_login(member.user)
    url = reverse("exchange:call", kwargs={"pk": call.pk})
    response = _page_queries(client, url, 10)
    assert response.content.decode().count("exchange-idea-summary") == min(ideas, 4)
    _page_queries(client, url + "?q=idea&sort=supported&skill=x", 8)


def test_a_page_of_the_call_shows_its_ideas_in_order_with_their_figures(client, monkeypatch):
    monkeypatch.setattr(CallView, "paginate_by", 4)
    call = generated_call(seed=7, ideas=7)
    client.force_login(MemberFactory().user)
    expected = [
        (idea.title, idea.comment_count, idea.supporter_count)
        for idea in call_ideas(call=call, filters=IdeaFilters(sort="discussed"))
    ]
    shown = []
    for page in (1, 2):
        response = client.get(reverse("exchange:call", kwargs={"pk": call.pk}), {"sort": "discussed", "page": page})
        shown += [(idea.title, idea.comment_count, idea.supporter_count) for idea in response.context["ideas"]]
    assert shown == expected
    assert [(title, independent_count(Idea.objects.get(title=title))["comment_count"]) for title, *_ in shown] == [
        (title, comments) for title, comments, _supporters in expected
    ]


@pytest.mark.parametrize("ideas", [1, 4])
def test_the_idea_page_costs_the_same_queries_at_any_size(client, ideas):
    call = generated_call(seed=ideas + 10, ideas=ideas)
    idea = max(with_engagement(call.ideas.all()), key=lambda i: i.comment_count)
    member = MemberFactory()
    client.force_login(member.user)
    _page_queries(client, idea.get_absolute_url(), 11)
    _page_queries(client, reverse("exchange:calls"), 5)
