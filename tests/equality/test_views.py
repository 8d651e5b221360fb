"""The person's own equality monitoring form: optional, every question with
"Prefer not to say", changeable and deletable, shown only in their own data."""

import re
from html import unescape

import pytest
from django.urls import reverse

from equality.choices import PREFER_NOT, QUESTIONS
from equality.models import MonitoringResponse
from q_portal.audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def person(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_every_question_offers_prefer_not_to_say():
    for question in QUESTIONS:
        assert PREFER_NOT in dict(question.flat_choices()), question.field


def test_the_form_saves_some_answers_and_prefer_not_to_say_leaving_the_rest_unanswered(client, person):
    response = client.post(
        reverse("equality:form"),
        {"sex": "female", "ethnic_group": "white_scottish", "disability": PREFER_NOT, "religion": PREFER_NOT},
        follow=True,
    )
    assert "Your equality monitoring answers are saved." in text_of(response)
    saved = MonitoringResponse.objects.get(user=person)
    assert (saved.sex, saved.ethnic_group, saved.disability, saved.religion, saved.age_band) == (
        "female",
        "white_scottish",
        PREFER_NOT,
        PREFER_NOT,
        "",
    )
    # The form shows the answers again, to change.
    assert re.search(r'value="female"\s+id="id_sex_0" checked', response.content.decode())
    # Audited, without the answers.
    entry = AuditEntry.objects.get(action="equality.created")
    assert entry.changes == {"answered": 4}
    assert "female" not in str(entry.changes) and "female" not in entry.summary


def test_an_answer_that_is_not_a_choice_is_explained_at_the_field_and_nothing_else_is_lost(client, person):
    response = client.post(reverse("equality:form"), {"sex": "robot", "age_band": "35_44"})
    assert response.status_code == 200
    text = text_of(response)
    assert "There is a problem" in text
    assert "Select a valid choice" in text
    assert re.search(r'value="35_44"\s+id="id_age_band_2" checked', response.content.decode())
    assert not MonitoringResponse.objects.exists()


def test_answers_can_be_changed_and_deleted(client, person):
    client.post(reverse("equality:form"), {"sex": "female"})
    client.post(reverse("equality:form"), {"sex": "male"})
    assert MonitoringResponse.objects.get(user=person).sex == "male"
    response = client.post(reverse("equality:delete"), follow=True)
    assert "Your equality monitoring answers are deleted." in text_of(response)
    assert not MonitoringResponse.objects.exists()


def test_the_person_sees_their_own_answers_in_their_data_and_download(client, person):
    client.post(reverse("equality:form"), {"sexual_orientation": "bisexual"})
    assert "Equality monitoring (seen only by you)" in text_of(client.get(reverse("selection:your_data")))
    download = client.get(reverse("selection:your_data_download")).content.decode()
    assert '"Sexual orientation": "Bisexual"' in download


def test_the_programme_teams_subject_access_page_leaves_the_answers_out(client, person):
    from selection.selectors.privacy import data_subject_for, personal_data_of

    client.post(reverse("equality:form"), {"sexual_orientation": "bisexual"})
    export = personal_data_of(subject=data_subject_for(user=person))
    assert "equality_monitoring" not in export
    assert "Bisexual" not in str(export)


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("equality:form"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
