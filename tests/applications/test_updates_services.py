"""Register for updates: the services (double opt-in, confirm, unsubscribe, undo)
and the outbox's unsubscribe links."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.db import transaction

from applications.choices import RoleCategory, SubscriptionStatus
from applications.models import UpdateSubscription
from applications.services.updates import (
    subscription_confirm,
    subscription_register,
    subscription_resubscribe,
    subscription_unsubscribe,
)
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail, Suppression
from q_portal.outbox.selectors import is_suppressed
from q_portal.outbox.services import Stream, SuppressionReason, suppression_add
from q_portal.outbox.unsubscribe import (
    address_from_unsubscribe_token,
    unsubscribe_headers,
    unsubscribe_token,
    unsubscribe_url,
)
from tests.factories import RegionFactory
from tests.outbox.concurrency import run_together

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def confirm_token_in(body: str) -> str:
    return re.search(r"/updates/confirm/([^/\s]+)/", body).group(1)


def register(email="asha.patel@example.org", **details) -> UpdateSubscription:
    return subscription_register(email=email, **details)


def confirmed(email="asha.patel@example.org") -> UpdateSubscription:
    register(email=email)
    email_row = OutboundEmail.objects.filter(to=email).latest("pk")
    return subscription_confirm(token=confirm_token_in(email_row.body_text))


# --- unsubscribe links (q_portal.outbox.unsubscribe) ------------------------------------


def test_unsubscribe_token_names_the_address_lower_cased():
    token = unsubscribe_token("  Asha.Patel@Example.ORG ")

    assert address_from_unsubscribe_token(token) == "asha.patel@example.org"
    assert unsubscribe_token("asha.patel@example.org") == token


def test_unsubscribe_token_still_works_years_later():
    with time_machine.travel(START, tick=False):
        token = unsubscribe_token("asha.patel@example.org")
    with time_machine.travel(START + timedelta(days=3650), tick=False):
        assert address_from_unsubscribe_token(token) == "asha.patel@example.org"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "nonsense",
        "ImFzaGEucGF0ZWxAZXhhbXBsZS5vcmci:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        None,
        12,
        "x" * 5000,
    ],
)
def test_address_from_unsubscribe_token_not_ours_is_none(token):
    assert address_from_unsubscribe_token(token) is None


def test_address_from_unsubscribe_token_edited_address_is_none():
    # A link of an older email, the address signed but readable, edited.
    token = signing.Signer(salt="q_portal.outbox.unsubscribe").sign_object("asha.patel@example.org")
    _, signature = token.rsplit(":", 1)
    forged = signing.b64_encode(b'"someone.else@example.org"').decode() + ":" + signature
    edited = unsubscribe_token("asha.patel@example.org")
    edited = edited[:10] + ("A" if edited[10] != "A" else "B") + edited[11:]

    assert address_from_unsubscribe_token(forged) is None
    assert address_from_unsubscribe_token(edited) is None


def test_unsubscribe_token_hides_the_address_and_an_older_signed_one_still_works():
    token = unsubscribe_token("asha.patel@example.org")
    older = signing.Signer(salt="q_portal.outbox.unsubscribe").sign_object("asha.patel@example.org")

    assert "asha" not in token.lower()
    assert address_from_unsubscribe_token(older) == "asha.patel@example.org"


def test_address_from_unsubscribe_token_other_signed_value_is_none():
    # Same secret, another salt: a confirmation link's token is no unsubscribe token.
    other = signing.Signer(salt="applications.updates.confirm").sign_object("asha.patel@example.org")

    assert address_from_unsubscribe_token(other) is None


def test_unsubscribe_url_and_headers_use_site_url_and_contract_path(settings):
    settings.SITE_URL = "https://q.example.org/"
    token = unsubscribe_token("asha.patel@example.org")

    assert unsubscribe_url("asha.patel@example.org") == f"https://q.example.org/updates/unsubscribe/{token}/"
    assert unsubscribe_headers("asha.patel@example.org") == {
        "List-Unsubscribe": f"<https://q.example.org/updates/unsubscribe/{token}/>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- subscription_register ----------------------------------------------------------------


def test_subscription_register_new_is_pending_and_sends_confirmation_email(
    django_capture_on_commit_callbacks, mailoutbox
):
    region = RegionFactory(name="West Midlands")

    with time_machine.travel(START, tick=False), django_capture_on_commit_callbacks(execute=True):
        subscription = register(name="Asha Patel", region=region, role_category=RoleCategory.CLINICIAN)

    row = UpdateSubscription.objects.get()
    assert row.pk == subscription.pk
    assert (row.email, row.name, row.region, row.role_category, row.status) == (
        "asha.patel@example.org",
        "Asha Patel",
        region,
        RoleCategory.CLINICIAN,
        SubscriptionStatus.PENDING,
    )
    assert (row.consented_at, row.confirmed_at) == (START, None)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert (message.to, message.subject) == (["asha.patel@example.org"], "Confirm you want updates from Q")
    assert "http://127.0.0.1:8000/updates/confirm/" in message.body
    assert "Q is a UK-wide community" in message.body
    assert unsubscribe_url("asha.patel@example.org") in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url('asha.patel@example.org')}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["updates.subscription_register"]


def test_subscription_register_queued_email_is_transactional_with_unsubscribe_headers():
    register()

    email = OutboundEmail.objects.get()
    assert email.stream == Stream.TRANSACTIONAL
    assert email.headers == unsubscribe_headers("asha.patel@example.org")


def test_subscription_register_email_never_includes_the_name_typed():
    # The form is open to anyone: a "name" must not put their words in someone's inbox.
    register(name="Click https://evil.example.com to claim a prize")

    assert "evil.example.com" not in OutboundEmail.objects.get().body_text


def test_subscription_register_again_in_other_case_keeps_one_row_with_new_details():
    region = RegionFactory()
    first = register(email="asha.patel@example.org", name="Asha")

    again = register(email="  ASHA.Patel@Example.org ", name="Asha Patel", region=region)

    assert again.pk == first.pk
    assert list(UpdateSubscription.objects.values_list("email", "name", "region", "status")) == [
        ("asha.patel@example.org", "Asha Patel", region.pk, SubscriptionStatus.PENDING)
    ]


def test_subscription_register_repeated_within_ten_minutes_sends_one_email(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(START, tick=False):
            register()
            register()
        with time_machine.travel(START + timedelta(minutes=9), tick=False):
            register(email="Asha.Patel@example.org")

    assert OutboundEmail.objects.count() == 1
    assert len(mailoutbox) == 1


def test_subscription_register_again_after_ten_minutes_sends_another_email(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(START, tick=False):
            register()
        with time_machine.travel(START + timedelta(minutes=10), tick=False):
            register()

    assert len(mailoutbox) == 2
    assert UpdateSubscription.objects.count() == 1


def test_subscription_register_confirmed_stays_as_it_was_and_is_told_so(django_capture_on_commit_callbacks, mailoutbox):
    subscription = confirmed()
    confirmed_at = subscription.confirmed_at
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = register(email="Asha.Patel@example.org", name="Asha Patel", role_category=RoleCategory.RESEARCHER)

    again.refresh_from_db()
    assert (again.pk, again.status, again.confirmed_at) == (subscription.pk, SubscriptionStatus.CONFIRMED, confirmed_at)
    # Anyone can type an address, so a confirmed registration's details stay.
    assert (again.name, again.role_category) == (subscription.name, subscription.role_category)
    assert [message.subject for message in mailoutbox] == ["You are already getting updates from Q"]
    assert "/updates/confirm/" not in mailoutbox[0].body
    assert unsubscribe_url("asha.patel@example.org") in mailoutbox[0].body


def test_subscription_register_unsubscribed_becomes_pending_with_new_consent():
    with time_machine.travel(START, tick=False):
        subscription = confirmed()
        subscription_unsubscribe(address="asha.patel@example.org")

    with time_machine.travel(START + timedelta(days=30), tick=False):
        again = register()

    again.refresh_from_db()
    assert (again.pk, again.status) == (subscription.pk, SubscriptionStatus.PENDING)
    assert (again.consented_at, again.confirmed_at) == (START + timedelta(days=30), None)
    # No longer unsubscribed: the admin shows no unsubscribe time for it.
    assert again.unsubscribed_at is None
    assert OutboundEmail.objects.filter(subject="Confirm you want updates from Q").count() == 2


@pytest.mark.django_db(transaction=True)
def test_subscription_register_same_address_at_once_creates_one_row():
    def register_and_hold(email):
        # Hold the transaction open, so the other insert meets this uncommitted row
        # on the case-insensitive unique index.
        with transaction.atomic():
            subscription = subscription_register(email=email)
            time.sleep(0.3)
        return subscription.pk

    first, second = run_together(
        lambda: register_and_hold("asha.patel@example.org"), lambda: register_and_hold("Asha.Patel@example.org")
    )

    assert first == second
    assert UpdateSubscription.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


# --- subscription_confirm -----------------------------------------------------------------


def test_subscription_confirm_link_confirms_once_and_again_is_harmless():
    with time_machine.travel(START, tick=False):
        register()
    token = confirm_token_in(OutboundEmail.objects.get().body_text)

    with time_machine.travel(START + timedelta(days=6), tick=False):
        subscription = subscription_confirm(token=token)
        again = subscription_confirm(token=token)

    subscription.refresh_from_db()
    assert (subscription.status, subscription.confirmed_at) == (
        SubscriptionStatus.CONFIRMED,
        START + timedelta(days=6),
    )
    assert again.pk == subscription.pk
    assert list(
        AuditEntry.objects.filter(action="updates.subscription_confirm").values_list("target_id", flat=True)
    ) == [str(subscription.pk)]


def test_subscription_confirm_expired_link_is_refused_and_nothing_changes():
    with time_machine.travel(START, tick=False):
        register()
    token = confirm_token_in(OutboundEmail.objects.get().body_text)

    with time_machine.travel(START + timedelta(days=7, minutes=1), tick=False), pytest.raises(PortalError) as caught:
        subscription_confirm(token=token)

    assert "expired" in caught.value.message
    assert UpdateSubscription.objects.get().status == SubscriptionStatus.PENDING
    assert UpdateSubscription.objects.get().confirmed_at is None


@pytest.mark.parametrize("edit", [lambda token: token[:-2], lambda token: "x" + token, lambda token: "nonsense"])
def test_subscription_confirm_tampered_link_is_refused_and_nothing_changes(edit):
    register()
    token = confirm_token_in(OutboundEmail.objects.get().body_text)

    with pytest.raises(PortalError) as caught:
        subscription_confirm(token=edit(token))

    assert "does not work" in caught.value.message
    assert UpdateSubscription.objects.get().status == SubscriptionStatus.PENDING


def test_subscription_confirm_unsubscribe_token_is_not_a_confirmation():
    register()

    with pytest.raises(PortalError):
        subscription_confirm(token=unsubscribe_token("asha.patel@example.org"))

    assert UpdateSubscription.objects.get().status == SubscriptionStatus.PENDING


def test_subscription_confirm_after_unsubscribing_is_refused():
    register()
    token = confirm_token_in(OutboundEmail.objects.get().body_text)
    subscription_unsubscribe(address="asha.patel@example.org")

    with pytest.raises(PortalError) as caught:
        subscription_confirm(token=token)

    assert "unsubscribed" in caught.value.message
    assert UpdateSubscription.objects.get().status == SubscriptionStatus.UNSUBSCRIBED


def test_subscription_confirm_lifts_unsubscribe_suppression():
    # Unsubscribed from a recruitment wave, then asked for updates and confirmed.
    suppression_add(email="asha.patel@example.org", reason=SuppressionReason.UNSUBSCRIBED)

    confirmed()

    assert Suppression.objects.count() == 0
    assert is_suppressed(address="asha.patel@example.org", stream=Stream.BULK) is False


def test_subscription_confirm_keeps_a_bounce_suppression():
    suppression_add(email="asha.patel@example.org", reason=SuppressionReason.BOUNCED)
    register()
    subscription = subscription_confirm(token=confirm_token_in(OutboundEmail.objects.get().body_text))

    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert list(Suppression.objects.values_list("email", "reason")) == [
        ("asha.patel@example.org", SuppressionReason.BOUNCED)
    ]


# --- subscription_unsubscribe and subscription_resubscribe -------------------------------------


def test_subscription_unsubscribe_stops_bulk_email_only_and_is_idempotent():
    subscription = confirmed()

    with time_machine.travel(START, tick=False):
        subscription_unsubscribe(address="Asha.Patel@Example.org")
    with time_machine.travel(START + timedelta(days=1), tick=False):
        subscription_unsubscribe(address="asha.patel@example.org")

    subscription.refresh_from_db()
    assert (subscription.status, subscription.unsubscribed_at) == (SubscriptionStatus.UNSUBSCRIBED, START)
    assert list(Suppression.objects.values_list("email", "reason")) == [
        ("asha.patel@example.org", SuppressionReason.UNSUBSCRIBED)
    ]
    assert is_suppressed(address="asha.patel@example.org", stream=Stream.BULK) is True
    assert is_suppressed(address="asha.patel@example.org", stream=Stream.TRANSACTIONAL) is False
    assert AuditEntry.objects.filter(action="updates.subscription_unsubscribe").count() == 1
    assert AuditEntry.objects.filter(action="outbox.suppression_add").count() == 1


def test_subscription_unsubscribe_without_subscription_still_suppresses_bulk_email():
    # An unsubscribe link in, say, a recruitment wave to someone who never registered.
    subscription_unsubscribe(address="bo.jones@example.org")

    assert UpdateSubscription.objects.count() == 0
    assert is_suppressed(address="bo.jones@example.org", stream=Stream.BULK) is True


def test_subscription_resubscribe_restores_confirmed_and_lifts_suppression():
    subscription = confirmed()
    subscription_unsubscribe(address="asha.patel@example.org")

    result = subscription_resubscribe(address="asha.patel@example.org")
    again = subscription_resubscribe(address="asha.patel@example.org")

    subscription.refresh_from_db()
    assert (result.pk, again.pk) == (subscription.pk, subscription.pk)
    assert (subscription.status, subscription.unsubscribed_at) == (SubscriptionStatus.CONFIRMED, None)
    assert Suppression.objects.count() == 0
    assert AuditEntry.objects.filter(action="updates.subscription_resubscribe").count() == 1
    assert AuditEntry.objects.filter(action="outbox.suppression_remove").count() == 1


def test_subscription_resubscribe_pending_goes_back_to_pending_so_its_link_works():
    register()
    token = confirm_token_in(OutboundEmail.objects.get().body_text)
    subscription_unsubscribe(address="asha.patel@example.org")

    assert subscription_resubscribe(address="asha.patel@example.org").status == SubscriptionStatus.PENDING
    assert subscription_confirm(token=token).status == SubscriptionStatus.CONFIRMED


def test_subscription_resubscribe_never_lifts_a_stronger_suppression():
    confirmed()
    subscription_unsubscribe(address="asha.patel@example.org")
    suppression_add(email="asha.patel@example.org", reason=SuppressionReason.COMPLAINED)

    subscription_resubscribe(address="asha.patel@example.org")

    assert list(Suppression.objects.values_list("reason", flat=True)) == [SuppressionReason.COMPLAINED]


def test_subscription_resubscribe_without_subscription_lifts_unsubscribe_only():
    subscription_unsubscribe(address="bo.jones@example.org")

    assert subscription_resubscribe(address="bo.jones@example.org") is None
    assert Suppression.objects.count() == 0
    assert UpdateSubscription.objects.count() == 0
