"""Signing in with an NHS identity: OpenID Connect against a real provider on
loopback (tests/oidc_provider: discovery, authorisation code with PKCE, token,
RS256 ID token checked against the published keys, userinfo). Nothing mocked."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from applications.choices import RouteKind
from applications.models import Application
from members.models import Region, User
from q_portal.audit.models import AuditEntry
from q_portal.outbox.models import OutboundEmail
from tests.browser import sso
from tests.browser.accounts import sign_in, submit_and_wait, with_secret
from tests.browser.conftest import accessibility_problems, checked_context
from tests.browser.sso import (
    LEEDS,
    link,
    portal_app,
    sign_in_at_provider,
    sso_sign_in,
    start_sso,
    trust,
)
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.applications import RoundFactory, route
from tests.factories.selection import reviewer_with_profile

pytestmark = pytest.mark.django_db(transaction=True)

# The provider (one per run) and the portal trusting it, from tests/browser/sso.py.
identity_provider = sso.identity_provider
nhs_sso = sso.nhs_sso


@pytest.fixture
def page(chromium, live_server):
    """tests/browser/conftest.py's page (axe on every page, no console errors), except
    that a refused sign-in answers 401, as allauth's error page does: the browser logs
    that status as a console error, and here it is the expected outcome."""
    context = checked_context(chromium, live_server)
    page = context.new_page()
    problems, inaccessible = [], []

    def console(message):
        if message.type == "error" and "status of 401" not in message.text:
            problems.append(message.text)

    page.on("console", console)
    page.on("load", lambda loaded: inaccessible.extend(accessibility_problems(loaded)))
    yield page
    context.close()
    assert problems == []
    assert inaccessible == []


ANSWER = "I worked with patients and pharmacists to cut missed doses on our wards, using run charts. "


def actions_for(user) -> list[str]:
    return list(
        AuditEntry.objects.filter(actor=user, action__startswith="sso.").order_by("pk").values_list("action", flat=True)
    )


def test_new_person_signs_up_through_sso_and_applies(page, nhs_sso):
    round = RoundFactory(name="Wider recruitment", routes=[route(RouteKind.OPEN)])
    OrganisationFactory(name=LEEDS)
    Region.objects.get_or_create(slug="yorkshire", defaults={"name": "Yorkshire and Humber", "nation": "england"})

    page.goto("/accounts/login/")
    # Typing an nhs.net address points at the NHS account.
    page.get_by_label("Email").fill("sam.okafor@nhs.net")
    expect(page.get_by_text("Your address looks like one for your NHS account")).to_be_visible()
    page.get_by_role("button", name="Sign in with your NHS account").click()
    sign_in_at_provider(page, "sam")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    sam = User.objects.get(email="sam.okafor@nhs.net")
    assert sam.display_name == "Sam Okafor"
    assert EmailAddress.objects.get(user=sam).verified is True  # the provider verified it: no email round trip
    assert OutboundEmail.objects.filter(to="sam.okafor@nhs.net").count() == 0
    assert actions_for(sam) == ["sso.sign_up", "sso.sign_in"]

    page.goto("/apply/")
    page.get_by_role("link", name="Check if you can apply").click()
    page.get_by_role("group", name=re.compile("open to all", re.I)).get_by_label("Yes").check()
    submit_and_wait(page, "Continue")
    page.get_by_role("link", name="About you").click()
    # The organisation comes from the identity's organisation claim, as a suggestion.
    expect(page.get_by_text(f"Your NHS account says you work for {LEEDS}")).to_be_visible()
    expect(page.get_by_label("Organisation", exact=True).locator("option:checked")).to_have_text(LEEDS)
    page.get_by_label("Full name").fill("Sam Okafor")
    page.get_by_label("Job title").fill("Pharmacist")
    page.get_by_label("Front-line clinician").check()
    page.get_by_label("Region").select_option(label="Yorkshire and Humber")
    submit_and_wait(page, "Save and continue")
    page.get_by_label("Evidence for your route").fill("I lead medicines safety improvement in my trust.")
    submit_and_wait(page, "Save and continue")
    for _ in range(3):
        page.get_by_role("textbox").fill(ANSWER)
        submit_and_wait(page, "Save and continue")
    page.get_by_label("The information in this application is true").check()
    page.get_by_label("I agree to the Q programme team processing").check()
    submit_and_wait(page, "Save and continue")
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("heading", name="Application submitted")).to_be_visible()
    application = Application.objects.get(applicant=sam, round=round)
    assert application.organisation.name == LEEDS  # confirmed by saving, so conflicts of interest use it


def test_existing_applicant_links_sso_only_after_proving_their_password(page, nhs_sso):
    jo = UserFactory(email="jo.morgan@nhs.net", display_name="Jo Morgan")

    # Signing in with the NHS account first does not sign Jo in, nor link anything:
    # the address already has an account, whose owner is emailed instead.
    start_sso(page)
    sign_in_at_provider(page, "jo")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert SocialAccount.objects.filter(user=jo).count() == 0
    assert OutboundEmail.objects.filter(to="jo.morgan@nhs.net").count() == 1

    # Jo proves the portal account with the password, then links the NHS account.
    sign_in(page, "jo.morgan@nhs.net")
    page.goto("/accounts/email/")
    page.get_by_role("link", name="Linked work accounts").click()
    expect(page.get_by_text("No work account is linked")).to_be_visible()
    page.get_by_role("button", name="Link your NHS account").click()
    sign_in_at_provider(page, "jo")
    expect(page.get_by_label(re.compile("NHS account: jo.morgan@nhs.net"))).to_be_visible()
    assert SocialAccount.objects.filter(user=jo, provider="nhs").count() == 1

    # From now on the NHS account signs Jo in.
    sso_sign_in(page, "jo")
    expect(page.get_by_text("Signed in as Jo", exact=True)).to_be_attached()
    assert actions_for(jo) == ["sso.link", "sso.sign_in"]


def test_a_linked_identity_can_be_removed_but_not_the_last_way_in(page, nhs_sso):
    sam = UserFactory(email="sam.okafor@nhs.net", display_name="Sam Okafor")
    link(sam, nhs_sso, "sam")
    sso_sign_in(page, "sam")
    page.goto("/accounts/3rdparty/")
    page.get_by_label(re.compile("NHS account")).check()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("No work account is linked")).to_be_visible()
    assert SocialAccount.objects.filter(user=sam).count() == 0
    assert actions_for(sam) == ["sso.sign_in", "sso.unlink"]

    # Someone who only ever signed in with the NHS account keeps it: no password to fall back on.
    only_sso = UserFactory(email="rita.evans@nhs.net", display_name="Rita Evans", password=None)
    only_sso.set_unusable_password()
    only_sso.save()
    link(only_sso, nhs_sso, "rita")
    sso_sign_in(page, "rita")
    page.goto("/accounts/3rdparty/")
    page.get_by_label(re.compile("NHS account")).check()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("alert").filter(has_text="no password")).to_be_visible()
    assert SocialAccount.objects.filter(user=only_sso).count() == 1


def test_reviewer_whose_provider_asserts_mfa_reaches_the_queue_without_totp(page, nhs_sso):
    rita = reviewer_with_profile(email="rita.evans@nhs.net", display_name="Rita Evans", mfa=False)
    link(rita, nhs_sso, "rita")
    sso_sign_in(page, "rita")
    page.goto("/review/")
    expect(page.get_by_role("heading", name="Your review queue")).to_be_visible()
    assert AuditEntry.objects.get(actor=rita, action="sso.sign_in").changes["mfa_asserted"] is True

    # With an authenticator app set up too, the portal does not ask for its code either.
    with_secret(rita)
    sso_sign_in(page, "rita")
    page.goto("/review/")
    expect(page.get_by_role("heading", name="Your review queue")).to_be_visible()


def test_reviewer_whose_provider_does_not_assert_mfa_is_asked_for_the_portals_own(page, nhs_sso):
    ravi = reviewer_with_profile(email="ravi.shah@nhs.net", display_name="Ravi Shah", mfa=False)
    link(ravi, nhs_sso, "ravi")
    sso_sign_in(page, "ravi")
    page.goto("/review/")
    expect(page.get_by_text("must protect their account with two-factor authentication")).to_be_visible()
    expect(page.get_by_role("heading", name="Your review queue")).to_have_count(0)

    # With an authenticator app, signing in with the NHS account asks for its code.
    secret = with_secret(ravi)
    start_sso(page)
    sign_in_at_provider(page, "ravi")
    expect(page.get_by_label("Code")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    page.get_by_label("Code").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/review/")
    expect(page.get_by_role("heading", name="Your review queue")).to_be_visible()


def test_provider_account_carrying_someone_elses_email_cannot_take_over_their_account(page, nhs_sso):
    victim = UserFactory(email="victim@nhs.net", display_name="Val Victim")

    start_sso(page)
    sign_in_at_provider(page, "mallory")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto("/apply/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert SocialAccount.objects.count() == 0
    assert User.objects.filter(email__iexact="victim@nhs.net").count() == 1
    assert AuditEntry.objects.filter(actor=victim).count() == 0
    # The owner hears of it (allauth's "account already exists" email), and no one else.
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["victim@nhs.net"]


def test_sign_out_ends_the_session_and_offers_the_providers_sign_out(page, nhs_sso):
    sam = UserFactory(email="sam.okafor@nhs.net", display_name="Sam Okafor")
    link(sam, nhs_sso, "sam")
    sso_sign_in(page, "sam")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out of Q Portal")).to_be_visible()
    provider_sign_out = page.get_by_role("link", name="Sign out of your NHS account")
    expect(provider_sign_out).to_have_attribute(
        "href", re.compile(rf"^{re.escape(nhs_sso.issuer)}/logout/\?client_id=")
    )
    page.goto("/apply/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    provider_sign_out.page.go_back()
    page.get_by_role("link", name="Sign out of your NHS account").click()
    expect(page.get_by_text("Confirm Logout")).to_be_visible()


REFUSALS = {
    "wrong-issuer": "did not come from the identity provider the portal is set up to trust",
    "wrong-audience": "was meant for another service",
    "expired": "had expired",
    "replayed-nonce": "did not belong to this sign-in",
    "bad-signature": "was not signed with the identity provider's published key",
}


@pytest.mark.parametrize("mode", list(REFUSALS))
def test_misbehaving_provider_gives_a_clear_message_and_no_sign_in(page, settings, identity_provider, mode):
    trust(settings, portal_app(identity_provider, f"portal-{mode}"))
    start_sso(page)
    sign_in_at_provider(page, "sam")
    expect(page.get_by_role("heading", name="You could not be signed in")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text=REFUSALS[mode])).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert User.objects.filter(email="sam.okafor@nhs.net").count() == 0
    assert SocialAccount.objects.count() == 0


def test_provider_whose_discovery_names_another_issuer_is_refused(page, settings, identity_provider):
    trust(settings, portal_app(identity_provider, "portal-nhs", issuer="https://login.nhs.example/tenant"))
    start_sso(page)
    sign_in_at_provider(page, "sam")
    expect(page.get_by_role("alert").filter(has_text=REFUSALS["wrong-issuer"])).to_be_visible()
    assert User.objects.filter(email="sam.okafor@nhs.net").count() == 0


def test_replayed_callback_is_refused(page, nhs_sso):
    callbacks = []
    page.on("request", lambda request: "/login/callback/" in request.url and callbacks.append(request.url))
    sso_sign_in(page, "sam")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out of Q Portal")).to_be_visible()

    # The same code and state again (from the browser's history, or stolen): refused.
    page.goto(callbacks[0])
    expect(page.get_by_role("heading", name="You could not be signed in")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="had already been used")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert AuditEntry.objects.filter(action="sso.sign_in").count() == 1
