"""Recruitment email waves: compose, schedule, send at a set rate, pause, resume,
cancel; and the automatic deadline reminders.

A wave's status moves only through `_transition` (with `status_move`), along WAVE_TRANSITIONS:

    draft → scheduled → sending ⇄ paused → sent
      ↑________↓            (any unfinished state) → cancelled

Sending, step by step:

1. `wave_schedule` (the team, "send now" or at a time) makes it scheduled.
2. `waves_dispatch` (Celery beat, every WAVE_DISPATCH_SECONDS; also queued at
   once after "send now") starts each due wave with `wave_start`: in one
   transaction the audience is computed in the database and one outbox row per
   person is bulk-inserted under the key `wave:<id>:<address>` (so nobody can
   get the wave twice), suppressed addresses as `suppressed` rows, and the wave
   becomes sending. After commit, WAVE_SEND_TASKS `applications.send_wave` tasks
   are queued.
3. Each task runs `wave_send_some`: it claims a few seconds' worth of the wave's
   rows (SKIP LOCKED, so tasks on any number of workers share them), sends them
   over one SMTP connection, each at its moment of the wave's rate across all
   workers (`q_portal.outbox.throttle`), and repeats until nothing is due, the
   wave is paused or cancelled, or WAVE_TASK_SECONDS pass (then it queues its
   own continuation: no countdown or ETA, which Redis would redeliver after its
   visibility timeout).
4. Tasks lost with a killed worker or a restarted Redis do not lose emails: the
   rows are in the database. `waves_dispatch` recovers rows a dead worker held
   (after the outbox lease) and queues new tasks for a sending wave that has due
   rows but no activity for WAVE_STALL_SECONDS. A task delivered twice claims
   nothing the second time. The delivery guarantee is the outbox's (see
   `q_portal.outbox.services`).
5. When no row is waiting any more, the wave is sent.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.choices import RoundStatus
from applications.models import Round
from q_portal.audit.services import audit_log
from q_portal.broker import enqueue_on_commit
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import (
    BatchEmail,
    Status,
    Stream,
    email_queue,
    email_queue_batch,
    outbox_cancel_batch,
    outbox_recover,
    outbox_send,
)
from q_portal.outbox.unsubscribe import unsubscribe_headers, unsubscribe_url
from q_portal.transitions import status_move

from .audiences import Audience, Recipient, SegmentKind, audience_count, audience_recipients
from .models import MAX_RATE_PER_MINUTE, Wave, WaveKind, WaveStatus
from .placeholders import CompiledContent, check_placeholders, clean_value, compile_content
from .tasks import send_wave as send_wave_task
from .tasks import start_wave as start_wave_task

__all__ = [
    "WAVE_TRANSITIONS",
    "reminders_schedule_due",
    "round_set_reminder_days",
    "wave_cancel",
    "wave_create",
    "wave_finish_if_done",
    "wave_next_statuses",
    "wave_pause",
    "wave_resume",
    "wave_schedule",
    "wave_send_some",
    "wave_send_test",
    "wave_start",
    "wave_unschedule",
    "wave_update",
    "waves_dispatch",
]

logger = logging.getLogger(__name__)

# Where a wave may move; `_transition` is the only way its status changes.
WAVE_TRANSITIONS: dict[WaveStatus, frozenset[WaveStatus]] = {
    WaveStatus.DRAFT: frozenset({WaveStatus.SCHEDULED, WaveStatus.CANCELLED}),
    # Back to draft: "unschedule" to change it at leisure.
    WaveStatus.SCHEDULED: frozenset({WaveStatus.DRAFT, WaveStatus.SENDING, WaveStatus.CANCELLED}),
    WaveStatus.SENDING: frozenset({WaveStatus.PAUSED, WaveStatus.SENT, WaveStatus.CANCELLED}),
    WaveStatus.PAUSED: frozenset({WaveStatus.SENDING, WaveStatus.CANCELLED}),
    WaveStatus.SENT: frozenset(),
    WaveStatus.CANCELLED: frozenset(),
}

# What moving to a status is called, for the refusal of an illegal move.
_MOVE_NAMES = {
    WaveStatus.DRAFT: gettext_lazy("moved back to draft"),
    WaveStatus.SCHEDULED: gettext_lazy("scheduled"),
    WaveStatus.SENDING: gettext_lazy("sent"),
    WaveStatus.PAUSED: gettext_lazy("paused"),
    WaveStatus.SENT: gettext_lazy("marked as sent"),
    WaveStatus.CANCELLED: gettext_lazy("cancelled"),
}

# A wave may be scheduled up to a year ahead; a time a little in the past (the
# minute just gone, typed a moment ago) means "now".
SCHEDULE_AHEAD_LIMIT = timedelta(days=366)
SCHEDULE_PAST_GRACE = timedelta(minutes=2)

REMINDER_DAYS_LIMIT = 60
REMINDERS_PER_ROUND = 5

# The deadline reminder's content, filled in like any wave's.
REMINDER_SUBJECT = gettext_lazy("Reminder: finish your application to Q by {{ close_date }}")
REMINDER_BODY = gettext_lazy(
    "Hello {{ first_name }},\n\n"
    "You started an application to join Q in {{ round_name }}, but you have not submitted it yet.\n\n"
    "The round closes at {{ close_date }}. Applications cannot be submitted after that.\n\n"
    "Continue your application: {{ personal_link }}\n\n"
    "If you have decided not to apply, you can ignore this email.\n\n"
    "The Q programme team"
)


def wave_next_statuses(wave: Wave) -> list[WaveStatus]:
    allowed = WAVE_TRANSITIONS[WaveStatus(wave.status)]
    return [status for status in WaveStatus if status in allowed]


# --- Composing --------------------------------------------------------------------


@transaction.atomic
def wave_create(
    *,
    name: str,
    round: Round | None,
    subject: str,
    body: str,
    audience: Audience,
    rate_per_minute: int,
    by,
) -> Wave:
    """A new wave, as a draft. Raises PortalError (at the field concerned) for an
    unknown or unclosed placeholder, a round placeholder without a round, an
    audience that cannot be computed, or a rate out of range. Side effects: the
    row and an audit entry."""
    _check_wave(name=name, round=round, subject=subject, body=body, audience=audience, rate=rate_per_minute)
    wave = Wave(
        name=name.strip(),
        round=round,
        subject=subject.strip(),
        body=body.strip(),
        audience=audience.as_json(),
        rate_per_minute=rate_per_minute,
        created_by=by,
    )
    _full_clean(wave)
    wave.save(force_insert=True)
    audit_log(actor=by, action="waves.create", target=wave, summary=wave.name, changes={"status": [None, wave.status]})
    return wave


@transaction.atomic
def wave_update(
    *,
    wave: Wave,
    name: str,
    round: Round | None,
    subject: str,
    body: str,
    audience: Audience,
    rate_per_minute: int,
    by,
) -> list[str]:
    """Change a draft or scheduled wave (a scheduled one stays scheduled: its
    audience is computed only when it starts). Raises PortalError as
    `wave_create`, or if the wave has started. Side effects: an audit entry
    naming the fields changed. Returns their names."""
    locked = _locked(wave)
    if not locked.is_editable:
        raise PortalError(
            _("This wave is %(status)s, so it can no longer be changed.")
            % {"status": locked.get_status_display().lower()}
        )
    _check_wave(name=name, round=round, subject=subject, body=body, audience=audience, rate=rate_per_minute)
    new = {
        "name": name.strip(),
        "round": round,
        "subject": subject.strip(),
        "body": body.strip(),
        "audience": audience.as_json(),
        "rate_per_minute": rate_per_minute,
    }
    changed = [field for field, value in new.items() if getattr(locked, field) != value]
    if not changed:
        return []
    for field in changed:
        setattr(locked, field, new[field])
    _full_clean(locked)
    locked.save(update_fields=[*changed, "updated_at"])
    audit_log(actor=by, action="waves.update", target=locked, summary=", ".join(changed))
    _copy(locked, wave)
    return changed


def _check_wave(*, name, round, subject, body, audience: Audience, rate) -> None:
    if not name.strip():
        raise PortalError(_("Enter a name for the wave."), field="name")
    if not subject.strip():
        raise PortalError(_("Enter the subject line."), field="subject")
    if "\n" in subject or "\r" in subject:
        raise PortalError(_("The subject must be a single line."), field="subject")
    if not body.strip():
        raise PortalError(_("Enter the message."), field="body")
    check_placeholders(subject, field="subject", has_round=round is not None)
    check_placeholders(body, field="body", has_round=round is not None)
    audience.check(round=round)
    if not 1 <= rate <= MAX_RATE_PER_MINUTE:
        raise PortalError(
            _("Enter a rate between 1 and %(max)s emails a minute.") % {"max": f"{MAX_RATE_PER_MINUTE:,}"},
            field="rate_per_minute",
        )


# --- Preview and test ----------------------------------------------------------------


@dataclass(frozen=True)
class RenderedEmail:
    to: str
    subject: str
    body_text: str
    body_html: str
    headers: dict
    # The message alone as HTML, for the preview page.
    preview_html: str = ""


def wave_render(*, wave: Wave, recipient: Recipient, content: CompiledContent | None = None) -> RenderedEmail:
    """The wave's email as this recipient would get it."""
    content = content or compile_content(subject=wave.subject, body=wave.body)
    values = _round_values(wave.round)
    return _render(wave, content, recipient, values, preview=True)


@transaction.atomic
def wave_send_test(*, wave: Wave, by) -> OutboundEmail:
    """Email the wave to the person asking, filled in with their own name and a
    sample personal link (never another person's), subject marked "[Test]".
    Queued through the outbox like any email, under a key of its own, so every
    test is sent. Side effects: the outbox row (sent after commit) and an audit entry."""
    recipient = Recipient(address=by.email, name=by.display_name or "", application_id=None)
    rendered = wave_render(wave=wave, recipient=recipient)
    email = email_queue(
        to=by.email,
        subject=_("[Test] %(subject)s") % {"subject": rendered.subject},
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        key=f"{wave.batch}:test:{uuid.uuid4().hex}",
        stream=Stream.TRANSACTIONAL,
        headers=rendered.headers,
    )
    audit_log(actor=by, action="waves.send_test", target=wave, summary=f"Test sent to {by.email}")
    return email


# --- Scheduling and control -------------------------------------------------------------


@transaction.atomic
def wave_schedule(*, wave: Wave, send_at: datetime | None, by) -> Wave:
    """Schedule a draft wave for `send_at` (None: now), or move a scheduled wave's
    time. Refuses a time in the past or over a year ahead, and an audience with
    nobody in it now. Side effects: status scheduled, an audit entry, and when it
    is due now, a task to start it after commit (otherwise beat's dispatcher
    starts it when due)."""
    locked = _locked(wave)
    now = timezone.now()
    send_at = send_at or now
    if send_at < now - SCHEDULE_PAST_GRACE:
        raise PortalError(_("Choose a time in the future, or send it now."), field="send_at")
    if send_at > now + SCHEDULE_AHEAD_LIMIT:
        raise PortalError(_("Choose a time within a year from now."), field="send_at")
    audience = Audience.from_json(locked.audience)
    audience.check(round=locked.round)
    if audience_count(audience=audience, round=locked.round).total == 0:
        raise PortalError(
            _("Nobody is in this wave's audience at the moment, so there is nothing to send. Change the audience.")
        )
    if locked.status == WaveStatus.SCHEDULED:
        old = locked.scheduled_for
        locked.scheduled_for = send_at
        locked.save(update_fields=["scheduled_for", "updated_at"])
        audit_log(
            actor=by,
            action="waves.reschedule",
            target=locked,
            changes={"scheduled_for": [old.isoformat() if old else None, send_at.isoformat()]},
        )
    else:
        locked.scheduled_for = send_at
        _transition(locked, to=WaveStatus.SCHEDULED, by=by, fields=["scheduled_for"], summary=send_at.isoformat())
    if send_at <= now:
        enqueue_on_commit(start_wave_task, wave_id=locked.pk)
    _copy(locked, wave)
    return wave


@transaction.atomic
def wave_unschedule(*, wave: Wave, by) -> Wave:
    """A scheduled wave back to draft, so it is not sent. Side effect: an audit entry."""
    locked = _locked(wave)
    locked.scheduled_for = None
    _transition(locked, to=WaveStatus.DRAFT, by=by, fields=["scheduled_for"])
    _copy(locked, wave)
    return wave


@transaction.atomic
def wave_pause(*, wave: Wave, by) -> Wave:
    """Stop sending a wave for now. Senders stop at their next claim, within
    seconds; emails they already hold are sent. Side effect: an audit entry."""
    locked = _locked(wave)
    _transition(locked, to=WaveStatus.PAUSED, by=by)
    _copy(locked, wave)
    return wave


@transaction.atomic
def wave_resume(*, wave: Wave, by) -> Wave:
    """Carry on sending a paused wave. Side effects: an audit entry and, after
    commit, send tasks."""
    locked = _locked(wave)
    locked.last_activity_at = timezone.now()
    _transition(locked, to=WaveStatus.SENDING, by=by, fields=["last_activity_at"])
    _kick(locked.pk)
    _copy(locked, wave)
    return wave


@transaction.atomic
def wave_cancel(*, wave: Wave, by) -> int:
    """Cancel a wave that is not finished: every email not yet sent is cancelled
    (those a sender holds at this moment may still go). Side effects: the rows,
    an audit entry. Returns how many emails were cancelled."""
    locked = _locked(wave)
    locked.finished_at = timezone.now()
    _transition(locked, to=WaveStatus.CANCELLED, by=by, fields=["finished_at"])
    who = by.get_full_name() if by is not None else _("the portal")
    cancelled = outbox_cancel_batch(batch=locked.batch, note=_("Cancelled with the wave by %(who)s.") % {"who": who})
    _copy(locked, wave)
    return cancelled


# --- Sending (the tasks' work) --------------------------------------------------------------


@transaction.atomic
def wave_start(*, wave_id: int, now: datetime | None = None) -> Wave | None:
    """Start a scheduled wave that is due: compute its audience, queue one outbox
    row per person (bulk inserts; suppressed addresses as suppressed rows), and
    make it sending; after commit, queue its send tasks. A wave with nobody left
    to email is sent at once. A wave already started, not due, or gone: nothing
    (returns None), so a start delivered twice does no harm. Side effects: the
    rows, audit entries (by the portal), tasks after commit."""
    now = now or timezone.now()
    wave = Wave.objects.select_for_update(of=("self",)).select_related("round").filter(pk=wave_id).first()
    if wave is None or wave.status != WaveStatus.SCHEDULED or wave.scheduled_for > now:
        return None
    audience = Audience.from_json(wave.audience)
    try:
        audience.check(round=wave.round)
    except PortalError as error:
        # Something the audience names was removed since it was scheduled.
        wave.finished_at = now
        _transition(wave, to=WaveStatus.CANCELLED, by=None, fields=["finished_at"], summary=str(error.message))
        return wave
    content = compile_content(subject=wave.subject, body=wave.body)
    values = _round_values(wave.round)
    emails = (
        _batch_email(wave, content, recipient, values)
        for recipient in audience_recipients(audience=audience, round=wave.round)
    )
    queued = email_queue_batch(emails=emails, batch=wave.batch, stream=Stream.BULK)
    wave.recipient_count = queued.queued + queued.suppressed
    wave.started_at = wave.last_activity_at = now
    _transition(
        wave,
        to=WaveStatus.SENDING,
        by=None,
        fields=["recipient_count", "started_at", "last_activity_at"],
        summary=f"{wave.recipient_count} recipients, {queued.suppressed} suppressed",
    )
    if queued.queued:
        _kick(wave.pk)
    else:
        wave.finished_at = now
        _transition(wave, to=WaveStatus.SENT, by=None, fields=["finished_at"], summary="Nobody left to email")
    return wave


def wave_send_some(*, wave_id: int, seconds: float | None = None) -> bool:
    """Send the wave's due emails, claim by claim, while it is sending, for up to
    `seconds` (WAVE_TASK_SECONDS). Returns True when time ran out with emails
    still due (the caller queues a continuation). Stops as soon as the wave is
    paused or cancelled (cancelling any row released back to the queue since),
    and marks it sent when nothing is left. Commits as it goes: not in a transaction."""
    seconds = seconds if seconds is not None else settings.WAVE_TASK_SECONDS
    started = time.monotonic()
    while True:
        still_sending = Wave.objects.filter(pk=wave_id, status=WaveStatus.SENDING).update(
            last_activity_at=timezone.now()
        )
        if not still_sending:
            wave = Wave.objects.filter(pk=wave_id).only("status").first()
            if wave is not None and wave.status == WaveStatus.CANCELLED:
                outbox_cancel_batch(batch=wave.batch, note=_("Cancelled with the wave."))
            return False
        rate = Wave.objects.filter(pk=wave_id).values_list("rate_per_minute", flat=True).first()
        outcome = outbox_send(batch=Wave(pk=wave_id).batch, per_minute=rate)
        if not outcome.picked:
            wave_finish_if_done(wave_id=wave_id)
            return False
        if time.monotonic() - started >= seconds:
            return True


@transaction.atomic
def wave_finish_if_done(*, wave_id: int) -> bool:
    """Mark a sending wave sent once none of its emails is waiting or being sent.
    Side effect: an audit entry (by the portal). Returns whether it is sent now."""
    wave = Wave.objects.select_for_update().filter(pk=wave_id).first()
    if wave is None or wave.status != WaveStatus.SENDING:
        return False
    if OutboundEmail.objects.filter(batch=wave.batch, status__in=(Status.QUEUED, Status.SENDING)).exists():
        return False
    wave.finished_at = timezone.now()
    _transition(wave, to=WaveStatus.SENT, by=None, fields=["finished_at"])
    return True


@dataclass(frozen=True)
class DispatchReport:
    reminders: int = 0
    started: int = 0
    kicked: int = 0
    recovered: int = 0
    finished: int = 0


def waves_dispatch(*, now: datetime | None = None) -> DispatchReport:
    """Beat's dispatcher: schedule due deadline reminders, start due waves, and
    look after sending ones (recover rows of dead workers, queue tasks for a wave
    that has gone quiet, mark finished ones sent). Safe to run twice at once."""
    now = now or timezone.now()
    reminders = len(reminders_schedule_due(now=now))
    started = 0
    due = Wave.objects.filter(status=WaveStatus.SCHEDULED, scheduled_for__lte=now).values_list("pk", flat=True)
    for wave_id in list(due):
        if wave_start(wave_id=wave_id, now=now) is not None:
            started += 1
    kicked = recovered = finished = 0
    stall = timedelta(seconds=settings.WAVE_STALL_SECONDS)
    for wave in Wave.objects.filter(status=WaveStatus.SENDING).only("pk", "last_activity_at"):
        recovered_now = outbox_recover(batch=wave.batch)
        recovered += recovered_now
        if wave_finish_if_done(wave_id=wave.pk):
            finished += 1
            continue
        # Rows just recovered were a dead worker's, whose tasks are lost too.
        quiet = recovered_now or wave.last_activity_at is None or wave.last_activity_at < now - stall
        due_rows = OutboundEmail.objects.filter(batch=wave.batch, status=Status.QUEUED, next_attempt_at__lte=now)
        # Claimed by the update, so two dispatchers at once do not both queue tasks.
        if (
            quiet
            and due_rows.exists()
            and Wave.objects.filter(pk=wave.pk, last_activity_at=wave.last_activity_at).update(last_activity_at=now)
        ):
            _kick(wave.pk)
            kicked += 1
    # Rows a dead worker held, recovered after their wave was cancelled.
    for wave in Wave.objects.filter(status=WaveStatus.CANCELLED, finished_at__gte=now - timedelta(days=2)).only("pk"):
        outbox_cancel_batch(batch=wave.batch, note=_("Cancelled with the wave."))
    return DispatchReport(reminders=reminders, started=started, kicked=kicked, recovered=recovered, finished=finished)


# --- Deadline reminders -----------------------------------------------------------------------


def reminders_schedule_due(*, now: datetime | None = None) -> list[Wave]:
    """For each round open now, the reminder whose moment (closing minus its
    days) has come most recently, if it has no wave yet: a reminder wave to the
    round's unsubmitted drafts, scheduled now. A reminder whose moment passed
    before the round opened is not sent, nor an earlier one overtaken by a later
    one (nobody gets "a week left" with a day left). Each reminder is made at most
    once per round and number of days (a unique constraint), and each person's
    email is keyed by round, days and address. Side effects: the waves, audit
    entries (by the portal)."""
    now = now or timezone.now()
    created = []
    for round in Round.objects.filter(status=RoundStatus.OPEN, opens_at__lte=now, closes_at__gt=now):
        days = _reminder_due(round, now)
        if days is None or Wave.objects.filter(kind=WaveKind.REMINDER, round=round, reminder_days=days).exists():
            continue
        wave = _reminder_create(round=round, days=days, now=now)
        if wave is not None:
            created.append(wave)
    return created


def reminder_days_of(round: Round) -> list[int]:
    """The round's reminder days, largest first, ignoring anything malformed."""
    days = round.reminder_days if isinstance(round.reminder_days, list) else []
    return sorted({day for day in days if isinstance(day, int) and 1 <= day <= REMINDER_DAYS_LIMIT}, reverse=True)


def reminder_moment(round: Round, days: int) -> datetime:
    return round.closes_at - timedelta(days=days)


def _reminder_due(round: Round, now: datetime) -> int | None:
    due = [days for days in reminder_days_of(round) if round.opens_at <= reminder_moment(round, days) <= now]
    return min(due) if due else None


def _reminder_create(*, round: Round, days: int, now: datetime) -> Wave | None:
    audience = Audience.from_json({"segments": [{"kind": SegmentKind.DRAFTS}]})
    wave = Wave(
        name=_("Deadline reminder: %(round)s, %(days)s days before closing") % {"round": round.name, "days": days},
        kind=WaveKind.REMINDER,
        round=round,
        reminder_days=days,
        subject=str(REMINDER_SUBJECT),
        body=str(REMINDER_BODY),
        audience=audience.as_json(),
        status=WaveStatus.SCHEDULED,
        scheduled_for=now,
    )
    try:
        with transaction.atomic():
            wave.save(force_insert=True)
            audit_log(
                actor=None,
                action="waves.reminder_create",
                target=wave,
                summary=wave.name,
                changes={"status": [None, WaveStatus.SCHEDULED]},
            )
    except IntegrityError:
        return None  # another dispatcher made it at the same moment
    return wave


@transaction.atomic
def round_set_reminder_days(*, round: Round, days: list[int], by) -> Round:
    """Set the days before closing on which a round's drafts are reminded (none:
    no reminders). Each between 1 and REMINDER_DAYS_LIMIT, at most
    REMINDERS_PER_ROUND. Reminders already sent stay sent. Side effect: an audit entry."""
    locked = Round.objects.select_for_update().get(pk=round.pk)
    if locked.status not in (RoundStatus.DRAFT, RoundStatus.OPEN):
        raise PortalError(_("This round has closed, so its reminders can no longer be changed."), field="days")
    cleaned = sorted(set(days), reverse=True)
    if any(not 1 <= day <= REMINDER_DAYS_LIMIT for day in cleaned):
        raise PortalError(
            _("Each reminder must be between 1 and %(limit)s days before closing.") % {"limit": REMINDER_DAYS_LIMIT},
            field="days",
        )
    if len(cleaned) > REMINDERS_PER_ROUND:
        raise PortalError(
            _("Choose at most %(count)s reminders.") % {"count": REMINDERS_PER_ROUND},
            field="days",
        )
    old = reminder_days_of(locked)
    if cleaned == old:
        return locked
    locked.reminder_days = cleaned
    locked.save(update_fields=["reminder_days", "updated_at"])
    audit_log(actor=by, action="rounds.reminder_days", target=locked, changes={"reminder_days": [old, cleaned]})
    round.reminder_days = cleaned
    return locked


# --- Helpers -------------------------------------------------------------------------------------


def _transition(wave: Wave, *, to: WaveStatus, by, fields=(), summary: str = "") -> None:
    """Move the (locked) wave to `to` along WAVE_TRANSITIONS, or refuse."""
    old = status_move(
        wave,
        to=to,
        allowed=WAVE_TRANSITIONS,
        refusal=_("This wave is %(status)s, so it cannot be %(move)s."),
        refusal_values={"move": _MOVE_NAMES[to]},
    )
    wave.save(update_fields=["status", "updated_at", *fields])
    audit_log(actor=by, action=f"waves.{to}", target=wave, summary=summary, changes={"status": [old, to]})


def _locked(wave: Wave) -> Wave:
    return Wave.objects.select_for_update(of=("self",)).select_related("round").get(pk=wave.pk)


def _copy(source: Wave, target: Wave) -> None:
    if source is not target:
        target.__dict__.update({key: value for key, value in source.__dict__.items() if not key.startswith("_")})


def _kick(wave_id: int) -> None:
    """After commit, queue the wave's send tasks (if the broker is down, the
    dispatcher queues them later)."""
    for _number in range(settings.WAVE_SEND_TASKS):
        enqueue_on_commit(send_wave_task, wave_id=wave_id)


def _full_clean(wave: Wave) -> None:
    try:
        wave.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise PortalError(messages[0], field=None if field == NON_FIELD_ERRORS else field) from error


def _round_values(round: Round | None) -> dict[str, str]:
    if round is None:
        return {}
    closes = timezone.localtime(round.closes_at)
    return {
        "round_name": clean_value(round.name),
        "close_date": _("%(time)s on %(date)s (UK time)")
        % {"time": formats.date_format(closes, "H:i"), "date": formats.date_format(closes, "l j F Y")},
    }


def _personal_link(wave: Wave, recipient: Recipient) -> str:
    site = settings.SITE_URL.rstrip("/")
    if recipient.application_id:
        return site + reverse("applications:task_list", kwargs={"pk": recipient.application_id})
    if wave.round_id:
        return site + reverse("applications:eligibility", kwargs={"round_pk": wave.round_id})
    return site + reverse("home")


def _render(
    wave: Wave, content: CompiledContent, recipient: Recipient, values: dict, *, preview: bool = False
) -> RenderedEmail:
    values = {
        **values,
        "first_name": clean_value(recipient.first_name) or _("there"),
        "personal_link": _personal_link(wave, recipient),
        "unsubscribe_url": unsubscribe_url(recipient.address),
    }
    subject, text, html = content.render(values)
    return RenderedEmail(
        to=recipient.address,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        headers=unsubscribe_headers(recipient.address),
        preview_html=content.render_fragment(values) if preview else "",
    )


def _batch_email(wave: Wave, content: CompiledContent, recipient: Recipient, values: dict) -> BatchEmail:
    rendered = _render(wave, content, recipient, values)
    return BatchEmail(
        to=rendered.to,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        headers=rendered.headers,
        key=wave.recipient_key(recipient.address),
    )
