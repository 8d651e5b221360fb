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
    paired_now = set()
    for first_id, second_id in CoffeePairing.objects.filter(month=month).values_list("first_id", "second_id"):
        paired_now.update((first_id, second_id))
    people = list(
        MemberProfile.objects.active()
        .filter(coffee_opt_in=True)
        .exclude(pk__in=paired_now)
        .select_related("user")
        .order_by("pk")
    )
    ids = [person.pk for person in people]
    recent = set()
    year_ago = month - timedelta(days=365)
    for first_id, second_id in (
        CoffeePairing.objects.filter(month__gt=year_ago, month__lte=month)
        .filter(Q(first_id__in=ids) | Q(second_id__in=ids))
        .values_list("first_id", "second_id")
    ):
        recent.add((first_id, second_id))
    rng.shuffle(people)
    waiting = people
    pairs = []
    while len(waiting) > 1:
        person, rest = waiting[0], waiting[1:]
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
                    best = index
                    break
        if best is None:
            waiting = rest
            continue
        partner = rest.pop(best)
        pairs.append((person, partner))
        waiting = rest
    created = CoffeePairing.objects.bulk_create(
        [
            CoffeePairing(month=month, first=min(a, b, key=lambda m: m.pk), second=max(a, b, key=lambda m: m.pk))
            for a, b in pairs
        ]
    )
    if created:
        audit_log(actor=None, action="members.coffee_pair", summary=f"{len(created)} pairs for {month:%B %Y}")
    for pairing, (a, b) in zip(created, pairs, strict=True):
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
    return created
