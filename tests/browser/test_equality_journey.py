"""Equality monitoring end to end (every page checked by axe-core): an applicant
submits, answers the monitoring questions with some "Prefer not to say"; a
reviewer scoring that application sees none of it anywhere; the programme team
sees the stage table with a suppressed cell and a flagged gap."""

import re

import pytest
from playwright.sync_api import expect

from applications.choices import RoundStatus
from applications.models import Application
from equality.models import MonitoringResponse
from equality.services import monitoring_response_save
from selection.choices import DecisionOutcome
from tests.factories import UserFactory, programme_team
from tests.factories.applications import ApplicationFactory, RoundFactory, complete
from tests.factories.decisions import decided
from tests.factories.selection import agreement_accepted, assign, reviewer_with_profile, submitted_application

from .accounts import sign_in, sign_in_with_mfa, with_secret

pytestmark = pytest.mark.django_db(transaction=True)


def test_applicant_answers_reviewer_sees_nothing_team_sees_the_gap(page):
    round = RoundFactory(name="Wider recruitment 2027")
    applicant = UserFactory(email="sam@example.org", display_name="Sam Patel")
    draft = complete(ApplicationFactory(round=round, applicant=applicant))
    # Forty others who answered: women selected at 16 of 20, men at 3 of 20 (a
    # gap), and three people who prefer not to say (a suppressed cell).
    for position in range(43):
        application = submitted_application(round)
        sex = "female" if position < 20 else ("male" if position < 40 else "prefer_not")
        monitoring_response_save(user=application.applicant, answers={"sex": sex}, by=application.applicant)
        selected = position < 16 or 20 <= position < 23
        decided(application, DecisionOutcome.ACCEPT if selected else DecisionOutcome.UNSUCCESSFUL)

    # The applicant submits, then answers the monitoring questions.
    sign_in(page, "sam@example.org")
    page.goto(f"/apply/application/{draft.pk}/check/")
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", name="Application submitted")).to_be_visible()
    page.get_by_role("link", name="Answer the equality monitoring questions").click()
    expect(page.get_by_role("heading", name="Equality monitoring", level=1)).to_be_visible()
    page.get_by_role("group", name="What is your sex?").get_by_label("Male", exact=True).check()
    page.get_by_role("group", name=re.compile("sexual orientation")).get_by_label("Bisexual").check()
    page.get_by_label("What is your religion or belief?").select_option(label="Prefer not to say")
    page.get_by_role("group", name="Do you consider yourself to have a disability?").get_by_label(
        "Prefer not to say"
    ).check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Thank you. Your equality monitoring answers are saved.")).to_be_visible()
    answers = MonitoringResponse.objects.get(user=applicant)
    assert (answers.sex, answers.sexual_orientation, answers.religion, answers.disability, answers.age_band) == (
        "male",
        "bisexual",
        "prefer_not",
        "prefer_not",
        "",
    )
    # Their own data shows their answers.
    page.goto("/account/data/")
    expect(page.get_by_role("heading", name="Equality monitoring (seen only by you)")).to_be_visible()

    # A reviewer scores the application: nothing of the answers anywhere they look.
    application = Application.objects.get(applicant=applicant, round=round)
    round.status = RoundStatus.IN_REVIEW
    round.save(update_fields=["status"])
    reviewer = reviewer_with_profile(email="rob@example.org", display_name="Rob Evans", mfa=False)
    secret = with_secret(reviewer)
    assign(application, reviewer)
    agreement_accepted(reviewer, round)
    sign_in_with_mfa(page, "rob@example.org", secret)
    for url in ["/review/", "/account/data/", "/"]:
        page.goto(url)
        for word in ("Bisexual", "Prefer not to say"):
            expect(page.get_by_text(word)).to_have_count(0)
    page.goto("/review/")
    page.get_by_role("link", name=application.reference).click()
    expect(page.get_by_role("heading", name=f"Application {application.reference}")).to_be_visible()
    for word in ("Bisexual", "Male", "Equality monitoring", "Prefer not to say", "sexual orientation"):
        expect(page.get_by_text(word)).to_have_count(0)

    # The programme team sees the stage table: a suppressed cell and a flagged gap.
    team = programme_team(email="programme@example.org")
    team_secret = with_secret(team)
    sign_in_with_mfa(page, "programme@example.org", team_secret)
    page.goto(f"/programme/insight/rounds/{round.pk}/")
    page.get_by_role("link", name="Equality").click()
    expect(page.get_by_role("heading", name="Equality", level=1)).to_be_visible()
    expect(page.get_by_text("1 gap is flagged.")).to_be_visible()
    gaps = page.locator("[data-equality-gaps]")
    expect(gaps).to_contain_text("Sex: Male, at “Selected (above the line)”")
    sex = page.locator('table[data-equality-table="sex"]')
    prefer_not = sex.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Prefer not to say"))
    expect(prefer_not.get_by_text("fewer than 5").first).to_be_visible()
    male = sex.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Male", exact=True))
    expect(male.get_by_text("Flagged gap")).to_be_visible()
    # 21 men submitted (Sam too), 3 selected: fewer than 5, so the rate is hidden too.
    expect(male.locator("td").nth(2)).to_contain_text("21")
    # The chart says the flag in words.
    expect(page.locator('svg[data-chart="equality_sex_selected"]')).to_contain_text("(flagged)")
