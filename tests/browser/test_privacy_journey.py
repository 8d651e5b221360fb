"""Subject access and erasure in a browser (every page checked by axe-core): a
person downloads their own data; the programme team finds them by email
address, sees what is held, and erases it after a confirmation."""

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.factories import UserFactory, programme_team
from tests.factories.privacy import person_everywhere

from .accounts import sign_in, sign_in_with_mfa, with_secret

pytestmark = pytest.mark.django_db(transaction=True)


def test_person_sees_and_downloads_their_data(page):
    user = UserFactory(display_name="Petra Person")
    person_everywhere(user)
    sign_in(page, user.email)

    page.get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", name="Your data", level=1)).to_be_visible()
    expect(page.get_by_text("Petra will mentor two people")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data").click()
    export = json.loads(Path(download.value.path()).read_text())

    assert export["account"]["email"] == user.email
    assert export["membership"]["pledge"]["text"] == "Petra will mentor two people"


def test_programme_team_finds_a_person_and_erases_their_data(page):
    team = programme_team()
    secret = with_secret(team)
    user = UserFactory(display_name="Petra Person")
    person_everywhere(user)
    sign_in_with_mfa(page, team.email, secret)

    page.goto("/programme/")
    page.get_by_role("link", name="People's personal data").click()
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("link", name="Enter the person's email address.")).to_be_visible()
    page.get_by_label("Email address").fill(user.email)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("Petra's biography")).to_be_visible()
    assert user.email not in page.url

    # The team decides to release the reviewers' comments, but not their notes to the panel.
    page.get_by_role("link", name="Download their data").click()
    page.get_by_label("Reviewers' scores, recommendations and comments").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as JSON").click()
    [application] = json.loads(Path(download.value.path()).read_text())["applications"]
    assert application["reviews"][0]["scores"][0]["comment"].startswith("Comment by reviewer")
    assert "note_to_panel" not in application["reviews"][0]
    page.get_by_role("link", name="Back to their data").click()

    page.get_by_role("link", name="Erase this person's data").click()
    page.get_by_label("Why are you erasing this person's data?").fill("Erasure request DP-7")
    page.get_by_label("Type the person's email address to confirm").fill("wrong@example.org")
    page.get_by_role("button", name="Erase their data").click()
    expect(
        page.get_by_role("link", name="The address you typed is not this person's. Type it exactly as shown.")
    ).to_be_visible()
    expect(page.get_by_label("Why are you erasing this person's data?")).to_have_value("Erasure request DP-7")
    page.get_by_label("Type the person's email address to confirm").fill(user.email)
    page.get_by_role("button", name="Erase their data").click()

    expect(page.get_by_text("The person's data is erased.")).to_be_visible()
    assert not get_user_model().objects.filter(pk=user.pk).exists()
