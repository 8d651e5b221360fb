from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_session_ends_after_inactivity_but_not_while_in_use(client):
    user = UserFactory()
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel("2026-11-02 09:00", tick=False) as clock:
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

        # Each request restarts the clock...
        clock.shift(age - timedelta(minutes=1))
        assert client.get(reverse("applications:applicant_home")).status_code == 200
        clock.shift(age - timedelta(minutes=1))
        assert client.get(reverse("applications:applicant_home")).status_code == 200

        # ...and a whole period without one signs the person out.
        clock.shift(age + timedelta(seconds=1))
        response = client.get(reverse("applications:applicant_home"))

    assert response["Location"] == f"{reverse('account_login')}?next=/apply/"


def _session_writes(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith(("UPDATE", "INSERT"))]


def test_session_is_written_at_most_once_a_minute_while_in_use(client, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_REFRESH_SECONDS = 60
    user = UserFactory()
    with time_machine.travel("2026-11-02 09:00", tick=False) as clock:
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        clock.shift(timedelta(seconds=60))
        client.get(reverse("applications:applicant_home"))  # a minute on: written

        clock.shift(timedelta(seconds=30))
        with CaptureQueriesContext(connection) as within_the_minute:
            assert client.get(reverse("applications:applicant_home")).status_code == 200
        clock.shift(timedelta(seconds=30))
        with CaptureQueriesContext(connection) as a_minute_on:
            assert client.get(reverse("applications:applicant_home")).status_code == 200

    assert [sql for sql in _session_writes(within_the_minute) if "django_session" in sql] == []
    assert len([sql for sql in _session_writes(a_minute_on) if "django_session" in sql]) == 1


def test_session_ends_after_inactivity_counted_from_its_last_write(client, settings):
    settings.SESSION_REFRESH_SECONDS = 60
    user = UserFactory()
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel("2026-11-02 09:00", tick=False) as clock:
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        clock.shift(timedelta(seconds=30))
        # Within the minute: not written, and the warning counts from the sign-in.
        response = client.get(reverse("applications:applicant_home"))
        assert response.wsgi_request.session_seconds_left == settings.SESSION_COOKIE_AGE - 30

        clock.shift(age - timedelta(seconds=30))
        response = client.get(reverse("applications:applicant_home"))

    assert response["Location"] == f"{reverse('account_login')}?next=/apply/"


def test_visitor_without_a_session_gets_none(client):
    from django.contrib.sessions.models import Session

    assert client.get(reverse("home")).status_code == 200
    assert client.get("/healthz").status_code == 200

    assert Session.objects.count() == 0
    assert settings.SESSION_COOKIE_NAME not in client.cookies
