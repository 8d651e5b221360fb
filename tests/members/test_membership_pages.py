"""Every page of the members' area renders for the people it is for."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from members.demo import seed_members
from members.models import CoffeePairing, CommunityMembership, MemberProfile, Pledge
from members.services import abuse_report_create, contact_send, growth_target_set, pledge_set, profile_update
from members.tasks import pair_random_coffee
from tests.factories import programme_team, with_totp
from tests.factories.members import CommunityFactory, InterestFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    member = MemberFactory(full_name="Morgan Campbell")
    other = MemberFactory(full_name="Other Person")
    interest = InterestFactory(name="Sepsis")
    community = CommunityFactory(name="Human factors")
    profile_update(member=member, by=member.user, interests=[interest], suggested_interests=["Frailty"], bio="Hi")
    pledge_set(member=member, text="I will mentor.", category="mentoring", by=member.user)
    message = contact_send(sender=other, recipient=member, body="Hello Morgan", by=other.user)
    abuse_report_create(reporter=member, reported=other, message=message, reason="Rude", by=member.user)
    growth_target_set(members=5000, by_date=datetime.date(2030, 1, 1), by=None)
    return {"member": member, "other": other, "community": community, "message": message}


def test_member_pages_render(client, world):
    client.force_login(world["member"].user)
    pages = {
        reverse("members:directory"): "Member directory",
        reverse("members:me"): "Your profile",
        reverse("members:me_edit"): "Edit your profile",
        reverse("members:settings"): "Privacy and contact settings",
        reverse("members:me_photo"): "Your photo",
        reverse("members:me_pledge"): "Your pledge",
        reverse("members:profile", args=[world["other"].pk]): "Other Person",
        reverse("members:contact", args=[world["other"].pk]): "Send Other Person a message",
        reverse("members:report", args=[world["other"].pk]): "Report Other Person",
        reverse("members:messages"): "Other Person",
        reverse("members:message", args=[world["message"].pk]): "Hello Morgan",
        reverse("members:message_report", args=[world["message"].pk]): "Report a message from Other Person",
        reverse("members:pledges"): "I will mentor.",
        reverse("members:communities"): "Human factors",
        reverse("members:community", args=[world["community"].slug]): "Human factors",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert (url, response.status_code) == (url, 200)
        assert text in response.content.decode()


def test_programme_pages_render(client, world):
    client.force_login(with_totp(programme_team()))
    pages = {
        reverse("members:programme_home"): "Membership",
        reverse("members:programme_members"): "Morgan Campbell",
        reverse("members:programme_member_status", args=[world["member"].pk]): "Pause membership",
        reverse("members:programme_import"): "Import founding members",
        reverse("members:programme_community_create"): "Create a community",
        reverse("members:programme_community_edit", args=[world["community"].slug]): "Change Human factors",
        reverse("members:programme_interests"): "Frailty",
        reverse("members:reports"): "Rude",
        reverse("members:report_resolve", args=[world["member"].reports_made.get().pk]): "Resolve a report",
        reverse("members:programme_growth"): "of a target of 5,000",
        reverse("members:directory"): "Morgan Campbell",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert (url, response.status_code) == (url, 200)
        assert text in response.content.decode()


def test_reply_through_the_page_shows_both_addresses(client, world):
    client.force_login(world["member"].user)

    response = client.post(
        reverse("members:message", args=[world["message"].pk]), {"body": "Happy to talk"}, follow=True
    )

    assert world["other"].user.email in response.content.decode()


def test_pair_random_coffee_task_pairs_opted_in_members():
    MemberFactory.create_batch(4, coffee_opt_in=True)

    assert pair_random_coffee.delay().get() == 2
    assert CoffeePairing.objects.count() == 2


def test_seed_members_is_idempotent_and_makes_member_example_org_a_member(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    seed_members()
    counts = (MemberProfile.objects.count(), Pledge.objects.count(), CommunityMembership.objects.count())
    seed_members()

    assert (MemberProfile.objects.count(), Pledge.objects.count(), CommunityMembership.objects.count()) == counts
    demo = MemberProfile.objects.get(user__email="member@example.org")
    assert (demo.status, bool(demo.bio), demo.pledge.text != "") == ("active", True, True)
    assert demo.interests.count() == 3 and demo.communities.filter(kind="practice").count() == 2
    assert counts[0] == 31 + 5  # and the five pilot applicants who took up their places (selection.demo)
    assert MemberProfile.objects.values("region").distinct().count() == 18
