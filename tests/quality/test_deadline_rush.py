"""Fifty applicants submitting in the same moment against a live server on
PostgreSQL: every submission stored once, no errors."""

import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.test import Client

from applications.choices import ApplicationStatus
from applications.models import Application
from q_portal.outbox.models import OutboundEmail
from tests.factories.applications import ApplicationFactory, RoundFactory, complete

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANTS = 50


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def fetch(url, *, cookies, data=None, attempts=5):
    """One browser request. The test server's listen queue is short (gunicorn's is
    2,048), so a connection it resets is sent again, as a browser would: sending a
    submission twice must still store it once."""
    request = urllib.request.Request(  # noqa: S310 - the live test server, http only
        url,
        data=urllib.parse.urlencode(data).encode() if data is not None else None,
        headers={"Cookie": cookies, "Referer": url},
    )
    for attempt in range(attempts):
        try:
            return urllib.request.urlopen(request, timeout=60)  # noqa: S310
        except (ConnectionResetError, urllib.error.URLError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def test_fifty_applicants_submitting_at_once_are_all_stored_once(live_server):
    round = RoundFactory()
    applications = [complete(ApplicationFactory(round=round)) for _ in range(APPLICANTS)]
    # Signed in here, so the threads below hold no database connection of their
    # own: the live server's request threads are the only ones competing.
    cookies = {application.pk: session_cookie(application.applicant) for application in applications}
    barrier = threading.Barrier(APPLICANTS)
    landed_on, failures = [], []

    def submit(application):
        try:
            check_url = f"{live_server.url}/apply/application/{application.pk}/check/"
            page = fetch(check_url, cookies=cookies[application.pk])
            csrf_cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
            barrier.wait(timeout=60)
            response = fetch(
                check_url,
                cookies=f"{cookies[application.pk]}; csrftoken={csrf_cookie}",
                data={"csrfmiddlewaretoken": token},
            )
            landed_on.append(urllib.parse.urlparse(response.url).path)
        except Exception as error:  # reported by the assertion below
            failures.append(repr(error))

    threads = [threading.Thread(target=submit, args=[application]) for application in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert sorted(landed_on) == sorted(f"/apply/application/{a.pk}/submitted/" for a in applications)
    submitted = Application.objects.filter(round=round, status=ApplicationStatus.SUBMITTED)
    assert submitted.count() == APPLICANTS
    assert len(set(submitted.values_list("reference", flat=True))) == APPLICANTS
    assert OutboundEmail.objects.filter(key__contains=":submitted:").count() == APPLICANTS
