import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from applications.choices import ApplicationStatus
from applications.models import Application, CriterionResponse
from applications.services import applications as services
from applications.validators import count_words
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from tests.factories import UserFactory
from tests.factories.applications import ApplicationFactory, RoundFactory, complete, route

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "words"),
    [("", 0), ("one", 1), ("well-being and don't", 3), ("a — b", 2), ("  spaced\n\nout  ", 2), ("12 000 people", 3)],
)
def test_count_words_counts_as_a_person_would(text, words):
    assert count_words(text) == words


def test_application_start_is_one_per_person_per_round():
    applicant = UserFactory()
    round = RoundFactory()

    first = services.application_start(applicant=applicant, round=round, route=route())
    second = services.application_start(applicant=applicant, round=round, route=route())

    assert first == second
    assert Application.objects.filter(applicant=applicant).count() == 1
    assert first.full_name == applicant.display_name


def test_application_submit_gives_reference_locks_and_emails_a_copy(django_capture_on_commit_callbacks, mailoutbox):
    application = complete(ApplicationFactory())

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference == f"Q-{timezone.now():%Y}-{application.pk:05d}"
    assert [message.subject for message in mailoutbox] == [f"Application {application.reference} received"]
    assert "improvement improvement" in mailoutbox[0].body
    assert AuditEntry.objects.filter(action="application.submit", target_id=str(application.pk)).count() == 1
    with pytest.raises(PortalError, match="has been submitted"):
        services.application_save_section(
            application=application, by=application.applicant, section="about", values={"job_title": "Changed"}
        )


def test_application_submit_refuses_incomplete_application():
    application = ApplicationFactory()

    with pytest.raises(PortalError, match="Complete every section"):
        services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert (application.status, application.reference) == (ApplicationStatus.DRAFT, None)


def test_application_submit_refuses_answer_over_word_limit_naming_it():
    application = complete(ApplicationFactory(), words=301)

    with pytest.raises(PortalError) as refused:
        services.application_submit(application=application, by=application.applicant)

    assert refused.value.message == (
        "Shorten your answers before you submit: "
        "your answer to “Commitment to collaborative improvement” is 301 words, 1 word over its limit of 300; "
        "your answer to “Experience of playing a role in efforts to improve quality” is 301 words, "
        "1 word over its limit of 300; "
        "your answer to “Ability to articulate and reflect on approaches used to improve quality” is 301 words, "
        "1 word over its limit of 300."
    )
    application.refresh_from_db()
    assert (application.status, application.reference) == (ApplicationStatus.DRAFT, None)


def test_application_submit_one_second_after_close_is_refused_and_draft_kept():
    round = RoundFactory(closes_at=timezone.now() + timedelta(hours=1))
    application = complete(ApplicationFactory(round=round))

    with time_machine.travel(round.closes_at + timedelta(seconds=1)), pytest.raises(PortalError, match="closed on"):
        services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert CriterionResponse.objects.filter(application=application).count() == 3


def test_application_submit_twice_submits_once(django_capture_on_commit_callbacks, mailoutbox):
    application = complete(ApplicationFactory())

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, by=application.applicant)
        services.application_submit(application=application, by=application.applicant)

    assert len(mailoutbox) == 1
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_application_submit_at_the_same_moment_from_two_tabs_submits_once():
    application = complete(ApplicationFactory())
    barrier = threading.Barrier(2)
    errors = []

    def submit():
        try:
            barrier.wait()
            services.application_submit(application=application, by=application.applicant)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert OutboundEmail.objects.filter(key__startswith=f"application:{application.pk}:submitted").count() == 1


def test_application_reopen_and_resubmit_keeps_reference(django_capture_on_commit_callbacks):
    application = complete(ApplicationFactory())
    services.application_submit(application=application, by=application.applicant)
    reference = Application.objects.get(pk=application.pk).reference

    services.application_reopen(application=application, by=application.applicant)
    services.application_save_section(
        application=application, by=application.applicant, section="about", values={"job_title": "Director"}
    )
    services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert (application.status, application.reference, application.job_title) == (
        ApplicationStatus.SUBMITTED,
        reference,
        "Director",
    )


def test_application_withdraw_is_final():
    application = complete(ApplicationFactory())
    services.application_submit(application=application, by=application.applicant)

    services.application_withdraw(application=application, by=application.applicant)

    with pytest.raises(PortalError):
        services.application_reopen(application=application, by=application.applicant)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


def test_application_withdraw_after_deadline_is_refused():
    round = RoundFactory(closes_at=timezone.now() + timedelta(minutes=5))
    application = complete(ApplicationFactory(round=round))
    services.application_submit(application=application, by=application.applicant)

    with time_machine.travel(round.closes_at + timedelta(seconds=1)), pytest.raises(PortalError, match="closed on"):
        services.application_withdraw(application=application, by=application.applicant)

    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED


def test_application_delete_draft_refuses_once_submitted():
    application = complete(ApplicationFactory())
    services.application_submit(application=application, by=application.applicant)
    services.application_reopen(application=application, by=application.applicant)

    with pytest.raises(PortalError, match="never been submitted"):
        services.application_delete_draft(application=application, by=application.applicant)

    assert Application.objects.filter(pk=application.pk).exists()


def test_application_save_response_keeps_answer_over_word_limit():
    application = ApplicationFactory()
    criterion = application.round.criteria.get(letter="a")

    services.application_save_response(
        application=application, by=application.applicant, criterion=criterion, text="word " * 400
    )

    assert count_words(CriterionResponse.objects.get(application=application).text) == 400


def test_database_refuses_a_second_application_to_the_same_round():
    from django.db import IntegrityError, transaction

    application = ApplicationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(applicant=application.applicant, round=application.round)

    assert Application.objects.filter(applicant=application.applicant).count() == 1
