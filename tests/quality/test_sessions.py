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
