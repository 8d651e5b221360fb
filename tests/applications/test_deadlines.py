"""A round's deadline, to the instant: it opens at `opens_at` (inclusive) and
stops accepting at `closes_at` (exclusive), and from then on nothing an applicant
or nominee does changes an application."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus, RoundStatus, RouteKind
from applications.models import Application, CriterionResponse, NominationStatus, Round
from applications.selectors.applications import next_round_expected, rounds_open_for_applications
from applications.services import applications as services
from applications.services import nominations as nomination_services
from q_portal.exceptions import PortalError
from tests.factories import UserFactory
from tests.factories.applications import ApplicationFactory, RoundFactory, complete, route
from tests.factories.nominations import NominationFactory, nominated_round

pytestmark = pytest.mark.django_db

TICK = timedelta(microseconds=1)


@pytest.fixture
def round():
    """A round opening and closing at whole minutes in the future."""
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=1)
    return RoundFactory(opens_at=start, closes_at=start + timedelta(days=14))


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.mark.parametrize(
    ("offset", "accepting"),
    [("opens", False), ("opens_at", True), ("closes", True), ("closes_at", False)],
)
def test_round_accepts_from_the_instant_it_opens_until_the_instant_it_closes(round, offset, accepting):
    moment = {
        "opens": round.opens_at - TICK,
        "opens_at": round.opens_at,
        "closes": round.closes_at - TICK,
        "closes_at": round.closes_at,
    }[offset]

    with at(moment):
        assert round.is_accepting is accepting
        assert list(Round.objects.open_now()) == ([round] if accepting else [])
        assert list(rounds_open_for_applications()) == ([round] if accepting else [])


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.CLOSED])
def test_round_not_open_accepts_nothing_within_its_dates(round, status):
    Round.objects.filter(pk=round.pk).update(status=status)
    round.refresh_from_db()

    with at(round.opens_at + timedelta(days=1)):
        assert round.is_accepting is False
        assert list(Round.objects.open_now()) == []


def test_next_round_is_announced_until_the_instant_it_opens(round):
    with at(round.opens_at - TICK):
        assert next_round_expected() == round
    with at(round.opens_at):
        assert next_round_expected() is None


def test_home_page_offers_the_round_from_the_instant_it_opens(client, round):
    with at(round.opens_at - TICK):
        before = client.get(reverse("home")).content.decode()
    with at(round.opens_at):
        after = client.get(reverse("home")).content.decode()

    assert reverse("applications:eligibility", args=[round.pk]) not in before
    assert reverse("applications:eligibility", args=[round.pk]) in after


# --- Nothing changes once the round has closed -------------------------------------


def test_application_start_at_the_closing_instant_is_refused(round):
    applicant = UserFactory()

    with at(round.closes_at), pytest.raises(PortalError, match="closed on") as refused:
        services.application_start(applicant=applicant, round=round, route=route())

    assert "Your application can no longer be changed." in refused.value.message
    assert not Application.objects.filter(applicant=applicant).exists()


def test_application_start_a_moment_before_closing_starts_a_draft(round):
    applicant = UserFactory()

    with at(round.closes_at - TICK):
        application = services.application_start(applicant=applicant, round=round, route=route())

    assert Application.objects.get(applicant=applicant) == application


def test_application_start_before_the_round_opens_is_refused(round):
    applicant = UserFactory()

    with at(round.opens_at - TICK), pytest.raises(PortalError, match="can no longer be changed"):
        services.application_start(applicant=applicant, round=round, route=route())

    assert not Application.objects.filter(applicant=applicant).exists()


def test_application_save_section_after_closing_is_refused_and_keeps_the_answers(round):
    with at(round.opens_at):
        application = ApplicationFactory(round=round, job_title="Nurse")

    with at(round.closes_at), pytest.raises(PortalError, match="closed on"):
        services.application_save_section(
            application=application, by=application.applicant, section="about", values={"job_title": "Changed"}
        )

    application.refresh_from_db()
    assert application.job_title == "Nurse"


def test_application_save_response_after_closing_is_refused_and_keeps_the_answer(round):
    with at(round.opens_at):
        application = complete(ApplicationFactory(round=round))
    criterion = round.criteria.get(letter="a")
    before = CriterionResponse.objects.get(application=application, criterion=criterion).text

    with at(round.closes_at), pytest.raises(PortalError, match="closed on"):
        services.application_save_response(
            application=application, by=application.applicant, criterion=criterion, text="A new answer"
        )

    assert CriterionResponse.objects.get(application=application, criterion=criterion).text == before


def test_application_reopen_after_closing_is_refused_and_stays_submitted(round):
    with at(round.opens_at):
        application = complete(ApplicationFactory(round=round))
        services.application_submit(application=application, by=application.applicant)

    with at(round.closes_at), pytest.raises(PortalError, match="closed on"):
        services.application_reopen(application=application, by=application.applicant)

    application.refresh_from_db()
    assert (application.status, application.submitted_at is not None) == (ApplicationStatus.SUBMITTED, True)


def test_application_submit_at_the_closing_instant_is_refused(round):
    with at(round.opens_at):
        application = complete(ApplicationFactory(round=round))

    with at(round.closes_at), pytest.raises(PortalError, match="closed on"):
        services.application_submit(application=application, by=application.applicant)
    with at(round.closes_at - TICK):
        services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_answer_posted_from_a_page_opened_before_closing_is_not_saved(client, round):
    with at(round.opens_at):
        application = complete(ApplicationFactory(round=round))
    before = CriterionResponse.objects.get(application=application, criterion__letter="a").text
    with at(round.closes_at - timedelta(seconds=10)):
        client.force_login(application.applicant)
        client.get(reverse("applications:criterion", args=[application.pk, "a"]))

    with at(round.closes_at + timedelta(seconds=1)):
        response = client.post(
            reverse("applications:criterion", args=[application.pk, "a"]),
            {"text": "Changed after closing"},
            follow=True,
        )

    assert "Your application can no longer be changed." in response.content.decode()
    assert CriterionResponse.objects.get(application=application, criterion__letter="a").text == before


# --- Accepting a nomination -----------------------------------------------------------


def test_nomination_accept_after_the_round_closes_is_refused_and_stays_open_to_no_one():
    round = nominated_round()
    nomination = NominationFactory(round=round, email="jo@example.org")
    nominee = UserFactory(email="jo@example.org")

    with at(round.closes_at), pytest.raises(PortalError) as refused:
        nomination_services.nomination_accept(nomination=nomination, by=nominee)

    assert refused.value.message == f"{round.name} is not taking applications now."
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee, nomination.application) == (NominationStatus.INVITED, None, None)
    assert not Application.objects.filter(applicant=nominee).exists()


def test_nomination_accept_a_moment_before_closing_starts_the_application():
    round = nominated_round()
    nomination = NominationFactory(round=round, email="jo@example.org")
    nominee = UserFactory(email="jo@example.org")

    with at(round.closes_at - TICK):
        application = nomination_services.nomination_accept(nomination=nomination, by=nominee)

    assert (application.applicant, application.round, application.route.kind) == (nominee, round, RouteKind.NOMINATED)


def test_refusal_after_closing_says_when_the_round_closed_in_uk_time():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    closes = datetime(2027, 3, 31, 17, 30, tzinfo=ZoneInfo("Europe/London"))
    round = RoundFactory(name="Spring 2027", opens_at=closes - timedelta(days=30), closes_at=closes)
    with at(round.opens_at):
        application = ApplicationFactory(round=round)

    for moment in (closes, closes + timedelta(days=2, hours=3)):
        with at(moment), pytest.raises(PortalError) as refused:
            services.application_save_section(
                application=application, by=application.applicant, section="about", values={"job_title": "Late"}
            )

        assert refused.value.message == (
            "Spring 2027 closed on 31 March 2027, 5:30pm. Your application can no longer be changed."
        )
