"""Random coffee: each month, members who opted in are paired at random,
preferring someone from a different region or role, never the same pair twice
within a year."""

import random
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from q_portal.audit.services import audit_log
from q_portal.outbox.services import email_queue
from q_portal.text import single_line

from ..emails import absolute_url
from ..models import CoffeePairing, MemberProfile

# How far down the shuffled list to look for the best partner: enough to find
# someone from another region and role almost always, and linear overall.
CANDIDATES_TO_CONSIDER = 60


def _difference(a: MemberProfile, b: MemberProfile) -> int:
    return int(a.region_id != b.region_id) + int(a.role_category != b.role_category)


@transaction.atomic
def coffee_pair(*, month: date, rng: random.Random | None = None) -> list[CoffeePairing]:
    """Pair this month's opted-in active members. Idempotent per month: members
    already paired this month are left out, so a second run pairs only those who
    opted in since. An odd one out waits for next month. Side effects: the pairs,
    one audit entry, and an email to each person (outbox) naming their partner,
    with the partner's email address (opting in agrees to share it with one's
    pair, so the two can arrange to meet) and a link to their profile."""
    month = month.replace(day=1)
    rng = rng or random.SystemRandom()
    people = _waiting_to_be_paired(month)
    recent = _pairs_this_year(month, ids=[person.pk for person in people])
    rng.shuffle(people)
    pairs = _pair_up(people, recent=recent)
    created = CoffeePairing.objects.bulk_create(
        [
            CoffeePairing(month=month, first=min(a, b, key=lambda m: m.pk), second=max(a, b, key=lambda m: m.pk))
            for a, b in pairs
        ]
    )
    if created:
        audit_log(actor=None, action="members.coffee_pair", summary=f"{len(created)} pairs for {month:%B %Y}")
    for pairing, (a, b) in zip(created, pairs, strict=True):
        _coffee_emails_queue(pairing, a, b, month=month)
    return created


def _waiting_to_be_paired(month: date) -> list[MemberProfile]:
    """Active members who opted in and are not paired this month yet, by id."""
    paired_now = set()
    for first_id, second_id in CoffeePairing.objects.filter(month=month).values_list("first_id", "second_id"):
        paired_now.update((first_id, second_id))
    return list(
        MemberProfile.objects.active()
        .filter(coffee_opt_in=True)
        .exclude(pk__in=paired_now)
        .select_related("user")
        .order_by("pk")
    )


def _pairs_this_year(month: date, *, ids: list[int]) -> set[tuple[int, int]]:
    """The pairs (lower id first) any of these members was in over the past year."""
    year_ago = month - timedelta(days=365)
    return set(
        CoffeePairing.objects.filter(month__gt=year_ago, month__lte=month)
        .filter(Q(first_id__in=ids) | Q(second_id__in=ids))
        .values_list("first_id", "second_id")
    )


def _pair_up(people: list[MemberProfile], *, recent: set[tuple[int, int]]) -> list[tuple[MemberProfile, MemberProfile]]:
    """Pair the (shuffled) people in order, each with the best partner still
    waiting; one who has met everyone this year waits for next month."""
    waiting = people
    pairs = []
    while len(waiting) > 1:
        person, rest = waiting[0], waiting[1:]
        best = _best_partner(person, rest, recent=recent)
        if best is None:
            waiting = rest
            continue
        partner = rest.pop(best)
        pairs.append((person, partner))
        waiting = rest
    return pairs


def _best_partner(person: MemberProfile, rest: list[MemberProfile], *, recent: set[tuple[int, int]]) -> int | None:
    """The index in `rest` of the partner from the most different region and role
    among the next few not met this year; else of anyone not met this year."""
    best, best_score = None, -1
    for index, candidate in enumerate(rest[:CANDIDATES_TO_CONSIDER]):
        if (min(person.pk, candidate.pk), max(person.pk, candidate.pk)) in recent:
            continue
        score = _difference(person, candidate)
        if score > best_score:
            best, best_score = index, score
            if score == 2:
                break
    if best is None:
        # Met everyone nearby in the list this year: look further before giving up.
        for index, candidate in enumerate(rest):
            if (min(person.pk, candidate.pk), max(person.pk, candidate.pk)) not in recent:
                return index
    return best


def _coffee_emails_queue(pairing: CoffeePairing, a: MemberProfile, b: MemberProfile, *, month: date) -> None:
    """Each of the pair is told who their partner is."""
    for person, partner in ((a, b), (b, a)):
        email_queue(
            to=person.user.email,
            subject=single_line(
                _("Your random coffee for %(month)s: %(name)s") % {"month": f"{month:%B}", "name": partner}
            ),
            body_text=render_to_string(
                "members/emails/coffee.txt",
                {
                    "person": person,
                    "partner": partner,
                    "month": month,
                    "partner_url": absolute_url("members:profile", pk=partner.pk),
                    "settings_url": absolute_url("members:settings"),
                },
            ),
            key=f"members.coffee.{pairing.pk}.{person.pk}",
        )
