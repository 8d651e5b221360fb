import csv
import io
import re
from datetime import timedelta
from html import escape

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus, RouteKind
from applications.models import Application, CohortUpload, Nomination, NominationStatus, NominatorOrganisation
from applications.services import nominations as services
from members.models import Region
from q_portal.outbox.models import OutboundEmail
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, programme_team, with_totp
from tests.factories.applications import route, submitted
from tests.factories.nominations import NominationFactory, QuotaFactory, nominated_round, nominator
from tests.factories.text import CLEAN_NAME, MESSY_NAME

pytestmark = pytest.mark.django_db


@pytest.fixture
def west_midlands():
    region, _ = Region.objects.get_or_create(
        slug="west-midlands", defaults={"name": "West Midlands", "nation": "england"}
    )
    return region


@pytest.fixture
def setup(west_midlands):
    round = nominated_round(name="Wider recruitment, winter 2026")
    organisation = OrganisationFactory(name="West Midlands AHSN", region=west_midlands)
    quota = QuotaFactory(round=round, organisation=organisation, places=10)
    user = nominator(organisation, display_name="Nadia Hussain")
    return round, organisation, quota, user


def dashboard_url(round, organisation):
    return reverse("nominations:dashboard", kwargs={"round_pk": round.pk, "organisation_pk": organisation.pk})


def form_data(**overrides):
    region = Region.objects.get(slug="west-midlands")
    return {
        "full_name": "Jo Morgan",
        "email": "jo.morgan@example.org",
        "job_title": "Pharmacist",
        "role_category": "clinician",
        "region": str(region.pk),
        "statement": "Jo leads medicines safety improvement with patients.",
        **overrides,
    }


def csv_file(rows, headers=None, name="cohort.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers or ["Full name", "Email", "Job title", "Role", "Region", "Supporting statement"])
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


GOOD_ROW = ["Sam Patel", "sam.patel@example.org", "Ward manager", "Manager", "West Midlands", "Leads huddles."]


# --- Home and dashboard ---------------------------------------------------------------


def test_nominator_home_lists_rounds_with_quota_use(client, setup):
    round, organisation, quota, user = setup
    NominationFactory(round=round, organisation=organisation, quota=quota)
    client.force_login(user)
    page = client.get(reverse("nominations:home")).content.decode()
    assert "Wider recruitment, winter 2026" in page
    assert re.search(r">10</td>\s*<td class=\"text-end\">1</td>\s*<td class=\"text-end\">9</td>", page)


def test_nominator_without_organisation_is_told_to_ask_programme_team(client):
    client.force_login(UserFactory(roles=["Nominators"]))
    page = client.get(reverse("nominations:home")).content.decode()
    assert "Your account is not linked to an organisation yet" in page


def test_applicant_cannot_reach_nominator_area(client, setup):
    round, organisation, quota, _user = setup
    NominationFactory(round=round, organisation=organisation, quota=quota, full_name="Secret Nominee")
    client.force_login(UserFactory())
    response = client.get(dashboard_url(round, organisation))
    assert response.status_code == 403
    assert "Secret Nominee" not in response.content.decode()


def test_dashboard_shows_each_nominee_status(client, setup):
    round, organisation, quota, user = setup

    def make(name, **kw):
        return NominationFactory(round=round, organisation=organisation, quota=quota, full_name=name, **kw)

    make("Ann Invited")
    make("Ben Opened", status=NominationStatus.OPENED)
    make("Cat Declined", status=NominationStatus.DECLINED)
    started = make("Dan Started", email="dan@example.org")
    services.nomination_accept(nomination=started, by=UserFactory(email="dan@example.org"))
    done = make("Eve Submitted", email="eve@example.org")
    submitted(services.nomination_accept(nomination=done, by=UserFactory(email="eve@example.org")))
    client.force_login(user)
    page = client.get(dashboard_url(round, organisation)).content.decode()
    statuses = dict(
        re.findall(r'<th scope="row">([^<]+)<div.*?<span class="portal-tag[^"]*">([^<]+)</span>', page, re.S)
    )
    assert statuses == {
        "Ann Invited": "Invited",
        "Ben Opened": "Invitation opened",
        "Cat Declined": "Declined",
        "Dan Started": "Application started",
        "Eve Submitted": "Submitted",
    }
    assert '<dd data-testid="quota-used">4</dd>' in page
    assert '<dd data-testid="quota-left">6</dd>' in page


def test_dashboard_filters_by_progress(client, setup):
    round, organisation, quota, user = setup
    NominationFactory(round=round, organisation=organisation, quota=quota, full_name="Ann Invited")
    NominationFactory(
        round=round, organisation=organisation, quota=quota, full_name="Cat Declined", status=NominationStatus.DECLINED
    )
    client.force_login(user)
    page = client.get(dashboard_url(round, organisation), {"progress": "declined"}).content.decode()
    assert "Cat Declined" in page
    assert "Ann Invited" not in page


def test_nominator_cannot_see_another_organisations_nominees(client, setup):
    round, _organisation, _quota, user = setup
    other = OrganisationFactory(name="Eastern AHSN")
    secret = NominationFactory(round=round, organisation=other, full_name="Secret Nominee")
    client.force_login(user)
    responses = [
        client.get(dashboard_url(round, other)),
        client.get(reverse("nominations:nominate", kwargs={"round_pk": round.pk, "organisation_pk": other.pk})),
        client.get(reverse("nominations:export", kwargs={"round_pk": round.pk, "organisation_pk": other.pk})),
        client.get(reverse("nominations:withdraw", kwargs={"pk": secret.pk})),
        client.post(reverse("nominations:withdraw", kwargs={"pk": secret.pk})),
        client.post(reverse("nominations:resend", kwargs={"pk": secret.pk})),
    ]
    assert [response.status_code for response in responses] == [404] * 6
    assert all("Secret Nominee" not in response.content.decode() for response in responses)
    secret.refresh_from_db()
    assert secret.status == NominationStatus.INVITED
    own_page = client.get(reverse("nominations:home")).content.decode()
    assert "Eastern AHSN" not in own_page


def test_dashboard_query_count_is_flat(client, setup, django_assert_num_queries):
    round, organisation, quota, user = setup
    client.force_login(user)

    def add(count):
        regions = [RegionFactory() for _ in range(3)]
        Nomination.objects.bulk_create(
            Nomination(
                round=round,
                organisation=organisation,
                quota=quota,
                nominated_by=user,
                full_name=f"Person {Nomination.objects.count()}-{number}",
                email=f"p{Nomination.objects.count()}-{number}@example.org",
                job_title="Nurse",
                role_category="clinician",
                region=regions[number % 3],
                statement="Improves care.",
                status=[NominationStatus.INVITED, NominationStatus.OPENED, NominationStatus.DECLINED][number % 3],
            )
            for number in range(count)
        )

    add(5)
    client.get(reverse("nominations:home"))  # the first page after signing in also saves the session
    with django_assert_num_queries(11):
        page = client.get(dashboard_url(round, organisation))
    assert page.content.decode().count('<th scope="row">Person') == 5
    with django_assert_num_queries(9):
        client.get(reverse("nominations:home"))
    add(495)
    with django_assert_num_queries(11):
        page = client.get(dashboard_url(round, organisation))
    assert page.content.decode().count('<th scope="row">Person') == 50
    with django_assert_num_queries(9):
        client.get(reverse("nominations:home"))


# --- Nominating one person ----------------------------------------------------------


def test_nominate_one_person_queues_invitation(client, setup, django_capture_on_commit_callbacks):
    round, organisation, _quota, user = setup
    client.force_login(user)
    url = reverse("nominations:nominate", kwargs={"round_pk": round.pk, "organisation_pk": organisation.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(), follow=True)
    assert "Jo Morgan is nominated. We have emailed them an invitation to apply." in response.content.decode()
    assert Nomination.objects.get().nominated_by == user
    assert OutboundEmail.objects.get(to="jo.morgan@example.org").subject == (
        "West Midlands AHSN has nominated you to join Q"
    )


def test_nominate_with_errors_keeps_what_was_typed(client, setup):
    round, organisation, _quota, user = setup
    client.force_login(user)
    url = reverse("nominations:nominate", kwargs={"round_pk": round.pk, "organisation_pk": organisation.pk})
    long_statement = " ".join(["word"] * 260)
    page = client.post(url, form_data(email="not-an-email", statement=long_statement)).content.decode()
    assert "There is a problem" in page
    assert "Enter an email address in the correct format" in page
    assert "Your answer must be 250 words or fewer. It is 260 words" in page
    assert 'value="Jo Morgan"' in page
    assert long_statement in page
    assert Nomination.objects.count() == 0


def test_nominate_duplicate_shows_error_at_email(client, setup):
    round, organisation, quota, user = setup
    NominationFactory(
        round=round,
        organisation=organisation,
        quota=quota,
        email="JO.MORGAN@example.org",
        full_name="Jo Morgan",
        nominated_by=user,
    )
    client.force_login(user)
    url = reverse("nominations:nominate", kwargs={"round_pk": round.pk, "organisation_pk": organisation.pk})
    page = client.post(url, form_data()).content.decode()
    assert "Jo Morgan was already nominated by Nadia Hussain of West Midlands AHSN on" in page
    assert Nomination.objects.count() == 1


def test_nominate_beyond_quota_shows_clear_message(client, setup):
    round, organisation, quota, user = setup
    quota.places = 1
    quota.save()
    NominationFactory(round=round, organisation=organisation, quota=quota)
    client.force_login(user)
    url = reverse("nominations:nominate", kwargs={"round_pk": round.pk, "organisation_pk": organisation.pk})
    page = client.post(url, form_data()).content.decode()
    assert "West Midlands AHSN has used all 1 of its nomination places in this round." in page
    assert Nomination.objects.count() == 1


# --- Cohort upload ---------------------------------------------------------------------


def upload_url(round, organisation):
    return reverse("nominations:upload", kwargs={"round_pk": round.pk, "organisation_pk": organisation.pk})


def test_template_csv_has_the_columns(client, setup):
    client.force_login(setup[3])
    response = client.get(reverse("nominations:csv_template"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Full name", "Email", "Job title", "Role", "Region", "Supporting statement"]
    assert response["Content-Disposition"] == 'attachment; filename="q-nominations-template.csv"'


def test_upload_preview_lists_each_rows_problems_then_confirm_imports_valid_rows(
    client, setup, django_capture_on_commit_callbacks
):
    round, organisation, quota, user = setup
    NominationFactory(
        round=round,
        organisation=organisation,
        quota=quota,
        email="taken@example.org",
        full_name="Tia Taken",
        nominated_by=user,
    )
    client.force_login(user)
    rows = [
        GOOD_ROW,
        ["", "bad-address", "Nurse", "Astronaut", "Atlantis", "Fine."],
        ["Lee Chen", "lee.chen@example.org", "GP", "front-line clinician", "west midlands", "Runs QI clinics."],
        ["Sam Again", "SAM.PATEL@example.org", "GP", "Manager", "West Midlands", "Twice."],
        ["Tia Taken", "taken@example.org", "GP", "Manager", "West Midlands", "Again."],
    ]
    response = client.post(upload_url(round, organisation), {"file": csv_file(rows)}, follow=True)
    page = response.content.decode()
    assert "2 rows are ready to nominate." in page
    problems = re.findall(r'<tr><th scope="row">(\d+)</th><td>([^<]*)</td><td>([^<]*)</td></tr>', page)
    assert problems == [
        ("3", "Full name", "Enter the person&#x27;s full name."),
        ("3", "Email", "Enter an email address in the correct format, like name@example.org."),
        ("3", "Role", "Choose one of the roles listed."),
        ("3", "Region", "Choose a region from the list."),
        ("5", "Email", "The same address is on row 2 of this file."),
        (
            "6",
            "Email",
            f"Tia Taken was already nominated by Nadia Hussain of West Midlands AHSN on "
            f"{timezone.localtime().strftime('%-d %B %Y')}.",
        ),
    ]
    assert Nomination.objects.count() == 1
    upload = CohortUpload.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("nominations:upload_preview", kwargs={"pk": upload.pk}), follow=True)
    assert "2 people are nominated." in page.content.decode()
    assert sorted(Nomination.objects.values_list("email", flat=True)) == [
        "lee.chen@example.org",
        "sam.patel@example.org",
        "taken@example.org",
    ]
    assert sorted(OutboundEmail.objects.values_list("to", flat=True)) == [
        "lee.chen@example.org",
        "sam.patel@example.org",
    ]
    # Confirming again (a double click, the back button) imports nothing more.
    again = client.post(reverse("nominations:upload_preview", kwargs={"pk": upload.pk}))
    assert again.status_code == 404
    assert Nomination.objects.count() == 3


def test_upload_confirm_imports_nothing_when_quota_filled_since_preview(client, setup):
    round, organisation, quota, user = setup
    quota.places = 2
    quota.save()
    client.force_login(user)
    rows = [GOOD_ROW, ["Lee Chen", "lee.chen@example.org", "GP", "Manager", "West Midlands", "Runs clinics."]]
    client.post(upload_url(round, organisation), {"file": csv_file(rows)})
    NominationFactory(round=round, organisation=organisation, quota=quota)
    upload = CohortUpload.objects.get()
    page = client.post(reverse("nominations:upload_preview", kwargs={"pk": upload.pk}), follow=True).content.decode()
    assert "has 1 nomination place left in this round, not enough for 2 people." in page
    assert Nomination.objects.count() == 1


def test_upload_confirm_imports_nothing_when_a_row_was_nominated_since_preview(client, setup):
    round, organisation, _quota, user = setup
    client.force_login(user)
    rows = [GOOD_ROW, ["Lee Chen", "lee.chen@example.org", "GP", "Manager", "West Midlands", "Runs clinics."]]
    client.post(upload_url(round, organisation), {"file": csv_file(rows)})
    other = OrganisationFactory()
    QuotaFactory(round=round, organisation=other)
    NominationFactory(round=round, organisation=other, email="lee.chen@example.org")
    upload = CohortUpload.objects.get()
    page = client.post(reverse("nominations:upload_preview", kwargs={"pk": upload.pk}), follow=True).content.decode()
    assert (
        "Nothing was imported: This person has already been nominated for this round by another organisation." in page
    )
    assert Nomination.objects.count() == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("cohort.xlsx", b"PK\x03\x04binary"), "The file must be a CSV file (ending in .csv)."),
        (SimpleUploadedFile("cohort.csv", b"a" * (1024 * 1024 + 1)), "The file must be 1 MB or smaller."),
        (
            SimpleUploadedFile("cohort.csv", b"Name,Email\nJo,jo@example.org\n"),
            "The first row of the file must be the column headings of the template, in this order: Full name, "
            "Email, Job title, Role, Region, Supporting statement.",
        ),
        (SimpleUploadedFile("cohort.csv", b"PK\x03\x04\x00\x00binary"), "The file is not a CSV file."),
        (
            SimpleUploadedFile("cohort.csv", b"Full name,Email,Job title,Role,Region,Supporting statement\n"),
            "The file has no one in it below the column headings.",
        ),
    ],
)
def test_upload_refuses_bad_files_with_clear_message(client, setup, upload, message):
    round, organisation, _quota, user = setup
    client.force_login(user)
    page = client.post(upload_url(round, organisation), {"file": upload}).content.decode()
    assert "There is a problem" in page
    assert message.replace("'", "&#x27;") in page
    assert CohortUpload.objects.count() == 0


def test_upload_preview_of_another_nominator_is_not_found(client, setup):
    round, organisation, _quota, user = setup
    client.force_login(user)
    client.post(upload_url(round, organisation), {"file": csv_file([GOOD_ROW])})
    upload = CohortUpload.objects.get()
    client.force_login(nominator(organisation))
    assert client.get(reverse("nominations:upload_preview", kwargs={"pk": upload.pk})).status_code == 404
    assert client.post(reverse("nominations:upload_preview", kwargs={"pk": upload.pk})).status_code == 404
    assert Nomination.objects.count() == 0


# --- Resend, withdraw, export ---------------------------------------------------------


def test_resend_from_dashboard_is_rate_limited(client, setup):
    round, organisation, quota, user = setup
    nomination = NominationFactory(
        round=round, organisation=organisation, quota=quota, last_invited_at=timezone.now() - timedelta(days=2)
    )
    client.force_login(user)
    url = reverse("nominations:resend", kwargs={"pk": nomination.pk})
    first = client.post(url, follow=True).content.decode()
    assert f"We have emailed the invitation to {escape(nomination.full_name)} again." in first
    second = client.post(url, follow=True).content.decode()
    assert "The invitation was sent less than a day ago." in second
    assert OutboundEmail.objects.filter(to=nomination.email).count() == 1


def test_withdraw_from_dashboard_frees_place(client, setup):
    round, organisation, quota, user = setup
    nomination = NominationFactory(round=round, organisation=organisation, quota=quota, full_name="Jo Morgan")
    client.force_login(user)
    url = reverse("nominations:withdraw", kwargs={"pk": nomination.pk})
    assert "Are you sure you want to withdraw the nomination of Jo Morgan?" in client.get(url).content.decode()
    page = client.post(url, follow=True).content.decode()
    assert "The nomination of Jo Morgan is withdrawn and the place is free." in page
    assert '<dd data-testid="quota-left">10</dd>' in page


def test_export_csv_has_own_nominations_with_status(client, setup):
    round, organisation, quota, user = setup
    NominationFactory(
        round=round, organisation=organisation, quota=quota, full_name="=HYPERLINK(1)", email="a@example.org"
    )
    NominationFactory(round=round, organisation=OrganisationFactory(), full_name="Someone Else")
    client.force_login(user)
    response = client.get(
        reverse("nominations:export", kwargs={"round_pk": round.pk, "organisation_pk": organisation.pk})
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Full name", "Email", "Job title", "Role", "Region", "Status", "Nominated by", "Nominated on"]
    assert [[*row[:2], row[5]] for row in rows[1:]] == [["'=HYPERLINK(1)", "a@example.org", "Invited"]]


# --- The nominee ------------------------------------------------------------------------


def invitation_url(nomination):
    return reverse("nominations:invitation", kwargs={"token": services.invitation_token(nomination)})


def test_invitation_page_for_visitor_offers_sign_up_and_marks_opened(client, setup):
    round, organisation, quota, user = setup
    nomination = NominationFactory(round=round, organisation=organisation, quota=quota, nominated_by=user)
    page = client.get(invitation_url(nomination)).content.decode()
    assert "West Midlands AHSN has nominated you to join Q" in page
    assert "You were nominated by Nadia Hussain." in page
    assert "Create an account to apply" in page
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.OPENED


def test_expired_invitation_link_says_so(client, setup):
    round, organisation, quota, _user = setup
    nomination = NominationFactory(round=round, organisation=organisation, quota=quota)
    url = invitation_url(nomination)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.get(url)
    assert response.status_code == 404
    assert (
        "This invitation link has expired. Ask West Midlands AHSN to send you a new one." in response.content.decode()
    )
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.INVITED


def test_tampered_invitation_link_is_refused(client, setup):
    round, organisation, quota, _user = setup
    nomination = NominationFactory(round=round, organisation=organisation, quota=quota, full_name="Jo Secret")
    token = services.invitation_token(nomination)
    forged = token.replace(token.split(":")[0], token.split(":")[0][:-2] + "xx")
    for url in [
        reverse("nominations:invitation", kwargs={"token": forged}),
        reverse("nominations:invitation_decline", kwargs={"token": forged}),
        reverse("nominations:invitation", kwargs={"token": "nonsense"}),
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert "This invitation link is not valid." in response.content.decode()
        assert "Jo Secret" not in response.content.decode()
    assert client.post(reverse("nominations:invitation_decline", kwargs={"token": forged})).status_code == 404
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.INVITED


def test_nominee_accepts_and_sees_prefilled_application_nominated_by(client, setup):
    round, organisation, quota, _user = setup
    nomination = NominationFactory(
        round=round,
        organisation=organisation,
        quota=quota,
        email="jo@example.org",
        full_name="Jo Morgan",
        job_title="Pharmacist",
    )
    nominee = UserFactory(email="JO@example.org")
    client.force_login(nominee)
    token = services.invitation_token(nomination)
    page = client.post(reverse("nominations:invitation_accept", kwargs={"token": token}), follow=True)
    content = page.content.decode()
    assert "Nominated by West Midlands AHSN" in content
    assert "Your application is started" in content
    application = Application.objects.get(applicant=nominee)
    assert (application.full_name, application.job_title, application.route.kind) == (
        "Jo Morgan",
        "Pharmacist",
        RouteKind.NOMINATED,
    )
    # The route step offers only the nominated route, so saving it keeps it.
    route_page = client.get(reverse("applications:route", kwargs={"pk": application.pk})).content.decode()
    assert "Nominated by a partner organisation" in route_page
    assert "Open to all" not in route_page
    client.post(
        reverse("applications:route", kwargs={"pk": application.pk}),
        {"route": str(application.route_id), "route_evidence": "I work with the AHSN."},
    )
    application.refresh_from_db()
    assert (application.route.kind, application.route_evidence) == (RouteKind.NOMINATED, "I work with the AHSN.")


def test_nominee_with_another_address_must_confirm(client, setup):
    round, organisation, quota, _user = setup
    nomination = NominationFactory(round=round, organisation=organisation, quota=quota, email="jo@nhs.example")
    client.force_login(UserFactory(email="jo.home@example.org"))
    token = services.invitation_token(nomination)
    url = reverse("nominations:invitation_accept", kwargs={"token": token})
    page = client.post(url).content.decode()
    assert "There is a problem" in page
    assert "Confirm that you are the person nominated and want to use this account&#x27;s address." in page
    assert Application.objects.count() == 0
    client.post(url, {"confirm_address": "on"})
    assert Application.objects.get().applicant.email == "jo.home@example.org"


def test_accept_by_visitor_is_sent_to_sign_in(client, setup):
    round, organisation, quota, _user = setup
    nomination = NominationFactory(round=round, organisation=organisation, quota=quota)
    token = services.invitation_token(nomination)
    response = client.post(reverse("nominations:invitation_accept", kwargs={"token": token}))
    assert response["Location"].startswith(reverse("account_login"))
    assert Application.objects.count() == 0


def test_nominee_declines_without_signing_in(client, setup):
    round, organisation, quota, user = setup
    nomination = NominationFactory(round=round, organisation=organisation, quota=quota, full_name="Jo Morgan")
    token = services.invitation_token(nomination)
    url = reverse("nominations:invitation_decline", kwargs={"token": token})
    assert "Are you sure you do not want to be nominated?" in client.get(url).content.decode()
    page = client.post(url).content.decode()
    assert "We have told West Midlands AHSN." in page
    client.force_login(user)
    dashboard = client.get(dashboard_url(round, organisation)).content.decode()
    assert '<span class="portal-tag portal-tag--grey">Declined</span>' in dashboard


def test_withdrawn_nomination_link_says_withdrawn(client, setup):
    round, organisation, quota, _user = setup
    nomination = NominationFactory(
        round=round, organisation=organisation, quota=quota, status=NominationStatus.WITHDRAWN
    )
    page = client.get(invitation_url(nomination)).content.decode()
    assert "This nomination has been withdrawn by the organisation that made it." in page
    assert "Start your application" not in page


def test_submitted_application_shows_on_dashboard(client, setup):
    round, organisation, quota, user = setup
    nomination = NominationFactory(
        round=round, organisation=organisation, quota=quota, full_name="Jo Morgan", email="jo@example.org"
    )
    application = services.nomination_accept(nomination=nomination, by=UserFactory(email="jo@example.org"))
    submitted(application)
    client.force_login(user)
    page = client.get(dashboard_url(round, organisation)).content.decode()
    assert '<span class="portal-tag portal-tag--green">Submitted</span>' in page
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


# --- The programme team ---------------------------------------------------------------


@pytest.fixture
def team_client(client):
    client.force_login(with_totp(programme_team()))
    return client


def test_programme_round_view_shows_nominations_by_organisation_and_quota_use(team_client, setup):
    round, organisation, quota, _user = setup
    for _ in range(3):
        NominationFactory(round=round, organisation=organisation, quota=quota)
    NominationFactory(round=round, organisation=organisation, quota=quota, status=NominationStatus.DECLINED)
    page = team_client.get(reverse("nominations:programme_round", kwargs={"pk": round.pk})).content.decode()
    assert re.search(
        r'<th scope="row">West Midlands AHSN</th>\s*<td class="text-end">10</td>\s*'
        r'<td class="text-end">3</td>\s*<td class="text-end">7</td>',
        page,
    )
    assert "By region of the nominee" in page


def test_programme_views_refuse_nominators(client, setup):
    round, _organisation, _quota, user = setup
    client.force_login(user)
    for url in [
        reverse("nominations:programme"),
        reverse("nominations:programme_round", kwargs={"pk": round.pk}),
        reverse("nominations:programme_nominators"),
    ]:
        response = client.get(url)
        assert response.status_code == 403
        assert "West Midlands AHSN" not in response.content.decode()


def test_programme_views_query_count_is_flat(team_client, setup):
    round, _organisation, _quota, _user = setup

    def add(count):
        for _ in range(count):
            other = OrganisationFactory()
            QuotaFactory(round=round, organisation=other, places=5)
            NominationFactory(round=round, organisation=other)
            NominatorOrganisation.objects.create(user=UserFactory(), organisation=other)

    add(2)
    urls = [
        reverse("nominations:programme"),
        reverse("nominations:programme_nominators"),
        reverse("nominations:programme_round", kwargs={"pk": round.pk}),
    ]

    def query_counts():
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                team_client.get(url)
            counts.append(len(queries))
        return counts

    team_client.get(urls[0])  # the first page after signing in also saves the session
    small = query_counts()
    add(20)
    large = query_counts()
    page = team_client.get(urls[-1])

    assert small == large
    assert page.content.decode().count('<th scope="row">Organisation') == 44


def test_programme_team_grants_and_removes_nominator(team_client, setup):
    _round, organisation, _quota, _user = setup
    person = UserFactory(email="new.nominator@example.org")
    url = reverse("nominations:programme_nominators")
    page = team_client.post(
        url, {"email": "New.Nominator@example.org", "organisation": str(organisation.pk)}, follow=True
    ).content.decode()
    assert "new.nominator@example.org can nominate for West Midlands AHSN." in page
    assert list(person.groups.values_list("name", flat=True)) == ["Nominators"]
    link = NominatorOrganisation.objects.get(user=person)
    page = team_client.post(url, {"remove": "1", "link": str(link.pk)}, follow=True).content.decode()
    assert "new.nominator@example.org can no longer nominate for West Midlands AHSN." in page
    assert list(person.groups.values_list("name", flat=True)) == []
    page = team_client.post(url, {"remove": "1", "link": "abc"}, follow=True).content.decode()
    assert "That nominator had already been removed." in page


def test_programme_team_grant_for_unknown_account_is_an_error_at_the_field(team_client, setup):
    _round, organisation, _quota, _user = setup
    page = team_client.post(
        reverse("nominations:programme_nominators"),
        {"email": "nobody@example.org", "organisation": str(organisation.pk)},
    ).content.decode()
    assert "There is no account with this email address." in page
    assert 'value="nobody@example.org"' in page


def test_route_form_for_open_application_still_excludes_nominated_route(client):
    round = nominated_round()
    application = Application.objects.create(
        applicant=UserFactory(), round=round, route=route(RouteKind.OPEN), full_name="A"
    )
    client.force_login(application.applicant)
    page = client.get(reverse("applications:route", kwargs={"pk": application.pk})).content.decode()
    assert "Nominated by a partner organisation" not in page


def test_status_page_of_submitted_nominated_application_says_who_nominated(client, setup):
    round, organisation, quota, _user = setup
    nomination = NominationFactory(round=round, organisation=organisation, quota=quota, email="jo@example.org")
    nominee = UserFactory(email="jo@example.org")
    application = submitted(services.nomination_accept(nomination=nomination, by=nominee))
    client.force_login(nominee)
    page = client.get(reverse("applications:status", kwargs={"pk": application.pk})).content.decode()
    assert '<p class="portal-inset">Nominated by West Midlands AHSN</p>' in page


def test_upload_keeps_names_and_job_titles_on_one_clean_line(client, setup, django_capture_on_commit_callbacks):
    round, organisation, _quota, user = setup
    client.force_login(user)
    row = [MESSY_NAME, "amara@example.org", "Ward\nmanager\x00", "Manager", "West Midlands", "Leads\nhuddles."]

    client.post(upload_url(round, organisation), {"file": csv_file([row])})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("nominations:upload_preview", kwargs={"pk": CohortUpload.objects.get().pk}))

    nomination = Nomination.objects.get()
    assert (nomination.full_name, nomination.job_title, nomination.statement) == (
        CLEAN_NAME,
        "Ward manager",
        "Leads\nhuddles.",
    )
    assert OutboundEmail.objects.get(to="amara@example.org").subject == "West Midlands AHSN has nominated you to join Q"
