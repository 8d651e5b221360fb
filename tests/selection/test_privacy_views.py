"""The pages of subject access and erasure: one's own data at /account/data/, and
the programme team's search, export and erasure at /programme/people/."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from q_portal.audit.models import AuditEntry
from q_portal.audit.services import audit_log
from selection.choices import SelectionWork
from selection.services.release import decisions_release
from tests.factories import UserFactory
from tests.factories.decisions import team_member
from tests.factories.privacy import APPROVED_FEEDBACK, DRAFT_FEEDBACK, bystander, person_everywhere, selection_working

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def person():
    user = UserFactory(display_name="Petra Person")
    return user, person_everywhere(user)


@pytest.fixture
def team_client(client):
    team = team_member()
    client.force_login(team)
    client.team = team
    return client


def find(client, email):
    return client.post(reverse("selection:people"), {"email": email})


def test_your_data_page_shows_what_is_held_and_offers_the_download(client, person):
    user, _held = person
    bystander()
    client.force_login(user)

    content = client.get(reverse("selection:your_data")).content.decode()

    assert "Petra&#x27;s evidence" in content
    assert "Petra will mentor two people" in content
    assert "Application received" in content
    assert "Reviewer 1" not in content
    assert "Bernard" not in content
    assert reverse("selection:your_data_download") in content


def test_your_data_page_shows_times_as_dates_people_read_in_uk_time(client):
    # 15:30 UTC on a summer day is 4:30 pm in London.
    with time_machine.travel(datetime(2026, 7, 14, 15, 30, tzinfo=UTC), tick=False):
        user = UserFactory(display_name="Tom Time")
    client.force_login(user)

    content = client.get(reverse("selection:your_data")).content.decode()

    assert "14 July 2026, 4:30pm" in content
    assert "2026-07-14T" not in content


def test_your_data_download_is_a_json_file_of_ones_own_data_and_audited(client, person):
    user, held = person
    other = bystander()
    client.force_login(user)

    response = client.get(reverse("selection:your_data_download"))

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="q-portal-your-data-')
    assert response["Cache-Control"] == "no-store"
    export = json.loads(response.content)
    assert export["applications"][0]["reference"] == held["application"].reference
    assert other.email not in response.content.decode()
    entry = AuditEntry.objects.get(action="privacy.export")
    assert (entry.actor, entry.changes["own"], entry.changes["format"]) == (user, True, "json")


def test_your_data_for_someone_who_holds_little_says_nothing_is_held(client):
    user = UserFactory()
    client.force_login(user)

    content = client.get(reverse("selection:your_data")).content.decode()

    assert user.email in content
    assert content.count("Nothing held.") >= 5


def test_people_search_errors_are_shown_at_the_field_and_keep_what_was_typed(team_client):
    empty = find(team_client, "").content.decode()
    wrong = find(team_client, "not-an-address").content.decode()

    assert "There is a problem" in empty
    assert "Enter the person&#x27;s email address." in empty
    assert 'href="#id_email"' in wrong
    assert "Enter an email address in the correct format" in wrong
    assert 'value="not-an-address"' in wrong


def test_people_search_leads_to_the_persons_data_without_their_address_in_the_url(team_client, person):
    user, held = person

    response = find(team_client, user.email.upper())

    assert response.status_code == 302
    assert user.email not in response["Location"].lower()
    content = team_client.get(response["Location"]).content.decode()
    assert held["application"].reference in content
    assert "Petra&#x27;s biography" in content
    assert "Erase this person's data" in content
    entry = AuditEntry.objects.get(action="privacy.export")
    assert (entry.actor, entry.target_id, entry.changes["format"]) == (team_client.team, str(user.pk), "html")


def test_person_page_for_an_unknown_address_says_nothing_is_held(team_client):
    content = team_client.get(find(team_client, "nobody@example.org")["Location"]).content.decode()

    assert "The portal holds nothing about this email address" in content
    assert "Erase this person" not in content


def test_person_page_shows_the_team_the_panels_working_marked_as_not_released(team_client, person):
    user, held = person
    selection_working(held["application"], team=team_client.team)

    content = team_client.get(find(team_client, user.email)["Location"]).content.decode()

    assert "Reviewer 1" in content
    assert DRAFT_FEEDBACK in content
    assert "The person never sees these on their own pages" in content


def test_person_export_without_a_choice_downloads_only_what_they_were_told(team_client, person):
    user, held = person
    selection_working(held["application"], team=team_client.team)
    page = find(team_client, user.email)["Location"]

    form = team_client.get(page + "export/").content.decode()
    response = team_client.post(page + "export/", {})

    assert "Reviewers&#x27; notes to the panel" in form
    export = json.loads(response.content)
    assert export["account"]["email"] == user.email
    assert response["Content-Disposition"].startswith("attachment;")
    assert "reviews" not in export["applications"][0]
    assert DRAFT_FEEDBACK not in response.content.decode()
    entry = AuditEntry.objects.filter(action="privacy.export", changes__format="json").get()
    assert (entry.actor, entry.changes["selection_work"]) == (team_client.team, [])


def test_person_export_releases_the_parts_the_team_chose_and_records_the_choice(team_client, person):
    user, held = person
    selection_working(held["application"], team=team_client.team)
    page = find(team_client, user.email)["Location"]

    response = team_client.post(page + "export/", {"selection_work": [SelectionWork.REVIEWS]})

    [application] = json.loads(response.content)["applications"]
    assert application["reviews"][0]["scores"][0]["comment"].startswith("Comment by reviewer")
    assert "Note on" not in response.content.decode()
    assert DRAFT_FEEDBACK not in response.content.decode()
    entry = AuditEntry.objects.filter(action="privacy.export", changes__format="json").get()
    assert entry.changes["selection_work"] == ["reviews"]


def test_a_person_link_not_of_this_session_or_old_sends_back_to_the_search(team_client, person):
    user, _held = person
    page = find(team_client, user.email)["Location"]
    colleague = Client()
    colleague.force_login(team_member())

    elsewhere = colleague.get(page, follow=True)
    made_up = team_client.get(reverse("selection:person", args=["made-up"]), follow=True)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        old = team_client.get(page, follow=True)

    for response in (elsewhere, made_up, old):
        assert response.redirect_chain[-1][0] == reverse("selection:people")
        assert "That page has expired" in response.content.decode()
        assert user.email not in response.content.decode()


def test_erase_page_warns_of_an_application_being_decided(team_client, person):
    user, held = person
    page = find(team_client, user.email)["Location"]

    content = team_client.get(page + "erase/").content.decode()

    assert "Erasing cannot be undone" in content
    assert held["application"].reference in content


def test_erase_with_the_wrong_address_changes_nothing_and_keeps_the_reason(team_client, person):
    user, _held = person
    page = find(team_client, user.email)["Location"]

    content = team_client.post(
        page + "erase/", {"reason": "Request DP-9", "confirm_email": "someone@else.org"}
    ).content.decode()

    assert "The address you typed is not this person&#x27;s" in content
    assert 'href="#id_confirm_email"' in content
    assert "Request DP-9</textarea>" in content
    assert User.objects.filter(pk=user.pk, is_active=True).exists()
    assert not AuditEntry.objects.filter(action="privacy.erase").exists()


def test_erase_confirmed_removes_the_person_and_says_what_was_done(team_client, person):
    user, held = person
    page = find(team_client, user.email)["Location"]

    response = team_client.post(
        page + "erase/", {"reason": "Request DP-9", "confirm_email": f"  {user.email.upper()} "}, follow=True
    )

    content = response.content.decode()
    assert "The person&#x27;s data is erased. Applications anonymised: 1." in content
    assert "Their account is deleted." in content
    assert not User.objects.filter(pk=user.pk).exists()
    assert Application.objects.get(pk=held["application"].pk).full_name == ""
    refound = team_client.get(find(team_client, user.email)["Location"]).content.decode()
    assert "The portal holds nothing about this email address" in refound


def test_programme_home_links_to_the_peoples_data(team_client):
    content = team_client.get(reverse("selection:programme_home")).content.decode()

    assert reverse("selection:people") in content


def test_every_signed_in_page_links_to_your_data(client):
    client.force_login(UserFactory())

    content = client.get(reverse("applications:applicant_home")).content.decode()

    assert reverse("selection:your_data") in content


def test_your_data_page_shows_the_most_recent_of_a_long_record_and_the_download_has_all(client):
    user = UserFactory()
    for number in range(105):
        audit_log(actor=user, action=f"test.action_{number}", summary="")
    client.force_login(user)

    content = client.get(reverse("selection:your_data")).content.decode()
    export = json.loads(client.get(reverse("selection:your_data_download")).content)

    assert "The most recent 100 are shown; 5 more are in the download." in content
    assert "test.action_104" in content
    assert "test.action_0<" not in content
    assert len([entry for entry in export["activity_record"] if entry["action"].startswith("test.")]) == 105


def test_your_data_page_and_download_before_release_show_none_of_the_panels_working(client, person):
    user, held = person
    selection_working(held["application"], team=team_member())
    client.force_login(user)

    page = client.get(reverse("selection:your_data")).content.decode()
    download = client.get(reverse("selection:your_data_download")).content.decode()

    for shown in (page, download):
        for phrase in ("Comment by reviewer", "Note on", "Reviewer 1", "Maybe", DRAFT_FEEDBACK, APPROVED_FEEDBACK):
            assert phrase not in shown
    assert "Note to panel" not in page
    assert "make a subject access request" in page


def test_your_data_page_and_download_after_release_show_the_outcome_and_approved_feedback(client, person):
    user, held = person
    team = team_member()
    selection_working(held["application"], team=team)
    decisions_release(round=held["round"].round, by=team)
    client.force_login(user)

    page = client.get(reverse("selection:your_data")).content.decode()
    download = client.get(reverse("selection:your_data_download")).content.decode()

    for shown in (page, download):
        assert "Accepted" in shown
        assert APPROVED_FEEDBACK in shown
        for phrase in ("Comment by reviewer", "Note on", "Reviewer 1", DRAFT_FEEDBACK):
            assert phrase not in shown
