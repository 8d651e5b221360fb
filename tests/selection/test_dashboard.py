"""The programme team's morning view: each figure against a count made
independently in Python over generated rounds, and the page's query count at
two sizes."""

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.choices import AdjustmentStatus, ApplicationStatus, RoundStatus
from applications.models import Application, Nomination
from applications.models.nominations import NominationStatus
from outreach.models import WaveStatus
from q_portal.outbox.models import OutboundEmail
from selection.choices import DecisionOutcome, PlaceOfferStatus, Recommendation, ReviewStatus
from selection.models import (
    ApplicationScore,
    Assignment,
    Decision,
    PlaceOffer,
    Review,
    RoundProgress,
    SelectionSettings,
)
from selection.selectors.dashboard import morning_view
from selection.services.progress import progress_count_due
from tests.factories import UserFactory
from tests.factories.applications import ApplicationFactory, RoundFactory
from tests.factories.decisions import team_member
from tests.factories.nominations import NominationFactory
from tests.factories.selection import assign, reviewer_with_profile, submitted_application
from tests.factories.waves import WaveFactory

pytestmark = pytest.mark.django_db

# Session, user, roles, MFA check, the morning view's four and the session's save: the same at any size.
DASHBOARD_QUERIES = 8

FIGURES = (
    "drafts",
    "submitted",
    "adjustments_requested",
    "nominations_pending",
    "awaiting_assignment",
    "reviews_due",
    "reviews_done",
    "overdue_reviewers",
    "needs_moderation",
    "decisions_drafted",
    "decisions_released",
    "offers_awaiting",
    "offers_lapsing",
)


def closing(when):
    return {"opens_at": when - timedelta(days=30), "closes_at": when}


def generated_rounds(seed: int, size: int):
    """An open round, a round in review, a decided round with offers still open,
    one decided with nothing left to do and a draft: `size` applications each,
    their reviews, decisions and offers drawn at random."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    now = timezone.now()
    reviewers = [reviewer_with_profile(mfa=False) for _ in range(4)]
    open_round = RoundFactory()
    for _ in range(size):
        application = ApplicationFactory(round=open_round)
        if rng.random() < 0.5:
            application = submitted_application(open_round)
        if rng.random() < 0.3:
            application.adjustment_status = AdjustmentStatus.REQUESTED
            application.save(update_fields=["adjustment_status"])
    for status in rng.choices(list(NominationStatus.values), k=size):
        NominationFactory(round=open_round, status=status)

    in_review = RoundFactory(status=RoundStatus.IN_REVIEW, **closing(now - timedelta(days=3)))
    SelectionSettings.objects.create(
        round=in_review, reviewers_per_application=2, review_due_on=timezone.localdate(now) - timedelta(1)
    )
    decided_round = RoundFactory(status=RoundStatus.DECIDED, **closing(now - timedelta(days=40)))
    finished_round = RoundFactory(status=RoundStatus.DECIDED, **closing(now - timedelta(days=400)))
    RoundFactory(status=RoundStatus.DRAFT)
    for round in (in_review, decided_round, finished_round):
        for _ in range(size):
            application = submitted_application(round)
            if rng.random() < 0.2:
                application.status = ApplicationStatus.WITHDRAWN
                application.save(update_fields=["status"])
                continue
            for reviewer in rng.sample(reviewers, rng.randint(0, 3)):
                assignment = assign(application, reviewer)
                state = rng.choice(["none", "draft", "submitted"])
                if state != "none":
                    Review.objects.create(
                        assignment=assignment,
                        status=state,
                        recommendation=Recommendation.ACCEPT if state == "submitted" else "",
                        weighted_total=9.0 if state == "submitted" else None,
                        submitted_at=now if state == "submitted" else None,
                    )
            if rng.random() < 0.1:
                moderator = UserFactory()
                Assignment.objects.create(round=round, application=application, reviewer=moderator, is_moderation=True)
            ApplicationScore.objects.create(application=application, round=round, needs_moderation=rng.random() < 0.4)
            if round is not in_review or rng.random() < 0.5:
                released = round is finished_round or rng.random() < 0.5
                Decision.objects.create(
                    application=application,
                    round=round,
                    outcome=rng.choice(list(DecisionOutcome.values)),
                    decided_at=now,
                    released_at=now if released else None,
                )
                if released and round is decided_round and rng.random() < 0.6:
                    PlaceOffer.objects.create(
                        application=application,
                        round=round,
                        status=rng.choice(list(PlaceOfferStatus.values)),
                        offered_at=now - timedelta(days=10),
                        respond_by=now + timedelta(days=rng.randint(-2, 14)),
                    )
    team = team_member()
    WaveFactory(created_by=team, status=WaveStatus.SENDING)
    WaveFactory(created_by=team, status=WaveStatus.SENT)
    for index in range(size):
        status = rng.choice(["failed", "sent", "queued"])
        OutboundEmail.objects.create(
            to=f"person{index}@example.org",
            subject="Hello",
            body_text="Hello",
            key=f"test:{seed}:{index}",
            status=status,
            sent_at=now if status == "sent" else None,
            created_at=now - timedelta(days=rng.randint(0, 14)),
        )
    return team, {"open": open_round, "in_review": in_review, "decided": decided_round, "finished": finished_round}


def counted_in_python(round, now):
    """The figures for one round, from the rows themselves."""
    applications = list(Application.objects.filter(round=round))
    reviewed = [a for a in applications if a.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)]
    assignments = list(Assignment.objects.filter(round=round).select_related("review"))
    regular = {}
    for assignment in assignments:
        if not assignment.is_moderation:
            regular[assignment.application_id] = regular.get(assignment.application_id, 0) + 1

    def review_status(assignment):
        review = getattr(assignment, "review", None)
        return review.status if review else None

    settings = SelectionSettings.objects.filter(round=round).first()
    due_on = settings.review_due_on if settings else None
    overdue = due_on is not None and due_on < timezone.localdate(now)
    decisions = list(Decision.objects.filter(round=round))
    offers = [o for o in PlaceOffer.objects.filter(round=round) if o.status == PlaceOfferStatus.OFFERED]
    selecting = round.status in (RoundStatus.CLOSED, RoundStatus.IN_REVIEW)
    return {
        "drafts": sum(a.status == ApplicationStatus.DRAFT for a in applications),
        "submitted": sum(
            a.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.DECIDED)
            for a in applications
        ),
        "adjustments_requested": sum(a.adjustment_status == AdjustmentStatus.REQUESTED for a in applications),
        "nominations_pending": sum(
            n.status in (NominationStatus.INVITED, NominationStatus.OPENED)
            for n in Nomination.objects.filter(round=round)
        ),
        "awaiting_assignment": sum(regular.get(a.pk, 0) < 2 for a in reviewed) if selecting else 0,
        "reviews_due": len(assignments),
        "reviews_done": sum(review_status(a) == ReviewStatus.SUBMITTED for a in assignments),
        "overdue_reviewers": len({a.reviewer_id for a in assignments if review_status(a) != ReviewStatus.SUBMITTED})
        if overdue
        else 0,
        "needs_moderation": sum(s.needs_moderation for s in ApplicationScore.objects.filter(round=round)),
        "decisions_drafted": sum(d.released_at is None for d in decisions),
        "decisions_released": sum(d.released_at is not None for d in decisions),
        "offers_awaiting": len(offers),
        "offers_lapsing": sum(o.respond_by <= now + timedelta(days=7) for o in offers),
    }


@pytest.mark.parametrize(("seed", "kept"), [(1, False), (2, False), (1, True)])
def test_morning_view_figures_match_an_independent_count(seed, kept):
    """Counted by the page, or read from the figures beat keeps (`kept`)."""
    _team, rounds = generated_rounds(seed, size=12)
    now = timezone.now()
    if kept:
        # The round in review and the two decided ones; the open round has no review to count.
        assert progress_count_due(now=now) == 3
        assert RoundProgress.objects.count() == 3
    view = morning_view(now=now)

    assert [work.round for work in view.rounds] == [rounds["decided"], rounds["in_review"], rounds["open"]]
    for work in view.rounds:
        expected = counted_in_python(work.round, now)
        assert {name: getattr(work, name) for name in FIGURES} == expected, work.round.name
    open_work = view.rounds[-1]
    assert open_work.days_to_deadline == (timezone.localdate(rounds["open"].closes_at) - timezone.localdate(now)).days
    assert [wave.status for wave in view.waves] == [WaveStatus.SENDING]
    assert view.outbox_failures == sum(
        e.status == "failed" and e.created_at >= now - timedelta(days=7) for e in OutboundEmail.objects.all()
    )


def test_morning_view_page_shows_the_figures_linked_to_the_work(client):
    team, rounds = generated_rounds(3, size=6)
    client.force_login(team)
    page = client.get(reverse("selection:programme_home")).content.decode()
    expected = counted_in_python(rounds["in_review"], timezone.now())
    assert f"{expected['reviews_done']} of {expected['reviews_due']} done" in page
    assert reverse("selection:moderation", kwargs={"pk": rounds["in_review"].pk}) in page
    assert reverse("selection:places", kwargs={"pk": rounds["decided"].pk}) in page
    assert rounds["finished"].name not in page.split("Everything the programme team runs")[0]
    assert "What needs doing today" in page


def test_morning_view_query_count_is_the_same_at_two_sizes(client, django_assert_num_queries):
    team, _rounds = generated_rounds(4, size=3)
    client.force_login(team)
    url = reverse("selection:programme_home")
    client.get(url)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(url)
    generated_rounds(5, size=15)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(url)
