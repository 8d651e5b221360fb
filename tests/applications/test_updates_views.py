"""Register for updates as a visitor meets it: the form, the confirmation link, the
one-click unsubscribe link (and a mail client's RFC 8058 POST), undo, rate limits."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

import applications.admin_updates  # noqa: F401  (registers the admin until applications/admin.py imports it)
from applications.choices import RoleCategory, SubscriptionStatus
from applications.models import UpdateSubscription
from applications.services.updates import subscription_register
from applications.views.updates import REGISTRATIONS_PER_WINDOW
from q_portal.outbox.models import OutboundEmail, Suppression
from q_portal.outbox.services import SuppressionReason, suppression_add
from q_portal.outbox.unsubscribe import unsubscribe_token, unsubscribe_url
from tests.factories import RegionFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REGISTER_URL = "/updates/"


def form_data(**overrides) -> dict:
    return {"email": "asha.patel@example.org", "name": "Asha Patel", "consent": "on"} | overrides


def path_of(url: str) -> str:
    return urlsplit(url).path


def confirm_path_in(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/updates/confirm/\S+/)", body).group(1)


def unsubscribe_path(address="asha.patel@example.org") -> str:
    return path_of(unsubscribe_url(address))


def confirmed_subscription(email="asha.patel@example.org") -> UpdateSubscription:
    subscription_register(email=email)
    subscription = UpdateSubscription.objects.get(email=email)
    subscription.status = SubscriptionStatus.CONFIRMED
    subscription.confirmed_at = START
    subscription.save(update_fields=["status", "confirmed_at"])
    return subscription


def page(response) -> str:
    return response.content.decode()


# --- Register --------------------------------------------------------------------------------


def test_register_page_explains_consent_and_links_privacy_notice(client):
    RegionFactory(name="West Midlands")

    response = client.get(REGISTER_URL)

    html = page(response)
    assert response.status_code == 200
    assert "Get updates from Q" in html
    assert "You can unsubscribe at any time" in html
    assert f'href="{reverse("privacy")}"' in html
    assert "West Midlands" in html
    assert str(RoleCategory.PATIENT_LEADER.label) in html
    assert 'type="checkbox" name="consent"' in html


def test_register_then_confirm_from_the_email(client, django_capture_on_commit_callbacks, mailoutbox):
    region = RegionFactory(name="West Midlands")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER_URL, form_data(region=str(region.pk), role_category=RoleCategory.MANAGER.value))

    assert response["Location"] == reverse("updates:check_email")
    assert "Check your email" in page(client.get(response["Location"]))
    subscription = UpdateSubscription.objects.get()
    assert (subscription.email, subscription.name, subscription.region, subscription.role_category) == (
        "asha.patel@example.org",
        "Asha Patel",
        region,
        RoleCategory.MANAGER,
    )
    assert subscription.status == SubscriptionStatus.PENDING
    assert [message.to for message in mailoutbox] == [["asha.patel@example.org"]]

    confirm_path = confirm_path_in(mailoutbox[0].body)
    shown = client.get(confirm_path)
    subscription.refresh_from_db()
    assert "Confirm you want updates from Q" in page(shown)
    assert subscription.status == SubscriptionStatus.PENDING  # a mail scanner's GET confirms nothing

    confirm = client.post(confirm_path)

    subscription.refresh_from_db()
    assert confirm["Location"] == confirm_path
    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert "You will get updates from Q" in page(client.get(confirm_path))


def test_register_again_in_other_case_keeps_one_person(client):
    client.post(REGISTER_URL, form_data(email="asha.patel@example.org"))
    client.post(REGISTER_URL, form_data(email="ASHA.PATEL@example.org", name="Asha P"))

    assert list(UpdateSubscription.objects.values_list("email", "name")) == [("asha.patel@example.org", "Asha P")]


def test_register_answers_the_same_whether_or_not_already_subscribed(client):
    confirmed_subscription(email="known@example.org")
    OutboundEmail.objects.all().delete()

    known = client.post(REGISTER_URL, form_data(email="known@example.org"))
    unknown = client.post(REGISTER_URL, form_data(email="unknown@example.org"))

    assert known["Location"] == unknown["Location"] == reverse("updates:check_email")
    assert UpdateSubscription.objects.get(email="known@example.org").status == SubscriptionStatus.CONFIRMED
    assert sorted(OutboundEmail.objects.values_list("to", "subject")) == [
        ("known@example.org", "You are already getting updates from Q"),
        ("unknown@example.org", "Confirm you want updates from Q"),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"email": ""}, "email", "Enter your email address."),
        ({"email": "a" * 250 + "@example.org"}, "email", "Email address must be 254 characters or fewer."),
        ({"consent": ""}, "consent", "Tick the box to say you want updates from Q."),
        ({"name": "N" * 151}, "name", "Your name must be 150 characters or fewer."),
        ({"region": "999999"}, "region", "Choose a region from the list."),
        ({"region": "99999999999999999999999"}, "region", "Choose a region from the list."),
        ({"region": "west-midlands"}, "region", "Choose a region from the list."),
        ({"role_category": "astronaut"}, "role_category", "Choose one of the roles listed."),
    ],
)
def test_register_bad_input_shows_errors_keeps_what_was_typed_and_stores_nothing(client, overrides, field, message):
    data = form_data(name="Asha Patel", email="asha.patel@example.org") | overrides

    response = client.post(REGISTER_URL, data)

    html = page(response)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'href="#id_{field}' in html  # the summary links to the field
    assert f'id="id_{field}_error"' in html  # and the error is shown at the field
    assert html.count(message) == 2
    if field != "email":
        assert 'value="asha.patel@example.org"' in html
    if field != "name":
        assert 'value="Asha Patel"' in html
    assert UpdateSubscription.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_register_bad_input_keeps_region_role_and_consent_chosen(client):
    region = RegionFactory(name="West Midlands")

    response = client.post(
        REGISTER_URL,
        form_data(email="nope", region=str(region.pk), role_category=RoleCategory.RESEARCHER.value),
    )

    html = page(response)
    assert f'<option value="{region.pk}" selected>West Midlands</option>' in html
    assert re.search(r'value="researcher"\s+id="[^"]+" checked', html)
    assert re.search(r'name="consent"[^>]*checked', html)
    assert 'value="nope"' in html


def test_register_rate_limited_per_client_ip_keeps_what_was_typed(client):
    for number in range(REGISTRATIONS_PER_WINDOW):
        client.post(REGISTER_URL, form_data(email=f"person{number}@example.org"))

    refused = client.post(REGISTER_URL, form_data(email="one.more@example.org", name="One More"))
    elsewhere = client.post(REGISTER_URL, form_data(email="elsewhere@example.org"), REMOTE_ADDR="192.0.2.7")

    html = page(refused)
    assert refused.status_code == 429
    assert "too many registrations" in html
    assert 'value="one.more@example.org"' in html
    assert 'value="One More"' in html
    assert elsewhere["Location"] == reverse("updates:check_email")
    assert UpdateSubscription.objects.count() == REGISTRATIONS_PER_WINDOW + 1
    assert not UpdateSubscription.objects.filter(email="one.more@example.org").exists()


def test_register_rate_limit_counts_an_ipv6_network_as_one_client(client):
    for number in range(REGISTRATIONS_PER_WINDOW):
        client.post(REGISTER_URL, form_data(email=f"person{number}@example.org"), REMOTE_ADDR=f"2001:db8::{number + 1}")

    refused = client.post(REGISTER_URL, form_data(email="one.more@example.org"), REMOTE_ADDR="2001:db8::ffff")

    assert refused.status_code == 429
    assert not UpdateSubscription.objects.filter(email="one.more@example.org").exists()


def test_register_rate_limit_lifts_after_a_minute(client):
    with time_machine.travel(START, tick=False):
        for number in range(REGISTRATIONS_PER_WINDOW + 1):
            client.post(REGISTER_URL, form_data(email=f"person{number}@example.org"))
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        later = client.post(REGISTER_URL, form_data(email="later@example.org"))

    assert later["Location"] == reverse("updates:check_email")
    assert UpdateSubscription.objects.filter(email="later@example.org").count() == 1


# --- Confirm -----------------------------------------------------------------------------------


def test_confirm_expired_link_is_refused_with_a_way_back_and_changes_nothing(client):
    with time_machine.travel(START, tick=False):
        subscription_register(email="asha.patel@example.org")
    confirm_path = confirm_path_in(OutboundEmail.objects.get().body_text)

    with time_machine.travel(START + timedelta(days=8), tick=False):
        shown = client.get(confirm_path)
        posted = client.post(confirm_path)

    assert (shown.status_code, posted.status_code) == (400, 400)
    assert "This confirmation link has expired" in page(shown)
    assert "This confirmation link has expired" in page(posted)
    assert f'href="{REGISTER_URL}"' in page(posted)
    assert UpdateSubscription.objects.get().status == SubscriptionStatus.PENDING


@pytest.mark.parametrize("token", ["nonsense", "a:b:c", "eyJpZCI6MX0:1u:abc", "%00", "x" * 3000])
def test_confirm_tampered_link_is_refused_and_changes_nothing(client, token):
    subscription_register(email="asha.patel@example.org")

    shown = client.get(f"/updates/confirm/{token}/")
    posted = client.post(f"/updates/confirm/{token}/")

    assert (shown.status_code, posted.status_code) == (400, 400)
    assert "This confirmation link does not work" in page(posted)
    assert UpdateSubscription.objects.get().status == SubscriptionStatus.PENDING


def test_confirm_post_needs_csrf_token(client):
    subscription_register(email="asha.patel@example.org")
    confirm_path = confirm_path_in(OutboundEmail.objects.get().body_text)

    response = Client(enforce_csrf_checks=True).post(confirm_path)

    assert response.status_code == 403
    assert UpdateSubscription.objects.get().status == SubscriptionStatus.PENDING


# --- Unsubscribe and undo ------------------------------------------------------------------------


def test_opening_the_unsubscribe_link_only_shows_a_button_so_link_scanners_unsubscribe_nobody(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER_URL, form_data())
    status = UpdateSubscription.objects.get().status
    header_url = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    assert header_url in mailoutbox[0].body

    scanned = Client().get(path_of(header_url))  # a mail provider's link scanner
    opened = client.get(path_of(header_url))

    assert "You have been unsubscribed" not in page(opened)
    assert page(opened).count('type="submit"') == 1
    assert ">Unsubscribe</button>" in page(opened)
    assert scanned.status_code == opened.status_code == 200
    assert UpdateSubscription.objects.get().status == status
    assert Suppression.objects.count() == 0
    assert opened["Cache-Control"].startswith("max-age=0")


def test_pressing_unsubscribe_unsubscribes_offers_undo_and_again_is_harmless(client):
    subscription = confirmed_subscription()
    browser = Client(enforce_csrf_checks=True)
    shown = browser.get(unsubscribe_path())
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(shown)).group(1)

    first = browser.post(unsubscribe_path(), {"csrfmiddlewaretoken": csrf})
    second = browser.post(unsubscribe_path(), {"csrfmiddlewaretoken": csrf})

    subscription.refresh_from_db()
    assert "You have been unsubscribed" in page(first)
    assert "You have been unsubscribed" in page(second)
    assert reverse("updates:resubscribe", args=[unsubscribe_token("asha.patel@example.org")]) in page(first)
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert list(Suppression.objects.values_list("email", "reason")) == [
        ("asha.patel@example.org", SuppressionReason.UNSUBSCRIBED)
    ]


def test_unsubscribe_one_click_post_from_a_mail_client_needs_no_csrf_token():
    subscription = confirmed_subscription()
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        unsubscribe_path(),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    subscription.refresh_from_db()
    assert response.status_code == 200
    assert "You have been unsubscribed" in page(response)
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert Suppression.objects.filter(email="asha.patel@example.org").count() == 1


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        unsubscribe_token("asha.patel@example.org")[:-1],
        # Half of one person's token spliced onto another's.
        unsubscribe_token("someone.else@example.org")[:20] + unsubscribe_token("asha.patel@example.org")[20:],
    ],
)
def test_unsubscribe_tampered_link_is_refused_and_changes_nothing(token):
    subscription = confirmed_subscription()
    mail_client = Client(enforce_csrf_checks=True)

    shown = mail_client.get(f"/updates/unsubscribe/{token}/")
    posted = mail_client.post(
        f"/updates/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    subscription.refresh_from_db()
    assert (shown.status_code, posted.status_code) == (400, 400)
    assert "This unsubscribe link does not work" in page(shown)
    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert Suppression.objects.count() == 0


def test_undo_on_the_unsubscribed_page_subscribes_again(client):
    subscription = confirmed_subscription()
    client.post(unsubscribe_path())

    response = client.post(reverse("updates:resubscribe", args=[unsubscribe_token("asha.patel@example.org")]))

    subscription.refresh_from_db()
    assert "You are subscribed again" in page(response)
    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert Suppression.objects.count() == 0


def test_undo_needs_csrf_token_and_get_changes_nothing():
    subscription = confirmed_subscription()
    browser = Client(enforce_csrf_checks=True)
    browser.post(unsubscribe_path(), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    resubscribe_path = reverse("updates:resubscribe", args=[unsubscribe_token("asha.patel@example.org")])

    forged = browser.post(resubscribe_path)
    shown = browser.get(resubscribe_path)

    subscription.refresh_from_db()
    assert forged.status_code == 403
    assert "Subscribe me again" in page(shown)
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert Suppression.objects.count() == 1


def test_undo_never_lifts_a_bounce(client):
    confirmed_subscription()
    client.post(unsubscribe_path())
    suppression_add(email="asha.patel@example.org", reason=SuppressionReason.BOUNCED)

    client.post(reverse("updates:resubscribe", args=[unsubscribe_token("asha.patel@example.org")]))

    assert list(Suppression.objects.values_list("reason", flat=True)) == [SuppressionReason.BOUNCED]


def test_undo_tampered_link_is_refused(client):
    response = client.post("/updates/resubscribe/nonsense/")

    assert response.status_code == 400
    assert "This unsubscribe link does not work" in page(response)


# --- Admin -------------------------------------------------------------------------------------------


def test_update_subscription_admin_lists_and_searches_subscriptions(client):
    client.force_login(with_totp(UserFactory(is_staff=True, is_superuser=True)))
    region = RegionFactory(name="West Midlands")
    subscription_register(email="asha.patel@example.org", name="Asha Patel", region=region)
    subscription_register(email="bo.jones@example.org", name="Bo Jones")

    response = client.get(reverse("admin:applications_updatesubscription_changelist"), {"q": "asha"})

    html = page(response)
    assert "asha.patel@example.org" in html
    assert "West Midlands" in html
    assert "bo.jones@example.org" not in html
