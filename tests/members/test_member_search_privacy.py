"""The programme team's members search keeps names and email addresses out of
URLs: the search is posted, held in the session, and the URL carries a random
reference to it (server logs, browser history and Referer headers never see it)."""

import pytest
from django.urls import reverse

from q_portal.session_references import REFERENCE_SECONDS
from tests.factories import programme_team, with_totp
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_client(client):
    client.force_login(with_totp(programme_team()))
    return client


def test_searching_by_email_finds_the_member_without_the_address_in_any_url(team_client):
    found = MemberFactory(full_name="Paula Present", user__email="paula.present@nhs.net")
    MemberFactory(full_name="Other Person")

    response = team_client.post(reverse("members:programme_members"), {"q": "Paula.Present@nhs.net"}, follow=True)

    page = response.content.decode()
    urls = [url for url, _status in response.redirect_chain] + [response.request["QUERY_STRING"]]
    assert "Paula Present" in page and "Other Person" not in page
    assert response.context["paginator"].count == 1
    assert not any("paula" in url.lower() or "nhs.net" in url.lower() for url in urls)
    assert 'value="Paula.Present@nhs.net"' in page  # what was typed stays in the box
    assert response.context["profiles"][0] == found


def test_a_search_by_name_pages_on_with_the_reference_and_the_status(team_client):
    for number in range(55):
        MemberFactory(full_name=f"Pat Namesake {number:02d}")
    MemberFactory(full_name="Somebody Else")

    first = team_client.post(reverse("members:programme_members"), {"q": "Namesake", "status": "active"}, follow=True)
    next_link = first.content.decode().split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = team_client.get(reverse("members:programme_members") + next_link)

    assert "Namesake" not in next_link and "search=" in next_link and "status=active" in next_link
    assert first.context["paginator"].count == 55
    assert len(second.context["profiles"]) == 5
    assert "Somebody Else" not in second.content.decode()


def test_an_old_link_with_the_query_in_it_is_moved_out_of_the_address(team_client):
    MemberFactory(full_name="Paula Present")

    response = team_client.get(reverse("members:programme_members"), {"q": "Paula"})

    assert response.status_code == 302
    assert "Paula" not in response["Location"] and "search=" in response["Location"]


def test_someone_elses_or_an_expired_reference_shows_every_member_and_says_so(team_client):
    MemberFactory(full_name="Paula Present")
    MemberFactory(full_name="Other Person")
    searched = team_client.post(reverse("members:programme_members"), {"q": "Paula"})
    reference_url = searched["Location"]

    session = team_client.session  # an hour and a second later
    for held in session["members.programme.search"].values():
        held["at"] -= REFERENCE_SECONDS + 1
    session.save()
    expired = team_client.get(reference_url)
    unknown = team_client.get(reverse("members:programme_members") + "?search=not-one-of-mine")

    for response in (expired, unknown):
        page = response.content.decode()
        assert "That search has expired" in page
        assert "Paula Present" in page and "Other Person" in page
