"""Taking up a nomination, as the nominee meets it: each refusal says why, a
second nomination in the round cannot be taken up as well, and taking it up
over a draft fills only what the nominee left blank."""

import pytest

from applications.choices import ApplicationStatus, RoleCategory, RouteKind
from applications.models import Application, NominationStatus
from applications.services import nominations as services
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from tests.factories import RegionFactory, UserFactory
from tests.factories.applications import RoundFactory, route
from tests.factories.nominations import NominationFactory, nominated_round

pytestmark = pytest.mark.django_db


def refusal(nomination, user, **kwargs) -> PortalError:
    with pytest.raises(PortalError) as refused:
        services.nomination_accept(nomination=nomination, by=user, **kwargs)
    return refused.value


def test_nomination_taken_up_by_another_account_is_refused_saying_so():
    nomination = NominationFactory(email="jo@example.org")
    services.nomination_accept(nomination=nomination, by=UserFactory(email="jo@example.org"))

    error = refusal(nomination, UserFactory(), confirm_different_email=True)

    assert error.message == "This nomination has already been taken up by another account."


def test_withdrawn_nomination_cannot_be_taken_up():
    nomination = NominationFactory(email="jo@example.org", status=NominationStatus.WITHDRAWN)

    error = refusal(nomination, UserFactory(email="jo@example.org"))

    assert error.message == "This nomination has been withdrawn by the organisation that made it."
    assert not Application.objects.exists()


def test_round_without_the_nominated_route_cannot_take_a_nomination_up():
    round = RoundFactory(routes=[route(RouteKind.OPEN)])
    nomination = NominationFactory(round=round, email="jo@example.org")

    error = refusal(nomination, UserFactory(email="jo@example.org"))

    assert error.message == f"{round.name} does not take nominations."


def test_second_nomination_in_the_same_round_cannot_also_be_taken_up():
    round = nominated_round()
    user = UserFactory(email="jo@example.org")
    first = NominationFactory(round=round, email="jo@example.org")
    second = NominationFactory(round=round, email="jo.work@example.org")
    services.nomination_accept(nomination=first, by=user)

    error = refusal(second, user, confirm_different_email=True)

    assert error.message == "You have already taken up another nomination in this round."
    second.refresh_from_db()
    assert second.status == NominationStatus.INVITED


def test_nominee_who_withdrew_their_application_cannot_take_up_a_nomination():
    round = nominated_round()
    user = UserFactory(email="jo@example.org")
    Application.objects.create(applicant=user, round=round, route=route(RouteKind.OPEN), status="withdrawn")
    nomination = NominationFactory(round=round, email="jo@example.org")

    error = refusal(nomination, user)

    assert error.message == "You have withdrawn your application to this round, so it cannot be nominated."
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.INVITED


def test_verified_second_address_of_the_account_needs_no_confirmation():
    from allauth.account.models import EmailAddress

    user = UserFactory(email="jo.personal@example.org")
    EmailAddress.objects.create(user=user, email="Jo@NHS.example", verified=True, primary=False)
    nomination = NominationFactory(email="jo@nhs.example")

    application = services.nomination_accept(nomination=nomination, by=user)

    assert application.applicant == user
    assert services.nomination_email_matches(nomination=nomination, user=UserFactory(email="JO@nhs.EXAMPLE"))


def test_unverified_second_address_still_needs_confirmation():
    from allauth.account.models import EmailAddress

    user = UserFactory(email="jo.personal@example.org")
    EmailAddress.objects.create(user=user, email="jo@nhs.example", verified=False, primary=False)
    nomination = NominationFactory(email="jo@nhs.example")

    error = refusal(nomination, user)

    assert (error.message, error.field) == (
        "Confirm that you are the person nominated and want to use this account's address.",
        "confirm_address",
    )


def test_taking_up_over_a_draft_fills_only_the_blanks_and_clears_other_routes_evidence():
    round = nominated_round()
    user = UserFactory(email="jo@example.org")
    region = RegionFactory()
    draft = Application.objects.create(
        applicant=user, round=round, route=route(RouteKind.OPEN), full_name="Jo M", job_title=""
    )
    nomination = NominationFactory(
        round=round,
        email="jo@example.org",
        full_name="Jo Morgan",
        job_title="Pharmacist",
        role_category=RoleCategory.CLINICIAN,
        region=region,
    )

    application = services.nomination_accept(nomination=nomination, by=user)

    application.refresh_from_db()
    assert application.pk == draft.pk
    assert (application.full_name, application.job_title, application.role_category, application.region) == (
        "Jo M",
        "Pharmacist",
        RoleCategory.CLINICIAN,
        region,
    )
    assert (application.route.kind, application.route_course, application.route_organisation) == (
        RouteKind.NOMINATED,
        None,
        None,
    )


def test_taking_up_beside_a_submitted_application_links_it_as_it_is():
    round = nominated_round()
    user = UserFactory(email="jo@example.org")
    submitted = Application.objects.create(
        applicant=user,
        round=round,
        route=route(RouteKind.OPEN),
        job_title="Nurse",
        status=ApplicationStatus.SUBMITTED,
        reference="Q-2026-00001",
        submitted_at=round.opens_at,
        first_submitted_at=round.opens_at,
    )
    nomination = NominationFactory(round=round, email="jo@example.org", job_title="Pharmacist")

    application = services.nomination_accept(nomination=nomination, by=user)

    application.refresh_from_db()
    assert (application.pk, application.job_title, application.route.kind) == (submitted.pk, "Nurse", RouteKind.OPEN)
    nomination.refresh_from_db()
    assert (nomination.status, nomination.application) == (NominationStatus.ACCEPTED, submitted)


def test_taking_up_records_when_and_the_address_used():
    nomination = NominationFactory(email="jo@nhs.example")
    user = UserFactory(email="jo.personal@example.org")

    services.nomination_accept(nomination=nomination, by=user, confirm_different_email=True)

    nomination.refresh_from_db()
    assert nomination.responded_at is not None
    assert nomination.opened_at == nomination.responded_at
    entry = AuditEntry.objects.get(action="nomination.accept")
    assert entry.changes == {"email": ["jo@nhs.example", "jo.personal@example.org"]}
    assert (entry.actor, entry.target_id, entry.summary) == (user, str(nomination.pk), str(nomination))
    assert (
        AuditEntry.objects.get(action="application.start").summary
        == f"Started an application to {nomination.round.name}, as a nominee"
    )


def test_taking_up_with_the_nominated_address_records_no_address_change():
    nomination = NominationFactory(email="jo@example.org")

    services.nomination_accept(nomination=nomination, by=UserFactory(email="Jo@Example.org"))

    assert AuditEntry.objects.get(action="nomination.accept").changes == {}


def test_nominations_taken_up_elsewhere_do_not_block_this_one():
    round, earlier_round = nominated_round(), nominated_round()
    user = UserFactory(email="jo@example.org")
    services.nomination_accept(nomination=NominationFactory(round=earlier_round, email="jo@example.org"), by=user)
    services.nomination_accept(
        nomination=NominationFactory(round=round, email="sam@example.org"), by=UserFactory(email="sam@example.org")
    )
    NominationFactory(round=round, email="jo.old@example.org", nominee=user, status=NominationStatus.WITHDRAWN)

    application = services.nomination_accept(nomination=NominationFactory(round=round, email="jo@example.org"), by=user)

    assert (application.applicant, application.round) == (user, round)


def test_taking_up_starts_the_nominees_own_application_never_anothers():
    round, other_round = nominated_round(), nominated_round()
    user = UserFactory(email="jo@example.org")
    someone_elses = Application.objects.create(applicant=UserFactory(), round=round, route=route(RouteKind.OPEN))
    my_other_round = Application.objects.create(applicant=user, round=other_round, route=route(RouteKind.OPEN))

    application = services.nomination_accept(nomination=NominationFactory(round=round, email="jo@example.org"), by=user)

    assert application.pk not in (someone_elses.pk, my_other_round.pk)
    assert (application.applicant, application.round) == (user, round)
    someone_elses.refresh_from_db()
    assert someone_elses.route.kind == RouteKind.OPEN
    entry = AuditEntry.objects.get(action="application.start")
    assert (entry.actor, entry.target_id) == (user, str(application.pk))
