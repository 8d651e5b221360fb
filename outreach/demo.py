"""Demo email waves for `seed_demo`, after the rounds and members: people
registered for updates, a wave announcing the wider round (sent, so its progress
and counts can be seen) and a reminder wave scheduled for later. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from applications.choices import RoleCategory, SubscriptionStatus
from applications.models import Round, UpdateSubscription
from members.models import Region, User
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import Status

from . import services
from .audiences import Audience
from .models import Wave

ROUND_NAME = "Wider recruitment, winter 2026"
SENT_NAME = "Wider recruitment opens"
SCHEDULED_NAME = "Two weeks left to apply"

SUBSCRIBERS = [
    ("Amara Okafor", "amara.okafor@example.org", "London", RoleCategory.CLINICIAN),
    ("Dylan Rees", "dylan.rees@example.org", "Wales", RoleCategory.MANAGER),
    ("Fiona Campbell", "fiona.campbell@example.org", "Scotland", RoleCategory.RESEARCHER),
    ("Hassan Ali", "hassan.ali@example.org", "West Midlands", RoleCategory.CLINICIAN),
    ("Niamh Byrne", "niamh.byrne@example.org", "Northern Ireland", RoleCategory.PATIENT_LEADER),
    ("Oliver Grant", "oliver.grant@example.org", "Yorkshire and Humber", RoleCategory.POLICY_MAKER),
    ("Ruth Evans", "ruth.evans@example.org", "", RoleCategory.OTHER),
]

SENT_BODY = (
    "Hello {{ first_name }},\n\n"
    "{{ round_name }} is open. Q is a community of people working together across the UK to improve "
    "health and care, and this round is open to everyone doing that work, and to people nominated by our "
    "regional partners.\n\n"
    "Applications close at {{ close_date }}.\n\n"
    "Find out if you can apply: {{ personal_link }}\n\n"
    "The Q programme team"
)
SCHEDULED_BODY = (
    "Hello {{ first_name }},\n\n"
    "There are two weeks left to apply to {{ round_name }}: it closes at {{ close_date }}.\n\n"
    "Start or continue your application: {{ personal_link }}\n\n"
    "The Q programme team"
)


@transaction.atomic
def seed_waves() -> None:
    round = Round.objects.filter(name=ROUND_NAME).first()
    team = User.objects.filter(email="programme@example.org").first()
    if round is None or team is None:
        return
    _subscribers()
    if not Wave.objects.filter(name=SENT_NAME).exists():
        _sent_wave(round, team)
    if not Wave.objects.filter(name=SCHEDULED_NAME).exists():
        wave = services.wave_create(
            name=SCHEDULED_NAME,
            round=round,
            subject="Two weeks left to apply to Q",
            body=SCHEDULED_BODY,
            audience=Audience.from_json({"combine": "any", "segments": [{"kind": "subscribers"}, {"kind": "drafts"}]}),
            rate_per_minute=600,
            by=team,
        )
        send_at = max(round.closes_at - timedelta(days=14), timezone.now() + timedelta(days=7))
        services.wave_schedule(wave=wave, send_at=send_at, by=team)


def _subscribers() -> None:
    regions = {region.name: region for region in Region.objects.all()}
    now = timezone.now()
    for name, email, region, role in SUBSCRIBERS:
        UpdateSubscription.objects.get_or_create(
            email=email,
            defaults={
                "name": name,
                "region": regions.get(region),
                "role_category": role,
                "status": SubscriptionStatus.CONFIRMED,
                "consented_at": now - timedelta(days=30),
                "confirmed_at": now - timedelta(days=30),
            },
        )


def _sent_wave(round: Round, team: User) -> None:
    wave = services.wave_create(
        name=SENT_NAME,
        round=round,
        subject="{{ round_name }} is open: apply to join Q",
        body=SENT_BODY,
        audience=Audience.from_json({"combine": "any", "segments": [{"kind": "subscribers"}, {"kind": "members"}]}),
        rate_per_minute=600,
        by=team,
    )
    services.wave_schedule(wave=wave, send_at=None, by=team)
    services.wave_start(wave_id=wave.pk)
    # As if the worker had sent them (the demo's worker prints emails rather than
    # sending them, and is not running while the demo is loaded).
    started = round.opens_at + timedelta(hours=1)
    OutboundEmail.objects.filter(batch=wave.batch, status=Status.QUEUED).update(
        status=Status.SENT,
        attempts=1,
        created_at=started - timedelta(minutes=5),
        next_attempt_at=started,
        claimed_at=started,
        sent_at=started,
    )
    services.wave_finish_if_done(wave_id=wave.pk)
    Wave.objects.filter(pk=wave.pk).update(
        created_at=started - timedelta(days=2),
        started_at=started,
        finished_at=started + timedelta(minutes=1),
        scheduled_for=started,
    )
