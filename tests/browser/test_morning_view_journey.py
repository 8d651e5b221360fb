"""The programme team's morning: sign in, land on the dashboard's morning view,
follow a number to the work it counts."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.accounts import sign_in_with_mfa, with_secret
from tests.factories import programme_team
from tests.selection.test_dashboard import counted_in_python, generated_rounds

pytestmark = pytest.mark.django_db(transaction=True)


def test_programme_team_lands_on_the_morning_view_and_follows_a_figure_to_the_work(page):
    _team, rounds = generated_rounds(7, size=5)
    team = programme_team(email="pat.programme@example.org")
    secret = with_secret(team)
    in_review = rounds["in_review"]
    expected = counted_in_python(in_review, timezone.now())

    sign_in_with_mfa(page, team.email, secret)

    expect(page.get_by_role("heading", name="What needs doing today")).to_be_visible()
    section = page.get_by_role("region", name=in_review.name, exact=True)
    expect(section.locator('[data-figure="reviews"]')).to_contain_text(
        f"{expected['reviews_done']} of {expected['reviews_due']} done"
    )
    if expected["needs_moderation"]:
        section.locator('[data-figure="needs_moderation"] a').click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Moderation")
    else:
        section.locator('[data-figure="reviews"] a').click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
