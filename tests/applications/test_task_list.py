"""The applicant's task list: each section's title and state, a route's own
evidence counted only for that route; and the rounds offered to apply to."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.choices import RoundStatus, RouteKind, SectionState
from applications.models import ImprovementCourse
from applications.selectors.applications import (
    application_sections,
    application_with_answers,
    next_round_expected,
    rounds_open_for_applications,
)
from tests.factories import OrganisationFactory
from tests.factories.applications import ApplicationFactory, RoundFactory, complete, route

pytestmark = pytest.mark.django_db


def states(application):
    return {section.key: section.state for section in application_sections(application_with_answers(pk=application.pk))}


def test_task_list_names_each_section_in_order():
    application = ApplicationFactory()

    sections = application_sections(application_with_answers(pk=application.pk))

    assert [(section.key, str(section.title)) for section in sections] == [
        ("about", "About you"),
        ("route", "Your route and evidence"),
        ("criterion-a", "Commitment to collaborative improvement"),
        ("criterion-b", "Experience of playing a role in efforts to improve quality"),
        ("criterion-c", "Ability to articulate and reflect on approaches used to improve quality"),
        ("declarations", "Declarations and consent"),
    ]
    assert [str(section.state.label) for section in sections] == ["In progress", *["Not started"] * 5]


@pytest.mark.parametrize(
    ("kind", "field"),
    [(RouteKind.COURSE_ALUMNI, "route_course"), (RouteKind.NATIONAL_ORGANISATION, "route_organisation")],
)
def test_route_section_is_complete_only_with_the_routes_own_evidence(kind, field):
    chosen = route(kind)
    application = complete(ApplicationFactory(round=RoundFactory(routes=[chosen])))
    application.route = chosen
    application.save()

    assert states(application)["route"] == SectionState.IN_PROGRESS

    value = ImprovementCourse.objects.create(name="Improvement science") if field == "route_course" else None
    setattr(application, field, value or OrganisationFactory())
    application.save()
    assert states(application)["route"] == SectionState.COMPLETED


def test_rounds_open_for_applications_come_with_routes_and_criteria_in_three_queries(django_assert_num_queries):
    for days in (10, 20, 30):
        RoundFactory(closes_at=timezone.now() + timedelta(days=days))

    with django_assert_num_queries(3):
        rounds = list(rounds_open_for_applications())
        offered = [([r.kind for r in round.routes.all()], len(round.criteria.all())) for round in rounds]

    assert offered == [([RouteKind.OPEN], 3)] * 3
    assert [round.closes_at for round in rounds] == sorted(round.closes_at for round in rounds)


def test_draft_round_opening_later_is_not_announced():
    RoundFactory(opens_at=timezone.now() + timedelta(days=5), status=RoundStatus.DRAFT)
    announced = RoundFactory(opens_at=timezone.now() + timedelta(days=9))

    assert next_round_expected() == announced


def test_criterion_section_counts_as_answered_from_the_first_word():
    application = ApplicationFactory()
    criterion = application.round.criteria.get(letter="a")
    application.responses.create(criterion=criterion, text="Improvement")
    application.responses.create(criterion=application.round.criteria.get(letter="b"), text="  — ")

    assert (states(application)["criterion-a"], states(application)["criterion-b"]) == (
        SectionState.COMPLETED,
        SectionState.NOT_STARTED,
    )
