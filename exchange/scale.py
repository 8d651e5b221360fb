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
    call = _scale_call(now)
    themes = [Theme.objects.create(call=call, name=name) for name in THEMES]
    created = _scale_ideas(call, themes, members=members, count=ideas, draw=draw, now=now)
    # A few ideas draw most comments: weights falling with the idea's place.
    weights = [1 / (1 + index) ** 0.8 for index in range(len(created))]
    _scale_comments(created, weights=weights, members=members, count=comments, draw=draw)
    pairs = {(draw.choices(created, weights=weights)[0].pk, draw.choice(members)) for _ in range(comments // 2)}
    Support.objects.bulk_create(
        [Support(idea_id=idea_id, member_id=member_id) for idea_id, member_id in pairs], batch_size=2000
    )
    return call


def _sentence(draw: random.Random, length: int) -> str:
    return " ".join(draw.choice(WORDS) for _ in range(length))


def _scale_call(now) -> Call:
    return Call.objects.create(
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


def _scale_ideas(call: Call, themes: list[Theme], *, members: list[int], count: int, draw, now) -> list[Idea]:
    """`count` ideas led by the members in turn, each with its lead on its team."""
    created = Idea.objects.bulk_create(
        [
            Idea(
                call=call,
                theme=themes[number % len(themes)],
                lead_id=members[number % len(members)],
                title=f"{_sentence(draw, 4).capitalize()} {number}",
                problem=_sentence(draw, 40),
                plan=_sentence(draw, 60),
                involved=_sentence(draw, 10),
                budget=5_000 + 100 * (number % 250),
                skills_wanted=_sentence(draw, 3) if number % 3 == 0 else "",
                created_at=now - timedelta(days=59, minutes=-number * 30),
            )
            for number in range(count)
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
    return created


def _scale_comments(ideas: list[Idea], *, weights: list[float], members: list[int], count: int, draw) -> None:
    """`count` comments, three in four on the ideas (by `weights`), the rest replies."""
    top_level = count * 3 // 4
    targets = draw.choices(ideas, weights=weights, k=top_level)
    firsts = Comment.objects.bulk_create(
        [
            Comment(
                idea=idea,
                author_id=draw.choice(members),
                body=_sentence(draw, 25),
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
                body=_sentence(draw, 15),
                created_at=parent.created_at + timedelta(hours=2),
            )
            for parent in draw.choices(firsts, k=count - top_level)
        ],
        batch_size=2000,
    )
