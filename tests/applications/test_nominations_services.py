import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from applications.choices import ApplicationStatus, RouteKind
from applications.models import Application, Nomination, NominationQuota, NominationStatus
from applications.services import nominations as services
from applications.services.nominations import NomineeDetails
from members.models import Region
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.factories.applications import RoundFactory, route, submitted
from tests.factories.nominations import NominationFactory, QuotaFactory, nominated_round, nominator

pytestmark = pytest.mark.django_db


def details(email="jo.morgan@example.org", **overrides) -> NomineeDetails:
    values = {
        "full_name": "Jo Morgan",
        "email": email,
        "job_title": "Pharmacist",
        "role_category": "clinician",
        "region": RegionFactory(),
        "statement": "Jo leads medicines safety improvement with patients.",
        **overrides,
    }
    return NomineeDetails(**values)


@pytest.fixture
def setup():
    round = nominated_round()
    organisation = OrganisationFactory(name="West Midlands AHSN")
    quota = QuotaFactory(round=round, organisation=organisation, places=2)
    user = nominator(organisation, display_name="Nadia Hussain")
    return round, organisation, quota, user


def test_nomination_create_saves_nomination_and_queues_invitation(setup, django_capture_on_commit_callbacks):
    round, organisation, quota, user = setup
    with django_capture_on_commit_callbacks(execute=True):
        nomination = services.nomination_create(round=round, organisation=organisation, by=user, details=details())
    assert Nomination.objects.get().quota == quota
    email = OutboundEmail.objects.get(to="jo.morgan@example.org")
    assert email.subject == "West Midlands AHSN has nominated you to join Q"
    assert "/nominate/invitation/" in email.body_text
    assert nomination.invitations_sent == 1
    assert AuditEntry.objects.filter(action="nomination.create").count() == 1


def test_nomination_create_beyond_quota_is_refused(setup):
    round, organisation, _quota, user = setup
    services.nomination_create(round=round, organisation=organisation, by=user, details=details("a@example.org"))
    services.nomination_create(round=round, organisation=organisation, by=user, details=details("b@example.org"))
    with pytest.raises(PortalError) as error:
        services.nomination_create(round=round, organisation=organisation, by=user, details=details("c@example.org"))
    assert "used all 2 of its nomination places" in error.value.message
    assert Nomination.objects.count() == 2


def test_nomination_create_without_quota_is_refused(setup):
    round, _organisation, _quota, user = setup
    other = OrganisationFactory(name="Eastern AHSN", region=RegionFactory())
    with pytest.raises(PortalError) as error:
        services.nomination_create(round=round, organisation=other, by=user, details=details())
    assert error.value.message == (
        f"Eastern AHSN has no nomination places in {round.name}. Ask the programme team for a quota."
    )


def test_nomination_create_counts_region_quota_shared_by_its_organisations():
    round = nominated_round()
    region = RegionFactory(name="Wessex")
    first, second = OrganisationFactory(region=region), OrganisationFactory(region=region)
    NominationQuota.objects.create(round=round, region=region, places=1)
    user = nominator(first, second)
    services.nomination_create(round=round, organisation=first, by=user, details=details("a@example.org"))
    with pytest.raises(PortalError):
        services.nomination_create(round=round, organisation=second, by=user, details=details("b@example.org"))
    assert Nomination.objects.count() == 1


def test_withdrawn_and_declined_nominations_free_their_place(setup):
    round, organisation, _quota, user = setup
    a = services.nomination_create(round=round, organisation=organisation, by=user, details=details("a@example.org"))
    b = services.nomination_create(round=round, organisation=organisation, by=user, details=details("b@example.org"))
    services.nomination_withdraw(nomination=a, by=user)
    services.nomination_decline(nomination=b)
    services.nomination_create(round=round, organisation=organisation, by=user, details=details("c@example.org"))
    services.nomination_create(round=round, organisation=organisation, by=user, details=details("d@example.org"))
    assert Nomination.objects.active().count() == 2


def test_duplicate_email_in_round_from_same_organisation_names_first_nominator(setup):
    round, organisation, _quota, user = setup
    services.nomination_create(round=round, organisation=organisation, by=user, details=details("Jo@Example.org"))
    colleague = nominator(organisation)
    with pytest.raises(PortalError) as error:
        services.nomination_create(
            round=round, organisation=organisation, by=colleague, details=details("jo@example.ORG")
        )
    assert error.value.message.startswith("Jo Morgan was already nominated by Nadia Hussain of West Midlands AHSN on ")
    assert error.value.field == "email"


def test_duplicate_email_from_another_organisation_does_not_name_it(setup):
    round, organisation, _quota, user = setup
    services.nomination_create(round=round, organisation=organisation, by=user, details=details())
    other = OrganisationFactory(name="Eastern AHSN")
    QuotaFactory(round=round, organisation=other)
    with pytest.raises(PortalError) as error:
        services.nomination_create(round=round, organisation=other, by=nominator(other), details=details())
    assert error.value.message == "This person has already been nominated for this round by another organisation."
    assert "West Midlands" not in error.value.message


def test_database_refuses_second_nomination_of_address_in_round(setup):
    round, organisation, quota, _user = setup
    NominationFactory(round=round, organisation=organisation, quota=quota, email="jo@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        NominationFactory(round=round, organisation=organisation, quota=quota, email="JO@example.org")


def test_same_person_may_be_nominated_in_another_round(setup):
    round, organisation, _quota, user = setup
    services.nomination_create(round=round, organisation=organisation, by=user, details=details())
    other_round = nominated_round()
    QuotaFactory(round=other_round, organisation=organisation)
    services.nomination_create(round=other_round, organisation=organisation, by=user, details=details())
    assert Nomination.objects.filter(email="jo.morgan@example.org").count() == 2


def test_nomination_create_refused_when_round_not_accepting(setup):
    round, organisation, _quota, user = setup
    round.closes_at = timezone.now() - timedelta(minutes=1)
    round.opens_at = timezone.now() - timedelta(days=10)
    round.save()
    with pytest.raises(PortalError) as error:
        services.nomination_create(round=round, organisation=organisation, by=user, details=details())
    assert error.value.message == f"{round.name} is not taking nominations now."


def test_nomination_create_refused_when_round_has_no_nominated_route():
    round = RoundFactory()
    organisation = OrganisationFactory()
    QuotaFactory(round=round, organisation=organisation)
    with pytest.raises(PortalError) as error:
        services.nomination_create(
            round=round, organisation=organisation, by=nominator(organisation), details=details()
        )
    assert error.value.message == f"{round.name} does not take nominations."


@pytest.mark.django_db(transaction=True)
def test_two_nominators_racing_for_the_last_place_exactly_one_wins():
    round = nominated_round()
    organisation = OrganisationFactory()
    QuotaFactory(round=round, organisation=organisation, places=1)
    first, second = nominator(organisation), nominator(organisation)
    region = Region.objects.create(name="Race region", slug="race-region", nation="england")
    barrier = threading.Barrier(2)
    outcomes = []

    def nominate(user, email):
        try:
            barrier.wait(timeout=5)
            services.nomination_create(
                round=round, organisation=organisation, by=user, details=details(email, region=region)
            )
            outcomes.append("nominated")
        except PortalError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=nominate, args=(first, "one@example.org")),
        threading.Thread(target=nominate, args=(second, "two@example.org")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(
        [
            "nominated",
            f"{organisation.name} has used all 1 of its nomination places in this round. "
            "Withdraw a nomination to free a place, or ask the programme team for more.",
        ]
    )
    assert Nomination.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_nominators_racing_with_the_same_address_exactly_one_wins():
    round = nominated_round()
    organisation = OrganisationFactory()
    other = OrganisationFactory()
    QuotaFactory(round=round, organisation=organisation, places=5)
    QuotaFactory(round=round, organisation=other, places=5)
    first, second = nominator(organisation), nominator(other)
    region = Region.objects.create(name="Race region", slug="race-region", nation="england")
    barrier = threading.Barrier(2)
    outcomes = []

    def nominate(user, org):
        try:
            barrier.wait(timeout=5)
            services.nomination_create(
                round=round, organisation=org, by=user, details=details("same@example.org", region=region)
            )
            outcomes.append("nominated")
        except PortalError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=nominate, args=(first, organisation)),
        threading.Thread(target=nominate, args=(second, other)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(
        ["nominated", "This person has already been nominated for this round by another organisation."]
    )
    assert Nomination.objects.count() == 1


# --- Invitations -------------------------------------------------------------------


def test_invitation_token_finds_its_nomination():
    nomination = NominationFactory()
    assert services.invitation_from_token(services.invitation_token(nomination)) == nomination


def test_tampered_invitation_token_is_refused():
    nomination = NominationFactory()
    token = services.invitation_token(nomination)
    with pytest.raises(PortalError) as error:
        services.invitation_from_token(token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert error.value.message == "This invitation link is not valid."


def test_expired_invitation_token_is_refused_naming_the_organisation():
    nomination = NominationFactory(organisation=OrganisationFactory(name="Oxford AHSN"))
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        token = services.invitation_token(nomination)
    with pytest.raises(services.InvitationExpired) as error:
        services.invitation_from_token(token)
    assert error.value.message == "This invitation link has expired. Ask Oxford AHSN to send you a new one."


def test_invitation_token_for_changed_address_is_refused():
    nomination = NominationFactory(email="old@example.org")
    token = services.invitation_token(nomination)
    Nomination.objects.filter(pk=nomination.pk).update(email="new@example.org")
    with pytest.raises(PortalError):
        services.invitation_from_token(token)


def test_resend_is_rate_limited_to_once_a_day(django_capture_on_commit_callbacks):
    nomination = NominationFactory(last_invited_at=timezone.now() - timedelta(hours=2))
    user = nominator(nomination.organisation)
    with pytest.raises(PortalError) as error:
        services.nomination_resend(nomination=nomination, by=user)
    assert error.value.message.startswith("The invitation was sent less than a day ago.")
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        services.nomination_resend(nomination=nomination, by=user)
    assert OutboundEmail.objects.filter(to=nomination.email).count() == 1
    nomination.refresh_from_db()
    assert nomination.invitations_sent == 2


def test_resend_stops_after_the_most_invitations():
    nomination = NominationFactory(invitations_sent=services.MAX_INVITATIONS)
    with pytest.raises(PortalError) as error:
        services.nomination_resend(nomination=nomination, by=nominator(nomination.organisation))
    assert "the most we send" in error.value.message


def test_resend_refused_once_declined():
    nomination = NominationFactory(status=NominationStatus.DECLINED)
    with pytest.raises(PortalError):
        services.nomination_resend(nomination=nomination, by=nominator(nomination.organisation))


def test_mark_opened_records_first_opening_only():
    nomination = NominationFactory()
    services.nomination_mark_opened(nomination=nomination)
    nomination.refresh_from_db()
    opened_at = nomination.opened_at
    services.nomination_mark_opened(nomination=nomination)
    nomination.refresh_from_db()
    assert (nomination.status, nomination.opened_at) == (NominationStatus.OPENED, opened_at)


# --- Accepting, declining, withdrawing ----------------------------------------------


def test_accept_starts_prefilled_application_on_nominated_route():
    nomination = NominationFactory(email="jo@example.org", full_name="Jo Morgan", job_title="Pharmacist")
    user = UserFactory(email="jo@example.org", display_name="Jo")
    application = services.nomination_accept(nomination=nomination, by=user)
    assert (application.full_name, application.job_title, application.role_category, application.region) == (
        "Jo Morgan",
        "Pharmacist",
        "clinician",
        nomination.region,
    )
    assert application.route.kind == RouteKind.NOMINATED
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee, nomination.application) == (
        NominationStatus.ACCEPTED,
        user,
        application,
    )


def test_accept_with_another_address_needs_confirmation():
    nomination = NominationFactory(email="jo@nhs.example")
    user = UserFactory(email="jo.personal@example.org")
    with pytest.raises(PortalError) as error:
        services.nomination_accept(nomination=nomination, by=user)
    assert error.value.field == "confirm_address"
    assert Application.objects.count() == 0
    application = services.nomination_accept(nomination=nomination, by=user, confirm_different_email=True)
    assert application.applicant == user


def test_accept_twice_returns_same_application():
    nomination = NominationFactory(email="jo@example.org")
    user = UserFactory(email="jo@example.org")
    first = services.nomination_accept(nomination=nomination, by=user)
    assert services.nomination_accept(nomination=nomination, by=user) == first
    assert Application.objects.count() == 1


def test_accept_by_another_account_after_acceptance_is_refused():
    nomination = NominationFactory(email="jo@example.org")
    services.nomination_accept(nomination=nomination, by=UserFactory(email="jo@example.org"))
    with pytest.raises(PortalError):
        services.nomination_accept(nomination=nomination, by=UserFactory(), confirm_different_email=True)


def test_accept_moves_existing_draft_to_nominated_route_keeping_answers():
    nomination = NominationFactory(email="jo@example.org", job_title="Pharmacist")
    user = UserFactory(email="jo@example.org")
    draft = Application.objects.create(
        applicant=user, round=nomination.round, route=route(RouteKind.OPEN), job_title="Chief pharmacist"
    )
    application = services.nomination_accept(nomination=nomination, by=user)
    assert application.pk == draft.pk
    assert (application.route.kind, application.job_title) == (RouteKind.NOMINATED, "Chief pharmacist")


def test_decline_frees_place_and_cannot_then_be_accepted():
    nomination = NominationFactory(email="jo@example.org")
    services.nomination_decline(nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.DECLINED
    with pytest.raises(PortalError) as error:
        services.nomination_accept(nomination=nomination, by=UserFactory(email="jo@example.org"))
    assert error.value.message == "You declined this nomination."


def test_withdraw_after_start_takes_draft_off_nominated_route_and_emails_nominee(
    django_capture_on_commit_callbacks,
):
    nomination = NominationFactory(email="jo@example.org")
    user = UserFactory(email="jo@example.org")
    application = services.nomination_accept(nomination=nomination, by=user)
    services.nomination_withdraw(nomination=nomination, by=nominator(nomination.organisation))
    application.refresh_from_db()
    nomination.refresh_from_db()
    assert (application.route, nomination.status, nomination.application) == (
        None,
        NominationStatus.WITHDRAWN,
        None,
    )
    assert OutboundEmail.objects.get(key=f"nomination:{nomination.pk}:withdrawn").to == "jo@example.org"


def test_withdraw_after_submission_is_refused():
    nomination = NominationFactory(email="jo@example.org")
    user = UserFactory(email="jo@example.org")
    application = services.nomination_accept(nomination=nomination, by=user)
    submitted(application)
    with pytest.raises(PortalError) as error:
        services.nomination_withdraw(nomination=nomination, by=nominator(nomination.organisation))
    assert "has submitted their application" in error.value.message
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


# --- Nominators ------------------------------------------------------------------------


def test_nominator_grant_gives_role_and_revoke_of_last_link_removes_it():
    user = UserFactory()
    first, second = OrganisationFactory(), OrganisationFactory()
    link = services.nominator_grant(user=user, organisation=first, by=None)
    second_link = services.nominator_grant(user=user, organisation=second, by=None)
    assert list(user.groups.values_list("name", flat=True)) == ["Nominators"]
    services.nominator_revoke(link=link, by=None)
    assert list(user.groups.values_list("name", flat=True)) == ["Nominators"]
    services.nominator_revoke(link=second_link, by=None)
    assert list(user.groups.values_list("name", flat=True)) == []


def test_seed_nominations_gives_demo_nominator_nominations_in_several_states():
    from applications import demo as applications_demo
    from applications import demo_nominations
    from applications.selectors.nominations import progress_counts
    from members import demo as members_demo
    from members.models import Organisation, User

    members_demo.seed_places()
    members_demo.seed_accounts()
    applications_demo.seed_recruitment()
    demo_nominations.seed_nominations()
    demo_nominations.seed_nominations()
    organisation = Organisation.objects.get(name="West Midlands AHSN")
    user = User.objects.get(email="nominator@example.org")
    assert list(user.nominator_links.values_list("organisation__name", flat=True)) == ["West Midlands AHSN"]
    round = NominationQuota.objects.get(organisation=organisation, places=10).round
    counts = progress_counts(round=round, organisation=organisation)
    assert {key: count for key, count in counts.items() if count} == {
        "invited": 2,
        "opened": 1,
        "started": 1,
        "submitted": 1,
        "declined": 1,
    }


def test_cohort_confirm_refused_after_preview_expires():
    round = nominated_round()
    organisation = OrganisationFactory()
    QuotaFactory(round=round, organisation=organisation)
    user = nominator(organisation)
    region = RegionFactory()
    rows = [
        {
            "row": 2,
            "values": {
                "full_name": "Ana Ruiz",
                "email": "ana@example.org",
                "job_title": "Nurse",
                "role_category": "manager",
                "region": region.pk,
                "statement": "Leads huddles.",
            },
            "errors": [],
        }
    ]
    upload = services.cohort_upload_check(round=round, organisation=organisation, by=user, filename="a.csv", rows=rows)
    with time_machine.travel(timezone.now() + timedelta(hours=3)), pytest.raises(PortalError) as error:
        services.cohort_upload_confirm(upload=upload, by=user)
    assert error.value.message == "This preview has expired. Upload the file again."
    assert services.cohort_upload_confirm(upload=upload, by=user)[0].email == "ana@example.org"
