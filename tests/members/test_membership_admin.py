import pytest
from django.urls import reverse

from tests.factories import UserFactory, with_totp
from tests.factories.members import CommunityFactory, InterestFactory, MemberFactory, PledgeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["memberprofile", "interest", "community", "pledge", "abusereport", "growthtarget"])
def test_membership_admin_pages_list_and_open(client, model):
    client.force_login(with_totp(UserFactory(is_staff=True, is_superuser=True)))
    objects = {
        "memberprofile": lambda: MemberFactory(full_name="Admin Visible"),
        "interest": lambda: InterestFactory(name="Admin Visible"),
        "community": lambda: CommunityFactory(name="Admin Visible"),
        "pledge": lambda: PledgeFactory(member=MemberFactory(full_name="Admin Visible")),
    }
    created = objects[model]() if model in objects else None

    listing = client.get(reverse(f"admin:members_{model}_changelist"))

    assert listing.status_code == 200
    if created is not None:
        assert "Admin Visible" in listing.content.decode()
        change = client.get(reverse(f"admin:members_{model}_change", args=[created.pk]))
        assert change.status_code == 200
