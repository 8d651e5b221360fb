import pytest

from applications import demo as applications_demo
from applications.choices import RoundStatus
from applications.models import Round
from members import demo as members_demo
from selection import demo
from selection.models import Assignment, Review, ReviewerProfile

pytestmark = pytest.mark.django_db


def test_seed_selection_puts_the_pilot_in_review_with_some_scored_and_is_idempotent():
    members_demo.seed_places()
    members_demo.seed_accounts()
    applications_demo.seed_recruitment()

    demo.seed_selection()
    first = (
        sorted(Assignment.objects.values_list("application_id", "reviewer__email")),
        sorted(Review.objects.values_list("assignment__reviewer__email", "status", "weighted_total")),
    )
    demo.seed_selection()

    pilot = Round.objects.get(name=demo.PILOT)
    assert pilot.status == RoundStatus.IN_REVIEW
    assert ReviewerProfile.objects.filter(organisation__isnull=False, region__isnull=False).count() == 2
    emails = {email for _application, email in first[0]}
    assert emails == {"reviewer@example.org", "reviewer2@example.org"}
    submitted = [row for row in first[1] if row[1] == "submitted"]
    assert len(submitted) == 8
    assert (
        sorted(Assignment.objects.values_list("application_id", "reviewer__email")),
        sorted(Review.objects.values_list("assignment__reviewer__email", "status", "weighted_total")),
    ) == first
