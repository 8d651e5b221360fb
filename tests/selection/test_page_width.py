"""Data pages (tables of applications, decisions, waves, figures) use the window's
full width; reading pages keep the narrower container and the measure of text."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.factories.decisions import team_member
from tests.factories.selection import review_round, submitted_application

pytestmark = pytest.mark.django_db


def page_width(response) -> str:
    return re.search(r'<body class="portal-page--(\w+)">', response.content.decode()).group(1)


ROUND_TABLES = ["selection:board", "selection:moderation", "selection:decision_room", "selection:places"]


@pytest.mark.parametrize("name", [*ROUND_TABLES, "selection:waiting_list"])
def test_the_programme_teams_tables_of_a_round_use_the_full_width(client, name):
    round = review_round()
    submitted_application(round)
    client.force_login(team_member())

    response = client.get(reverse(name, kwargs={"pk": round.pk}))

    assert response.status_code == 200
    assert page_width(response) == "wide"


@pytest.mark.parametrize("name", ["waves:list", "selection:insight"])
def test_the_waves_and_insight_use_the_full_width(client, name):
    client.force_login(team_member())

    assert page_width(client.get(reverse(name))) == "wide"


def test_reading_pages_keep_the_measure(client):
    client.force_login(UserFactory())

    assert page_width(client.get(reverse("selection:your_data"))) == "reading"
    assert page_width(client.get(reverse("home"))) == "reading"
