import pytest
from django.urls import reverse

from members.models import CoffeePairing
from tests.factories import OrganisationFactory, RegionFactory
from tests.factories.members import InterestFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_directory_filters_by_organisation_type_and_expertise(client):
    trust = OrganisationFactory(kind="provider")
    charity = OrganisationFactory(kind="charity")
    MemberFactory(full_name="Ada Trust", organisation=trust, skills="Coaching teams", methods="SPC charts")
    MemberFactory(full_name="Bea Charity", organisation=charity, skills="Coaching")
    MemberFactory(full_name="Cy Trust", organisation=trust, skills="Facilitation")
    client.force_login(MemberFactory().user)
    page = client.get(reverse("members:directory"), {"organisation_kind": "provider", "expertise": "coaching"})
    assert [p.full_name for p in page.context["profiles"]] == ["Ada Trust"]


def test_directory_cards_show_photo_or_initials(client):
    MemberFactory(full_name="Dee Okafor")
    client.force_login(MemberFactory().user)
    page = client.get(reverse("members:directory")).content.decode()
    assert '<span class="members-card__initials" aria-hidden="true">DO</span>' in page


@pytest.mark.parametrize("size", [3, 25])
def test_directory_with_filters_query_count_is_flat(client, django_assert_num_queries, size):
    region, interest = RegionFactory(), InterestFactory()
    for n in range(size):
        member = MemberFactory(region=region, interests=[interest], organisation=OrganisationFactory(kind="provider"))
        if n % 2:
            member.photo.name = "members/photos/x.jpg"
            member.save(update_fields=["photo"])
    client.force_login(MemberFactory().user)
    with django_assert_num_queries(14):
        client.get(
            reverse("members:directory"),
            {"region": region.slug, "interest": interest.slug, "organisation_kind": "provider", "sort": "newest"},
        )


def test_home_suggests_people_in_the_region_with_shared_interests_and_shows_coffee(client):
    region, other_region = RegionFactory(), RegionFactory()
    sepsis, frailty = InterestFactory(), InterestFactory()
    me = MemberFactory(region=region, interests=[sepsis, frailty])
    both = MemberFactory(full_name="Both Shared", region=region, interests=[sepsis, frailty])
    one = MemberFactory(full_name="One Shared", region=region, interests=[sepsis])
    MemberFactory(full_name="Far Away", region=other_region, interests=[sepsis])
    MemberFactory(full_name="Nothing Shared", region=region)
    CoffeePairing.objects.create(
        month="2026-12-01", first=min(me, one, key=lambda m: m.pk), second=max(me, one, key=lambda m: m.pk)
    )
    client.force_login(me.user)
    response = client.get(reverse("members:home"))
    assert [p.full_name for p in response.context["suggested_people"]] == ["Both Shared", "One Shared"]
    assert response.context["coffee"] == one
    assert response.context["completeness"].percent < 100
    assert both.pk


@pytest.mark.parametrize("size", [1, 8])
def test_home_query_count_is_flat(client, django_assert_num_queries, size):
    from tests.factories.events import EventFactory, registered

    region, interest = RegionFactory(), InterestFactory()
    me = MemberFactory(region=region, interests=[interest])
    for _ in range(size):
        MemberFactory(region=region, interests=[interest])
        registered(EventFactory(), me)
    client.force_login(me.user)
    with django_assert_num_queries(14):
        client.get(reverse("members:home"))
