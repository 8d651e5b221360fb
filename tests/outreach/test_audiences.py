"""Wave audiences: each segment, AND/OR, and a person in several segments
counted and emailed once."""

import pytest

from applications.choices import ApplicationOutcome, ApplicationStatus, RoleCategory, RouteKind, SubscriptionStatus
from applications.models import NominationStatus
from outreach.audiences import Audience, audience_count, audience_recipients
from q_portal.exceptions import PortalError
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.factories.applications import ApplicationFactory, RoundFactory, route, submitted
from tests.factories.members import MemberFactory
from tests.factories.nominations import NominationFactory
from tests.factories.waves import SubscriberFactory

pytestmark = pytest.mark.django_db


def _audience(*segments, combine="any") -> Audience:
    return Audience.from_json({"combine": combine, "segments": list(segments)})


def _addresses(audience: Audience, round=None) -> list[str]:
    return [recipient.address for recipient in audience_recipients(audience=audience, round=round)]


def test_subscribers_segment_takes_confirmed_only_filtered_by_region_and_role():
    london, leeds = RegionFactory(name="London"), RegionFactory(name="Yorkshire")
    SubscriberFactory(email="asha@example.org", region=london, role_category=RoleCategory.CLINICIAN)
    SubscriberFactory(email="ben@example.org", region=london, role_category=RoleCategory.MANAGER)
    SubscriberFactory(email="cara@example.org", region=leeds, role_category=RoleCategory.CLINICIAN)
    SubscriberFactory(email="pending@example.org", region=london, status=SubscriptionStatus.PENDING)
    SubscriberFactory(email="gone@example.org", region=london, status=SubscriptionStatus.UNSUBSCRIBED)

    everyone = _audience({"kind": "subscribers"})
    in_london = _audience({"kind": "subscribers", "region_id": london.pk})
    london_clinicians = _audience({"kind": "subscribers", "region_id": london.pk, "role_category": "clinician"})

    assert _addresses(everyone) == ["asha@example.org", "ben@example.org", "cara@example.org"]
    assert _addresses(in_london) == ["asha@example.org", "ben@example.org"]
    assert _addresses(london_clinicians) == ["asha@example.org"]


def test_person_in_several_segments_is_counted_and_listed_once_whatever_the_case():
    round = RoundFactory()
    applicant = UserFactory(email="Asha.Khan@Example.org", display_name="Asha Khan")
    ApplicationFactory(applicant=applicant, round=round, full_name="Asha Khan")
    SubscriberFactory(email="asha.khan@example.org ", name="Asha")
    MemberFactory(user=applicant, full_name="Asha Khan")
    SubscriberFactory(email="ben@example.org")

    audience = _audience({"kind": "subscribers"}, {"kind": "drafts"}, {"kind": "members"})
    count = audience_count(audience=audience, round=round)

    assert (count.total, count.by_segment) == (2, (2, 1, 1))
    recipients = list(audience_recipients(audience=audience, round=round))
    assert [(r.address, r.first_name) for r in recipients] == [
        ("asha.khan@example.org", "Asha"),
        ("ben@example.org", "Sam"),
    ]


def test_all_combination_keeps_only_people_in_every_segment():
    round = RoundFactory()
    both = UserFactory(email="both@example.org")
    ApplicationFactory(applicant=both, round=round)
    SubscriberFactory(email="both@example.org")
    ApplicationFactory(applicant=UserFactory(email="draft-only@example.org"), round=round)
    SubscriberFactory(email="subscriber-only@example.org")

    audience = _audience({"kind": "subscribers"}, {"kind": "drafts"}, combine="all")

    assert _addresses(audience, round) == ["both@example.org"]
    assert audience_count(audience=audience, round=round).total == 1


def test_drafts_segment_is_the_rounds_unsubmitted_drafts_with_their_application():
    round, other_round = RoundFactory(), RoundFactory()
    draft = ApplicationFactory(applicant=UserFactory(email="draft@example.org"), round=round, full_name="Dee Draft")
    submitted(ApplicationFactory(applicant=UserFactory(email="done@example.org"), round=round))
    ApplicationFactory(applicant=UserFactory(email="elsewhere@example.org"), round=other_round)
    ApplicationFactory(applicant=None, round=round, full_name="")  # anonymised

    [recipient] = audience_recipients(audience=_audience({"kind": "drafts"}), round=round)

    assert (recipient.address, recipient.first_name, recipient.application_id) == ("draft@example.org", "Dee", draft.pk)


def test_outcome_segment_takes_released_outcome_in_the_round():
    round = RoundFactory()
    accepted = submitted(ApplicationFactory(applicant=UserFactory(email="yes@example.org"), round=round))
    waitlisted = submitted(ApplicationFactory(applicant=UserFactory(email="wait@example.org"), round=round))
    submitted(ApplicationFactory(applicant=UserFactory(email="undecided@example.org"), round=round))
    accepted.outcome, waitlisted.outcome = ApplicationOutcome.ACCEPTED, ApplicationOutcome.WAITLISTED
    accepted.status = waitlisted.status = ApplicationStatus.DECIDED
    accepted.save()
    waitlisted.save()

    assert _addresses(_audience({"kind": "outcome", "outcome": "accepted"}), round) == ["yes@example.org"]
    assert _addresses(_audience({"kind": "outcome", "outcome": "waitlisted"}), round) == ["wait@example.org"]


def test_route_segment_takes_applicants_through_the_route_in_any_round():
    alumni = route(RouteKind.COURSE_ALUMNI)
    old_round, new_round = RoundFactory(routes=[alumni]), RoundFactory(routes=[alumni])
    old = ApplicationFactory(applicant=UserFactory(email="old@example.org"), round=old_round, route=alumni)
    new = ApplicationFactory(applicant=UserFactory(email="new@example.org"), round=new_round, route=alumni)
    ApplicationFactory(applicant=UserFactory(email="open@example.org"), round=new_round, route=route(RouteKind.OPEN))

    recipients = list(
        audience_recipients(audience=_audience({"kind": "route", "route_id": alumni.pk}), round=new_round)
    )

    # The personal link can only point at an application in the wave's own round.
    assert [(r.address, r.application_id) for r in recipients] == [
        ("new@example.org", new.pk),
        ("old@example.org", None),
    ]
    assert old.pk != new.pk


def test_nominees_segment_takes_standing_nominations_of_the_regions_organisations():
    midlands, north = RegionFactory(name="West Midlands"), RegionFactory(name="North East")
    round = RoundFactory()
    in_region = OrganisationFactory(region=midlands)
    NominationFactory(round=round, organisation=in_region, email="nadia@example.org")
    NominationFactory(
        round=round, organisation=in_region, email="declined@example.org", status=NominationStatus.DECLINED
    )
    NominationFactory(round=round, organisation=OrganisationFactory(region=north), email="north@example.org")
    NominationFactory(round=RoundFactory(), organisation=in_region, email="other-round@example.org")

    audience = _audience({"kind": "nominees", "region_id": midlands.pk})

    assert _addresses(audience, round) == ["nadia@example.org"]
    assert _addresses(audience, None) == ["nadia@example.org", "other-round@example.org"]


def test_members_segment_takes_active_members_optionally_by_region():
    london = RegionFactory(name="London")
    MemberFactory(user=UserFactory(email="m1@example.org"), region=london)
    MemberFactory(user=UserFactory(email="m2@example.org"))
    MemberFactory(user=UserFactory(email="ended@example.org"), status="ended")

    assert _addresses(_audience({"kind": "members"})) == ["m1@example.org", "m2@example.org"]
    assert _addresses(_audience({"kind": "members", "region_id": london.pk})) == ["m1@example.org"]


def test_audience_count_takes_two_queries_at_any_size(django_assert_num_queries):
    round = RoundFactory()
    audience = _audience({"kind": "subscribers"}, {"kind": "drafts"}, {"kind": "members"})
    for size in (2, 30):
        SubscriberFactory.create_batch(size)
        with django_assert_num_queries(2):
            count = audience_count(audience=audience, round=round)
        assert count.total >= size


@pytest.mark.parametrize(
    ("segments", "field"),
    [
        ([], "include_subscribers"),
        ([{"kind": "drafts"}], "include_drafts"),
        ([{"kind": "outcome", "outcome": "accepted"}], "include_outcome"),
        ([{"kind": "route", "route_id": 987654}], "route"),
        ([{"kind": "nominees"}], "nominees_region"),
        ([{"kind": "members", "region_id": 987654}], "members_region"),
    ],
)
def test_audience_check_refuses_what_cannot_be_computed_at_the_field(segments, field):
    with pytest.raises(PortalError) as caught:
        _audience(*segments).check(round=None)

    assert caught.value.field == field


def test_audience_from_json_ignores_unknown_segments_and_combinations():
    audience = Audience.from_json({"combine": "xor", "segments": [{"kind": "everyone"}, {"kind": "members"}, "junk"]})

    assert audience.as_json() == {"combine": "any", "segments": [{"kind": "members"}]}
