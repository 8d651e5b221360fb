import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from members.models import Organisation, OrganisationKind, Region, User
from q_portal.roles import Role

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified primary email address who can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: a transactional test's flush removes the migration's groups.
            obj.groups.add(*(Group.objects.get_or_create(name=str(role))[0] for role in extracted))


def reviewer(**kwargs) -> User:
    return UserFactory(roles=[Role.REVIEWER], **kwargs)


def programme_team(**kwargs) -> User:
    return UserFactory(roles=[Role.PROGRAMME_TEAM], **kwargs)


def with_totp(user: User) -> User:
    """Give the user an activated TOTP authenticator, as the MFA setup page would."""
    TOTP.activate(user, generate_totp_secret())
    return user


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")
    nation = "england"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.PROVIDER
    region = factory.SubFactory(RegionFactory)
