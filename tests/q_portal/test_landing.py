"""After signing in, each role lands where its work is, and the navigation shows
only the areas that are the person's own."""

import re

import pytest
from django.urls import reverse

from q_portal.roles import Role
from tests.factories import PASSWORD, UserFactory, programme_team, reviewer
from tests.factories.applications import ApplicationFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def applicant():
    return UserFactory()


def nominator():
    return UserFactory(roles=[Role.NOMINATOR])


def member():
    return MemberFactory().user


def reviewer_who_nominates():
    return UserFactory(roles=[Role.REVIEWER, Role.NOMINATOR])


@pytest.mark.parametrize(
    ("make", "start_page"),
    [
        (applicant, "applications:applicant_home"),
        (nominator, "nominations:home"),
        (reviewer, "selection:reviewer_home"),
        (programme_team, "selection:programme_home"),
        (member, "members:directory"),
        (reviewer_who_nominates, "selection:reviewer_home"),
    ],
)
def test_signing_in_lands_each_role_where_its_work_is(client, make, start_page):
    user = make()

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response["Location"] == reverse(start_page)


def test_a_page_asked_for_before_signing_in_still_comes_first(client):
    user = reviewer()
    wanted = reverse("events:list")

    response = client.post(
        reverse("account_login") + f"?next={wanted}", {"login": user.email, "password": PASSWORD, "next": wanted}
    )

    assert response["Location"] == wanted


def tabs_of(client, user) -> list[str]:
    client.force_login(user)
    page = client.get(reverse("events:list")).content.decode()
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(r'class="portal-areas__link"[^>]*>(.*?)</a>', page, re.S)
    ]


def test_a_reviewer_who_never_applied_has_no_application_tab(client, settings):
    settings.REQUIRE_MFA_FOR_STAFF = False
    assert tabs_of(client, reviewer()) == ["Events", "Review"]


def test_a_reviewer_who_applied_keeps_their_application_tab(client, settings):
    settings.REQUIRE_MFA_FOR_STAFF = False
    user = reviewer()
    ApplicationFactory(applicant=user)

    assert tabs_of(client, user) == ["Your application", "Events", "Review"]


def test_an_applicant_sees_their_application_and_events_only(client):
    assert tabs_of(client, applicant()) == ["Your application", "Events"]


def test_a_nominator_sees_nominate_not_an_application(client):
    assert tabs_of(client, nominator()) == ["Events", "Nominate"]


def test_the_programme_team_sees_its_areas_and_no_application(client, settings):
    settings.REQUIRE_MFA_FOR_STAFF = False
    assert tabs_of(client, programme_team()) == ["Members", "Exchange", "Events", "Programme"]


def test_a_member_sees_the_community_areas(client):
    assert tabs_of(client, member()) == ["Members", "Exchange", "Events"]
