"""The applicant's side of a released decision: the status page, the offer of a
place, confirming it with the member compact, and declining it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from applications.models import Application
from members.models import MemberProfile
from q_portal.outbox.models import OutboundEmail
from selection.choices import DecisionOutcome, PlaceOfferStatus
from selection.models import PlaceOffer
from selection.services.release import decisions_release
from tests.factories import UserFactory
from tests.factories.applications import ApplicationFactory, submitted
from tests.factories.decisions import decided, decided_round, feedback, team_member
from tests.factories.selection import review_round
from tests.factories.text import CLEAN_NAME, MESSY_NAME

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def text_of(response) -> str:
    return response.content.decode()


def released(**counts):
    round, applications = decided_round(**counts)
    team = team_member()
    for application in applications:
        feedback(application, "a", "Your example showed real collaboration.", approved=True, by=team)
        feedback(application, "b", "DRAFT NOT FOR THE APPLICANT", by=team)
    decisions_release(round=round, by=team)
    return applications


def test_accepted_applicant_sees_the_decision_approved_feedback_and_the_way_to_their_place(client):
    [application] = released(accept=1)
    client.force_login(application.applicant)

    content = text_of(client.get(reverse("applications:status", kwargs={"pk": application.pk})))

    assert "Decision made: Accepted" in content
    assert "You have been offered a place in Q" in content
    assert "Your example showed real collaboration." in content
    assert "DRAFT NOT FOR THE APPLICANT" not in content
    assert reverse("selection:place", kwargs={"pk": application.pk}) in content
    home = text_of(client.get(reverse("applications:applicant_home")))
    assert "Decision made: Accepted" in home


@pytest.mark.parametrize(
    ("outcome", "wording"),
    [("waitlist", "You are on the waiting list"), ("unsuccessful", "We cannot offer you a place this time")],
)
def test_waitlisted_and_unsuccessful_applicants_see_their_decision_and_no_offer(client, outcome, wording):
    [application] = released(**{outcome: 1})
    client.force_login(application.applicant)

    content = text_of(client.get(reverse("applications:status", kwargs={"pk": application.pk})))
    place = client.get(reverse("selection:place", kwargs={"pk": application.pk}))

    assert wording in content
    assert "Your example showed real collaboration." in content
    assert reverse("selection:place", kwargs={"pk": application.pk}) not in content
    assert place.status_code == 302
    assert place["Location"] == reverse("applications:status", kwargs={"pk": application.pk})


def test_confirming_a_place_needs_the_compact_then_makes_a_member(client, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False)
    [application] = released(accept=1)
    client.force_login(application.applicant)
    url = reverse("selection:place", kwargs={"pk": application.pk})

    page = text_of(client.get(url))
    assert "Confirm or decline your place by <strong>23:59 on Monday 16 March 2026</strong> (UK time)." in page
    assert "The member compact" in page

    refused = text_of(client.post(url, {}))
    assert "<title>Error: Your place in Q" in refused
    assert "There is a problem" in refused
    assert 'href="#id_agrees_to_compact"' in refused
    assert not MemberProfile.objects.exists()

    response = client.post(url, {"agrees_to_compact": "on"}, follow=True)

    assert "Your place is confirmed: welcome to Q." in text_of(response)
    assert "You have confirmed your place" in text_of(response)
    assert MemberProfile.objects.filter(user=application.applicant, status="active").exists()
    status = text_of(client.get(reverse("applications:status", kwargs={"pk": application.pk})))
    assert "You have taken up your place and are a member of Q." in status


def test_declining_asks_first_then_frees_the_place(client):
    [application] = released(accept=1)
    client.force_login(application.applicant)
    url = reverse("selection:place_decline", kwargs={"pk": application.pk})

    assert "Are you sure you want to decline your place?" in text_of(client.get(url))
    response = client.post(url, {"reason": "I have changed jobs."}, follow=True)

    assert "You have declined your place." in text_of(response)
    assert PlaceOffer.objects.get(application=application).status == PlaceOfferStatus.DECLINED
    place = text_of(client.get(reverse("selection:place", kwargs={"pk": application.pk})))
    assert "You declined your place on" in place
    assert "Confirm my place" not in place


def test_someone_elses_offer_is_not_found(client):
    [application] = released(accept=1)
    client.force_login(UserFactory())

    for name in ("selection:place", "selection:place_decline"):
        url = reverse(name, kwargs={"pk": application.pk})
        assert client.get(url).status_code == 404
        assert client.post(url, {"agrees_to_compact": "on"}).status_code == 404

    assert PlaceOffer.objects.get(application=application).status == PlaceOfferStatus.OFFERED


def test_a_lapsed_offer_cannot_be_confirmed_from_the_page(client, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False)
    [application] = released(accept=1)
    time_machine.move_to(datetime(2026, 3, 17, 8, 0, tzinfo=LONDON), tick=False)
    client.force_login(application.applicant)

    response = client.post(reverse("selection:place", kwargs={"pk": application.pk}), {"agrees_to_compact": "on"})

    assert "The time to confirm this place ended at 23:59 on 16 March 2026 (UK time)." in text_of(response)
    assert not MemberProfile.objects.exists()


def test_confirming_a_place_with_a_name_stored_across_lines_sends_the_welcome(
    client, django_capture_on_commit_callbacks
):
    """A name kept before names were normalised (or written by any other route):
    the welcome email's subject stays one line and the place is confirmed."""
    [application] = released(accept=1)
    # PostgreSQL stores no NUL; everything else of the messy name it keeps.
    Application.objects.filter(pk=application.pk).update(full_name=MESSY_NAME.replace("\x00", ""))
    client.force_login(application.applicant)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("selection:place", kwargs={"pk": application.pk}), {"agrees_to_compact": "on"})

    assert response.status_code == 302
    assert MemberProfile.objects.get(user=application.applicant).full_name == CLEAN_NAME
    welcome = OutboundEmail.objects.get(to=application.applicant.email, subject__startswith="Welcome")
    assert welcome.subject == f"Welcome to Q, {CLEAN_NAME}"


def test_confirming_a_place_after_typing_a_name_across_lines_in_about_you_sends_the_welcome(
    client, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    client.force_login(application.applicant)
    client.post(reverse("applications:about", args=[application.pk]), {"full_name": MESSY_NAME})
    application.refresh_from_db()
    submitted(application)
    round = review_round()
    Application.objects.filter(pk=application.pk).update(round=round)
    application.refresh_from_db()
    decided(application, DecisionOutcome.ACCEPT)
    decisions_release(round=round, by=team_member())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("selection:place", kwargs={"pk": application.pk}), {"agrees_to_compact": "on"})

    assert OutboundEmail.objects.get(to=application.applicant.email, subject__startswith="Welcome").subject == (
        f"Welcome to Q, {CLEAN_NAME}"
    )
