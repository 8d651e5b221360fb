"""Demo events for `seed_demo`: past welcome events in several regions (with
registrations, check-ins, pledges and feedback), upcoming ones (one nearly full,
one with a waiting list), a monthly webinar series, and generated avatar photos
for demo members who have none. Idempotent: events are found by title and
nothing is added twice."""

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from members.models import MemberProfile, Organisation, User
from members.services import profile_photo_set

from .choices import Audience, EventFormat
from .choices import RegistrationStatus as Status
from .models import Event, EventPledge, EventSeries, Feedback, Registration

PLEDGES = [
    "I will mentor a member new to improvement.",
    "I will host a visit to our sepsis team.",
    "I will share our frailty toolkit with the group.",
    "I will run a lunchtime session on run charts.",
    "I will connect two teams working on the same problem.",
    "I will write up what we learned for the community.",
    "I will co-design our next project with patients from the start.",
]
FEEDBACK = [
    (5, "Meeting people from across the region.", "More time for the pledge wall."),
    (4, "The stories from members.", "A bigger room."),
    (5, "Practical and friendly.", ""),
    (3, "Good speakers.", "Fewer slides, more conversation."),
]
# (title, region's partner organisation, days from today, format, capacity)
EVENTS = [
    ("Welcome to Q: West Midlands", "West Midlands AHSN", -60, EventFormat.IN_PERSON, 120),
    ("Welcome to Q: Yorkshire and Humber", "Yorkshire and Humber AHSN", -35, EventFormat.IN_PERSON, 80),
    ("Welcome to Q in Scotland", "Healthcare Improvement Scotland", -20, EventFormat.HYBRID, 60),
    ("Welcome to Q: Wessex", "Wessex AHSN", 12, EventFormat.IN_PERSON, 40),
    ("Spring gathering: West Midlands", "West Midlands AHSN", 21, EventFormat.IN_PERSON, 6),
    ("Welcome to Q in Wales", "1000 Lives Improvement, Public Health Wales", 30, EventFormat.HYBRID, 50),
]
VENUES = {
    "West Midlands AHSN": "Millennium Point, Birmingham",
    "Yorkshire and Humber AHSN": "Leeds Dock, Leeds",
    "Healthcare Improvement Scotland": "Delta House, Glasgow",
    "Wessex AHSN": "Innovation Centre, Southampton",
    "1000 Lives Improvement, Public Health Wales": "Number 2 Capital Quarter, Cardiff",
}
WEBINAR = "Improvement in practice: monthly webinar"


@transaction.atomic
def seed_events() -> None:
    rng = random.Random(2017)  # noqa: S311 - demo data, the same every time
    members = list(MemberProfile.objects.active().select_related("user", "organisation").order_by("pk"))
    if not members:
        return
    _seed_photos(members[:60])
    programme = User.objects.filter(email="programme@example.org").first()
    today = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    for title, organisation_name, days, kind, capacity in EVENTS:
        organisation = Organisation.objects.filter(name=organisation_name).select_related("region").first()
        if organisation is None:
            continue
        start = today.replace(hour=17) + timedelta(days=days)
        event, created = Event.objects.get_or_create(
            title=title,
            defaults={
                "summary": "Meet the members of Q in the region, hear what they are working on, "
                "and make your pledge on the wall.",
                "format": kind,
                "starts_at": start,
                "ends_at": start + timedelta(hours=3),
                "region": organisation.region,
                "organisation": organisation,
                "venue": VENUES.get(organisation_name, "To be confirmed"),
                "online_url": "https://meet.example.org/q-welcome" if kind != EventFormat.IN_PERSON else "",
                "capacity": capacity,
                "audience": Audience.MEMBERS,
                "created_by": programme,
            },
        )
        if not created:
            continue
        _seed_registrations(event, members, rng, past=days < 0)
    _seed_webinars(today, programme, members, rng)


def _seed_registrations(event, members, rng, *, past):
    people = rng.sample(members, min(len(members), event.capacity + (3 if not past else 0), 30))
    if not past:
        demo_member = next((m for m in members if m.user.email == "member@example.org"), None)
        if demo_member is not None and demo_member not in people:
            people.insert(0, demo_member)
    held = 0
    for person in people:
        confirmed = held < event.capacity
        registration = Registration.objects.create(
            event=event,
            user=person.user,
            status=Status.CONFIRMED if confirmed else Status.WAITING,
            registered_at=event.starts_at - timedelta(days=20),
            confirmed_at=event.starts_at - timedelta(days=20) if confirmed else None,
            waiting_since=None if confirmed else event.starts_at - timedelta(days=19),
        )
        held += confirmed
        if past and confirmed and rng.random() < 0.8:
            registration.checked_in_at = event.starts_at + timedelta(minutes=rng.randint(0, 30))
            registration.save(update_fields=["checked_in_at"])
            if rng.random() < 0.5:
                EventPledge.objects.create(
                    event=event, member=person, text=rng.choice(PLEDGES), show_name=rng.random() < 0.8
                )
            if rng.random() < 0.4:
                rating, went_well, improve = rng.choice(FEEDBACK)
                Feedback.objects.create(registration=registration, rating=rating, went_well=went_well, improve=improve)


def _seed_webinars(today, programme, members, rng):
    if EventSeries.objects.filter(title=WEBINAR).exists():
        return
    series = EventSeries.objects.create(title=WEBINAR, created_by=programme)
    for n in range(-1, 4):
        start = today.replace(hour=12) + timedelta(weeks=4 * n, days=5)
        event = Event.objects.create(
            title=WEBINAR,
            summary="An hour with members sharing what worked, and what did not, in their improvement work.",
            format=EventFormat.ONLINE,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            online_url="https://meet.example.org/q-webinar",
            capacity=200,
            audience=Audience.ANYONE,
            series=series,
            created_by=programme,
        )
        _seed_registrations(event, members, rng, past=n < 0)


def _seed_photos(members):
    """Generated avatars (initials on a colour) for demo members with no photo."""
    colours = ["#1d70b8", "#00703c", "#4c2c92", "#d4351c", "#005a30", "#912b88", "#28a197", "#f47738"]
    for index, member in enumerate(members):
        if member.photo.name or member.user.email == "member@example.org":
            continue
        image = Image.new("RGB", (240, 240), colours[index % len(colours)])
        draw = ImageDraw.Draw(image)
        initials = "".join(part[0] for part in member.full_name.split()[:2]).upper()
        draw.text((120, 120), initials, fill="white", anchor="mm", font_size=96)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
        upload = SimpleUploadedFile("avatar.jpg", buffer.getvalue(), content_type="image/jpeg")
        profile_photo_set(member=member, upload=upload, by=None)
