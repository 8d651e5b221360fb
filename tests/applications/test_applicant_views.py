import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus, RoundStatus, RouteKind
from applications.models import Application, CriterionResponse, ImprovementCourse
from tests.factories import PASSWORD, UserFactory
from tests.factories.applications import ApplicationFactory, RoundFactory, complete, route, submitted
from tests.factories.text import CLEAN_NAME, MESSY_NAME

pytestmark = pytest.mark.django_db

APPLICATION_PAGES = [
    "task_list",
    "about",
    "route",
    "declarations",
    "adjustments",
    "check",
    "submitted",
    "status",
    "withdraw",
    "reopen",
    "delete",
]


def test_visitor_is_sent_to_sign_in_and_back():
    from django.test import Client

    response = Client().get(reverse("applications:applicant_home"))

    assert response["Location"] == f"{reverse('account_login')}?next=/apply/"


def test_applicant_home_without_open_round_offers_updates(client):
    client.force_login(UserFactory())

    page = client.get(reverse("applications:applicant_home")).content.decode()

    assert "No round of recruitment is open" in page
    assert reverse("updates:register") in page


def test_link_to_a_closed_round_says_it_has_closed_and_points_to_updates(client):
    from django.test import Client

    round = RoundFactory(
        name="Spring 2026",
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(days=1),
        status=RoundStatus.CLOSED,
    )
    RoundFactory(
        name="Autumn 2026", opens_at=timezone.now() + timedelta(days=40), closes_at=timezone.now() + timedelta(days=70)
    )
    client.force_login(UserFactory())

    for visitor in (Client(), client):
        response = visitor.get(reverse("applications:eligibility", args=[round.pk]))
        page = response.content.decode()
        assert response.status_code == 200
        assert "This round has closed" in page
        assert "Spring 2026" in page
        assert "The next round, Autumn 2026, is expected to open on" in page
        assert f'href="{reverse("updates:register")}"' in page


def test_link_to_a_round_not_open_yet_says_when_it_opens(client):
    round = RoundFactory(opens_at=timezone.now() + timedelta(days=2), closes_at=timezone.now() + timedelta(days=30))
    client.force_login(UserFactory())

    page = client.get(reverse("applications:eligibility", args=[round.pk])).content.decode()

    assert "This round is not open yet" in page
    assert "It opens for applications at" in page


def test_link_to_a_closed_round_takes_an_applicant_to_their_own_application(client):
    application = submitted(ApplicationFactory())
    round = application.round
    round.status = RoundStatus.CLOSED
    round.closes_at = timezone.now() - timedelta(minutes=1)
    round.opens_at = timezone.now() - timedelta(days=9)
    round.save()
    client.force_login(application.applicant)

    response = client.get(reverse("applications:eligibility", args=[round.pk]))

    assert response["Location"] == application.get_absolute_url()


def test_link_to_a_draft_round_is_not_found(client):
    round = RoundFactory(status=RoundStatus.DRAFT)
    client.force_login(UserFactory())

    assert client.get(reverse("applications:eligibility", args=[round.pk])).status_code == 404


def test_eligible_person_gets_a_draft_on_the_route_they_said_yes_to(client):
    round = RoundFactory(routes=[route(RouteKind.PATIENT_CARER), route(RouteKind.OPEN)])
    user = UserFactory()
    client.force_login(user)
    patient, open_route = round.routes.order_by("kind")
    response = client.post(
        reverse("applications:eligibility", args=[round.pk]),
        {f"route_{patient.pk}": "no", f"route_{open_route.pk}": "yes"},
    )

    application = Application.objects.get(applicant=user)
    assert response["Location"] == application.get_absolute_url()
    assert application.route == open_route


def test_ineligible_person_sees_why_and_how_to_hear_about_the_next_round(client):
    round = RoundFactory(routes=[route(RouteKind.PATIENT_CARER)])
    client.force_login(UserFactory())
    patient = round.routes.get()

    response = client.post(reverse("applications:eligibility", args=[round.pk]), {f"route_{patient.pk}": "no"})

    page = response.content.decode()
    assert "You cannot apply to this round" in page
    assert patient.summary in page
    assert reverse("updates:register") in page
    assert Application.objects.count() == 0


def test_eligibility_unanswered_shows_error_next_to_question(client):
    round = RoundFactory()
    client.force_login(UserFactory())

    page = client.post(reverse("applications:eligibility", args=[round.pk]), {}).content.decode()

    assert "There is a problem" in page
    assert "Answer yes or no" in page


@pytest.mark.parametrize("name", APPLICATION_PAGES)
def test_applicant_cannot_see_another_applicants_application(client, name):
    other = submitted(ApplicationFactory())
    client.force_login(UserFactory())

    response = client.get(reverse(f"applications:{name}", args=[other.pk]))

    assert response.status_code == 404
    assert other.full_name not in response.content.decode()


def test_applicant_cannot_change_another_applicants_application(client):
    other = ApplicationFactory(job_title="Original")
    client.force_login(UserFactory())

    client.post(reverse("applications:about", args=[other.pk]), {"job_title": "Hacked"})
    client.post(reverse("applications:withdraw", args=[other.pk]))

    other.refresh_from_db()
    assert (other.job_title, other.status) == ("Original", ApplicationStatus.DRAFT)


def test_about_you_saves_partial_answers_and_moves_on(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(reverse("applications:about", args=[application.pk]), {"job_title": "Matron"})

    application.refresh_from_db()
    assert application.job_title == "Matron"
    assert response["Location"] == reverse("applications:route", args=[application.pk])


def test_route_step_on_the_only_route_asks_for_its_evidence_and_nothing_else(client):
    ImprovementCourse.objects.create(name="Improvement Fellowship")
    application = ApplicationFactory()  # the open route, the round's only one
    client.force_login(application.applicant)
    url = reverse("applications:route", args=[application.pk])

    page = client.get(url).content.decode()

    assert "You are applying by this route: <strong>Open to all</strong>." in page
    assert 'type="radio"' not in page
    assert "improvement course" not in page
    assert "national organisation" not in page
    assert "Tell us briefly how you meet this route." in page

    response = client.post(url, {"route_evidence": "I run a quality improvement network."})

    application.refresh_from_db()
    assert response["Location"] == reverse("applications:criterion", args=[application.pk, "a"])
    assert application.route.kind == RouteKind.OPEN
    assert application.route_evidence == "I run a quality improvement network."


def test_route_step_offers_a_choice_and_the_questions_of_the_routes_in_the_round(client):
    ImprovementCourse.objects.create(name="Improvement Fellowship")
    round = RoundFactory(routes=[route(RouteKind.COURSE_ALUMNI), route(RouteKind.OPEN)])
    application = ApplicationFactory(round=round, route=route(RouteKind.OPEN))
    client.force_login(application.applicant)

    page = client.get(reverse("applications:route", args=[application.pk])).content.decode()

    assert page.count('type="radio"') == 2
    assert "Which improvement course did you complete?" in page
    assert "Improvement Fellowship" in page
    assert "national organisation" not in page


def test_about_you_bad_input_shows_errors_and_keeps_what_was_typed(client):
    application = ApplicationFactory(job_title="")
    client.force_login(application.applicant)

    response = client.post(
        reverse("applications:about", args=[application.pk]),
        {"job_title": "Matron", "region": "999999", "role_category": "astronaut"},
    )

    page = response.content.decode()
    assert "There is a problem" in page
    assert 'value="Matron"' in page
    assert "Select a valid choice" in page
    application.refresh_from_db()
    assert application.job_title == ""


def test_criterion_over_word_limit_shows_error_and_keeps_the_answer(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)
    answer = "improvement " * 305

    response = client.post(reverse("applications:criterion", args=[application.pk, "a"]), {"text": answer})

    page = response.content.decode()
    assert "Your answer must be 300 words or fewer. It is 305 words: remove 5 words." in page
    assert CriterionResponse.objects.get(application=application).text == answer.strip()


def test_save_and_come_back_later_emails_a_link_to_the_task_list(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    client.force_login(application.applicant)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("applications:criterion", args=[application.pk, "b"]), {"text": "Draft words", "save_later": ""}
        )

    assert response["Location"] == application.get_absolute_url()
    assert len(mailoutbox) == 1
    assert application.get_absolute_url() in mailoutbox[0].body
    assert CriterionResponse.objects.get(application=application).text == "Draft words"


def test_answers_posted_after_session_expired_come_back_after_sign_in(client):
    application = ApplicationFactory()
    url = reverse("applications:criterion", args=[application.pk, "c"])

    response = client.post(url, {"text": "Everything I wrote before the session ended"})
    assert response["Location"] == f"{reverse('account_login')}?next={url}"
    client.post(reverse("account_login"), {"login": application.applicant.email, "password": PASSWORD})

    page = client.get(url).content.decode()
    assert "Everything I wrote before the session ended" in page


def test_task_list_shows_each_section_state(client):
    application = ApplicationFactory(job_title="Matron")
    client.force_login(application.applicant)

    page = client.get(application.get_absolute_url()).content.decode()

    assert "You have completed 0 of 6 sections." in page
    assert page.count("In progress") == 1
    assert page.count("Not started") == 5


def test_a_draft_offers_delete_and_a_reopened_application_offers_withdraw(client):
    draft = ApplicationFactory()
    client.force_login(draft.applicant)

    page = client.get(draft.get_absolute_url()).content.decode()

    assert "Delete this draft" in page
    assert "Withdraw this application" not in page

    draft.reference = "Q-2026-00001"  # submitted once, then reopened to change an answer
    draft.save(update_fields=["reference"])
    page = client.get(draft.get_absolute_url()).content.decode()

    assert "Withdraw this application" in page
    assert "Delete this draft" not in page


def test_check_answers_then_submit_shows_reference(client, mailoutbox, django_capture_on_commit_callbacks):
    application = complete(ApplicationFactory())
    client.force_login(application.applicant)

    check = client.get(reverse("applications:check", args=[application.pk])).content.decode()
    assert "Submit application" in check
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:check", args=[application.pk]), follow=True)

    application.refresh_from_db()
    assert application.reference in response.content.decode()
    assert "Application submitted" in response.content.decode()
    assert len(mailoutbox) == 1


def test_submit_after_deadline_is_refused_with_a_message(client):
    round = RoundFactory(closes_at=timezone.now() + timedelta(minutes=1))
    application = complete(ApplicationFactory(round=round))
    client.force_login(application.applicant)

    with time_machine.travel(round.closes_at + timedelta(seconds=1)):
        response = client.post(reverse("applications:check", args=[application.pk]), follow=True)

    assert "closed on" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_reopen_delete_and_withdraw_each_say_what_happened_and_go_where_the_applicant_needs(client):
    reopened, deleted, withdrawn = submitted(ApplicationFactory()), ApplicationFactory(), ApplicationFactory()
    for application, action, place, message in [
        (
            reopened,
            "reopen",
            reopened.get_absolute_url(),
            "Your application is open for changes. Submit it again before the deadline.",
        ),
        (deleted, "delete", reverse("applications:applicant_home"), "Your draft has been deleted."),
        (
            withdrawn,
            "withdraw",
            reverse("applications:status", args=[withdrawn.pk]),
            "Your application has been withdrawn.",
        ),
    ]:
        client.force_login(application.applicant)
        url = reverse(f"applications:{action}", args=[application.pk])

        assert client.get(url).status_code == 200
        response = client.post(url)

        assert (response["Location"], told(response)) == (place, [("success", message)])
    assert Application.objects.filter(pk=deleted.pk).exists() is False


def test_deleting_a_draft_once_submitted_is_refused_on_its_status_page(client):
    application = ApplicationFactory(reference="Q-2026-00001")
    client.force_login(application.applicant)

    response = client.post(reverse("applications:delete", args=[application.pk]))

    assert response["Location"] == reverse("applications:status", args=[application.pk])
    assert told(response) == [
        ("error", "Only a draft that has never been submitted can be deleted. You can withdraw it instead.")
    ]


def test_a_refused_submission_goes_back_to_check_your_answers(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(reverse("applications:check", args=[application.pk]))

    assert response["Location"] == reverse("applications:check", args=[application.pk])
    assert [level for level, _message in told(response)] == ["error"]


def test_download_gives_everything_the_applicant_gave(client):
    application = complete(ApplicationFactory())
    client.force_login(application.applicant)

    response = client.get(reverse("applications:download"))

    export = json.loads(response.content)
    assert response["Content-Disposition"] == 'attachment; filename="q-portal-my-data.json"'
    assert export["account"]["email"] == application.applicant.email
    assert export["applications"][0]["job_title"] == "Quality improvement lead"
    assert len(export["applications"][0]["answers"]) == 3


def test_applicant_home_query_count_does_not_grow_with_applications(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    RoundFactory()
    ApplicationFactory(applicant=user)
    client.get(reverse("applications:applicant_home"))  # the first page after signing in also saves the session
    with django_assert_num_queries(9):
        client.get(reverse("applications:applicant_home"))

    for _ in range(8):
        ApplicationFactory(applicant=user)
    with django_assert_num_queries(9):
        client.get(reverse("applications:applicant_home"))


def test_adjustment_request_is_answered_by_programme_team(client, mailoutbox, django_capture_on_commit_callbacks):
    from tests.factories import programme_team, with_totp

    application = ApplicationFactory()
    client.force_login(application.applicant)
    client.post(reverse("applications:adjustments", args=[application.pk]), {"adjustment_request": "A phone call"})
    team = with_totp(programme_team())
    client.force_login(team)

    listing = client.get(reverse("applications:adjustment_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("applications:adjustment_answer", args=[application.pk]),
            {"adjustment_response": "We will call you on Tuesday."},
        )

    assert "A phone call" in listing
    application.refresh_from_db()
    assert (application.adjustment_status, application.adjustment_response) == (
        "answered",
        "We will call you on Tuesday.",
    )
    assert [message.to for message in mailoutbox] == [[application.applicant.email]]


def test_adjustment_page_says_optional_once(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)

    page = client.get(reverse("applications:adjustments", args=[application.pk])).content.decode()

    assert "What adjustment would help you? (optional)" in page
    assert page.count("(optional)") == 1


def test_adjustment_list_is_refused_to_applicants(client):
    application = ApplicationFactory(adjustment_request="Large print", adjustment_status="requested")
    client.force_login(application.applicant)

    response = client.get(reverse("applications:adjustment_list"))

    assert response.status_code == 403
    assert "Large print" not in response.content.decode()


def test_adjustment_list_query_count_does_not_grow(client, django_assert_num_queries):
    from tests.factories import programme_team, with_totp

    client.force_login(with_totp(programme_team()))
    ApplicationFactory(adjustment_request="Large print", adjustment_status="requested")
    client.get(reverse("applications:adjustment_list"))  # the first page after signing in also saves the session
    with django_assert_num_queries(6):
        response = client.get(reverse("applications:adjustment_list"))
    assert len(response.context["requests"]) == 1
    for _ in range(10):
        ApplicationFactory(adjustment_request="Large print", adjustment_status="requested")
    with django_assert_num_queries(6):
        response = client.get(reverse("applications:adjustment_list"))
    assert len(response.context["requests"]) == 11


def test_about_you_keeps_a_pasted_name_and_job_on_one_clean_line(client):
    application = ApplicationFactory()
    client.force_login(application.applicant)

    client.post(
        reverse("applications:about", args=[application.pk]),
        {"full_name": MESSY_NAME, "job_title": "Ward\tmanager\x00", "organisation_other": "NHS\r\nTrust\u200b"},
    )

    application.refresh_from_db()
    assert (application.full_name, application.job_title, application.organisation_other) == (
        CLEAN_NAME,
        "Ward manager",
        "NHS Trust",
    )
