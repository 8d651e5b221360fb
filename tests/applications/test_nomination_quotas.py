"""Nomination quotas as a nominator meets them: an organisation's own places
first, else its region's shared ones; exactly its places and no more, one at a
time or a cohort at once, with a message saying how many are left."""

import pytest

from applications.models import Nomination, NominationQuota
from applications.services import nominations as services
from applications.services.nominations import NomineeDetails
from q_portal.exceptions import PortalError
from tests.factories import OrganisationFactory, RegionFactory
from tests.factories.nominations import QuotaFactory, nominated_round, nominator

pytestmark = pytest.mark.django_db


def person(email: str) -> NomineeDetails:
    return NomineeDetails(
        full_name="Jo Morgan",
        email=email,
        job_title="Pharmacist",
        role_category="clinician",
        region=RegionFactory(),
        statement="Jo leads medicines safety improvement with patients.",
    )


def cohort(round, organisation, user, count: int):
    region = RegionFactory()
    rows = [
        {
            "row": number + 2,
            "values": {
                "full_name": f"Person {number}",
                "email": f"cohort{number}@example.org",
                "job_title": "Nurse",
                "role_category": "manager",
                "region": region.pk,
                "statement": "Leads huddles.",
            },
            "errors": [],
        }
        for number in range(count)
    ]
    return services.cohort_upload_check(round=round, organisation=organisation, by=user, filename="c.csv", rows=rows)


def nominate(round, organisation, user, *emails):
    return [
        services.nomination_create(round=round, organisation=organisation, by=user, details=person(email))
        for email in emails
    ]


def test_organisation_uses_exactly_its_places_and_the_next_is_refused():
    round = nominated_round()
    organisation = OrganisationFactory(name="West Midlands AHSN")
    QuotaFactory(round=round, organisation=organisation, places=3)
    user = nominator(organisation)

    nominate(round, organisation, user, "a@example.org", "b@example.org", "c@example.org")
    with pytest.raises(PortalError) as refused:
        nominate(round, organisation, user, "d@example.org")

    assert refused.value.message == (
        "West Midlands AHSN has used all 3 of its nomination places in this round. "
        "Withdraw a nomination to free a place, or ask the programme team for more."
    )
    assert Nomination.objects.filter(organisation=organisation).count() == 3


def test_organisations_own_quota_comes_before_its_regions():
    round = nominated_round()
    region = RegionFactory()
    organisation = OrganisationFactory(region=region)
    own = QuotaFactory(round=round, organisation=organisation, places=1)
    NominationQuota.objects.create(round=round, region=region, places=5)

    assert services.quota_for(round=round, organisation=organisation) == own
    nominate(round, organisation, nominator(organisation), "a@example.org")
    with pytest.raises(PortalError, match="used all 1 of its nomination places"):
        nominate(round, organisation, nominator(organisation), "b@example.org")


def test_organisation_without_a_region_or_quota_has_no_places():
    round = nominated_round()
    NominationQuota.objects.create(round=round, region=RegionFactory(), places=5)
    organisation = OrganisationFactory(name="Lone Trust", region=None)

    assert services.quota_for(round=round, organisation=organisation) is None
    with pytest.raises(PortalError) as refused:
        nominate(round, organisation, nominator(organisation), "a@example.org")

    assert refused.value.message == (
        f"Lone Trust has no nomination places in {round.name}. Ask the programme team for a quota."
    )


def test_quota_of_another_round_does_not_count():
    round, other_round = nominated_round(), nominated_round()
    organisation = OrganisationFactory()
    QuotaFactory(round=other_round, organisation=organisation, places=5)

    assert services.quota_for(round=round, organisation=organisation) is None


@pytest.mark.parametrize(
    ("places", "used", "size", "message"),
    [
        (5, 4, 2, "Wessex AHSN has 1 nomination place left in this round, not enough for 2 people."),
        (5, 2, 4, "Wessex AHSN has 3 nomination places left in this round, not enough for 4 people."),
        (2, 2, 1, "Wessex AHSN has used all 2 of its nomination places in this round."),
    ],
)
def test_cohort_larger_than_the_places_left_is_refused_whole(places, used, size, message):
    round = nominated_round()
    organisation = OrganisationFactory(name="Wessex AHSN")
    QuotaFactory(round=round, organisation=organisation, places=places)
    user = nominator(organisation)
    nominate(round, organisation, user, *[f"early{number}@example.org" for number in range(used)])
    upload = cohort(round, organisation, user, size)

    with pytest.raises(PortalError) as refused:
        services.cohort_upload_confirm(upload=upload, by=user)

    assert refused.value.message.startswith(message)
    assert Nomination.objects.filter(organisation=organisation).count() == used


def test_cohort_of_exactly_the_places_left_is_nominated():
    round = nominated_round()
    organisation = OrganisationFactory()
    QuotaFactory(round=round, organisation=organisation, places=4)
    user = nominator(organisation)
    nominate(round, organisation, user, "early@example.org")

    nominations = services.cohort_upload_confirm(upload=cohort(round, organisation, user, 3), by=user)

    assert len(nominations) == 3
    assert Nomination.objects.filter(organisation=organisation).count() == 4


def test_withdrawn_nomination_frees_its_place_for_the_next():
    round = nominated_round()
    organisation = OrganisationFactory()
    QuotaFactory(round=round, organisation=organisation, places=1)
    user = nominator(organisation)
    [first] = nominate(round, organisation, user, "a@example.org")

    services.nomination_withdraw(nomination=first, by=user)
    [second] = nominate(round, organisation, user, "b@example.org")

    assert second.quota == first.quota


@pytest.mark.django_db(transaction=True)
def test_quota_can_be_read_outside_a_transaction_without_locking():
    """Pages read the quota in autocommit; only nominating locks it."""
    round = nominated_round()
    organisation = OrganisationFactory()
    quota = QuotaFactory(round=round, organisation=organisation, places=3)

    assert services.quota_for(round=round, organisation=organisation) == quota
