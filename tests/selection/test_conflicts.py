"""The automatic conflicts of interest are written twice: in Python for a whole
round (`find_conflicts`, which assignment uses) and as SQL for one reviewer
(`selection.conflicts`, which their queue and their access use). On worlds of
organisations, reviewers, applicants and nominations drawn at random, both
find the same pairs, and a reviewer's queue and access follow them."""

import random

import pytest

from applications.models import Nomination
from scoring.assignment import find_conflicts
from selection.conflicts import has_conflict
from selection.models import Conflict, ReviewerProfile
from selection.selectors.reviewer import review_queue_for
from selection.services.assignments import _application_facts, _reviewer_facts
from selection.services.settings import selection_settings_for
from tests.factories import OrganisationFactory, reviewer
from tests.factories.selection import assign, review_round, submitted_application

pytestmark = pytest.mark.django_db


def world(seed: int):
    """A round in review with 7 reviewers and 8 applications whose organisations
    (some none), applicants and nominations are drawn from a small pool, so
    every rule fires for some pairs and not for others."""
    draw = random.Random(seed)  # noqa: S311 - test data, not secrets
    round = review_round()
    organisations = [OrganisationFactory() for _ in range(3)]
    reviewers = [reviewer() for _ in range(7)]
    for person in reviewers:
        ReviewerProfile.objects.create(user=person, organisation=draw.choice([*organisations, None]))
    applications = []
    for n in range(8):
        applicant = reviewers[0] if n == 0 else None  # a reviewer who applied
        kwargs = {"applicant": applicant} if applicant else {}
        application = submitted_application(round, **kwargs)
        application.organisation = draw.choice([*organisations, None])
        application.save(update_fields=["organisation"])
        if draw.random() < 0.5:
            Nomination.objects.create(
                round=round,
                organisation=draw.choice(organisations),
                nominated_by=draw.choice([*reviewers, None]),
                full_name=application.full_name,
                email=application.applicant.email,
                region=application.region,
                application=application,
            )
        applications.append(application)
    return round, reviewers, applications


@pytest.mark.parametrize("seed", range(4))
def test_the_sql_rules_find_the_same_conflicts_as_the_python_rules(seed):
    round, reviewers, applications = world(seed)
    settings = selection_settings_for(round=round)
    found = set(find_conflicts(_application_facts(round=round), _reviewer_facts(round=round, settings=settings)))
    assert found  # the world has some conflicts, and (below) some pairs without

    by_sql = {
        (application.pk, person.pk)
        for application in applications
        for person in reviewers
        if has_conflict(application_id=application.pk, reviewer_id=person.pk)
    }

    assert by_sql == found
    assert len(found) < len(applications) * len(reviewers)


@pytest.mark.parametrize("seed", range(2))
def test_a_reviewers_queue_holds_only_what_they_have_no_conflict_with(seed):
    round, reviewers, applications = world(seed)
    settings = selection_settings_for(round=round)
    found = set(find_conflicts(_application_facts(round=round), _reviewer_facts(round=round, settings=settings)))
    for application in applications:
        for person in reviewers:
            assign(application, person)
    declaring = reviewers[-1]
    declared = next(a for a in applications if (a.pk, declaring.pk) not in found)
    Conflict.objects.create(round=round, application=declared, reviewer=declaring, kind="declared", reason="A friend")

    for person in reviewers:
        queue = {assignment.application_id for assignment in review_queue_for(reviewer=person)}
        expected = {a.pk for a in applications if (a.pk, person.pk) not in found}
        assert queue == expected - ({declared.pk} if person == declaring else set())


def test_a_reviewer_without_an_organisation_is_conflicted_with_no_application_for_lacking_one():
    round = review_round()
    person = reviewer()
    ReviewerProfile.objects.create(user=person, organisation=None)
    application = submitted_application(round)
    application.organisation = None
    application.save(update_fields=["organisation"])
    assign(application, person)

    assert not has_conflict(application_id=application.pk, reviewer_id=person.pk)
    assert [a.application_id for a in review_queue_for(reviewer=person)] == [application.pk]
