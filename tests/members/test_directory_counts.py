"""The directory's counts at any size: a search or filter counts its matches up to
a cap ("more than 1,000 members match"), the plain directory's count comes from
the cache and changes as soon as a member joins or leaves the directory."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from members.choices import MembershipStatus
from members.selectors import LISTED_COUNT_SECONDS, listed_member_count_forget
from members.services import member_create, member_transition, profile_settings_update
from members.views import member as member_views
from q_portal import cache as resilient_cache
from tests.factories import UserFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("members:directory")


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 5 matches and 2 members a page, so a few members go past both."""
    monkeypatch.setattr(member_views, "DIRECTORY_COUNT_CAP", 5)
    monkeypatch.setattr(member_views.DirectoryView, "paginate_by", 2)


def _heading(response) -> str:
    page = response.content.decode()
    start = page.index('id="results-heading">') + len('id="results-heading">')
    return " ".join(page[start : page.index("</h2>", start)].split())


def test_search_past_the_cap_says_more_than_the_cap_match(client, small_cap):
    # Every factory member is an "Improvement lead": the viewer and five others match.
    MemberFactory.create_batch(5)
    client.force_login(MemberFactory().user)

    response = client.get(DIRECTORY, {"q": "improvement"})

    assert _heading(response) == "More than 5 members match"
    assert "Only the first 5 are shown. Add a filter or more words to narrow your search." in response.content.decode()


def test_search_at_the_cap_gives_the_exact_count(client, small_cap):
    MemberFactory.create_batch(4)
    client.force_login(MemberFactory().user)

    response = client.get(DIRECTORY, {"q": "improvement"})

    assert _heading(response) == "5 members"
    assert "More than" not in response.content.decode()
    assert "Only the first" not in response.content.decode()


def test_filter_past_the_cap_is_capped_too_but_a_sort_alone_is_not(client, small_cap):
    MemberFactory.create_batch(6, cohort_name="Wave two")
    client.force_login(MemberFactory().user)

    filtered = client.get(DIRECTORY, {"cohort": "Wave two"})
    sorted_only = client.get(DIRECTORY, {"sort": "newest"})

    assert _heading(filtered) == "More than 5 members match"
    assert _heading(sorted_only) == "7 members"


def test_pages_of_a_capped_search_reach_the_cap_and_no_further(client, small_cap):
    for letter in "ABCDEFG":
        MemberFactory(full_name=f"{letter} Improver")
    client.force_login(MemberFactory(full_name="Z Viewer").user)
    search = {"q": "improvement", "sort": "name"}

    first = client.get(DIRECTORY, search)
    second = client.get(DIRECTORY, {**search, "page": "2"})
    last = client.get(DIRECTORY, {**search, "page": "3"})
    beyond = client.get(DIRECTORY, {**search, "page": "4"})

    assert [p.full_name for p in first.context["profiles"]] == ["A Improver", "B Improver"]
    assert [p.full_name for p in second.context["profiles"]] == ["C Improver", "D Improver"]
    assert [p.full_name for p in last.context["profiles"]] == ["E Improver"]
    assert "Page 2 of 3" in second.content.decode()
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' in second.content.decode()
    assert "Page 3 of 3" in last.content.decode() and 'rel="next"' not in last.content.decode()
    assert _heading(last) == "More than 5 members match"
    # A page past the cap is past the end, as for any list: not found, never an error.
    assert beyond.status_code == 404


def test_plain_directory_count_follows_members_joining_and_leaving(client, django_capture_on_commit_callbacks):
    viewer = MemberFactory()
    other = MemberFactory()
    client.force_login(viewer.user)
    assert _heading(client.get(DIRECTORY)) == "2 members"

    with django_capture_on_commit_callbacks(execute=True):
        joined = member_create(user=UserFactory(), by=None, cohort_name="Wave two", joined_on=datetime.date(2026, 1, 5))
    assert _heading(client.get(DIRECTORY)) == "3 members"

    with django_capture_on_commit_callbacks(execute=True):
        profile_settings_update(
            member=joined, by=joined.user, visibility="hidden", contact_enabled=True, coffee_opt_in=False
        )
    assert _heading(client.get(DIRECTORY)) == "2 members"

    with django_capture_on_commit_callbacks(execute=True):
        member_transition(member=other, to=MembershipStatus.PAUSED, by=None)
    assert _heading(client.get(DIRECTORY)) == "1 member"

    with django_capture_on_commit_callbacks(execute=True):
        member_transition(member=other, to=MembershipStatus.ACTIVE, by=None)
    assert _heading(client.get(DIRECTORY)) == "2 members"


def test_plain_directory_count_is_read_from_the_cache(client):
    """A profile written outside the members' services (here the factory, as the
    admin or a bulk load would) shows once the cached count expires."""
    client.force_login(MemberFactory().user)
    assert _heading(client.get(DIRECTORY)) == "1 member"

    MemberFactory()

    assert _heading(client.get(DIRECTORY)) == "1 member"
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=LISTED_COUNT_SECONDS + 1)):
        assert _heading(client.get(DIRECTORY)) == "2 members"


@pytest.mark.parametrize("size", [3, 25])
def test_plain_directory_query_count_is_flat_and_one_fewer_from_the_cache(client, django_assert_num_queries, size):
    MemberFactory.create_batch(size)
    client.force_login(MemberFactory().user)
    client.get(DIRECTORY)  # the session's first page reads and writes a little more
    listed_member_count_forget()

    with django_assert_num_queries(11):
        client.get(DIRECTORY)
    with django_assert_num_queries(10):
        response = client.get(DIRECTORY)

    assert response.context["paginator"].count == size + 1


def test_directory_works_while_redis_is_down(client, settings, monkeypatch, caplog):
    """Nothing listens on port 1: the counts are kept in this process's memory."""
    monkeypatch.setattr(resilient_cache, "_down_until", {})  # this test's outage only
    MemberFactory.create_batch(2)
    client.force_login(MemberFactory().user)
    settings.CACHES = {
        "default": {"BACKEND": "q_portal.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    plain = client.get(DIRECTORY)
    searched = client.get(DIRECTORY, {"q": "improvement"})

    assert _heading(plain) == "3 members"
    assert _heading(searched) == "3 members"
    assert "does not answer" in caplog.text
