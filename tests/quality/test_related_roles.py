"""The roles that differ from another only in their relation to an object: the
nominator of another organisation and the reviewer with a conflict of interest.
The access matrix checks their answers on every URL; these check what a person
would notice on the pages themselves."""

import pytest
from django.db.models import F
from django.urls import reverse

from applications.choices import RoundStatus
from applications.models import Application, Nomination, Round
from selection.models import Assignment

pytestmark = pytest.mark.django_db


def conflicted_assignment() -> Assignment:
    """The assignment whose reviewer has since joined the applicant's organisation."""
    return Assignment.objects.get(application__organisation=F("reviewer__reviewer_profile__organisation"))


def test_conflicted_reviewer_cannot_open_their_own_conflicted_assignment(world):
    assignment = conflicted_assignment()
    answer = assignment.application.responses.first().text

    response = world.clients["conflicted_reviewer"].get(reverse("selection:review", args=[assignment.pk]))

    assert response.status_code == 404
    assert answer not in response.content.decode()


def test_conflicted_reviewer_queue_leaves_out_the_conflicted_application(world):
    application = conflicted_assignment().application
    Round.objects.filter(pk=application.round_id).update(status=RoundStatus.IN_REVIEW)

    conflicted = world.clients["conflicted_reviewer"].get(reverse("selection:reviewer_home")).content.decode()
    assigned = world.clients["reviewer"].get(reverse("selection:reviewer_home")).content.decode()

    assert application.reference not in conflicted
    assert application.reference in assigned


def test_assigned_reviewer_opens_the_application_the_conflicted_one_cannot(world):
    application = conflicted_assignment().application
    own = Assignment.objects.exclude(pk=conflicted_assignment().pk).get(application=application)

    response = world.clients["reviewer"].get(reverse("selection:review", args=[own.pk]))

    assert response.status_code == 200
    assert application.responses.first().text in response.content.decode()


def test_nominator_of_another_organisation_sees_nothing_of_the_world_organisation(world):
    nomination = Nomination.objects.get(full_name="Nadia Nominee")
    other = world.clients["other_nominator"]
    dashboard = reverse(
        "nominations:dashboard",
        kwargs={"round_pk": nomination.round_id, "organisation_pk": nomination.organisation_id},
    )

    assert other.get(dashboard).status_code == 404
    assert "Nadia Nominee" not in other.get(reverse("nominations:home")).content.decode()
    assert "Nadia Nominee" in world.clients["nominator"].get(dashboard).content.decode()


def test_nominator_of_another_organisation_cannot_withdraw_the_world_nomination(world):
    nomination = Nomination.objects.get(full_name="Nadia Nominee")

    response = world.clients["other_nominator"].post(reverse("nominations:withdraw", args=[nomination.pk]))

    assert response.status_code == 404
    nomination.refresh_from_db()
    assert nomination.status == "invited"
    assert Application.objects.filter(nomination=nomination).count() == 0
