"""Word limits as an applicant meets them: an answer of exactly the limit is
fine everywhere; one word more is refused with how many words to remove, and
submitting names the answer that is too long."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.choices import ApplicationStatus, SectionState
from applications.models import Criterion
from applications.selectors.applications import (
    answers_over_word_limit,
    application_is_complete,
    application_sections,
    application_with_answers,
)
from applications.services import applications as services
from applications.validators import validate_word_limit
from q_portal.exceptions import PortalError
from tests.factories.applications import ApplicationFactory, complete

pytestmark = pytest.mark.django_db


def words(n: int) -> str:
    return " ".join(["improvement"] * n)


def test_answer_of_exactly_the_limit_is_accepted():
    validate_word_limit(words(300), 300)
    validate_word_limit("", 300)


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (301, "Your answer must be 300 words or fewer. It is 301 words: remove 1 word."),
        (305, "Your answer must be 300 words or fewer. It is 305 words: remove 5 words."),
    ],
)
def test_answer_over_the_limit_says_how_many_words_to_remove(count, message):
    with pytest.raises(ValidationError) as refused:
        validate_word_limit(words(count), 300)

    assert refused.value.messages == [message]
    assert refused.value.code == "word_limit"


def sections_by_key(application):
    return {section.key: section.state for section in application_sections(application_with_answers(pk=application.pk))}


def test_section_with_answer_of_exactly_the_limit_is_completed():
    application = complete(ApplicationFactory(), words=300)

    assert sections_by_key(application)["criterion-a"] == SectionState.COMPLETED
    assert application_is_complete(application_with_answers(pk=application.pk)) is True
    assert answers_over_word_limit(application_with_answers(pk=application.pk)) == []


def test_section_one_word_over_the_limit_is_in_progress():
    application = complete(ApplicationFactory(), words=300)
    criterion = application.round.criteria.get(letter="b")
    application.responses.filter(criterion=criterion).update(text=words(301))

    states = sections_by_key(application)

    assert (states["criterion-a"], states["criterion-b"]) == (SectionState.COMPLETED, SectionState.IN_PROGRESS)
    assert answers_over_word_limit(application_with_answers(pk=application.pk)) == [(criterion, 301)]


def test_submit_with_answers_of_exactly_the_limit_submits():
    application = complete(ApplicationFactory(), words=300)

    services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_submit_with_one_answer_over_its_own_limit_names_that_answer():
    application = complete(ApplicationFactory(), words=300)
    Criterion.objects.filter(letter="c").update(word_limit=250)

    with pytest.raises(PortalError) as refused:
        services.application_submit(application=application, by=application.applicant)

    assert refused.value.message == (
        "Shorten your answers before you submit: your answer to "
        "“Ability to articulate and reflect on approaches used to improve quality” is 300 words, "
        "50 words over its limit of 250."
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_criterion_page_takes_an_answer_of_exactly_the_limit_without_complaint(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(reverse("applications:criterion", args=[application.pk, "a"]), {"text": words(300)})

    assert response.status_code == 302
    assert application.responses.get().text == words(300)


def test_check_answers_page_names_the_answer_that_is_too_long(client):
    application = complete(ApplicationFactory(), words=300)
    application.responses.filter(criterion__letter="a").update(text=words(302))
    client.force_login(application.applicant)

    response = client.post(reverse("applications:check", args=[application.pk]), follow=True)

    page = response.content.decode()
    assert "Commitment to collaborative improvement” is 302 words, 2 words over its limit of 300." in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
