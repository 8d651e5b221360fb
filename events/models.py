"""Events: regional welcome events, webinars and their series; registrations with
a waiting list; check-in; pledges made at an event; feedback; each person's
private calendar feed. Every change goes through `events.services`."""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import MemberProfile, Organisation, Region
from q_portal.choices import choice_label

from .choices import Audience, EventFormat, EventStatus, RegistrationStatus

# The online link is shown to those registered this long before the start.
ONLINE_LINK_REVEAL = timedelta(minutes=60)
# Pledges may be made from this long before the start until this long after the end.
PLEDGING_BEFORE = timedelta(minutes=30)
PLEDGING_AFTER = timedelta(hours=3)


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class EventSeries(models.Model):
    """Recurring events (a webinar series): each occasion is its own event."""

    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name_plural = _("event series")

    def __str__(self):
        return self.title


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=EventStatus.PUBLISHED)


class Event(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("what happens"), max_length=3000)
    format = models.CharField(_("format"), max_length=10, choices=EventFormat.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    # The regional partner running it; its nominators organise the event with the programme team.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    map_url = models.URLField(_("map link"), blank=True)
    online_url = models.URLField(_("online joining link"), blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    audience = models.CharField(_("who may register"), max_length=12, choices=Audience.choices)
    series = models.ForeignKey(EventSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.PUBLISHED)
    # The iCalendar SEQUENCE: one more each time the time, place or format changes
    # or the event is cancelled, so calendars take the newest version.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_capacity_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="event_status_starts"),
            models.Index(fields=["region", "starts_at"], name="event_region_starts"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"pk": self.pk})

    def get_format_display(self):
        return choice_label(EventFormat, self.format)

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_online(self) -> bool:
        return self.format in (EventFormat.ONLINE, EventFormat.HYBRID)

    @property
    def is_in_person(self) -> bool:
        return self.format in (EventFormat.IN_PERSON, EventFormat.HYBRID)

    @property
    def online_link_visible_from(self):
        return self.starts_at - ONLINE_LINK_REVEAL

    @property
    def pledging_open(self) -> bool:
        now = timezone.now()
        return (
            self.status == EventStatus.PUBLISHED
            and self.starts_at - PLEDGING_BEFORE <= now <= self.ends_at + PLEDGING_AFTER
        )


class Registration(models.Model):
    """One person's place (or place in the queue) at an event. Places are held by
    confirmed and offered registrations; the waiting list is the waiting ones in
    the order they joined it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations")
    status = models.CharField(max_length=10, choices=RegistrationStatus.choices)
    # The check-in code in the registrant's QR code: not personal data, unguessable.
    checkin_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    registered_at = models.DateTimeField(default=timezone.now)
    waiting_since = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_registration_per_event"),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(status=RegistrationStatus.CONFIRMED),
                name="registration_checked_in_confirmed",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "waiting_since"], name="registration_queue"),
            models.Index(fields=["user", "status"], name="registration_user_status"),
        ]

    def __str__(self):
        return f"{self.user} at {self.event}"


class CalendarFeed(models.Model):
    """A person's private calendar feed: its address carries a random token (no
    email, no id), revoked by replacing the token."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feed")
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Calendar feed of {self.user}"


class EventPledge(models.Model):
    """A pledge a member made during an event, for the room's pledge wall. It keeps
    its event and shows on the member's profile. (The member's standing pledge,
    `members.Pledge`, is one per member and has no event: members may not know
    about events, so the link lives here, above it.)"""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="pledges")
    member = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="event_pledges")
    text = models.CharField(_("your pledge"), max_length=280)
    show_name = models.BooleanField(_("show my first name and organisation on the wall"), default=True)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["event", "created_at"], name="eventpledge_event_created"),
            models.Index(fields=["member", "-created_at"], name="eventpledge_member_created"),
        ]

    def __str__(self):
        return self.text[:60]


class Feedback(models.Model):
    """What a registrant thought of the event, after it."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(_("how useful was the event?"))
    went_well = models.TextField(_("what worked well"), max_length=2000, blank=True)
    improve = models.TextField(_("what could be better"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="feedback_rating_1_to_5"),
        ]

    def __str__(self):
        return f"Feedback on {self.registration.event}"
