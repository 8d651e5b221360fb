"""Fixtures shared by selection's tests."""

import pytest

from tests.factories import programme_team, with_totp


@pytest.fixture
def team(client):
    """A programme team member with two-factor authentication, signed in."""
    user = with_totp(programme_team())
    client.force_login(user)
    return user
