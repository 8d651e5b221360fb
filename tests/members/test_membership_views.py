import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.choices import InterestStatus
from members.models import AbuseReport, Community, ContactMessage, Interest, MemberImport, MemberProfile
from members.services import community_join
from q_portal.outbox.models import OutboundEmail
from tests.factories import RegionFactory, UserFactory, programme_team, with_totp
from tests.factories.members import CommunityFactory, InterestFactory, MemberFactory, PledgeFactory
from tests.factories.text import CLEAN_NAME, MESSY_NAME

pytestmark = pytest.mark.django_db


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


# --- Who may see the members' area -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/members/", "/members/pledges/", "/members/communities/", "/members/me/", "/members/messages/"],
)
def test_members_area_sends_visitor_to_sign_in(client, url):
    MemberFactory(full_name="Private Person")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("url_name", ["directory", "pledges", "communities", "me"])
def test_members_area_refuses_applicant_who_is_not_a_member(client, url_name):
    MemberFactory(full_name="Private Person")
    client.force_login(UserFactory())

    response = client.get(reverse(f"members:{url_name}"))

    assert response.status_code == 403
    assert "Private Person" not in response.content.decode()


def test_profile_refuses_applicant_and_hides_details(client):
    member = MemberFactory(full_name="Private Person", bio="My secret bio")
    client.force_login(UserFactory())

    response = client.get(reverse("members:profile", args=[member.pk]))

    assert response.status_code == 403
    assert "My secret bio" not in response.content.decode()


def test_directory_refuses_paused_member(client):
    paused = MemberFactory(status="paused")
    MemberFactory(full_name="Listed Person")
    client.force_login(paused.user)

    response = client.get("/members/")

    assert response.status_code == 403
    assert "Listed Person" not in response.content.decode()


def test_directory_is_open_to_programme_team_with_mfa(client):
    MemberFactory(full_name="Listed Person")
    client.force_login(with_totp(programme_team()))

    response = client.get("/members/")

    assert "Listed Person" in response.content.decode()


def test_directory_sends_programme_team_without_mfa_to_set_it_up(client):
    MemberFactory(full_name="Listed Person")
    client.force_login(programme_team())

    response = client.get("/members/")

    assert response.url == reverse("mfa_activate_totp")


# --- The directory -------------------------------------------------------------------------


def test_directory_leaves_out_hidden_paused_and_ended_profiles(client):
    viewer = MemberFactory()
    MemberFactory(full_name="Visible Vera", bio="sepsis")
    MemberFactory(full_name="Hidden Harry", visibility="hidden", bio="sepsis")
    MemberFactory(full_name="Paused Pat", status="paused", bio="sepsis")
    MemberFactory(full_name="Ended Ed", status="ended", bio="sepsis")
    client.force_login(viewer.user)

    everyone = client.get("/members/").content.decode()
    searched = client.get("/members/", {"q": "sepsis"}).content.decode()
    by_name = client.get("/members/", {"q": "Harry"}).content.decode()

    assert "Visible Vera" in everyone and "Visible Vera" in searched
    for name in ("Hidden Harry", "Paused Pat", "Ended Ed"):
        assert name not in everyone
        assert name not in searched
    assert "Hidden Harry" not in by_name
    assert "0 members" in by_name


def test_hidden_profile_answers_404_to_other_members_but_not_its_owner(client):
    hidden = MemberFactory(visibility="hidden", full_name="Hidden Harry")
    client.force_login(MemberFactory().user)
    assert client.get(reverse("members:profile", args=[hidden.pk])).status_code == 404

    client.force_login(hidden.user)
    assert "Hidden Harry" in client.get(reverse("members:profile", args=[hidden.pk])).content.decode()


def test_directory_finds_member_by_region_and_interest(client):
    wessex = RegionFactory(name="Wessex", slug="wessex")
    sepsis = InterestFactory(name="Sepsis", slug="sepsis")
    MemberFactory(full_name="Wanted Wendy", region=wessex, interests=[sepsis])
    MemberFactory(full_name="Other Region Olu", interests=[sepsis])
    MemberFactory(full_name="Other Interest Ian", region=wessex)
    client.force_login(MemberFactory().user)

    page = client.get("/members/", {"region": "wessex", "interest": "sepsis"}).content.decode()

    assert "Wanted Wendy" in page
    assert "Other Region Olu" not in page and "Other Interest Ian" not in page


def test_directory_full_text_search_matches_bio_words_and_part_of_a_name(client):
    MemberFactory(full_name="Siobhan Quinn", bio="We reduced missed doses of medicines on our wards.")
    MemberFactory(full_name="Tom Baker", bio="Frailty pathways.")
    client.force_login(MemberFactory().user)

    by_word = client.get("/members/", {"q": "medicine doses"}).content.decode()
    by_part_of_name = client.get("/members/", {"q": "Siob"}).content.decode()

    assert "Siobhan Quinn" in by_word and "Tom Baker" not in by_word
    assert "Siobhan Quinn" in by_part_of_name


def test_directory_ignores_unknown_filter_values(client):
    MemberFactory(full_name="Listed Person")
    client.force_login(MemberFactory().user)

    response = client.get("/members/", {"region": "atlantis", "interest": "<script>", "page": "1"})

    assert "Listed Person" in response.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_directory_query_count_does_not_grow(client, django_assert_num_queries, size):
    interest = InterestFactory()
    community = CommunityFactory()
    for _ in range(size):
        member = MemberFactory(interests=[interest])
        community_join(community=community, member=member, by=None)
    client.force_login(MemberFactory().user)

    with django_assert_num_queries(14):
        response = client.get("/members/", {"q": "Improvement", "interest": interest.slug})

    assert response.context["paginator"].count == size


def test_directory_with_2000_members_keeps_query_count_and_paginates(client, django_assert_num_queries):
    region = RegionFactory()
    interest = InterestFactory()
    users = UserFactory.create_batch(2000, verified=False)
    profiles = MemberProfile.objects.bulk_create(
        [
            MemberProfile(
                user=user,
                membership_number=f"B{index:05d}",
                source="founding",
                joined_on="2016-03-01",
                full_name=f"Bulk Member {index:04d}",
                region=region,
                role_category="manager",
            )
            for index, user in enumerate(users)
        ]
    )
    MemberProfile.interests.through.objects.bulk_create(
        [MemberProfile.interests.through(memberprofile_id=p.pk, interest_id=interest.pk) for p in profiles]
    )
    client.force_login(MemberFactory().user)

    with django_assert_num_queries(14):
        response = client.get("/members/", {"region": region.slug, "interest": interest.slug, "page": "3"})

    # More than the 1,000 a filtered directory counts: the pages reach the first 1,000.
    page = response.content.decode()
    assert response.context["paginator"].count == 1000
    assert "More than 1,000 members match" in page
    assert "Bulk Member 0040" in page and "Page 3 of 50" in page
    last = client.get("/members/", {"region": region.slug, "interest": interest.slug, "page": "50"})
    assert "Bulk Member 0999" in last.content.decode() and "Bulk Member 1000" not in last.content.decode()
    assert 'rel="next"' not in last.content.decode()


# --- Pledges and communities ----------------------------------------------------------------


def test_pledge_wall_shows_listed_members_newest_first_and_filters_by_region(client):
    wessex = RegionFactory(name="Wessex", slug="wessex")
    PledgeFactory(text="Older pledge", member=MemberFactory(region=wessex))
    PledgeFactory(text="Newer pledge", member=MemberFactory(region=wessex))
    PledgeFactory(text="Elsewhere pledge")
    PledgeFactory(text="Hidden pledge", member=MemberFactory(visibility="hidden", region=wessex))
    client.force_login(MemberFactory().user)

    page = client.get("/members/pledges/", {"region": "wessex"}).content.decode()

    assert page.index("Newer pledge") < page.index("Older pledge")
    assert "Elsewhere pledge" not in page and "Hidden pledge" not in page


def test_pledge_wall_puts_a_pledge_just_changed_first(client):
    """Editing an old pledge brings it to the top of the wall's first page, as
    the pledge page says it is on the wall."""
    author = MemberFactory()
    PledgeFactory(text="First pledge ever", member=author)
    PledgeFactory.create_batch(25)
    client.force_login(author.user)
    changed = client.post(reverse("members:me_pledge"), {"text": "Mentor two new members this year", "category": ""})

    page = client.get("/members/pledges/").content.decode()

    assert changed.status_code == 302
    first = page.index("<blockquote")
    assert page[first : page.index("</blockquote>", first)].endswith("Mentor two new members this year")


@pytest.mark.parametrize("size", [2, 20])
def test_pledge_wall_query_count_does_not_grow(client, django_assert_num_queries, size):
    PledgeFactory.create_batch(size)
    client.force_login(MemberFactory().user)

    with django_assert_num_queries(10):
        response = client.get("/members/pledges/")

    assert len(response.context["pledges"]) == size


def test_community_page_lists_members_respecting_visibility_and_counts_them(client):
    community = CommunityFactory(name="Human factors")
    for member in (MemberFactory(full_name="Shown Sue"), MemberFactory(full_name="Hidden Hal", visibility="hidden")):
        community_join(community=community, member=member, by=None)
    client.force_login(MemberFactory().user)

    page = client.get(reverse("members:community", args=[community.slug])).content.decode()

    assert "Shown Sue" in page and "Hidden Hal" not in page
    assert "1 member" in page


@pytest.mark.parametrize("size", [2, 20])
def test_communities_query_count_does_not_grow(client, django_assert_num_queries, size):
    for community in CommunityFactory.create_batch(size):
        community_join(community=community, member=MemberFactory(), by=None)
    client.force_login(MemberFactory().user)

    with django_assert_num_queries(9):
        response = client.get("/members/communities/")

    assert len(response.context["communities"]) == size


def test_member_joins_and_leaves_community(client):
    community = CommunityFactory(name="Medication safety")
    member = MemberFactory()
    client.force_login(member.user)

    joined = client.post(reverse("members:community_membership", args=[community.slug]), {"join": "1"})
    assert list(community.members.all()) == [member]
    left = client.post(reverse("members:community_membership", args=[community.slug]), {"leave": "1"})
    assert list(community.members.all()) == []
    left_again = client.post(reverse("members:community_membership", args=[community.slug]), {"leave": "1"})

    back = reverse("members:community", args=[community.slug])
    assert [joined["Location"], left["Location"], left_again["Location"]] == [back] * 3
    # Leaving a community one is not in says nothing.
    assert [m.message for m in get_messages(left_again.wsgi_request)] == [
        "You have joined Medication safety.",
        "You have left Medication safety.",
    ]


# --- Own profile -----------------------------------------------------------------------------


def test_profile_edit_keeps_everything_typed_when_a_link_is_wrong(client):
    member = MemberFactory()
    client.force_login(member.user)

    response = client.post(
        reverse("members:me_edit"),
        {"full_name": "Jo Morgan", "bio": "A long story about my work", "links": "not a link"},
    )

    page = response.content.decode()
    assert "There is a problem" in page
    assert "A long story about my work" in page and "not a link" in page
    member.refresh_from_db()
    assert member.bio == ""


def test_photo_upload_refuses_non_image_with_error_at_the_field(client):
    member = MemberFactory()
    client.force_login(member.user)

    response = client.post(
        reverse("members:me_photo"), {"photo": SimpleUploadedFile("cv.jpg", b"MZ\x90\x00", content_type="image/jpeg")}
    )

    page = response.content.decode()
    assert "There is a problem" in page
    assert "The photo must be a JPG, PNG, GIF or WebP image." in page
    member.refresh_from_db()
    assert member.photo.name == ""


def test_photo_upload_refuses_file_over_5_mb(client):
    member = MemberFactory()
    client.force_login(member.user)
    big = SimpleUploadedFile("huge.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 1), content_type="image/png")

    response = client.post(reverse("members:me_photo"), {"photo": big})

    assert "The photo must be smaller than 5 MB." in response.content.decode()


def test_photo_is_served_to_members_but_not_to_applicants(client):
    member = MemberFactory()
    client.force_login(member.user)
    client.post(reverse("members:me_photo"), {"photo": _png()})
    url = reverse("members:photo", args=[member.pk])

    client.force_login(MemberFactory().user)
    served = client.get(url)
    client.force_login(UserFactory())
    refused = client.get(url)

    assert served["Content-Type"] == "image/jpeg" and b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    assert refused.status_code in (403, 404)


# --- Contact ----------------------------------------------------------------------------------


def test_contact_form_sends_and_shows_rate_limit_error_without_losing_text(client, settings):
    sender = MemberFactory()
    recipient = MemberFactory(full_name="Rae Recipient")
    client.force_login(sender.user)
    url = reverse("members:contact", args=[recipient.pk])

    for _ in range(5):
        client.post(url, {"body": "Hello there"})
    response = client.post(url, {"body": "One more message I typed"})

    page = response.content.decode()
    assert "Try again tomorrow" in page and "One more message I typed" in page
    assert OutboundEmail.objects.filter(to=recipient.user.email).count() == 5


def test_contact_form_answers_404_for_member_who_turned_contact_off(client):
    recipient = MemberFactory(contact_enabled=False)
    client.force_login(MemberFactory().user)

    assert client.get(reverse("members:contact", args=[recipient.pk])).status_code == 404
    assert client.post(reverse("members:contact", args=[recipient.pk]), {"body": "Hi"}).status_code == 404
    assert OutboundEmail.objects.count() == 0


def test_message_page_answers_404_to_anyone_but_the_two_members(client):
    sender, recipient = MemberFactory(), MemberFactory()
    client.force_login(sender.user)
    client.post(reverse("members:contact", args=[recipient.pk]), {"body": "Private words"})
    message = sender.messages_sent.get()

    client.force_login(MemberFactory().user)
    response = client.get(reverse("members:message", args=[message.pk]))

    assert response.status_code == 404
    assert "Private words" not in response.content.decode()


def test_settings_turn_off_contact_and_hide_profile(client):
    member = MemberFactory()
    client.force_login(member.user)

    client.post(reverse("members:settings"), {"visibility": "hidden", "coffee_opt_in": "on"})

    member.refresh_from_db()
    assert (member.visibility, member.contact_enabled, member.coffee_opt_in) == ("hidden", False, True)


# --- The programme team ---------------------------------------------------------------------------


def test_import_shows_row_report_then_imports_valid_rows(client):
    client.force_login(with_totp(programme_team()))
    csv = b"email,name,region\nada@example.org,Ada,\nbad,Bob,\n"

    preview = client.post(
        reverse("members:programme_import"),
        {"cohort_name": "Founding cohort", "file": SimpleUploadedFile("f.csv", csv, content_type="text/csv")},
        follow=True,
    ).content.decode()
    assert "“bad” is not an email address." in preview
    assert MemberProfile.objects.count() == 0

    assert list(client.session.values()).count(MemberImport.objects.get().pk) == 1
    assert all("ada@example.org" not in str(value) for value in client.session.values())

    imported = client.post(reverse("members:programme_import_preview"))

    assert list(MemberProfile.objects.values_list("full_name", "cohort_name")) == [("Ada", "Founding cohort")]
    assert MemberImport.objects.count() == 0
    assert imported["Location"] == reverse("members:programme_members")
    assert [m.message for m in get_messages(imported.wsgi_request)] == [
        "1 members imported into Founding cohort. 1 rows with problems were left out."
    ]
    again = client.post(reverse("members:programme_import_preview"))
    assert again["Location"] == reverse("members:programme_import")


def test_import_reads_a_windows_spreadsheet_and_refuses_an_over_long_cell(client):
    client.force_login(with_totp(programme_team()))

    windows = SimpleUploadedFile("f.csv", "email,name\nz@example.org,Zoë\n".encode("cp1252"))
    client.post(reverse("members:programme_import"), {"cohort_name": "Founding", "file": windows})
    client.post(reverse("members:programme_import_preview"))
    assert list(MemberProfile.objects.values_list("full_name", flat=True)) == ["Zoë"]

    too_long = client.post(
        reverse("members:programme_import"),
        {"cohort_name": "Founding", "file": SimpleUploadedFile("f.csv", b"email,name\na@example.org," + b"a" * 131073)},
    ).content.decode()
    assert "A cell on line 2 is longer than 131,072 characters." in too_long
    assert MemberImport.objects.count() == 0


def test_import_preview_of_another_person_upload_is_not_shown(client):
    staged = MemberImport.objects.create(
        uploaded_by=programme_team(), cohort_name="Founding", csv_text="email,name\nsecret@example.org,Secret\n"
    )
    client.force_login(with_totp(programme_team()))
    session = client.session
    session["members_import"] = staged.pk
    session.save()

    page = client.get(reverse("members:programme_import_preview"), follow=True).content.decode()

    assert "secret@example.org" not in page
    assert "Upload a file to import." in page


def test_programme_team_pauses_membership_and_profile_leaves_directory(client):
    member = MemberFactory(full_name="Paula Paused")
    client.force_login(with_totp(programme_team()))

    confirmation = client.post(
        reverse("members:programme_member_status", args=[member.pk]), {"to": "paused", "reason": ""}, follow=True
    )

    assert "Paula Paused&#x27;s membership is now paused." in confirmation.content.decode()
    member.refresh_from_db()
    assert member.status == "paused"
    assert "Paula Paused" not in client.get("/members/").content.decode()


def test_programme_pages_refuse_members(client):
    client.force_login(MemberFactory().user)

    assert client.get(reverse("members:programme_members")).status_code == 403
    assert client.get(reverse("members:programme_import")).status_code == 403


def test_growth_page_shows_totals_against_target(client):
    MemberFactory.create_batch(3)
    MemberFactory(status="ended")
    team = with_totp(programme_team())
    client.force_login(team)

    client.post(reverse("members:programme_growth"), {"members": "5000", "by_date": "2020-03-31"})
    page = client.get(reverse("members:programme_growth")).content.decode()

    assert "3 members" in page and "of a target of 5,000 by 31 March 2020" in page


@pytest.mark.parametrize("query", ["O'Brien", "a_b", "Zoë", "'; drop table", ":*", "& | ! <->", "the", "(", "x" * 300])
def test_directory_search_never_fails_on_odd_input(client, query):
    MemberFactory(full_name="Zoë O'Brien")
    client.force_login(MemberFactory().user)

    response = client.get("/members/", {"q": query})

    assert response.status_code == 200
    assert "Member directory" in response.content.decode()


def test_directory_search_finds_name_with_apostrophe_and_accent(client):
    MemberFactory(full_name="Zoë O'Brien")
    client.force_login(MemberFactory().user)

    page = client.get("/members/", {"q": "zoë o'brien"}).content.decode()

    assert "Zoë O&#x27;Brien" in page


def test_directory_filters_by_cohort_and_community(client):
    community = CommunityFactory(slug="human-factors")
    founding = MemberFactory(full_name="Founding Fran", cohort_name="Founding cohort")
    MemberFactory(full_name="Later Lee", cohort_name="First wave")
    community_join(community=community, member=founding, by=None)
    client.force_login(MemberFactory().user)

    by_cohort = client.get("/members/", {"cohort": "Founding cohort"}).content.decode()
    by_community = client.get("/members/", {"community": "human-factors"}).content.decode()

    assert "Founding Fran" in by_cohort and "Later Lee" not in by_cohort
    assert "Founding Fran" in by_community and "Later Lee" not in by_community


def test_programme_team_creates_community_and_curates_interests(client):
    client.force_login(with_totp(programme_team()))
    member = MemberFactory()
    profile_update_suggestion = InterestFactory(name="Frailty", status="pending")
    member.interests.add(profile_update_suggestion)

    client.post(reverse("members:programme_community_create"), {"name": "Sepsis", "description": "Early signs."})
    client.post(reverse("members:programme_interests"), {"name": "Human factors"})
    client.post(
        reverse("members:programme_interests"), {"interest": profile_update_suggestion.pk, "decision": "approve"}
    )
    duplicate = client.post(reverse("members:programme_community_create"), {"name": "sepsis", "description": "Again"})

    assert "There is already a community called “sepsis”." in duplicate.content.decode()
    assert list(Community.objects.values_list("name", flat=True)) == ["Sepsis"]
    assert set(Interest.objects.filter(status="approved").values_list("name", flat=True)) == {
        "Frailty",
        "Human factors",
    }


def test_member_reports_a_message_and_team_resolves_it(client):
    sender, recipient = MemberFactory(full_name="Spammy Sam"), MemberFactory()
    client.force_login(sender.user)
    client.post(reverse("members:contact", args=[recipient.pk]), {"body": "Buy now"})
    message = sender.messages_sent.get()

    client.force_login(sender.user)
    refused = client.get(reverse("members:message_report", args=[message.pk]))
    client.force_login(recipient.user)
    client.post(reverse("members:message_report", args=[message.pk]), {"reason": "Selling things"})
    client.force_login(with_totp(programme_team()))
    listed = client.get(reverse("members:reports")).content.decode()
    report = AbuseReport.objects.get()
    client.post(reverse("members:report_resolve", args=[report.pk]), {"resolution": "Warned the member"})

    assert refused.status_code == 404
    assert "Selling things" in listed and "Spammy Sam" in listed
    report.refresh_from_db()
    assert (report.status, report.resolution) == ("resolved", "Warned the member")


@pytest.mark.parametrize("size", [2, 20])
def test_programme_member_list_query_count_does_not_grow(client, django_assert_num_queries, size):
    MemberFactory.create_batch(size)
    client.force_login(with_totp(programme_team()))

    with django_assert_num_queries(9):
        response = client.get(reverse("members:programme_members"))

    assert response.context["paginator"].count == size


@pytest.mark.parametrize("size", [2, 20])
def test_community_page_query_count_does_not_grow(client, django_assert_num_queries, size):
    community = CommunityFactory()
    for member in MemberFactory.create_batch(size):
        community_join(community=community, member=member, by=None)
    client.force_login(MemberFactory().user)

    with django_assert_num_queries(11):
        response = client.get(reverse("members:community", args=[community.slug]))

    assert f"{size} members" in response.content.decode()


@pytest.mark.parametrize("size", [2, 20])
def test_messages_query_count_does_not_grow(client, django_assert_num_queries, size):
    recipient = MemberFactory()
    senders = MemberFactory.create_batch(size)
    for sender in senders:
        ContactMessage.objects.create(sender=sender, recipient=recipient, body="Hello")
    client.force_login(recipient.user)

    with django_assert_num_queries(9):
        response = client.get(reverse("members:messages"))

    page = response.content.decode()
    assert [sender.full_name in page for sender in senders] == [True] * size


@pytest.mark.parametrize("size", [2, 20])
def test_programme_interest_and_report_lists_query_count_does_not_grow(client, django_assert_num_queries, size):
    reporter = MemberFactory()
    for number, reported in enumerate(MemberFactory.create_batch(size)):
        InterestFactory(name=f"Suggested {number:03d}", slug=f"suggested-{number}", status="pending")
        AbuseReport.objects.create(reporter=reporter, reported=reported, reason=f"Report {number:03d}")
    client.force_login(with_totp(programme_team()))

    # The first page after signing in also saves the session: three queries more.
    with django_assert_num_queries(9):
        interests = client.get(reverse("members:programme_interests"))
    with django_assert_num_queries(6):
        reports = client.get(reverse("members:reports"))

    interest_page, report_page = interests.content.decode(), reports.content.decode()
    assert all(f"Suggested {number:03d}" in interest_page for number in range(size))
    assert all(f"Report {number:03d}" in report_page for number in range(size))


def test_import_keeps_names_and_job_titles_on_one_clean_line(client, django_capture_on_commit_callbacks):
    client.force_login(with_totp(programme_team()))
    rows = io.StringIO()
    csv.writer(rows).writerows([["email", "name", "job_title"], ["amara@example.org", MESSY_NAME, "Ward\nmanager\x00"]])
    upload = SimpleUploadedFile("f.csv", rows.getvalue().encode(), content_type="text/csv")

    client.post(reverse("members:programme_import"), {"cohort_name": "Founding\ncohort", "file": upload})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:programme_import_preview"))

    member = MemberProfile.objects.select_related("user").get()
    assert (member.full_name, member.job_title, member.cohort_name, member.user.display_name) == (
        CLEAN_NAME,
        "Ward manager",
        "Founding cohort",
        CLEAN_NAME,
    )
    assert OutboundEmail.objects.get(to="amara@example.org").subject == f"Welcome to Q, {CLEAN_NAME}"


def test_members_list_search_with_a_nul_byte_or_an_unknown_status_still_answers(client):
    MemberFactory(full_name="Paula Present")
    client.force_login(with_totp(programme_team()))

    nul = client.get(reverse("members:programme_members") + "?q=Paula%00&status=%00", follow=True)
    unknown = client.get(reverse("members:programme_members"), {"q": "Paula", "status": "nonsense"}, follow=True)

    assert "Paula Present" in nul.content.decode()
    assert "Paula Present" in unknown.content.decode()


def _told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_the_recipient_replies_once_and_a_second_reply_is_refused_on_the_message_page(client):
    from members.services import contact_send

    sender, recipient = MemberFactory(full_name="Sam Sender"), MemberFactory()
    message = contact_send(sender=sender, recipient=recipient, body="Shall we compare notes?", by=sender.user)
    client.force_login(recipient.user)
    url = reverse("members:message", kwargs={"pk": message.pk})

    replied = client.post(url, {"body": "Yes please"})
    again = client.post(url, {"body": "Me again"})

    assert replied["Location"] == url
    assert _told(replied) == [("success", "Your reply is sent to Sam Sender, with your email address.")]
    page = again.content.decode()
    assert again.status_code == 200
    # The message page comes back (once replied it shows the addresses, not the reply form or its refusal).
    assert "Shall we compare notes?" in page
    assert ContactMessage.objects.get(pk=message.pk).reply == "Yes please"


def test_programme_adds_an_interest_and_one_already_listed_is_refused_with_the_list_shown(client):
    InterestFactory(name="Sepsis")
    waiting = InterestFactory(name="Frailty", status=InterestStatus.PENDING)
    client.force_login(with_totp(programme_team()))
    url = reverse("members:programme_interests")

    added = client.post(url, {"name": "Human factors"})
    refused = client.post(url, {"name": "Sepsis"})

    assert added["Location"] == url
    assert _told(added) == [("success", "Human factors is on the list.")]
    page = refused.content.decode()
    assert (refused.status_code, "“Sepsis” is already on the list." in page) == (200, True)
    assert waiting.name in page
