"""Members, interests, communities and pledges."""

import datetime

import factory

from members.choices import InterestStatus, MemberSource
from members.models import Community, Interest, MemberProfile, Pledge
from members.services import profile_search_refresh

from . import RegionFactory, UserFactory


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interest

    name = factory.Sequence(lambda n: f"Interest {n}")
    slug = factory.Sequence(lambda n: f"interest-{n}")
    status = InterestStatus.APPROVED


class MemberFactory(factory.django.DjangoModelFactory):
    """An active, listed member with a membership number and an up-to-date
    search text. `interests=[...]` sets their interests."""

    class Meta:
        model = MemberProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    membership_number = factory.Sequence(lambda n: f"Q9{n:04d}")
    source = MemberSource.APPLICATION
    joined_on = datetime.date(2017, 1, 1)
    cohort_name = "First wave"
    # Not a random name: a search in a test must not match a bystander by chance.
    full_name = factory.Sequence(lambda n: f"Member {n:04d}")
    job_title = "Improvement lead"
    role_category = "clinician"
    region = factory.SubFactory(RegionFactory)

    @factory.post_generation
    def interests(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.interests.set(extracted)

    @factory.post_generation
    def searchable(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            profile_search_refresh(profile_ids=[obj.pk])


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    description = "Members who work on the same things."


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge

    member = factory.SubFactory(MemberFactory)
    text = "I will mentor a new member."
    category = "mentoring"


def onboarding_steps():
    """The default onboarding emails, as the migration adds them (a transactional
    test's flush removes the migration's rows)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("members.migrations.0008_onboarding")
    migration.add_default_steps(apps, None)
