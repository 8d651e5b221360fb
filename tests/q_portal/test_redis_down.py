"""Redis down (cache and broker): people still sign in, sign up, reset a password,
register for updates, apply and submit; their emails wait in the outbox and go
when the broker is back; `/healthz` says 503; nobody sees a stack trace.

Nothing listens on port 1, so every Redis call really fails to connect (the real
Redis server is never touched). The cache is the production backend at that port,
and Celery is not eager: `.delay` after commit really tries the dead broker."""

import json
import logging
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from applications.choices import ApplicationStatus
from applications.models import Application
from members.models import User
from q_portal.broker import broker_reset
from q_portal.celery import app as celery_app
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.tasks import send_due_emails
from tests.factories import PASSWORD, UserFactory
from tests.factories.applications import RoundFactory, complete, route

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_REDIS = "redis://127.0.0.1:1/0"


def _reset_broker_pools():
    """Celery caches its broker connection pools; drop them so the next publish
    connects to whatever `broker_url` says now."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = DEAD_REDIS
    settings.CACHES = {"default": {"BACKEND": "q_portal.cache.ResilientRedisCache", "LOCATION": DEAD_REDIS}}
    conf = celery_app.conf
    previous = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = DEAD_REDIS, False
    _reset_broker_pools()
    broker_reset()
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = previous
        _reset_broker_pools()
        broker_reset()


def _client() -> Client:
    # What a person sees: the error page, never an exception or a traceback.
    return Client(raise_request_exception=False)


def _page(response) -> str:
    return response.content.decode()


def test_people_sign_up_sign_in_reset_register_apply_and_submit_while_redis_is_down(redis_down, caplog, mailoutbox):
    caplog.set_level(logging.WARNING)
    client = _client()

    signup = client.post(
        reverse("account_signup"),
        {"display_name": "Sam Patel", "email": "sam.patel@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signup["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email="sam.patel@example.org").exists()

    reset = client.post(reverse("account_reset_password"), {"email": "sam.patel@example.org"})
    assert reset["Location"] == reverse("account_reset_password_done")

    updates = client.post("/updates/", {"email": "asha.patel@example.org", "name": "Asha Patel", "consent": "on"})
    assert updates.status_code == 302
    assert "Check your email" in _page(client.get(updates["Location"]))

    round = RoundFactory(routes=[route()])
    applicant = UserFactory()
    signin = client.post(reverse("account_login"), {"login": applicant.email, "password": PASSWORD})
    assert signin["Location"] == reverse("applications:applicant_home")

    open_route = round.routes.get()
    client.post(reverse("applications:eligibility", args=[round.pk]), {f"route_{open_route.pk}": "yes"})
    application = complete(Application.objects.get(applicant=applicant))
    submitted = client.post(reverse("applications:check", args=[application.pk]), follow=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference in _page(submitted)

    # Every email is a row waiting for the broker; none was lost with the failed publish.
    waiting = sorted(OutboundEmail.objects.values_list("to", "status"))
    assert waiting == sorted(
        [
            ("sam.patel@example.org", "queued"),  # confirm your address
            ("sam.patel@example.org", "queued"),  # reset your password
            ("asha.patel@example.org", "queued"),  # confirm your registration
            (applicant.email, "queued"),  # application received
        ]
    )
    assert mailoutbox == []
    assert "Redis cache at 127.0.0.1:1 does not answer" in caplog.text


def test_emails_queued_while_the_broker_is_down_go_at_the_next_sweep(redis_down, mailoutbox):
    client = _client()
    client.post(reverse("account_reset_password"), {"email": UserFactory(email="ada@example.org").email})
    assert list(OutboundEmail.objects.values_list("status", flat=True)) == ["queued"]

    # The broker is back and beat's sweep runs (here, in the test process): what waited is sent.
    sent = send_due_emails.apply().get()

    assert sent == 1
    assert list(OutboundEmail.objects.values_list("status", flat=True)) == ["sent"]
    assert [message.to for message in mailoutbox] == [["ada@example.org"]]


def test_sign_in_rate_limit_still_holds_while_redis_is_down(redis_down):
    client = _client()
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"})

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert "Too many failed login attempts" in _page(response)
    assert "_auth_user_id" not in client.session


def test_admin_sign_in_works_while_redis_is_down(redis_down):
    client = _client()
    admin = UserFactory(is_staff=True, is_superuser=True)

    to_login = client.get("/admin/login/?next=/admin/")
    signed_in = client.post(to_login["Location"], {"login": admin.email, "password": PASSWORD})

    # Signed in; MFA (required for administrators in these settings) is the next step.
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert signed_in.status_code == 302


def test_registration_limit_still_holds_while_redis_is_down(redis_down):
    from applications.views.updates import REGISTRATIONS_PER_WINDOW

    client = _client()
    # Within one minute's window, however slowly the machine runs.
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC), tick=False):
        for number in range(REGISTRATIONS_PER_WINDOW):
            client.post("/updates/", {"email": f"person{number}@example.org", "name": "A Person", "consent": "on"})

        refused = client.post("/updates/", {"email": "one.more@example.org", "name": "One More", "consent": "on"})

    assert "too many registrations from your network" in _page(refused)


def test_healthz_says_503_while_redis_is_down(redis_down):
    response = _client().get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "database": "ok", "broker": "unavailable"}
