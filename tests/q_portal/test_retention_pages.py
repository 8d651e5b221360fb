"""The retention schedule's pages: the programme team's `/programme/retention/`
(the whole schedule and the last runs' counts) and the public part, linked from
the privacy notice."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.choices import SubscriptionStatus
from applications.models import UpdateSubscription
from q_portal.audit.services import audit_log
from q_portal.retention import schedule
from q_portal.retention.services import RUN_ACTION, retention_run
from tests.factories import UserFactory
from tests.factories.decisions import team_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_client(client):
    client.force_login(team_member())
    return client


def test_the_programme_page_shows_every_rule_in_plain_words_and_the_last_runs_counts(team_client):
    UpdateSubscription.objects.create(
        email="pending@example.org",
        status=SubscriptionStatus.PENDING,
        consented_at=timezone.now() - timedelta(days=31),
    )
    retention_run()

    page = team_client.get(reverse("programme_retention")).content.decode()

    for rule in schedule():
        assert rule.name in page
    assert "12 months after the email was sent" in page
    assert "RETENTION_OUTBOX_MONTHS" in page
    assert "Kept only as a count: everything about the person is removed" in page
    assert "<code>applications.UpdateSubscription:unconfirmed</code>: 1" in page


def test_the_programme_page_says_when_the_schedule_has_not_run(team_client):
    assert "The schedule has not run yet." in team_client.get(reverse("programme_retention")).content.decode()


def test_an_applicant_cannot_see_the_programme_page(client):
    client.force_login(UserFactory())
    assert client.get(reverse("programme_retention")).status_code == 403


def test_the_programme_page_costs_the_same_queries_after_one_run_or_many(team_client, django_assert_num_queries):
    retention_run()
    team_client.get(reverse("programme_retention"))  # warm the session and caches
    with django_assert_num_queries(5):
        team_client.get(reverse("programme_retention"))
    for _ in range(20):
        audit_log(actor=None, action=RUN_ACTION, changes={"counts": {"outbox.OutboundEmail": 1000}, "more_due": True})
    with django_assert_num_queries(5):
        response = team_client.get(reverse("programme_retention"))
    assert response.content.decode().count('<td class="text-end">') == 14


def test_the_public_schedule_shows_the_public_rules_only():
    from django.test import Client

    page = Client().get(reverse("privacy_retention")).content.decode()

    public = [rule for rule in schedule() if rule.public]
    private = [rule for rule in schedule() if not rule.public]
    assert public and private
    for rule in public:
        assert str(rule.how_long) in page.replace("&#x27;", "'")
    assert "administrators' change log" not in page.replace("&#x27;", "'")
    assert "RETENTION_" not in page


def test_the_privacy_notice_links_to_the_public_schedule_and_shows_it(client):
    page = client.get(reverse("privacy")).content.decode()

    assert f'href="{reverse("privacy_retention")}"' in page
    assert "12 months after the email was sent" in page
