import re

import pytest
from playwright.sync_api import expect

from applications import demo as applications_demo
from applications import demo_nominations
from applications.models import Application, Nomination
from members import demo as members_demo
from q_portal.outbox.models import OutboundEmail
from tests.browser.accounts import sign_in, submit_and_wait

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
ANSWER = "I co-lead a falls prevention collaborative with patients, using run charts and weekly huddles. "
CSV = (
    "Full name,Email,Job title,Role,Region,Supporting statement\n"
    "Jo Morgan,jo.morgan@example.org,Pharmacist,Front-line clinician,West Midlands,Leads medicines safety work.\n"
    ",not-an-address,Nurse,Astronaut,West Midlands,Fine.\n"
    "Lee Chen,lee.chen@example.org,GP,Manager,West Midlands,Runs improvement clinics.\n"
)


def test_nominator_uploads_cohort_and_nominee_submits_prefilled_application(page):
    members_demo.seed_places()
    members_demo.seed_accounts()
    applications_demo.seed_recruitment()
    demo_nominations.seed_nominations()

    # The demo nominator uploads a cohort with good and bad rows.
    sign_in(page, "nominator@example.org", members_demo.DEMO_PASSWORD)
    page.goto("/nominate/")
    page.get_by_role("link", name=re.compile("Wider recruitment, winter 2026")).click()
    expect(page.get_by_role("heading", name="Nominations from West Midlands AHSN")).to_be_visible()
    page.get_by_role("link", name="Nominate a group from a CSV file").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "cohort.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_text("2 rows are ready to nominate.")).to_be_visible()
    problems = page.get_by_role("table", name=re.compile("Each problem by row and column"))
    expect(problems.get_by_role("row", name=re.compile("3 Email Enter an email address"))).to_be_visible()
    expect(problems.get_by_role("row", name=re.compile("3 Role Choose one of the roles listed"))).to_be_visible()
    page.get_by_role("button", name="Nominate 2 people").click()
    expect(page.get_by_role("status").filter(has_text="2 people are nominated.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Jo Morgan"))).to_contain_text("Invited")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    # The nominee follows the invitation from the outbox and signs up.
    body = OutboundEmail.objects.get(to="jo.morgan@example.org").body_text
    invitation = re.search(r"https?://[^/\s]+(/nominate/invitation/\S+)", body).group(1)
    page.goto(invitation)
    expect(page.get_by_role("heading", name="West Midlands AHSN has nominated you to join Q")).to_be_visible()
    page.get_by_role("link", name="Create an account to apply").click()
    page.get_by_label("Your name").fill("Jo Morgan")
    page.get_by_label("Email").fill("jo.morgan@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    confirm = OutboundEmail.objects.filter(to="jo.morgan@example.org", key__startswith="account:").get().body_text
    page.goto(re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", confirm).group(1))
    page.get_by_role("button", name="Confirm").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/confirm-email/"))

    page.goto(invitation)
    page.get_by_role("button", name="Start your application").click()
    expect(page.get_by_text("Nominated by West Midlands AHSN")).to_be_visible()

    # The details the nominator gave are already there.
    page.get_by_role("link", name="About you").click()
    expect(page.get_by_label("Job title")).to_have_value("Pharmacist")
    page.get_by_label("Organisation", exact=True).select_option(label="West Midlands AHSN")
    submit_and_wait(page, "Save and continue")
    # The nominated route is the only one: stated, not a radio group of one.
    expect(page.get_by_text("You are applying by this route: Nominated by a partner organisation")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)
    page.get_by_label("Evidence for your route").fill("The AHSN's patient safety collaborative nominated me.")
    submit_and_wait(page, "Save and continue")
    for _criterion in range(3):
        page.get_by_role("textbox").fill(ANSWER)
        submit_and_wait(page, "Save and continue")
    page.get_by_label("The information in this application is true").check()
    page.get_by_label("I agree to the Q programme team processing").check()
    submit_and_wait(page, "Save and continue")
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", name="Application submitted")).to_be_visible()
    assert Application.objects.get(applicant__email="jo.morgan@example.org").route.kind == "nominated"
    assert Nomination.objects.get(email="jo.morgan@example.org").application is not None
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    # The nominator's dashboard shows "Submitted".
    sign_in(page, "nominator@example.org", members_demo.DEMO_PASSWORD)
    page.goto("/nominate/")
    page.get_by_role("link", name=re.compile("Wider recruitment, winter 2026")).click()
    expect(page.get_by_role("row", name=re.compile("Jo Morgan"))).to_contain_text("Submitted")
    expect(page.get_by_role("row", name=re.compile("Lee Chen"))).to_contain_text("Invited")
