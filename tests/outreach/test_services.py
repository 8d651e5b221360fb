"""Email waves end to end through the services and tasks (eager Celery, the
locmem mail backend standing in for the SMTP server): composing, scheduling,
materialising one email per person, suppression at send time, pause, resume,
cancel, the state machine, the dispatcher's recovery, deadline reminders."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from applications.choices import RoundStatus
from applications.services.updates import subscription_unsubscribe
from outreach import services
from outreach.audiences import Audience
from outreach.models import Wave, WaveKind, WaveStatus
from outreach.tasks import dispatch_waves, send_wave
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import Status, SuppressionReason, suppression_add
from tests.factories import UserFactory, programme_team
from tests.factories.applications import ApplicationFactory, RoundFactory, submitted
from tests.factories.waves import SubscriberFactory, WaveFactory, audience

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _create(team, **overrides):
    arguments = {
        "name": "Spring round opens",
        "round": None,
        "subject": "Q is recruiting, {{ first_name }}",
        "body": "Hello {{ first_name }},\n\nFind out more: {{ personal_link }}",
        "audience": Audience.from_json(audience({"kind": "subscribers"})),
        "rate_per_minute": 60_000,
    }
    return services.wave_create(by=team, **(arguments | overrides))


def _dispatch(capture) -> None:
    """Beat's tick, as a worker runs it: outside any transaction, so the tasks it
    queues after commit run (eagerly) at once."""
    with capture(execute=True):
        dispatch_waves.delay()


def _statuses(wave) -> Counter:
    return Counter(OutboundEmail.objects.filter(batch=wave.batch).values_list("status", flat=True))


# --- Composing ------------------------------------------------------------------------------


def test_wave_create_saves_a_draft_and_audits():
    team = programme_team()

    wave = _create(team)

    assert (wave.status, wave.created_by, wave.audience) == (
        WaveStatus.DRAFT,
        team,
        {"combine": "any", "segments": [{"kind": "subscribers"}]},
    )
    assert list(AuditEntry.objects.values_list("action", "actor")) == [("waves.create", team.pk)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"body": "Hello {{ firstname }}"}, "body"),
        ({"subject": "{{ close_date }} is the deadline"}, "subject"),
        ({"subject": "Two\nlines"}, "subject"),
        ({"audience": Audience.from_json(audience({"kind": "drafts"}))}, "include_drafts"),
        ({"rate_per_minute": 0}, "rate_per_minute"),
        ({"name": "  "}, "name"),
    ],
)
def test_wave_create_refuses_at_the_field(overrides, field):
    with pytest.raises(PortalError) as caught:
        _create(programme_team(), **overrides)

    assert caught.value.field == field
    assert Wave.objects.count() == 0


# --- Sending --------------------------------------------------------------------------------


def test_send_now_emails_each_subscriber_once_with_unsubscribe_link_and_headers(
    django_capture_on_commit_callbacks, mailoutbox
):
    team = programme_team()
    SubscriberFactory(email="asha@example.org", name="Asha Khan")
    SubscriberFactory(email="ben@example.org", name="")
    wave = _create(team)

    with django_capture_on_commit_callbacks(execute=True):
        services.wave_schedule(wave=wave, send_at=None, by=team)

    wave.refresh_from_db()
    assert (wave.status, wave.recipient_count) == (WaveStatus.SENT, 2)
    assert sorted((m.to[0], m.subject) for m in mailoutbox) == [
        ("asha@example.org", "Q is recruiting, Asha"),
        ("ben@example.org", "Q is recruiting, there"),
    ]
    message = next(m for m in mailoutbox if m.to == ["asha@example.org"])
    assert message.body.startswith("Hello Asha,\n\nFind out more: http://127.0.0.1:8000/\n")
    assert "/updates/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/updates/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<p>Hello Asha,</p>" in html
    assert set(OutboundEmail.objects.values_list("key", flat=True)) == {
        f"wave:{wave.pk}:asha@example.org",
        f"wave:{wave.pk}:ben@example.org",
    }
    assert list(AuditEntry.objects.filter(target_id=str(wave.pk)).order_by("pk").values_list("action", flat=True)) == [
        "waves.create",
        "waves.scheduled",
        "waves.sending",
        "waves.sent",
    ]


def test_wave_start_skips_and_counts_suppressed_addresses(mailoutbox):
    SubscriberFactory(email="asha@example.org")
    SubscriberFactory(email="bounced@example.org")
    suppression_add(email="Bounced@Example.org", reason=SuppressionReason.BOUNCED)
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=timezone.now())

    services.wave_start(wave_id=wave.pk)
    services.wave_send_some(wave_id=wave.pk)

    wave.refresh_from_db()
    assert [m.to for m in mailoutbox] == [["asha@example.org"]]
    assert _statuses(wave) == {Status.SENT: 1, Status.SUPPRESSED: 1}
    assert (wave.status, wave.recipient_count) == (WaveStatus.SENT, 2)


def test_unsubscribing_after_the_wave_is_queued_is_honoured_at_send_time(mailoutbox):
    SubscriberFactory(email="asha@example.org")
    SubscriberFactory(email="ben@example.org")
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=timezone.now())
    services.wave_start(wave_id=wave.pk)  # rows queued; send tasks would run after commit

    subscription_unsubscribe(address="BEN@example.org")
    services.wave_send_some(wave_id=wave.pk)

    assert [m.to for m in mailoutbox] == [["asha@example.org"]]
    assert OutboundEmail.objects.get(to="ben@example.org").status == Status.SUPPRESSED
    assert _statuses(wave) == {Status.SENT: 1, Status.SUPPRESSED: 1}


def test_wave_started_twice_or_sent_by_two_tasks_emails_each_person_once(mailoutbox):
    SubscriberFactory.create_batch(5)
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=timezone.now())

    first = services.wave_start(wave_id=wave.pk)
    second = services.wave_start(wave_id=wave.pk)
    send_wave.delay(wave_id=wave.pk)
    send_wave.delay(wave_id=wave.pk)  # a task delivered twice

    assert (first is not None, second) == (True, None)
    assert OutboundEmail.objects.filter(batch=wave.batch).count() == 5
    assert len(mailoutbox) == 5
    assert len({m.to[0] for m in mailoutbox}) == 5


def test_wave_scheduled_for_later_is_started_by_the_dispatcher_when_due(
    time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    time_machine.move_to(START, tick=False)
    team = programme_team()
    SubscriberFactory(email="asha@example.org")
    wave = _create(team)
    services.wave_schedule(wave=wave, send_at=START + timedelta(hours=2), by=team)

    _dispatch(django_capture_on_commit_callbacks)
    early = (Wave.objects.get(pk=wave.pk).status, len(mailoutbox))
    time_machine.move_to(START + timedelta(hours=2), tick=False)
    _dispatch(django_capture_on_commit_callbacks)

    assert early == (WaveStatus.SCHEDULED, 0)
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.SENT
    assert [m.to for m in mailoutbox] == [["asha@example.org"]]


def test_wave_schedule_refuses_past_time_and_empty_audience():
    team = programme_team()
    wave = _create(team)

    with pytest.raises(PortalError, match="Nobody is in this wave's audience"):
        services.wave_schedule(wave=wave, send_at=None, by=team)
    SubscriberFactory()
    with pytest.raises(PortalError) as caught:
        services.wave_schedule(wave=wave, send_at=timezone.now() - timedelta(hours=1), by=team)

    assert caught.value.field == "send_at"
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.DRAFT


def test_permanent_smtp_failure_is_failed_with_its_reason(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.outbox.backends.RejectingBackend"
    SubscriberFactory(email="asha@example.org")
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=timezone.now())

    services.wave_start(wave_id=wave.pk)
    services.wave_send_some(wave_id=wave.pk)

    wave.refresh_from_db()
    email = OutboundEmail.objects.get(batch=wave.batch)
    assert (email.status, email.attempts, email.last_error) == (
        Status.FAILED,
        1,
        "SMTPDataError: (554, b'5.7.1 Message rejected')",
    )
    assert wave.status == WaveStatus.SENT


# --- Pause, resume, cancel -----------------------------------------------------------------------


def test_paused_wave_sends_nothing_until_resumed(django_capture_on_commit_callbacks, mailoutbox):
    team = programme_team()
    SubscriberFactory.create_batch(3)
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=timezone.now())
    services.wave_start(wave_id=wave.pk)

    services.wave_pause(wave=wave, by=team)
    more = services.wave_send_some(wave_id=wave.pk)
    while_paused = (len(mailoutbox), _statuses(wave))
    with django_capture_on_commit_callbacks(execute=True):
        services.wave_resume(wave=wave, by=team)

    wave.refresh_from_db()
    assert (more, while_paused) == (False, (0, {Status.QUEUED: 3}))
    assert len(mailoutbox) == 3
    assert wave.status == WaveStatus.SENT


def test_cancelled_wave_cancels_every_unsent_email(mailoutbox):
    team = programme_team()
    SubscriberFactory.create_batch(4)
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=timezone.now())
    services.wave_start(wave_id=wave.pk)
    first = OutboundEmail.objects.filter(batch=wave.batch).order_by("pk").first()
    from q_portal.outbox.services import outbox_send

    outbox_send(ids=None, batch=wave.batch, limit=1)

    cancelled = services.wave_cancel(wave=wave, by=team)
    services.wave_send_some(wave_id=wave.pk)

    wave.refresh_from_db()
    assert cancelled == 3
    assert [m.to for m in mailoutbox] == [[first.to]]
    assert _statuses(wave) == {Status.SENT: 1, Status.CANCELLED: 3}
    assert wave.status == WaveStatus.CANCELLED
    assert set(OutboundEmail.objects.filter(status=Status.CANCELLED).values_list("last_error", flat=True)) == {
        f"Cancelled with the wave by {team.get_full_name()}."
    }


@pytest.mark.parametrize(
    ("status", "move"),
    [
        (WaveStatus.DRAFT, services.wave_pause),
        (WaveStatus.DRAFT, services.wave_resume),
        (WaveStatus.SENT, services.wave_cancel),
        (WaveStatus.CANCELLED, services.wave_cancel),
        (WaveStatus.SENT, services.wave_pause),
        (WaveStatus.SENDING, services.wave_unschedule),
    ],
)
def test_illegal_wave_transition_is_refused(status, move):
    wave = WaveFactory(status=status)

    with pytest.raises(PortalError, match="This wave is"):
        move(wave=wave, by=programme_team())

    assert Wave.objects.get(pk=wave.pk).status == status


def test_every_transition_is_in_one_table():
    reachable = {to for targets in services.WAVE_TRANSITIONS.values() for to in targets}

    assert set(services.WAVE_TRANSITIONS) == set(WaveStatus)
    assert reachable == set(WaveStatus)
    assert services.WAVE_TRANSITIONS[WaveStatus.SENT] == frozenset()


# --- The dispatcher's recovery ---------------------------------------------------------------------


def test_dispatcher_recovers_emails_of_a_dead_worker_and_sends_them_once(
    settings, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    settings.OUTBOX_LEASE_SECONDS = 60
    settings.WAVE_STALL_SECONDS = 30
    time_machine.move_to(START, tick=False)
    SubscriberFactory.create_batch(4)
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=START)
    services.wave_start(wave_id=wave.pk)
    # A worker claimed two and died before sending them; its task is lost.
    held = list(OutboundEmail.objects.filter(batch=wave.batch).order_by("pk")[:2])
    OutboundEmail.objects.filter(pk__in=[e.pk for e in held]).update(
        status=Status.SENDING, claimed_at=START, attempts=1
    )

    time_machine.move_to(START + timedelta(seconds=31), tick=False)
    _dispatch(django_capture_on_commit_callbacks)  # quiet: the two never claimed are sent
    after_first = len(mailoutbox)
    time_machine.move_to(START + timedelta(seconds=61 + 31), tick=False)
    _dispatch(django_capture_on_commit_callbacks)  # past the lease: the dead worker's two are recovered

    wave.refresh_from_db()
    assert after_first == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        OutboundEmail.objects.filter(batch=wave.batch).values_list("to", flat=True)
    )
    assert len(mailoutbox) == 4
    assert wave.status == WaveStatus.SENT


# --- Test emails ---------------------------------------------------------------------------------


def test_wave_send_test_goes_to_the_sender_with_their_name_each_time(django_capture_on_commit_callbacks, mailoutbox):
    team = programme_team(email="pat@example.org", display_name="Pat Lee")
    SubscriberFactory(email="asha@example.org", name="Asha")
    wave = _create(team)

    with django_capture_on_commit_callbacks(execute=True):
        services.wave_send_test(wave=wave, by=team)
        services.wave_send_test(wave=wave, by=team)

    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["pat@example.org"], "[Test] Q is recruiting, Pat"),
        (["pat@example.org"], "[Test] Q is recruiting, Pat"),
    ]
    assert "Hello Pat," in mailoutbox[0].body
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.DRAFT


# --- Deadline reminders ------------------------------------------------------------------------------


def test_deadline_reminders_go_to_drafts_once_each(time_machine, mailoutbox, django_capture_on_commit_callbacks):
    time_machine.move_to(START, tick=False)
    round = RoundFactory(opens_at=START - timedelta(days=20), closes_at=START + timedelta(days=10))
    draft = ApplicationFactory(round=round, applicant=UserFactory(email="draft@example.org"), full_name="Dee Draft")
    submitted(ApplicationFactory(round=round, applicant=UserFactory(email="done@example.org")))

    _dispatch(django_capture_on_commit_callbacks)  # 10 days before: nothing due
    nothing_yet = len(mailoutbox)
    time_machine.move_to(round.closes_at - timedelta(days=7), tick=False)
    _dispatch(django_capture_on_commit_callbacks)
    _dispatch(django_capture_on_commit_callbacks)
    after_week = [m.to for m in mailoutbox]
    time_machine.move_to(round.closes_at - timedelta(hours=20), tick=False)
    _dispatch(django_capture_on_commit_callbacks)
    _dispatch(django_capture_on_commit_callbacks)

    assert nothing_yet == 0
    assert after_week == [["draft@example.org"]]
    assert [m.to for m in mailoutbox] == [["draft@example.org"], ["draft@example.org"]]
    assert (
        mailoutbox[0].subject == "Reminder: finish your application to Q by 09:00 on Thursday 12 March 2026 (UK time)"
    )
    assert f"/apply/application/{draft.pk}/" in mailoutbox[0].body
    assert sorted(Wave.objects.filter(kind=WaveKind.REMINDER).values_list("reminder_days", "status")) == [
        (1, WaveStatus.SENT),
        (7, WaveStatus.SENT),
    ]
    assert set(OutboundEmail.objects.values_list("key", flat=True)) == {
        f"reminder:{round.pk}:7:draft@example.org",
        f"reminder:{round.pk}:1:draft@example.org",
    }


def test_deadline_reminder_overtaken_or_before_opening_is_not_sent(
    time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    time_machine.move_to(START, tick=False)
    # Opened 3 days before closing: the 7-day reminder's moment was before it opened.
    late = RoundFactory(opens_at=START - timedelta(days=1), closes_at=START + timedelta(days=2))
    # The dispatcher was down until 12 hours before closing: only the 1-day reminder goes.
    missed = RoundFactory(opens_at=START - timedelta(days=30), closes_at=START + timedelta(hours=12))
    ApplicationFactory(round=late, applicant=UserFactory(email="late@example.org"))
    ApplicationFactory(round=missed, applicant=UserFactory(email="missed@example.org"))

    _dispatch(django_capture_on_commit_callbacks)

    assert sorted(Wave.objects.values_list("round__name", "reminder_days")) == [(missed.name, 1)]
    assert [m.to for m in mailoutbox] == [["missed@example.org"]]


def test_round_set_reminder_days_validates_and_audits():
    team = programme_team()
    round = RoundFactory(status=RoundStatus.OPEN)

    services.round_set_reminder_days(round=round, days=[1, 14, 14], by=team)
    with pytest.raises(PortalError) as caught:
        services.round_set_reminder_days(round=round, days=[0], by=team)

    round.refresh_from_db()
    assert round.reminder_days == [14, 1]
    assert caught.value.field == "days"
    assert AuditEntry.objects.filter(action="rounds.reminder_days").count() == 1


def test_wave_tasks_are_registered_and_the_dispatcher_is_on_beat(settings):
    from q_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["applications-dispatch-waves"]

    assert {"applications.dispatch_waves", "applications.start_wave", "applications.send_wave"} <= set(app.tasks)
    assert entry == {"task": "applications.dispatch_waves", "schedule": 15.0}
    # Nothing waits in the broker longer than its visibility timeout: no task has a countdown.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 60 * 60
