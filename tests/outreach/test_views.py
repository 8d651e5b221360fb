"""The programme team's waves pages: what a person sees and what each form does."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import RoundStatus
from outreach import services
from outreach.models import Wave, WaveStatus
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import Status
from tests.factories import RegionFactory, UserFactory, programme_team, reviewer, with_totp
from tests.factories.applications import RoundFactory
from tests.factories.waves import SubscriberFactory, WaveFactory, audience
from tests.outbox.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client):
    user = with_totp(programme_team(email="pat@example.org", display_name="Pat Lee"))
    client.force_login(user)
    return user


def _form(**overrides) -> dict:
    data = {
        "name": "Spring round opens",
        "round": "",
        "subject": "Q is recruiting, {{ first_name }}",
        "body": "Hello {{ first_name }},\n\nApply: {{ personal_link }}",
        "rate_per_minute": "600",
        "combine": "any",
        "include_subscribers": "on",
        "subscribers_region": "",
        "subscribers_role": "",
    }
    return {**data, **overrides}


def _text(response) -> str:
    return response.content.decode()


def test_compose_saves_a_draft_and_shows_it(client, team):
    response = client.post(reverse("waves:create"), _form(), follow=True)

    wave = Wave.objects.get()
    content = _text(response)
    assert (wave.name, wave.status, wave.created_by) == ("Spring round opens", WaveStatus.DRAFT, team)
    assert "Spring round opens is saved as a draft." in content
    assert "A draft: nobody gets it until you schedule it." in content


def test_compose_with_unknown_placeholder_says_so_at_the_field_and_keeps_the_text(client, team):
    response = client.post(reverse("waves:create"), _form(body="Dear {{ frist_name }}, apply now"))

    content = _text(response)
    assert response.status_code == 200
    assert Wave.objects.count() == 0
    assert "There is a problem" in content
    assert 'href="#id_body"' in content
    assert "“{{ frist_name }}” is not a placeholder the portal knows." in content
    assert "Dear {{ frist_name }}, apply now</textarea>" in content


def test_compose_segment_without_its_choice_or_round_is_an_error_at_that_choice(client, team):
    response = client.post(
        reverse("waves:create"), _form(include_subscribers="", include_route="on", include_drafts="on")
    )

    form = response.context["form"]
    assert form.errors["route"] == ["Choose the eligibility route."]
    assert Wave.objects.count() == 0


def test_composer_warns_when_the_audience_round_is_closed(client, team):
    closed = RoundFactory(
        name="Pilot round",
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=30),
        status=RoundStatus.CLOSED,
    )
    open_round = RoundFactory(name="Spring round")
    warning = "is not taking applications now. People who follow the email"

    closed_page = _text(client.post(reverse("waves:create"), _form(round=str(closed.pk), count="1")))
    open_page = _text(client.post(reverse("waves:create"), _form(round=str(open_round.pk), count="1")))

    assert f"Pilot round {warning}" in closed_page
    assert warning not in open_page


def test_count_recipients_shows_each_person_once_without_saving(client, team):
    region = RegionFactory(name="London")
    SubscriberFactory(email="asha@example.org", region=region)
    SubscriberFactory(email="ben@example.org")
    data = _form(include_members="on", subscribers_region=str(region.pk), count="1")

    response = client.post(reverse("waves:create"), data)

    content = _text(response)
    assert Wave.objects.count() == 0
    assert "People registered for updates: London" in content
    assert "1 recipient, counted once" in content
    assert 'value="Spring round opens"' in content


def test_wave_list_shows_waves_with_a_constant_number_of_queries(client, team):
    client.get(reverse("waves:list"))  # the session's first save is not the page's
    counts = []
    for size in (1, 12):
        for _number in range(size):
            wave = WaveFactory(status=WaveStatus.SENT, round=RoundFactory(), recipient_count=1)
            OutboundEmailFactory(batch=wave.batch, status=Status.SENT, sent_at=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("waves:list"))
        counts.append(len(queries))
        assert response.status_code == 200
    assert counts[0] == counts[1]
    content = _text(response)
    assert wave.name in content
    assert wave.round.name in content


def test_wave_page_failures_table_has_a_constant_number_of_queries(client, team):
    wave = WaveFactory(status=WaveStatus.SENT, recipient_count=60, started_at=timezone.now())
    client.get(reverse("waves:detail", args=[wave.pk]))  # the session's first save is not the page's
    counts = []
    for size in (2, 40):
        OutboundEmailFactory.create_batch(size, batch=wave.batch, status=Status.FAILED, last_error="SMTPDataError: 554")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("waves:detail", args=[wave.pk]))
        counts.append(len(queries))
    assert counts[0] == counts[1]
    content = _text(response)
    assert "Emails the mail server refused for good" in content
    assert content.count("SMTPDataError: 554") == 25
    assert "Page 1 of 2" in content


def test_progress_json_and_page_agree(client, team):
    wave = WaveFactory(status=WaveStatus.SENDING, recipient_count=4, started_at=timezone.now())
    OutboundEmailFactory.create_batch(2, batch=wave.batch, status=Status.SENT, sent_at=timezone.now())
    OutboundEmailFactory(batch=wave.batch, status=Status.QUEUED)
    OutboundEmailFactory(batch=wave.batch, status=Status.SUPPRESSED)

    data = json.loads(client.get(reverse("waves:progress", args=[wave.pk])).content)
    page = _text(client.get(reverse("waves:detail", args=[wave.pk])))

    assert data == {
        "status": "sending",
        "status_label": "Sending",
        "finished": False,
        "actions": ["pause", "cancel"],
        "total": 4,
        "waiting": 1,
        "sent": 2,
        "failed": 0,
        "suppressed": 1,
        "cancelled": 0,
        "done": 3,
        "percent": 75,
    }
    assert 'max="4" value="3"' in page
    assert "3 of 4 emails done." in page
    assert "data-live" in page


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        (WaveStatus.SCHEDULED, ["unschedule", "cancel"], ["pause", "resume"]),
        (WaveStatus.SENDING, ["pause", "cancel"], ["resume", "unschedule"]),
        (WaveStatus.PAUSED, ["resume", "cancel"], ["pause", "unschedule"]),
    ],
)
def test_wave_page_shows_only_the_controls_its_status_allows(client, team, status, shown, hidden):
    wave = WaveFactory(status=status, scheduled_for=timezone.now() + timedelta(hours=1), recipient_count=1)

    page = _text(client.get(reverse("waves:detail", args=[wave.pk])))
    data = json.loads(client.get(reverse("waves:progress", args=[wave.pk])).content)

    assert data["actions"] == shown
    for action in shown:
        assert f'data-wave-action="{action}">' in page
    for action in hidden:
        assert f'data-wave-action="{action}" hidden>' in page


@pytest.mark.parametrize("status", [WaveStatus.SENT, WaveStatus.CANCELLED])
def test_finished_wave_page_offers_no_controls(client, team, status):
    wave = WaveFactory(status=status, recipient_count=1, started_at=timezone.now(), finished_at=timezone.now())

    page = _text(client.get(reverse("waves:detail", args=[wave.pk])))

    assert "data-wave-action" not in page
    assert "Unschedule" not in page
    assert "Change the time" not in page


def test_unschedule_pressed_on_a_stale_page_of_a_sent_wave_says_why_and_changes_nothing(client, team):
    wave = WaveFactory(status=WaveStatus.SENT, recipient_count=1, started_at=timezone.now(), finished_at=timezone.now())

    response = client.post(reverse("waves:action", args=[wave.pk]), {"action": "unschedule"}, follow=True)

    wave.refresh_from_db()
    assert wave.status == WaveStatus.SENT
    assert "This wave is sent, so it cannot be moved back to draft." in _text(response)
    assert "Unschedule" not in _text(response)


def test_progress_json_is_for_the_programme_team_only(client):
    wave = WaveFactory()
    client.force_login(with_totp(reviewer()))

    response = client.get(reverse("waves:progress", args=[wave.pk]))

    assert response.status_code == 403


def test_preview_shows_a_sample_recipient_and_escapes_their_name(client, team):
    SubscriberFactory(email="asha@example.org", name="<b>Asha</b> Khan")
    SubscriberFactory(email="ben@example.org", name="Ben Ode")
    wave = WaveFactory(subject="Hello {{ first_name }}")

    first = _text(client.get(reverse("waves:preview", args=[wave.pk])))
    second = _text(client.get(reverse("waves:preview", args=[wave.pk]) + "?sample=2"))
    beyond = _text(client.get(reverse("waves:preview", args=[wave.pk]) + "?sample=junk"))

    assert "As recipient 1 of the audience, asha@example.org, would get it." in first
    assert "<p>Hello &lt;b&gt;Asha&lt;/b&gt;,</p>" in first
    assert "<b>Asha</b>" not in first
    assert "Hello Ben," in second
    assert "asha@example.org" in beyond


def test_send_test_emails_the_team_member(client, team, django_capture_on_commit_callbacks, mailoutbox):
    wave = WaveFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("waves:send_test", args=[wave.pk]), follow=True)

    assert "A test email is on its way to pat@example.org." in _text(response)
    assert [(m.to, m.subject) for m in mailoutbox] == [(["pat@example.org"], "[Test] Q is recruiting")]


def test_schedule_later_then_unschedule(client, team):
    SubscriberFactory()
    wave = WaveFactory()
    send_at = timezone.localtime(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)

    scheduled = client.post(
        reverse("waves:schedule", args=[wave.pk]),
        {"when": "later", "send_at": send_at.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    wave.refresh_from_db()
    state = (wave.status, wave.scheduled_for)
    unscheduled = client.post(reverse("waves:action", args=[wave.pk]), {"action": "unschedule"}, follow=True)

    assert state == (WaveStatus.SCHEDULED, send_at)
    assert "will be sent at" in _text(scheduled)
    assert "is a draft again and will not be sent." in _text(unscheduled)
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.DRAFT


def test_schedule_later_without_a_time_is_an_error_at_the_time(client, team):
    wave = WaveFactory()

    response = client.post(reverse("waves:schedule", args=[wave.pk]), {"when": "later", "send_at": ""})

    assert response.context["form"].errors["send_at"] == ["Enter the date and time to send the wave."]
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.DRAFT


def test_send_now_sends_and_the_page_shows_it_finished(client, team, django_capture_on_commit_callbacks, mailoutbox):
    SubscriberFactory.create_batch(3)
    wave = WaveFactory()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("waves:schedule", args=[wave.pk]), {"when": "now"})
    page = _text(client.get(reverse("waves:detail", args=[wave.pk])))

    assert len(mailoutbox) == 3
    assert "Finished: every email is done." in page
    assert "3 of 3 emails done." in page
    assert "data-live" not in page


def test_pause_and_cancel_from_the_page(client, team):
    SubscriberFactory.create_batch(2)
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=timezone.now())
    services.wave_start(wave_id=wave.pk)  # the send tasks would run after commit

    unchosen = _text(client.post(reverse("waves:action", args=[wave.pk]), {"action": "stop"}, follow=True))
    paused = _text(client.post(reverse("waves:action", args=[wave.pk]), {"action": "pause"}, follow=True))
    resumed = _text(client.post(reverse("waves:action", args=[wave.pk]), {"action": "resume"}, follow=True))
    cancelled = _text(client.post(reverse("waves:action", args=[wave.pk]), {"action": "cancel"}, follow=True))
    again = _text(client.post(reverse("waves:action", args=[wave.pk]), {"action": "pause"}, follow=True))

    assert "Choose something the wave can do." in unchosen
    assert f"{wave.name} is paused." in paused
    assert f"{wave.name} is being sent again." in resumed
    assert f"{wave.name} is cancelled: 2 emails will not be sent." in cancelled
    assert "This wave is cancelled, so it cannot be paused." in again
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {Status.CANCELLED}


def test_edit_a_sent_wave_is_refused(client, team):
    wave = WaveFactory(status=WaveStatus.SENT)

    response = client.post(reverse("waves:edit", args=[wave.pk]), _form(name="Changed"), follow=True)

    assert "This wave is sent, so it can no longer be changed." in _text(response)
    assert Wave.objects.get(pk=wave.pk).name == wave.name


def test_reminders_page_lists_open_rounds_and_saves_days(client, team):
    round = RoundFactory(name="Wider recruitment")
    client.get(reverse("waves:reminders"))  # the session's first save is not the page's
    counts = []
    for size in (1, 6):
        RoundFactory.create_batch(size)
        with CaptureQueriesContext(connection) as queries:
            page = _text(client.get(reverse("waves:reminders")))
        counts.append(len(queries))
    assert counts[0] == counts[1]
    saved = _text(client.post(reverse("waves:reminder_edit", args=[round.pk]), {"days": "14, 3"}, follow=True))
    bad = client.post(reverse("waves:reminder_edit", args=[round.pk]), {"days": "a week"})

    round.refresh_from_db()
    assert "Wider recruitment" in page
    assert "7 days before:" in page
    assert "will be reminded 14 and 3 days before it closes" in saved
    assert round.reminder_days == [14, 3]
    assert "“a” is not one" in bad.context["form"].errors["days"][0]


def test_wave_pages_need_the_programme_team(client):
    wave = WaveFactory()
    client.force_login(UserFactory())

    assert client.get(reverse("waves:detail", args=[wave.pk])).status_code == 403
    assert client.post(reverse("waves:action", args=[wave.pk]), {"action": "cancel"}).status_code == 403
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.DRAFT


def test_audience_helper_is_usable_in_factories():
    assert audience({"kind": "members"}, combine="all") == {"combine": "all", "segments": [{"kind": "members"}]}
