import factory

from applications.choices import RoleCategory, RouteKind
from applications.models import Nomination, NominationQuota, NominationStatus, NominatorOrganisation
from q_portal.roles import Role

from . import OrganisationFactory, RegionFactory, UserFactory
from .applications import RoundFactory, route


def nominated_round(**kwargs):
    """An open round accepting the nominated and open routes."""
    return RoundFactory(routes=[route(RouteKind.NOMINATED), route(RouteKind.OPEN)], **kwargs)


def nominator(*organisations, **kwargs):
    """A user with the Nominators role, linked to the organisations given."""
    user = UserFactory(roles=[Role.NOMINATOR], **kwargs)
    for organisation in organisations:
        NominatorOrganisation.objects.create(user=user, organisation=organisation)
    return user


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NominationQuota

    round = factory.LazyFunction(nominated_round)
    organisation = factory.SubFactory(OrganisationFactory)
    places = 10


class NominationFactory(factory.django.DjangoModelFactory):
    """An invited nomination counting against its organisation's quota (made if missing)."""

    class Meta:
        model = Nomination

    round = factory.LazyFunction(nominated_round)
    organisation = factory.SubFactory(OrganisationFactory)
    quota = factory.LazyAttribute(
        lambda o: NominationQuota.objects.get_or_create(
            round=o.round, organisation=o.organisation, defaults={"places": 1000}
        )[0]
    )
    nominated_by = None
    full_name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"nominee{n}@example.org")
    job_title = "Quality improvement lead"
    role_category = RoleCategory.CLINICIAN
    region = factory.SubFactory(RegionFactory)
    statement = "Leads improvement work with patients and colleagues."
    status = NominationStatus.INVITED
    invitations_sent = 1
