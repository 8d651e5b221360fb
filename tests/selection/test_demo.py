import pytest
from django.db.models import Count

from applications import demo as applications_demo
from applications.choices import ApplicationOutcome, ApplicationStatus, RoundStatus
from applications.models import Application, Round
from members import demo as members_demo
from members.models import MemberProfile
from q_portal.outbox.models import OutboundEmail
from selection import demo
from selection.choices import PlaceOfferStatus, ReviewStatus
from selection.models import (
    ApplicationScore,
    Assignment,
    CriterionFeedback,
    Decision,
    PlaceOffer,
    Review,
    ReviewerAgreement,
    ReviewerProfile,
)
from selection.selectors.decisions import waiting_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilot():
    members_demo.seed_places()
    members_demo.seed_accounts()
    applications_demo.seed_recruitment()
    demo.seed_selection()
    return Round.objects.get(name=demo.PILOT)


def test_seed_selection_decides_and_releases_the_pilot_and_is_idempotent(pilot):
    first = (
        sorted(Assignment.objects.values_list("application_id", "reviewer__email", "is_moderation")),
        sorted(Review.objects.values_list("assignment__reviewer__email", "status", "weighted_total")),
        sorted(Decision.objects.values_list("application_id", "outcome", "released_at")),
        OutboundEmail.objects.count(),
    )
    demo.seed_selection()

    assert pilot.status == RoundStatus.DECIDED
    assert ReviewerProfile.objects.filter(organisation__isnull=False, region__isnull=False).count() == 2
    assert {email for _application, email, moderation in first[0] if not moderation} == {
        "reviewer@example.org",
        "reviewer2@example.org",
    }
    assert Review.objects.exclude(status=ReviewStatus.SUBMITTED).count() == 0
    assert (
        sorted(Assignment.objects.values_list("application_id", "reviewer__email", "is_moderation")),
        sorted(Review.objects.values_list("assignment__reviewer__email", "status", "weighted_total")),
        sorted(Decision.objects.values_list("application_id", "outcome", "released_at")),
        OutboundEmail.objects.count(),
    ) == first


def test_the_pilot_has_a_divergent_pair_moderated_and_scores_for_every_application(pilot):
    moderated = Assignment.objects.filter(round=pilot, is_moderation=True, review__status=ReviewStatus.SUBMITTED)

    assert ApplicationScore.objects.filter(round=pilot, spread__gte=3).count() == 1
    assert moderated.count() == 2  # the divergent pair's application, and the one short of a reviewer
    assert ApplicationScore.objects.filter(round=pilot, needs_moderation=True).count() == 0
    assert ApplicationScore.objects.filter(round=pilot, normalised_score__isnull=False).count() == 18


def test_the_pilot_has_released_decisions_members_a_decline_a_promotion_and_a_waiting_list(pilot):
    outcomes = list(
        Application.objects.filter(round=pilot).values_list("status", "outcome").order_by("status", "outcome")
    )
    offers = dict(PlaceOffer.objects.filter(round=pilot).values_list("status").annotate(count=Count("pk")))

    assert {status for status, _outcome in outcomes} == {ApplicationStatus.DECIDED}
    assert [outcome for _status, outcome in outcomes].count(ApplicationOutcome.ACCEPTED) == 9
    assert [outcome for _status, outcome in outcomes].count(ApplicationOutcome.WAITLISTED) == 3
    assert [outcome for _status, outcome in outcomes].count(ApplicationOutcome.UNSUCCESSFUL) == 6
    assert offers == {PlaceOfferStatus.CONFIRMED: 5, PlaceOfferStatus.DECLINED: 1, PlaceOfferStatus.OFFERED: 3}
    assert PlaceOffer.objects.filter(round=pilot, promoted_from_waitlist=True).count() == 1
    assert MemberProfile.objects.filter(cohort_name=demo.PILOT, source="application").count() == 5
    assert waiting_list(round=pilot).count() == 3
    assert CriterionFeedback.objects.filter(application__round=pilot, status="draft").count() == 1
    assert Application.objects.filter(round=pilot).exclude(released_feedback=[]).count() == 18


def test_the_pilot_looks_like_a_real_round(pilot):
    """Its numbers add up, its applicants come through every route the round
    has, with answers of their own, and the reviewers' scores spread."""
    from applications.models import CriterionResponse
    from selection.selectors.decisions import place_numbers

    applications = Application.objects.filter(round=pilot)
    numbers = place_numbers(round=pilot)
    answers = list(CriterionResponse.objects.filter(application__round=pilot).values_list("text", flat=True))
    totals = sorted(
        ApplicationScore.objects.filter(round=pilot).values_list("mean_score", flat=True), key=lambda s: s or 0
    )

    assert numbers["confirmed"] + numbers["offered"] == pilot.capacity
    assert numbers["free"] == 0
    assert set(applications.values_list("route__kind", flat=True)) == set(pilot.routes.values_list("kind", flat=True))
    assert len(set(answers)) == len(answers) == 3 * applications.count()
    assert max(len(a.split()) for a in answers) > 4 * min(len(a.split()) for a in answers)
    assert len({round(total, 1) for total in totals if total is not None}) >= 5
    assert not applications.filter(full_name__icontains="applicant").exists()
    assert len(set(applications.values_list("region", flat=True))) >= 10


def test_demo_emails_were_created_before_they_were_sent(settings):
    from django.core.management import call_command
    from django.db.models import F

    settings.DEBUG = True
    call_command("seed_demo")

    assert OutboundEmail.objects.filter(sent_at__isnull=False).exists()
    assert not OutboundEmail.objects.filter(sent_at__lt=F("created_at")).exists()


def test_the_demo_has_a_round_in_review_with_work_left_for_each_reviewer(settings):
    from django.core.management import call_command

    from selection.demo_review import ROUND_NAME
    from selection.selectors.dashboard import morning_view

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")

    round = Round.objects.get(name=ROUND_NAME)
    states = dict(
        Assignment.objects.filter(round=round, reviewer__email="reviewer@example.org")
        .values_list("review__status")
        .annotate(count=Count("pk"))
    )
    work = next(work for work in morning_view().rounds if work.round == round)

    assert round.status == RoundStatus.IN_REVIEW
    assert round.applications.count() == 10
    assert states[ReviewStatus.SUBMITTED] == 2 and states[ReviewStatus.DRAFT] == 1 and states[None] > 0
    assert 0 < work.reviews_done < work.reviews_due
    assert work.review_due_on is not None and work.overdue_reviewers == 0
    # Whoever has reviewed accepted the agreement first, as the reviewer's screen requires.
    reviewed = set(Review.objects.filter(assignment__round=round).values_list("assignment__reviewer__email", flat=True))
    agreed = set(ReviewerAgreement.objects.filter(round=round).values_list("reviewer__email", flat=True))
    assert reviewed == agreed == {"reviewer@example.org", "reviewer2@example.org"}
