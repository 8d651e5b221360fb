import datetime

import pytest
from django.urls import reverse

from members.models import CommunityMembership, OnboardingStep
from members.services.onboarding import onboarding_send, onboarding_step_update
from q_portal.outbox.models import OutboundEmail
from tests.factories import programme_team, with_totp
from tests.factories.events import EventFactory, registered
from tests.factories.members import CommunityFactory, InterestFactory, MemberFactory, onboarding_steps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _steps(db):
    onboarding_steps()


JOINED = datetime.date(2026, 5, 1)


def _subjects(member):
    return list(OutboundEmail.objects.filter(to=member.user.email).order_by("pk").values_list("subject", flat=True))


def test_day_3_10_and_30_emails_once_each_and_skipped_when_done():
    newcomer = MemberFactory(joined_on=JOINED)
    busy = MemberFactory(joined_on=JOINED, bio="I lead sepsis work", interests=[InterestFactory()])
    busy.photo.name = "members/photos/busy.jpg"
    busy.save(update_fields=["photo"])
    CommunityMembership.objects.create(community=CommunityFactory(), member=busy)
    registered(EventFactory(), busy)

    for day in range(0, 35):
        onboarding_send(today=JOINED + datetime.timedelta(days=day))

    assert _subjects(newcomer) == [
        "Help other members find you",
        "Find your people: join a group",
        "Meet members near you",
    ]
    assert _subjects(busy) == []


def test_missed_days_catch_up_within_a_week_but_not_after():
    member = MemberFactory(joined_on=JOINED)
    onboarding_send(today=JOINED + datetime.timedelta(days=8))
    assert _subjects(member) == ["Help other members find you"]
    late = MemberFactory(joined_on=JOINED - datetime.timedelta(days=20))
    onboarding_send(today=JOINED + datetime.timedelta(days=8))
    assert "Help other members find you" not in _subjects(late)


def test_programme_team_edits_the_wording(client):
    step = OnboardingStep.objects.get(topic="group")
    team = with_totp(programme_team())
    client.force_login(team)
    response = client.post(
        reverse("members:programme_onboarding_edit", kwargs={"pk": step.pk}),
        {
            "subject": "Join a special interest group",
            "body": "Groups are where members learn together.",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    member = MemberFactory(joined_on=JOINED)
    onboarding_send(today=JOINED + datetime.timedelta(days=10))
    email = OutboundEmail.objects.get(to=member.user.email, subject="Join a special interest group")
    assert "Groups are where members learn together." in email.body_text
    onboarding_step_update(step=step, by=team, subject="x", body="y", is_active=False)
    other = MemberFactory(joined_on=JOINED)
    onboarding_send(today=JOINED + datetime.timedelta(days=10))
    assert _subjects(other) == []
