from datetime import timedelta

import pytest
from django.utils import timezone

from applications.choices import RoundStatus
from tests.factories.applications import RoundFactory

pytestmark = pytest.mark.django_db


def test_home_shows_the_open_round_and_how_to_apply(client):
    round = RoundFactory(name="Wider recruitment, winter 2026")

    page = client.get("/").content.decode()

    assert "Wider recruitment, winter 2026 is open" in page
    assert f"/apply/round/{round.pk}/eligibility/" in page
    assert "/updates/" in page


def test_home_without_open_round_says_when_the_next_is_expected(client):
    RoundFactory(
        name="Spring 2027",
        opens_at=timezone.now() + timedelta(days=30),
        closes_at=timezone.now() + timedelta(days=60),
    )
    RoundFactory(name="Secret draft", status=RoundStatus.DRAFT)

    page = client.get("/").content.decode()

    assert "No round is open for applications at the moment." in page
    assert "The next round, Spring 2027, is expected to open on" in page
    assert "Secret draft" not in page
