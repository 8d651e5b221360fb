"""The applicant's journey, as the applicant and the programme team see it: the
emails they get (what they say, and how often), refusals worded for people, and
what each step leaves behind."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import AdjustmentStatus, ApplicationStatus, RouteKind
from applications.models import Application, CriterionResponse, ImprovementCourse
from applications.services import applications as services
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from tests.factories import OrganisationFactory, UserFactory, programme_team
from tests.factories.applications import ApplicationFactory, RoundFactory, complete, route

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def audit(application, action):
    return list(
        AuditEntry.objects.filter(action=action, target_id=str(application.pk)).values_list("summary", flat=True)
    )


# --- Starting and saving -------------------------------------------------------------


def test_application_start_prefills_the_name_and_records_who_started_it():
    applicant = UserFactory(display_name="Asha Patel")
    round = RoundFactory(name="Spring 2027")

    application = services.application_start(applicant=applicant, round=round, route=route())

    application.refresh_from_db()
    assert (application.full_name, application.status, application.route.kind) == (
        "Asha Patel",
        ApplicationStatus.DRAFT,
        RouteKind.OPEN,
    )
    assert audit(application, "application.start") == ["Started an application to Spring 2027"]
    assert AuditEntry.objects.get(action="application.start").actor == applicant


def statements(queries):
    """What a service asked of the database, less its savepoints (how deep its
    transaction is nested, not work)."""
    return [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]


def application_statements(queries):
    """The statements that read or write applications, by kind."""
    table = f'"{Application._meta.db_table}"'
    return [sql.split(" ", 1)[0] for sql in statements(queries) if table in sql]


def test_starting_a_draft_looks_for_one_once_and_costs_a_fixed_number_of_queries():
    """A new draft: one look-up for an existing one, a check that the applicant, round
    and route exist, one insert (which is what checks one-per-person-per-round), one
    audit entry; the same whoever starts it."""
    round, open_route = RoundFactory(), route()
    ContentType.objects.get_for_model(Application)  # the audit log's, read once a process
    for applicant in (UserFactory(), UserFactory(display_name="Asha Patel")):
        with CaptureQueriesContext(connection) as queries:
            services.application_start(applicant=applicant, round=round, route=open_route)

        assert application_statements(queries) == ["SELECT", "INSERT"]
        assert len(statements(queries)) == 6


def test_returning_to_a_draft_reads_it_and_tries_no_second_insert():
    """Coming back through the eligibility check gives the draft from one look-up,
    with no insert for the constraint to refuse (PostgreSQL logs each as an error)
    and no second "started" entry in the audit log."""
    applicant, round, open_route = UserFactory(), RoundFactory(), route()
    draft = services.application_start(applicant=applicant, round=round, route=open_route)

    with CaptureQueriesContext(connection) as queries:
        again = services.application_start(applicant=applicant, round=round, route=open_route)

    assert again == draft
    assert application_statements(queries) == ["SELECT"]
    assert len(statements(queries)) == 1
    assert len(audit(draft, "application.start")) == 1


def test_saving_the_about_section_reads_and_writes_only_the_application():
    """The route's evidence is tidied only when the route section is saved: saving
    who the applicant is costs the same queries on any route."""
    for kind in (RouteKind.OPEN, RouteKind.COURSE_ALUMNI):
        application = ApplicationFactory(round=RoundFactory(routes=[route(kind)]), route=route(kind))
        application, applicant = Application.objects.get(pk=application.pk), application.applicant

        with CaptureQueriesContext(connection) as queries:
            services.application_save_section(
                application=application, by=applicant, section="about", values={"job_title": "Matron"}
            )

        assert application_statements(queries) == ["SELECT", "UPDATE"]
        assert len(statements(queries)) == 2


def test_changing_route_drops_evidence_that_belonged_to_the_old_one():
    course_route = route(RouteKind.COURSE_ALUMNI)
    organisation_route = route(RouteKind.NATIONAL_ORGANISATION)
    round = RoundFactory(routes=[course_route, organisation_route, route(RouteKind.OPEN)])
    application = ApplicationFactory(round=round)
    course = ImprovementCourse.objects.create(name="Improvement science")
    organisation = OrganisationFactory()

    services.application_save_section(
        application=application,
        by=application.applicant,
        section="route",
        values={"route": course_route, "route_course": course, "route_organisation": organisation},
    )
    application.refresh_from_db()
    assert (application.route_course, application.route_organisation) == (course, None)

    services.application_save_section(
        application=application,
        by=application.applicant,
        section="route",
        values={"route": organisation_route, "route_course": course, "route_organisation": organisation},
    )
    application.refresh_from_db()
    assert (application.route_course, application.route_organisation) == (None, organisation)


def test_save_section_changes_only_that_sections_fields():
    application = ApplicationFactory(job_title="Nurse", route_evidence="Before")

    services.application_save_section(
        application=application,
        by=application.applicant,
        section="about",
        values={"job_title": "Matron", "route_evidence": "Sneaked in"},
    )

    application.refresh_from_db()
    assert (application.job_title, application.route_evidence) == ("Matron", "Before")


def test_save_response_replaces_the_answer_and_marks_the_draft_updated():
    application = ApplicationFactory()
    criterion = application.round.criteria.get(letter="a")
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now() - timedelta(days=3))

    services.application_save_response(
        application=application, by=application.applicant, criterion=criterion, text="One"
    )
    services.application_save_response(
        application=application, by=application.applicant, criterion=criterion, text="Two"
    )

    assert list(CriterionResponse.objects.filter(application=application).values_list("text", flat=True)) == ["Two"]
    application.refresh_from_db()
    assert timezone.now() - application.updated_at < timedelta(minutes=1)


def test_save_response_once_submitted_is_refused_until_reopened():
    application = complete(ApplicationFactory())
    services.application_submit(application=application, by=application.applicant)
    criterion = application.round.criteria.get(letter="a")

    with pytest.raises(PortalError) as refused:
        services.application_save_response(
            application=application, by=application.applicant, criterion=criterion, text="Changed"
        )

    assert refused.value.message == "This application has been submitted. Reopen it to make changes."
    assert CriterionResponse.objects.get(application=application, criterion=criterion).text != "Changed"


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        ("withdrawn", "This application has been withdrawn, so it can no longer be changed."),
        ("under_review", "This application is being reviewed, so it can no longer be changed."),
        ("decided", "A decision has been made on this application, so it can no longer be changed."),
    ],
)
def test_an_answer_to_an_application_past_submitting_is_refused_in_words_that_fit(status, refusal):
    application = complete(ApplicationFactory())
    Application.objects.filter(pk=application.pk).update(status=status)
    criterion = application.round.criteria.get(letter="a")

    with pytest.raises(PortalError) as refused:
        services.application_save_response(
            application=application, by=application.applicant, criterion=criterion, text="Changed"
        )

    assert refused.value.message == refusal
    assert CriterionResponse.objects.get(application=application, criterion=criterion).text != "Changed"


# --- Moving between states --------------------------------------------------------------


def test_reopening_a_withdrawn_application_says_why_not():
    application = complete(ApplicationFactory())
    services.application_withdraw(application=application, by=application.applicant)

    with pytest.raises(PortalError) as refused:
        services.application_reopen(application=application, by=application.applicant)

    assert refused.value.message == "An application that is withdrawn cannot become draft."


def test_reopen_and_withdraw_are_audited_with_the_reference():
    application = complete(ApplicationFactory())
    services.application_submit(application=application, by=application.applicant)
    application.refresh_from_db()

    services.application_reopen(application=application, by=application.applicant)
    application.refresh_from_db()
    assert (application.status, application.submitted_at) == (ApplicationStatus.DRAFT, None)
    services.application_withdraw(application=application, by=application.applicant)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert timezone.now() - application.withdrawn_at < timedelta(minutes=1)
    assert audit(application, "application.reopen") == [f"Reopened application {application.reference} to change it"]
    assert audit(application, "application.withdraw") == [f"Withdrew application {application.reference}"]
    assert audit(application, "application.submit") == [f"Submitted application {application.reference}"]


def test_withdrawing_a_draft_never_submitted_is_audited_without_a_reference():
    application = ApplicationFactory()

    services.application_withdraw(application=application, by=application.applicant)

    assert audit(application, "application.withdraw") == ["Withdrew application (a draft)"]


def test_delete_draft_removes_it_and_its_answers_and_is_audited():
    application = complete(ApplicationFactory(round=RoundFactory(name="Autumn 2027")))
    pk = application.pk

    services.application_delete_draft(application=application, by=application.applicant)

    assert not Application.objects.filter(pk=pk).exists()
    assert not CriterionResponse.objects.filter(application_id=pk).exists()
    assert list(AuditEntry.objects.filter(action="application.delete_draft").values_list("summary", flat=True)) == [
        f"Autumn 2027 (draft {pk})"
    ]


def test_delete_of_a_withdrawn_application_is_refused_with_the_alternative():
    application = ApplicationFactory()
    services.application_withdraw(application=application, by=application.applicant)

    with pytest.raises(PortalError) as refused:
        services.application_delete_draft(application=application, by=application.applicant)

    assert refused.value.message == (
        "Only a draft that has never been submitted can be deleted. You can withdraw it instead."
    )
    assert Application.objects.filter(pk=application.pk).exists()


# --- Emails --------------------------------------------------------------------------


def test_submitted_email_copies_the_answers_and_links_to_the_status_page(
    mailoutbox, django_capture_on_commit_callbacks
):
    round = RoundFactory(name="Spring 2027", closes_at=datetime(2027, 3, 31, 17, 0, tzinfo=LONDON))
    application = complete(ApplicationFactory(round=round, full_name="Asha Patel"), words=5)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    [email] = mailoutbox
    assert email.to == [application.applicant.email]
    assert email.subject == f"Application {application.reference} received"
    status_url = settings.SITE_URL + reverse("applications:status", kwargs={"pk": application.pk})
    assert email.body.startswith(
        "Dear Asha Patel,\n\n"
        f"Thank you for applying to join Q in Spring 2027. Your reference is {application.reference}.\n\n"
        "You can reopen your application to change it, or withdraw it, until the round closes on "
        f"31 March 2027, 5pm (UK time):\n{status_url}\n"
    )
    assert "Commitment to collaborative improvement\nimprovement improvement improvement improvement improvement" in (
        email.body
    )


def test_resubmitting_after_reopening_sends_a_second_confirmation(mailoutbox, django_capture_on_commit_callbacks):
    application = complete(ApplicationFactory())
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, by=application.applicant)
    services.application_reopen(application=application, by=application.applicant)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert [email.subject for email in mailoutbox] == [f"Application {application.reference} received"] * 2
    assert OutboundEmail.objects.filter(to=application.applicant.email).count() == 2


def test_return_link_email_greets_the_person_and_says_until_when(mailoutbox, django_capture_on_commit_callbacks):
    round = RoundFactory(name="Spring 2027", closes_at=datetime(2027, 3, 31, 17, 0, tzinfo=LONDON))
    applicant = UserFactory(display_name="Asha Patel")
    application = ApplicationFactory(round=round, applicant=applicant)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_email_return_link(application=application, by=applicant)

    [email] = mailoutbox
    assert (email.to, email.subject) == ([applicant.email], "Your saved application to Q")
    task_list = settings.SITE_URL + reverse("applications:task_list", kwargs={"pk": application.pk})
    assert email.body.startswith(
        "Dear Asha,\n\n"
        "Your application to Spring 2027 is saved. Come back to it at any time before 31 March 2027, 5pm "
        f"(UK time):\n{task_list}\n"
    )


def test_return_link_is_emailed_at_most_once_an_hour(mailoutbox, django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    start = datetime(2027, 3, 1, 10, 5, tzinfo=ZoneInfo("UTC"))

    for minutes in (0, 30, 54, 56, 60 * 24 + 30):
        with (
            time_machine.travel(start + timedelta(minutes=minutes), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.application_email_return_link(application=application, by=application.applicant)

    assert len(mailoutbox) == 3


def test_adjustment_request_is_kept_trimmed_and_withdrawn_by_emptying_it():
    application = ApplicationFactory()

    services.application_request_adjustment(
        application=application, by=application.applicant, request_text="  Large print  "
    )
    application.refresh_from_db()
    assert (application.adjustment_request, application.adjustment_status) == (
        "Large print",
        AdjustmentStatus.REQUESTED,
    )

    services.application_request_adjustment(application=application, by=application.applicant, request_text="   ")
    application.refresh_from_db()
    assert (application.adjustment_request, application.adjustment_status) == ("", AdjustmentStatus.NONE)
    assert len(audit(application, "application.adjustment_request")) == 2


def test_adjustment_answer_needs_a_request_and_a_reply():
    team = programme_team()
    application = ApplicationFactory()

    with pytest.raises(PortalError) as no_request:
        services.application_answer_adjustment(application=application, by=team, response_text="Yes")
    services.application_request_adjustment(application=application, by=application.applicant, request_text="A call")
    with pytest.raises(PortalError) as no_reply:
        services.application_answer_adjustment(application=application, by=team, response_text="  ")

    assert no_request.value.message == "This applicant has not asked for an adjustment."
    assert (no_reply.value.message, no_reply.value.field) == ("Write a reply to the applicant.", "adjustment_response")
    application.refresh_from_db()
    assert (application.adjustment_status, application.adjustment_response) == (AdjustmentStatus.REQUESTED, "")


def test_adjustment_answer_is_emailed_to_the_applicant_and_audited(mailoutbox, django_capture_on_commit_callbacks):
    team = programme_team()
    application = ApplicationFactory(round=RoundFactory(name="Spring 2027"), full_name="Asha Patel")
    services.application_request_adjustment(application=application, by=application.applicant, request_text="A call")

    with django_capture_on_commit_callbacks(execute=True):
        services.application_answer_adjustment(application=application, by=team, response_text=" We will call you. ")

    application.refresh_from_db()
    assert (application.adjustment_status, application.adjustment_response) == (
        AdjustmentStatus.ANSWERED,
        "We will call you.",
    )
    [email] = mailoutbox
    assert (email.to, email.subject) == ([application.applicant.email], "A reply to your request for an adjustment")
    url = settings.SITE_URL + reverse("applications:adjustments", kwargs={"pk": application.pk})
    assert email.body.startswith(
        "Dear Asha Patel,\n\nThe programme team has replied to your request for an adjustment to how you apply to "
        f"Spring 2027:\n\nWe will call you.\n\nYou can read the reply and change your request here:\n{url}\n"
    )
    assert AuditEntry.objects.get(action="application.adjustment_answer").actor == team


def test_each_applicant_starts_their_own_draft_in_each_round():
    round, other_round = RoundFactory(), RoundFactory()
    first, second = UserFactory(), UserFactory()

    mine = services.application_start(applicant=first, round=round, route=route())
    theirs = services.application_start(applicant=second, round=round, route=route())
    my_other = services.application_start(applicant=first, round=other_round, route=route())

    assert len({mine.pk, theirs.pk, my_other.pk}) == 3
    assert (theirs.applicant, my_other.round) == (second, other_round)
    assert services.application_start(applicant=first, round=round, route=route()) == mine


@pytest.mark.django_db(transaction=True)
def test_two_tabs_starting_at_once_get_the_same_draft():
    """The second tab's insert waits on the first's, meets the unique constraint,
    and is given the first tab's draft: not another person's, not another round's."""
    import threading
    import time

    from django.db import connections, transaction

    round, other_round = RoundFactory(), RoundFactory()
    applicant = UserFactory()
    services.application_start(applicant=UserFactory(), round=round, route=route())  # someone else's
    services.application_start(applicant=applicant, round=other_round, route=route())  # another round's
    started = threading.Event()
    results, errors = {}, []

    def first_tab():
        try:
            with transaction.atomic():
                results["first"] = services.application_start(applicant=applicant, round=round, route=route())
                started.set()
                time.sleep(0.5)  # the second tab is now waiting on this insert
        except Exception as error:
            errors.append(error)
            started.set()
        finally:
            connections.close_all()

    def second_tab():
        try:
            started.wait(10)
            results["second"] = services.application_start(applicant=applicant, round=round, route=route())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_tab), threading.Thread(target=second_tab)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert results["first"].pk == results["second"].pk
    assert Application.objects.filter(applicant=applicant, round=round).count() == 1


def test_each_step_is_audited_as_done_by_the_applicant():
    application = complete(ApplicationFactory())
    services.application_submit(application=application, by=application.applicant)
    services.application_reopen(application=application, by=application.applicant)
    services.application_withdraw(application=application, by=application.applicant)
    draft = ApplicationFactory()
    services.application_delete_draft(application=draft, by=draft.applicant)

    actors = dict(
        AuditEntry.objects.filter(action__startswith="application.").values_list("action", "actor_id").order_by("pk")
    )
    assert actors == {
        "application.submit": application.applicant_id,
        "application.reopen": application.applicant_id,
        "application.withdraw": application.applicant_id,
        "application.delete_draft": draft.applicant_id,
    }


def test_resubmitting_keeps_the_first_submission_time_and_records_the_latest():
    application = complete(ApplicationFactory())
    first = timezone.now().replace(microsecond=0)
    with time_machine.travel(first, tick=False):
        services.application_submit(application=application, by=application.applicant)
    application.refresh_from_db()
    assert (application.first_submitted_at, application.submitted_at) == (first, first)

    services.application_reopen(application=application, by=application.applicant)
    with time_machine.travel(first + timedelta(hours=2), tick=False):
        services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert (application.first_submitted_at, application.submitted_at) == (first, first + timedelta(hours=2))


def test_incomplete_application_is_refused_saying_what_to_do():
    application = ApplicationFactory()

    with pytest.raises(PortalError) as refused:
        services.application_submit(application=application, by=application.applicant)

    assert refused.value.message == "Complete every section before you submit your application."


def test_withdrawn_application_cannot_be_submitted():
    application = complete(ApplicationFactory())
    services.application_withdraw(application=application, by=application.applicant)

    with pytest.raises(PortalError, match=r"^This application has been withdrawn, so it can no longer be changed\.$"):
        services.application_submit(application=application, by=application.applicant)

    application.refresh_from_db()
    assert (application.status, application.reference) == (ApplicationStatus.WITHDRAWN, None)


def test_a_name_typed_over_two_lines_is_kept_on_one_whoever_calls_the_service():
    """Names, job titles and an organisation typed in are shown on one line
    everywhere (lists, emails, the decision room): the service keeps them so,
    not only the form."""
    application = ApplicationFactory(round=RoundFactory())

    services.application_save_section(
        application=application,
        by=application.applicant,
        section="about",
        values={
            "full_name": "Priya\r\nSharma",
            "job_title": " Quality\n lead ",
            "organisation_other": "Tees\tValley  Trust",
        },
    )

    application.refresh_from_db()
    assert (application.full_name, application.job_title, application.organisation_other) == (
        "Priya Sharma",
        "Quality lead",
        "Tees Valley Trust",
    )
