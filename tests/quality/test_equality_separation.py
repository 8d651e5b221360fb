"""Equality monitoring is kept apart (issue 16): with every person in the world
holding distinctive answers, a reviewer's (and a moderator's: moderation is
done in the same reviewer's pages) every page and download, and every
programme team page outside the equality analysis itself, hold none of them.
The equality analysis and the decision room name categories, with counts only."""

import pytest
from django.urls import reverse

from equality.models import MonitoringResponse
from members.models import User

from .access import url_for, url_patterns

pytestmark = pytest.mark.django_db

ANSWERS = {"sexual_orientation": "bisexual", "religion": "sikh", "ethnic_group": "asian_filipino"}
WORDS = ("Bisexual", "Sikh", "Filipino", "bisexual", "sikh", "asian_filipino")
# Aggregates by category, suppressed: the only places the categories are named.
AGGREGATE_PAGES = {
    "selection:insight_equality",
    "selection:insight_equality_all",
    "selection:decision_room",
    "selection:positive_action",
}


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_no_page_or_download_of_a_reviewer_or_the_team_shows_anyones_answers(world):
    MonitoringResponse.objects.bulk_create(MonitoringResponse(user=user, **ANSWERS) for user in User.objects.all())
    leaks = []
    for name, pattern in url_patterns():
        url = url_for(name, pattern, world)
        for role in ("reviewer", "conflicted_reviewer", "programme"):
            if role == "programme" and name in AGGREGATE_PAGES:
                continue
            if name in {"equality:form", "selection:your_data", "selection:your_data_download"}:
                continue  # their own answers, theirs to see
            response = world.clients[role].get(url)
            body = body_of(response)
            leaks += [f"{role} GET {url}: {word}" for word in WORDS if word in body]
    assert leaks == []
    # The answers are there to leak: the person's own data page shows theirs.
    assert "Bisexual" in body_of(world.clients["applicant"].get(reverse("selection:your_data")))


def test_the_team_sees_no_ones_answers_on_the_subject_access_page(world):
    MonitoringResponse.objects.bulk_create(MonitoringResponse(user=user, **ANSWERS) for user in User.objects.all())
    for name in ("selection:person", "selection:person_export"):
        pattern = dict(url_patterns())[name]
        body = body_of(world.clients["programme"].get(url_for(name, pattern, world)))
        assert not [word for word in WORDS if word in body]
