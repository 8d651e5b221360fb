"""seed_scale, the benchmark's data set, at a tiny size."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from applications.choices import ApplicationStatus, RoundStatus
from applications.models import Application, CriterionResponse, Round
from members.models import MemberProfile, Organisation, User
from q_portal.roles import Role
from selection.choices import ReviewStatus
from selection.management.commands.seed_scale import OPEN_ROUND, REVIEW_ROUND, SCALE_DOMAIN
from selection.models import Assignment, CriterionScore, Review, ReviewerAgreement, ReviewerProfile
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SIZES = {"applications": 30, "members": 20, "reviewers": 5}


def _seed(**options):
    call_command("seed_scale", force=True, **SIZES, **options)


def _scale_users():
    return User.objects.filter(email__endswith=f"@{SCALE_DOMAIN}")


def test_seed_scale_builds_rounds_applications_and_three_submitted_reviews_each():
    _seed()

    review_round = Round.objects.get(name=REVIEW_ROUND)
    assert Round.objects.get(name=OPEN_ROUND).status == RoundStatus.OPEN
    assert review_round.status == RoundStatus.IN_REVIEW
    applications = Application.objects.filter(round=review_round)
    assert applications.count() == 30
    assert set(applications.values_list("status", flat=True)) == {ApplicationStatus.UNDER_REVIEW}
    criteria = review_round.criteria.count()
    assert CriterionResponse.objects.filter(application__round=review_round).count() == 30 * criteria
    reviews_per_application = applications.annotate(reviews=Count("assignments__review")).values_list(
        "reviews", flat=True
    )
    assert set(reviews_per_application) == {3}
    reviews = Review.objects.filter(assignment__round=review_round)
    assert set(reviews.values_list("status", flat=True)) == {ReviewStatus.SUBMITTED}
    assert reviews.filter(weighted_total__isnull=True).count() == 0
    assert CriterionScore.objects.filter(review__in=reviews).count() == 90 * criteria
    # Every reviewer who scored accepted the round's agreement (the scoring page opens for them).
    assert ReviewerAgreement.objects.filter(round=review_round).count() == (
        Assignment.objects.filter(round=review_round).values("reviewer").distinct().count()
    )


def test_seed_scale_builds_reviewers_members_and_organisations():
    _seed()

    reviewers = _scale_users().filter(groups__name=Role.REVIEWER)
    assert reviewers.count() == 5
    assert ReviewerProfile.objects.filter(user__in=reviewers).count() == 5
    assert Authenticator.objects.filter(user__in=reviewers, type=Authenticator.Type.TOTP).count() == 5
    members = MemberProfile.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}")
    assert members.count() == 20
    assert members.filter(search_vector__isnull=True).count() == 0
    assert Organisation.objects.filter(name__startswith="Scale organisation ").count() == 50


def test_seed_scale_run_twice_refuses():
    _seed()

    with pytest.raises(CommandError) as error:
        _seed()

    assert "already loaded" in str(error.value)
    assert Application.objects.filter(round__name=REVIEW_ROUND).count() == 30


def test_seed_scale_reset_replaces_only_its_own_data():
    someone = UserFactory(email="someone@nhs.net")
    organisation = OrganisationFactory(name="Leeds Teaching Hospitals NHS Trust")
    _seed()
    accounts = _scale_users().count()

    _seed(reset=True)

    assert _scale_users().count() == accounts
    assert Application.objects.filter(round__name=REVIEW_ROUND).count() == 30
    assert Round.objects.filter(name__in=[OPEN_ROUND, REVIEW_ROUND]).count() == 2
    assert User.objects.filter(pk=someone.pk).exists()
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_seed_scale_with_debug_off_refuses_without_force(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError) as error:
        call_command("seed_scale", **SIZES)

    assert "--force" in str(error.value)
    assert _scale_users().count() == 0


def test_seed_scale_builds_a_group_with_1000_posts_whose_pages_a_member_reads(client):
    from django.urls import reverse
    from django.utils.html import escape

    from members.models.discussions import Post, Thread
    from selection.management.commands.seed_scale import SCALE_GROUP_SLUG

    _seed()

    assert Post.objects.filter(thread__community__slug=SCALE_GROUP_SLUG).count() == 1000
    member = MemberProfile.objects.filter(user__email__endswith=f"@{SCALE_DOMAIN}").order_by("pk").first()
    client.force_login(member.user)
    thread = Thread.objects.filter(community__slug=SCALE_GROUP_SLUG).order_by("pk").first()
    page = client.get(reverse("members:thread", kwargs={"slug": SCALE_GROUP_SLUG, "pk": thread.pk}))
    assert escape(thread.title) in page.content.decode()
    discussions = client.get(reverse("members:community_discussions", kwargs={"slug": SCALE_GROUP_SLUG}))
    assert escape(thread.title) in discussions.content.decode()
    # The benchmark's filtered directory: its filters are valid choices.
    filtered = client.get(
        reverse("members:directory"),
        {"region": member.region.slug, "organisation_kind": "provider", "sort": "newest", "expertise": "coaching"},
    )
    assert filtered.context["form"].errors == {}


def test_seed_scale_reset_removes_its_group():
    from members.models.membership import Community

    _seed()
    _seed(reset=True)

    assert Community.objects.filter(name__startswith="Scale special").count() == 1
