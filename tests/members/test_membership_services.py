import datetime
import io

import pytest
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext
from PIL import Image

from members.choices import InterestStatus, MembershipStatus, MemberSource
from members.models import AbuseReport, CoffeePairing, ContactMessage, Interest, MemberProfile, User
from members.services import (
    abuse_report_create,
    coffee_pair,
    community_create,
    community_join,
    community_leave,
    contact_reply,
    contact_send,
    interest_moderate,
    member_create,
    member_import,
    member_import_preview,
    member_transition,
    membership,
    pledge_set,
    profile_photo_set,
    profile_search_refresh,
    profile_update,
)
from members.services.contact import CONTACT_LIMIT
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, programme_team
from tests.factories.members import CommunityFactory, InterestFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _image(format="JPEG", size=(1600, 1200), exif=None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "teal")
    if exif is not None:
        image.save(buffer, format=format, exif=exif)
    else:
        image.save(buffer, format=format)
    return SimpleUploadedFile(f"me.{format.lower()}", buffer.getvalue(), content_type="image/jpeg")


# --- Becoming a member --------------------------------------------------------------


def test_member_create_prefills_numbers_and_queues_one_welcome_email(django_capture_on_commit_callbacks, mailoutbox):
    user = UserFactory(display_name="Jo Morgan", email="jo@example.org")
    region = RegionFactory(name="Wessex")
    organisation = OrganisationFactory(name="Wessex AHSN")

    with django_capture_on_commit_callbacks(execute=True):
        profile = member_create(
            user=user,
            by=None,
            cohort_name="Wider recruitment 2026",
            joined_on=datetime.date(2026, 5, 1),
            job_title="Pharmacist",
            role_category="clinician",
            organisation=organisation,
            region=region,
            source=MemberSource.APPLICATION,
        )

    assert (profile.full_name, profile.job_title, profile.region, profile.organisation_name) == (
        "Jo Morgan",
        "Pharmacist",
        region,
        "Wessex AHSN",
    )
    assert profile.membership_number == f"Q{profile.pk:05d}"
    assert user.member_profile == profile
    assert [message.to for message in mailoutbox] == [["jo@example.org"]]
    assert "/members/me/" in mailoutbox[0].body
    assert profile.membership_number in mailoutbox[0].body


def test_member_create_is_idempotent_per_user(django_capture_on_commit_callbacks, mailoutbox):
    user = UserFactory()
    arguments = {
        "user": user,
        "by": None,
        "cohort_name": "Pilot",
        "joined_on": datetime.date(2026, 1, 1),
        "job_title": "Nurse",
        "role_category": "clinician",
        "organisation": None,
        "region": None,
        "source": MemberSource.APPLICATION,
    }

    with django_capture_on_commit_callbacks(execute=True):
        first = member_create(**arguments)
        second = member_create(**{**arguments, "job_title": "Matron"})

    assert first == second
    assert MemberProfile.objects.filter(user=user).count() == 1
    assert MemberProfile.objects.get(user=user).job_title == "Nurse"
    assert len(mailoutbox) == 1
    assert AuditEntry.objects.filter(action="members.member_create").count() == 1


def test_member_transition_pause_then_end_and_refuses_ending_again():
    member = MemberFactory(coffee_opt_in=True)
    team = programme_team()

    member_transition(member=member, to=MembershipStatus.PAUSED, by=team, reason="Parental leave")
    member.refresh_from_db()
    assert (member.status, member.coffee_opt_in, member.status_reason) == ("paused", False, "Parental leave")
    member_transition(member=member, to=MembershipStatus.ENDED, by=team)

    with pytest.raises(PortalError, match="ended cannot become active"):
        member_transition(member=member, to=MembershipStatus.ACTIVE, by=team)
    assert OutboundEmail.objects.filter(to=member.user.email, subject__contains="now ended").count() == 1


# --- Founding import ----------------------------------------------------------------


CSV = """email,name,job_title,role_category,organisation,region,joined_on
ada@example.org,Ada Lovelace,Analyst,researcher,Wessex AHSN,Wessex,2016-03-01
bad-address,Bob,,,,,
ada@example.org,Ada Again,,,,,
cara@example.org,Cara,,surgeon,,Atlantis,2099-01-01
dan@example.org,Dan Jones,Nurse,Front-line clinician,A trust not in the list,,31/03/2016
"""


def test_member_import_preview_reports_each_problem_by_row_and_column():
    OrganisationFactory(name="Wessex AHSN")
    RegionFactory(name="Wessex", slug="wessex")

    report = member_import_preview(csv_text=CSV, today=datetime.date(2026, 1, 1))

    assert report.errors == [
        (3, "email", "“bad-address” is not an email address."),
        (4, "email", "The same address is on row 2."),
        (5, "role_category", "Use one of: clinician, manager, researcher, policy_maker, patient_leader, other."),
        (5, "region", "There is no region called “Atlantis”."),
        (5, "joined_on", "The date joined cannot be in the future."),
    ]
    assert [row.values["email"] for row in report.valid_rows] == ["ada@example.org", "dan@example.org"]
    assert MemberProfile.objects.count() == 0


def test_member_import_imports_valid_rows_and_makes_accounts(django_capture_on_commit_callbacks, mailoutbox):
    OrganisationFactory(name="Wessex AHSN")
    RegionFactory(name="Wessex", slug="wessex")
    existing = UserFactory(email="dan@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        report, created = member_import(csv_text=CSV, cohort_name="Founding cohort", by=programme_team())

    assert sorted(profile.full_name for profile in created) == ["Ada Lovelace", "Dan Jones"]
    ada = MemberProfile.objects.get(user__email="ada@example.org")
    assert (ada.organisation.name, ada.region.name, ada.joined_on, ada.source, ada.cohort_name) == (
        "Wessex AHSN",
        "Wessex",
        datetime.date(2016, 3, 1),
        "founding",
        "Founding cohort",
    )
    assert not ada.user.has_usable_password()
    assert MemberProfile.objects.get(user=existing).organisation_other == "A trust not in the list"
    assert sorted(message.to[0] for message in mailoutbox) == ["ada@example.org", "dan@example.org"]
    assert "/accounts/password/reset/" in next(m.body for m in mailoutbox if m.to == ["ada@example.org"])
    assert len(report.invalid_rows) == 3


def test_member_import_refuses_file_without_required_columns():
    with pytest.raises(PortalError, match="Missing: email"):
        member_import(csv_text="name\nAda\n", cohort_name="Founding", by=programme_team())
    assert User.objects.filter(email__contains="ada").count() == 0


def test_member_import_preview_reports_an_over_long_cell_as_a_problem_of_the_file():
    report = member_import_preview(csv_text="email,name\nada@example.org," + "a" * 131_073 + "\n")

    assert report.problems == [
        "A cell on line 2 is longer than 131,072 characters. Shorten it and upload the file again."
    ]
    assert report.rows == []


# --- Profile, photo, pledge ------------------------------------------------------------


def test_profile_update_suggested_interest_waits_for_moderation_then_is_searchable():
    member = MemberFactory()
    curated = InterestFactory(name="Sepsis")

    profile_update(member=member, by=member.user, interests=[curated], suggested_interests=["Frailty"], bio="I care.")

    frailty = Interest.objects.get(name="Frailty")
    assert frailty.status == InterestStatus.PENDING
    assert set(member.interests.values_list("name", flat=True)) == {"Sepsis", "Frailty"}
    interest_moderate(interest=frailty, approve=False, by=programme_team())
    assert set(member.interests.values_list("name", flat=True)) == {"Sepsis"}


def test_search_refresh_of_many_profiles_gives_each_its_own_words_in_one_update_a_batch(monkeypatch):
    words = ["sepsis", "frailty", "deprescribing", "handover", "telehealth"]
    members = [MemberFactory() for _ in words]
    for member, word in zip(members, words, strict=True):
        MemberProfile.objects.filter(pk=member.pk).update(bio=f"My work is on {word}.")  # stored, not yet searchable
    monkeypatch.setattr(membership, "SEARCH_REFRESH_BATCH", 2)

    with CaptureQueriesContext(connection) as queries:
        profile_search_refresh(profile_ids=[member.pk for member in members])

    for member, word in zip(members, words, strict=True):
        found = MemberProfile.objects.filter(search_vector=SearchQuery(word, config="english"))
        assert list(found.values_list("pk", flat=True)) == [member.pk]
    # The vector is the one Django's SearchVector writes for the name, the work and the rest.
    for member in MemberProfile.objects.filter(pk__in=[member.pk for member in members]):
        name, work, about = membership._search_text(member)
        expected = (
            SearchVector(Value(name), weight="A", config="english")
            + SearchVector(Value(work), weight="B", config="english")
            + SearchVector(Value(about), weight="C", config="english")
        )
        vectors = MemberProfile.objects.filter(pk=member.pk).annotate(expected=expected)
        stored, written_by_django = vectors.values_list("search_vector", "expected").get()
        assert stored == written_by_django
    updates = [query for query in queries.captured_queries if query["sql"].startswith("UPDATE")]
    assert len(updates) == 3  # five profiles in batches of two


def test_profile_update_refuses_link_without_web_scheme():
    member = MemberFactory()

    with pytest.raises(Exception, match="https://"):
        profile_update(member=member, by=member.user, links=["javascript:alert(1)"])

    member.refresh_from_db()
    assert member.links == []


def test_profile_photo_set_reencodes_shrinks_and_strips_metadata(django_capture_on_commit_callbacks):
    member = MemberFactory()
    exif = Image.Exif()
    exif[0x010F] = "Secret camera"  # Make
    upload = _image(exif=exif.tobytes())

    with django_capture_on_commit_callbacks(execute=True):
        profile_photo_set(member=member, upload=upload, by=member.user)

    member.refresh_from_db()
    with default_storage.open(member.photo.name) as stored, Image.open(stored) as photo:
        assert (photo.format, max(photo.size)) == ("JPEG", 800)
        assert dict(photo.getexif()) == {}


def test_profile_photo_set_refuses_a_file_that_is_not_an_image():
    member = MemberFactory()
    upload = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")

    with pytest.raises(PortalError, match="must be a JPG, PNG, GIF or WebP image") as refused:
        profile_photo_set(member=member, upload=upload, by=member.user)

    assert refused.value.field == "photo"
    member.refresh_from_db()
    assert member.photo.name == ""


def test_profile_photo_set_refuses_a_file_over_5_mb():
    member = MemberFactory()
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024), content_type="image/jpeg")

    with pytest.raises(PortalError, match="smaller than 5 MB"):
        profile_photo_set(member=member, upload=upload, by=member.user)


def test_pledge_set_makes_then_changes_one_pledge():
    member = MemberFactory()

    pledge_set(member=member, text="I will host a visit.", category="hosting", by=member.user)
    pledge = pledge_set(member=member, text="I will share our   run chart tool.", category="tool", by=member.user)

    assert (member.pledge.pk, pledge.text, pledge.category) == (pledge.pk, "I will share our run chart tool.", "tool")


def test_community_join_is_idempotent_and_leave_removes():
    member = MemberFactory()
    community = CommunityFactory()

    community_join(community=community, member=member, by=member.user)
    community_join(community=community, member=member, by=member.user)
    assert list(community.members.all()) == [member]
    assert community_leave(community=community, member=member, by=member.user) is True
    assert list(community.members.all()) == []


def test_community_create_gives_each_community_its_own_address():
    team = programme_team()

    first = community_create(name="Human factors", description="Why things go wrong.", by=team)
    second = community_create(name="Human factors!", description="The same, louder.", by=team)
    third = community_create(name="Human factors?", description="Asking.", by=team)
    wordless = community_create(name="!!!", description="No letters in the name.", by=team)

    assert [c.slug for c in (first, second, third, wordless)] == [
        "human-factors",
        "human-factors-2",
        "human-factors-3",
        "community",
    ]
    assert [c.get_absolute_url() for c in (first, second)] == [
        "/members/communities/human-factors/",
        "/members/communities/human-factors-2/",
    ]


def test_community_join_refuses_closed_community():
    with pytest.raises(PortalError, match="not taking new members"):
        community_join(community=CommunityFactory(is_open=False), member=MemberFactory(), by=None)


# --- Contact ---------------------------------------------------------------------------


def test_contact_send_emails_recipient_without_sender_address(django_capture_on_commit_callbacks, mailoutbox):
    sender = MemberFactory(full_name="Sam Sender", user__email="sam.private@example.org")
    recipient = MemberFactory(full_name="Rae Recipient", user__email="rae.private@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        message = contact_send(sender=sender, recipient=recipient, body="Shall we compare notes?", by=sender.user)

    [email] = mailoutbox
    assert email.to == ["rae.private@example.org"]
    assert "Sam Sender" in email.subject
    assert "Shall we compare notes?" in email.body
    assert f"/members/messages/{message.pk}/" in email.body
    assert "sam.private@example.org" not in email.body + email.subject + str(email.extra_headers)
    assert email.reply_to == []


def test_contact_reply_shares_both_addresses(django_capture_on_commit_callbacks, mailoutbox):
    sender = MemberFactory(user__email="sam.private@example.org")
    recipient = MemberFactory(user__email="rae.private@example.org")
    message = contact_send(sender=sender, recipient=recipient, body="Hello", by=sender.user)

    with django_capture_on_commit_callbacks(execute=True):
        contact_reply(message=message, body="Yes please", by=recipient.user)

    to_sender = next(m for m in mailoutbox if m.to == ["sam.private@example.org"])
    to_recipient = next(m for m in mailoutbox if m.to == ["rae.private@example.org"] and "reach" in m.subject)
    assert "Yes please" in to_sender.body and "rae.private@example.org" in to_sender.body
    assert "sam.private@example.org" in to_recipient.body
    with pytest.raises(PortalError, match="already replied"):
        contact_reply(message=message, body="Again", by=recipient.user)


def test_contact_reply_refuses_anyone_but_the_recipient():
    sender, recipient = MemberFactory(), MemberFactory()
    message = contact_send(sender=sender, recipient=recipient, body="Hello", by=sender.user)

    with pytest.raises(PortalError, match="Only the person"):
        contact_reply(message=message, body="Sneaky", by=sender.user)


def test_contact_send_is_rate_limited_per_sender():
    sender = MemberFactory()
    recipients = [MemberFactory() for _ in range(CONTACT_LIMIT + 1)]

    for recipient in recipients[:CONTACT_LIMIT]:
        contact_send(sender=sender, recipient=recipient, body="Hello", by=sender.user)
    with pytest.raises(PortalError, match="Try again tomorrow"):
        contact_send(sender=sender, recipient=recipients[-1], body="Hello", by=sender.user)

    assert ContactMessage.objects.filter(sender=sender).count() == CONTACT_LIMIT
    # Another member is not held back by this one's limit.
    contact_send(sender=recipients[0], recipient=recipients[1], body="Hi", by=recipients[0].user)


@pytest.mark.parametrize(
    ("recipient_values", "reason"),
    [({"contact_enabled": False}, "not taking messages"), ({"visibility": "hidden"}, "not taking messages")],
)
def test_contact_send_refuses_member_who_opted_out_or_is_hidden(recipient_values, reason):
    sender, recipient = MemberFactory(), MemberFactory(**recipient_values)

    with pytest.raises(PortalError, match=reason):
        contact_send(sender=sender, recipient=recipient, body="Hello", by=sender.user)
    assert ContactMessage.objects.count() == 0


def test_abuse_report_emails_the_programme_team(django_capture_on_commit_callbacks, mailoutbox):
    team = programme_team(email="team@example.org")
    sender, recipient = MemberFactory(), MemberFactory()
    message = contact_send(sender=sender, recipient=recipient, body="Buy my product", by=sender.user)

    with django_capture_on_commit_callbacks(execute=True):
        abuse_report_create(reporter=recipient, reported=sender, message=message, reason="Spam", by=recipient.user)

    assert AbuseReport.objects.get().message == message
    assert [m.subject for m in mailoutbox if m.to == [team.email]] == ["A member has reported a problem"]


# --- Random coffee -------------------------------------------------------------------------


def test_coffee_pair_pairs_opted_in_active_members_never_twice_a_year(django_capture_on_commit_callbacks, mailoutbox):
    north, south = RegionFactory(), RegionFactory()
    a = MemberFactory(coffee_opt_in=True, region=north)
    b = MemberFactory(coffee_opt_in=True, region=south)
    MemberFactory(coffee_opt_in=False)
    MemberFactory(coffee_opt_in=True, status="paused")

    with django_capture_on_commit_callbacks(execute=True):
        [pairing] = coffee_pair(month=datetime.date(2026, 3, 9))
    again = coffee_pair(month=datetime.date(2026, 3, 20))
    next_month = coffee_pair(month=datetime.date(2026, 4, 1))

    assert ({pairing.first, pairing.second}, pairing.month) == ({a, b}, datetime.date(2026, 3, 1))
    assert (again, next_month) == ([], [])
    assert sorted(m.to[0] for m in mailoutbox) == sorted([a.user.email, b.user.email])
    assert CoffeePairing.objects.count() == 1


def test_coffee_pair_prefers_a_different_region_and_role():
    import random

    north, south = RegionFactory(), RegionFactory()
    members = [
        MemberFactory(coffee_opt_in=True, region=north, role_category="clinician"),
        MemberFactory(coffee_opt_in=True, region=north, role_category="clinician"),
        MemberFactory(coffee_opt_in=True, region=south, role_category="manager"),
        MemberFactory(coffee_opt_in=True, region=south, role_category="manager"),
    ]

    pairs = coffee_pair(month=datetime.date(2026, 3, 1), rng=random.Random(1))  # noqa: S311 - a repeatable test

    assert len(pairs) == 2
    for pairing in pairs:
        assert pairing.first.region != pairing.second.region
    assert {m.pk for p in pairs for m in (p.first, p.second)} == {m.pk for m in members}
