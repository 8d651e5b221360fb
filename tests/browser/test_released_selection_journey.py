"""What an applicant sees of selection, in a browser: before release, none of the
panel's working (reviews, scores, recommendations, comments, notes to the panel,
draft or approved feedback, the decision) on any page or download of theirs, nor
in their emails; after release, the outcome and the approved feedback only."""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from q_portal.outbox.models import OutboundEmail
from selection.services.release import decisions_release
from tests.factories import UserFactory
from tests.factories.decisions import team_member
from tests.factories.privacy import APPROVED_FEEDBACK, DRAFT_FEEDBACK, person_everywhere, selection_working

from .accounts import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The panel's working that `person_everywhere` and `selection_working` leave on the
# application: reviewers' comments, notes to the panel, recommendations.
NEVER_SHOWN = ("Comment by reviewer", "Note on Petra", "Reviewer 1", "Maybe", "Note to panel", DRAFT_FEEDBACK)


def everything_the_applicant_sees(page, application) -> str:
    """The text of every page of the applicant's and of both downloads."""
    seen = []
    page.goto("/apply/")
    seen.append(page.content())
    page.get_by_role("link", name="View status").click()
    expect(page.get_by_text(application.reference).first).to_be_visible()
    seen.append(page.content())
    for url in (
        reverse("applications:check", args=[application.pk]),
        reverse("applications:task_list", args=[application.pk]),
        reverse("selection:place", args=[application.pk]),
        reverse("members:me"),
    ):
        page.goto(url)
        seen.append(page.content())
    page.goto("/apply/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything you have given us").click()
    seen.append(Path(download.value.path()).read_text())
    page.get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", name="Your data", level=1)).to_be_visible()
    seen.append(page.content())
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data").click()
    export = Path(download.value.path()).read_text()
    json.loads(export)
    seen.append(export)
    seen += OutboundEmail.objects.filter(to=application.applicant.email).values_list("subject", "body_text")
    return "\n".join(map(str, seen))


def test_applicant_sees_nothing_of_the_panels_working_until_release_then_the_outcome_and_approved_feedback(page):
    user = UserFactory(display_name="Petra Person")
    held = person_everywhere(user)
    application = held["application"]
    team = team_member()
    selection_working(application, team=team)
    sign_in(page, user.email)

    before = everything_the_applicant_sees(page, application)

    assert [phrase for phrase in (*NEVER_SHOWN, APPROVED_FEEDBACK, "Accept") if phrase in before] == []

    decisions_release(round=held["round"].round, by=team)
    after = everything_the_applicant_sees(page, application)

    assert "You have been offered a place in Q" in after
    assert "Accepted" in after
    assert APPROVED_FEEDBACK in after
    assert [phrase for phrase in NEVER_SHOWN if phrase in after] == []
