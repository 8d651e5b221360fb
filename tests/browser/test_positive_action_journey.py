"""Positive action end to end (#16), every page checked by axe-core and at 375 px:
the programme team turns it on for a round with its reason and quality bar and
holds places for one ethnic group; the decision room shows the held places
filled as counts only, marking no applicant; a reviewer and a moderator of the
application that fills a held place see nothing of it."""

import re

import pytest
from playwright.sync_api import expect

from equality.models import CharacteristicHold, PositiveAction
from equality.services import monitoring_response_save
from selection.models import ApplicationScore, Assignment
from tests.factories import programme_team
from tests.factories.selection import agreement_accepted, assign, review_round, reviewer_with_profile
from tests.factories.selection import submitted_application as application_in

from .accounts import sign_in_with_mfa, with_secret

pytestmark = pytest.mark.django_db(transaction=True)

GROUP = "Black, Black British, Caribbean or African"
# Words that would give away the group, an answer or a held place, in a reviewer's or moderator's view.
GIVEAWAYS = ["Positive action", "positive action", "held place", "African", "Black", "Equality monitoring"]


def scored_round():
    """Capacity 3; eight applications scored best first (mean weighted totals
    9.8 down to 8.4). The fifth (9.0) and the seventh (8.6) answered Black
    African, the others White British."""
    round = review_round(name="Spring round 2027", capacity=3)
    applications = []
    for n in range(8):
        application = application_in(round)
        ApplicationScore.objects.create(
            application=application,
            round=round,
            reviews_expected=2,
            reviews_done=2,
            mean_score=9.8 - n * 0.2,
            normalised_score=0.9 - n * 0.1,
            model_score=0.9 - n * 0.1,
        )
        ethnic_group = "black_african" if n in (4, 6) else "white_british"
        monitoring_response_save(
            user=application.applicant, answers={"ethnic_group": ethnic_group}, by=application.applicant
        )
        applications.append(application)
    return round, applications


def test_team_holds_places_room_shows_counts_reviewer_and_moderator_see_nothing(page):
    round, applications = scored_round()
    chosen = applications[4]  # above the bar (9.0 >= 8.9): fills a held place
    team = programme_team(email="programme@example.org", display_name="Priya Shah")
    team_secret = with_secret(team)

    # The team turns positive action on, with a reason and a quality bar.
    sign_in_with_mfa(page, "programme@example.org", team_secret)
    page.goto(f"/programme/selection/rounds/{round.pk}/decisions/")
    page.get_by_role("link", name="Positive action for this round").click()
    expect(page.get_by_role("heading", name="Positive action", level=1)).to_be_visible()
    expect(page.get_by_text("Positive action is off for this round")).to_be_visible()
    page.get_by_role("radio", name="Use positive action", exact=True).check()
    page.get_by_role("button", name="Save").click()
    # No reason: refused at the field, what was chosen kept.
    expect(page.get_by_text("Give the reason for using positive action in this round.").first).to_be_visible()
    expect(page.get_by_role("radio", name="Use positive action", exact=True)).to_be_checked()
    assert not PositiveAction.objects.filter(enabled=True).exists()
    page.get_by_label("Reason").fill("The stage table flags a gap for Black applicants at selection.")
    page.get_by_label("Quality bar").fill("8.9")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Positive action is on for this round.")).to_be_visible()

    # Two places held for one ethnic group.
    page.get_by_label("Group", exact=True).select_option(label=GROUP)
    page.get_by_label("Places to hold").fill("2")
    page.get_by_role("button", name="Hold places").click()
    expect(page.get_by_text("The held places are saved.")).to_be_visible()
    assert CharacteristicHold.objects.get(round=round).places == 2
    held = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(GROUP)))
    # Two in the group, one meeting the bar: both under 5, so neither is shown.
    expect(held.get_by_text("fewer than 5").first).to_be_visible()

    # The decision room: the line at 3 places; the held places as counts only.
    page.get_by_role("link", name="Decision room").click()
    page.get_by_label("Accept the top").fill("3")
    page.get_by_role("button", name="Draw the line").click()
    section = page.locator("li").filter(has_text=f"Ethnic group: {GROUP}: 2 places held.")
    expect(section).to_contain_text("Fewer than 5 held places filled from the group by rank")
    expect(section).to_contain_text("Not all filled: too few meet the quality bar")
    expect(page.get_by_text("nobody is marked as filling one")).to_be_visible()
    # The applicant who fills a held place is listed near the line like any other, unmarked.
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=chosen.reference))
    expect(row.first).to_contain_text("Accept")
    for word in ("held place", "African", "Black"):
        expect(row.first).not_to_contain_text(word)
    expect(page.get_by_text("(held place)")).to_have_count(0)

    # A reviewer and a moderator of that application see none of it.
    reviewer = reviewer_with_profile(email="rob@example.org", display_name="Rob Evans", mfa=False)
    moderator = reviewer_with_profile(email="mo@example.org", display_name="Mo Clarke", mfa=False)
    assign(chosen, reviewer)
    Assignment.objects.create(round=round, application=chosen, reviewer=moderator, is_moderation=True)
    for person, email in ((reviewer, "rob@example.org"), (moderator, "mo@example.org")):
        agreement_accepted(person, round)
        sign_in_with_mfa(page, email, with_secret(person))
        page.goto("/review/")
        page.get_by_role("link", name=chosen.reference).first.click()
        expect(page.get_by_role("heading", name=re.compile(chosen.reference))).to_be_visible()
        for word in GIVEAWAYS:
            expect(page.get_by_text(word)).to_have_count(0)
        # The team's pages are closed to them (asked outside the tab: a refused page is no console error).
        for url in (
            f"/programme/selection/rounds/{round.pk}/decisions/",
            f"/programme/selection/rounds/{round.pk}/positive-action/",
        ):
            response = page.request.get(url, max_redirects=0)
            assert response.status in (403, 404), url
            for word in GIVEAWAYS:
                assert word not in response.text(), (url, word)
