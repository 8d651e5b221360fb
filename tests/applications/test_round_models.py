"""What the programme team reads of a round's parts: the reminder days a new
round starts with, and how courses and quotas are named in lists and forms."""

import pytest

from applications.models import ImprovementCourse, NominationQuota
from tests.factories import OrganisationFactory, RegionFactory
from tests.factories.applications import RoundFactory

pytestmark = pytest.mark.django_db


def test_new_round_reminds_drafts_a_week_and_a_day_before_closing():
    assert RoundFactory().reminder_days == [7, 1]


def test_course_is_named_with_its_provider_when_known():
    assert str(ImprovementCourse(name="Improvement science", provider="Q Academy")) == "Improvement science (Q Academy)"
    assert str(ImprovementCourse(name="Improvement science")) == "Improvement science"


def test_quota_is_named_by_its_organisation_or_region_and_places():
    round = RoundFactory()
    organisation = OrganisationFactory(name="West Midlands AHSN")
    region = RegionFactory(name="Wessex")

    assert str(NominationQuota(round=round, organisation=organisation, places=10)) == "West Midlands AHSN: 10"
    assert str(NominationQuota(round=round, region=region, places=5)) == "Wessex: 5"
