"""A large exchange call for the benchmark (`manage.py seed_exchange_scale`):
one call in refinement with thousands of ideas and tens of thousands of
comments, replies and supporters from existing members, inserted in bulk.
Engagement is spread unevenly, as in a real call: a few ideas draw most of the
discussion."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from members.models import MemberProfile

from .choices import JoinStatus, TeamRole
from .models import Call, Comment, Idea, Support, TeamMembership, Theme

SCALE_CALL = "Q Exchange at scale"
THEMES = ("Digital", "Patient safety", "Health inequalities", "Workforce", "Mental health")
WORDS = [
    "discharge",
    "letters",
    "care",
    "homes",
    "run",
    "charts",
    "ward",
    "safety",
    "huddles",
    "patient",
    "involvement",
    "carers",
    "digital",
    "records",
    "falls",
    "prevention",
    "medication",
    "reconciliation",
    "community",
    "languages",
    "waiting",
    "lists",
    "sepsis",
    "frailty",
]


@transaction.atomic
def seed_exchange_scale(*, ideas: int = 2_000, comments: int = 20_000, seed: int = 19) -> Call:
    """Create (or replace) the scale call. Returns it."""
    Idea.objects.filter(call__title=SCALE_CALL).delete()
    Call.objects.filter(title=SCALE_CALL).delete()
    draw = random.Random(seed)  # noqa: S311 - test data, not a secret
    members = list(MemberProfile.objects.active().values_list("pk", flat=True).order_by("pk"))
    if len(members) < 50:
        raise ValueError("seed_exchange_scale needs at least 50 members: run seed_scale first.")
    now = timezone.now()
    call = Call.objects.create(
        title=SCALE_CALL,
        summary="A call with the engagement of a busy year, for measuring the idea list.",
        total_funding=5_000_000,
        largest_grant=30_000,
        ideas_open_at=now - timedelta(days=60),
        refinement_from=now - timedelta(days=10),
        proposals_from=now + timedelta(days=20),
        proposals_due_at=now + timedelta(days=40),
        vote_from=now + timedelta(days=70),
        results_from=now + timedelta(days=90),
    )
    themes = [Theme.objects.create(call=call, name=name) for name in THEMES]

    def sentence(length):
        return " ".join(draw.choice(WORDS) for _ in range(length))

    created = Idea.objects.bulk_create(
        [
            Idea(
                call=call,
                theme=themes[number % len(themes)],
                lead_id=members[number % len(members)],
                title=f"{sentence(4).capitalize()} {number}",
                problem=sentence(40),
                plan=sentence(60),
                involved=sentence(10),
                budget=5_000 + 100 * (number % 250),
                skills_wanted=sentence(3) if number % 3 == 0 else "",
                created_at=now - timedelta(days=59, minutes=-number * 30),
            )
            for number in range(ideas)
        ],
        batch_size=1000,
    )
    TeamMembership.objects.bulk_create(
        [
            TeamMembership(idea=idea, member_id=idea.lead_id, role=TeamRole.LEAD, status=JoinStatus.ACCEPTED)
            for idea in created
        ],
        batch_size=2000,
    )
    # A few ideas draw most comments: weights falling with the idea's place.
    weights = [1 / (1 + index) ** 0.8 for index in range(len(created))]
    top_level = comments * 3 // 4
    targets = draw.choices(created, weights=weights, k=top_level)
    firsts = Comment.objects.bulk_create(
        [
            Comment(
                idea=idea,
                author_id=draw.choice(members),
                body=sentence(25),
                created_at=idea.created_at + timedelta(hours=1 + draw.random() * 200),
            )
            for idea in targets
        ],
        batch_size=2000,
    )
    Comment.objects.bulk_create(
        [
            Comment(
                idea_id=parent.idea_id,
                author_id=draw.choice(members),
                parent=parent,
                body=sentence(15),
                created_at=parent.created_at + timedelta(hours=2),
            )
            for parent in draw.choices(firsts, k=comments - top_level)
        ],
        batch_size=2000,
    )
    pairs = {(draw.choices(created, weights=weights)[0].pk, draw.choice(members)) for _ in range(comments // 2)}
    Support.objects.bulk_create(
        [Support(idea_id=idea_id, member_id=member_id) for idea_id, member_id in pairs], batch_size=2000
    )
    return call
