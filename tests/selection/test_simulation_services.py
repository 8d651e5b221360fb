"""The selection simulation through the portal's own services (issue 15): a
synthetic round assigned by `assignments_auto`, every review submitted by
`review_save`, the scores stored by the score services, and the ranking read
back from what the board shows, agreeing with the pure functions the
`simulate_selection` command runs."""

import pytest

from scoring.simulation import Design
from selection.models import Assignment, Review
from selection.simulation import simulate_through_services
from tests.factories.decisions import team_member
from tests.factories.selection import bulk_submitted_applications, closed_round, reviewer_with_profile

pytestmark = pytest.mark.django_db


def test_a_synthetic_round_through_the_services_ranks_as_the_pure_simulation_does():
    design = Design(applicants=48, reviewers=12, per_application=3, bias=0.5, noise=0.6, select=12)
    round = closed_round()
    applications = bulk_submitted_applications(round, design.applicants)
    reviewers = [reviewer_with_profile(mfa=False) for _ in range(design.reviewers)]

    run = simulate_through_services(
        round=round, applications=applications, reviewers=reviewers, design=design, seed=3, by=team_member()
    )

    # Every application got three different reviewers, all submitted through the service.
    assert run.reviews == 144
    assert Review.objects.filter(assignment__round=round, status="submitted").count() == 144
    per_application = {
        a.pk: set(Assignment.objects.filter(application=a).values_list("reviewer_id", flat=True)) for a in applications
    }
    assert all(len(reviewer_ids) == 3 for reviewer_ids in per_application.values())
    assert run.mixing["groups"] == 1
    # What the board stores ranks exactly as the pure functions do on the same reviews.
    assert run.stored == run.pure
    assert all(difference < 1e-6 for difference in run.largest_difference.values()), run.largest_difference
    assert set(run.stored) == {"mean", "z-score", "model"}
    assert all(0 < share <= 1 for share in run.stored.values())
