"""Releasing is refused whole when a decided application is no longer one that
can be decided (withdrawn since, say): nobody is told anything, nothing changes."""

import pytest

from applications.choices import ApplicationStatus
from applications.models import Application
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from selection.models import Decision, PlaceOffer
from selection.services.release import decisions_release
from tests.factories.decisions import decided_round, team_member

pytestmark = pytest.mark.django_db


def test_release_with_a_withdrawn_application_among_the_decided_is_refused_naming_it():
    round, [accepted, withdrawn] = decided_round(accept=2)
    Application.objects.filter(pk=withdrawn.pk).update(status=ApplicationStatus.WITHDRAWN)
    withdrawn.refresh_from_db()

    with pytest.raises(PortalError) as refused:
        decisions_release(round=round, by=team_member())

    assert refused.value.message == f"{withdrawn} is withdrawn, so its decision cannot be released."
    assert not Decision.objects.filter(released_at__isnull=False).exists()
    assert not PlaceOffer.objects.exists()
    assert not OutboundEmail.objects.exists()
    accepted.refresh_from_db()
    assert accepted.status != ApplicationStatus.DECIDED


@pytest.mark.parametrize("status", [ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW])
def test_release_of_submitted_or_under_review_applications_decides_them(status):
    round, applications = decided_round(accept=1, unsuccessful=1)
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(status=status)

    assert decisions_release(round=round, by=team_member()) == 2
    assert set(Application.objects.filter(round=round).values_list("status", flat=True)) == {ApplicationStatus.DECIDED}
