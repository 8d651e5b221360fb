"""The access matrix: every URL the resolver knows, requested by every role, against
one declared policy. A URL missing from POLICY fails the test, so no view ships
unchecked. Then every role without permission POSTs to every URL: nothing changes."""

import pytest
from django.apps import apps
from django.db.models import Max
from django.urls import reverse

from applications.models import Application, Round

from .access import (
    ACCOUNT,
    ANY,
    FORBIDDEN,
    LOGIN,
    MFA,
    NOT_FOUND,
    OK,
    POLICY,
    POST_ONLY,
    PUBLIC,
    ROLES,
    TOKEN,
    outcome,
    url_for,
    url_patterns,
)

pytestmark = pytest.mark.django_db


def test_every_url_is_in_the_policy():
    names = {name for name, _pattern in url_patterns()}

    assert sorted(names - POLICY.keys()) == []
    assert sorted(POLICY.keys() - names) == []


def test_every_url_answers_every_role_as_the_policy_says(world):
    mismatches = []
    for name, pattern in url_patterns():
        url = url_for(name, pattern, world)
        for role in ROLES:
            response = world.clients[role].get(url)
            assert response.status_code < 500, f"{role} GET {url} answered {response.status_code}"
            expected = POLICY[name][role]
            if expected != ANY and outcome(response) != expected:
                mismatches.append(f"{role} GET {url}: expected {expected}, got {outcome(response)}")
    assert mismatches == [], "\n".join(mismatches)


def portal_state():
    """A fingerprint of everything the portal stores: row counts of every portal
    model and the latest change to applications and rounds."""
    counts = {
        model._meta.label: model.objects.count()
        for config in apps.get_app_configs()
        if config.name in {"members", "applications", "selection", "q_portal.audit", "q_portal.outbox"}
        for model in config.get_models()
    }
    for model in (Application, Round):
        counts[f"{model._meta.label}.latest_change"] = model.objects.aggregate(latest=Max("updated_at"))["latest"]
    return counts


def test_posting_without_permission_changes_nothing(world):
    before = portal_state()
    for name, pattern in url_patterns():
        if POLICY[name] in (PUBLIC, ACCOUNT, TOKEN) or name in {"applications:keep_alive"}:
            continue
        url = url_for(name, pattern, world)
        for role in ROLES:
            if POLICY[name][role] in (OK, POST_ONLY):
                continue
            response = world.clients[role].post(url, {"job_title": "Changed", "text": "Changed", "places": 1})
            assert outcome(response) in {LOGIN, FORBIDDEN, NOT_FOUND, MFA, POST_ONLY}, f"{role} POST {url}"
    assert portal_state() == before


@pytest.mark.parametrize("role", ROLES)
def test_django_admin_is_for_administrators_only(world, role):
    response = world.clients[role].get("/admin/")

    if role == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        sign_in_or_set_up_mfa = ("/admin/login/", reverse("account_login"), reverse("mfa_activate_totp"))
        assert response["Location"].startswith(sign_in_or_set_up_mfa)
