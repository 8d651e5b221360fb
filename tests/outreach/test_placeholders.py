"""Placeholders in a wave: validated before saving, filled in per recipient,
and nothing the team types becomes markup."""

import pytest

from outreach.placeholders import check_placeholders, clean_value, compile_content
from q_portal.exceptions import PortalError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Hello {{ frist_name }}",
            "“{{ frist_name }}” is not a placeholder the portal knows. You can use {{ first_name }}, "
            "{{ round_name }}, {{ close_date }}, {{ personal_link }}.",
        ),
        ("Hello {{first name}}", "“{{ first name }}” is not a placeholder the portal knows."),
        ("Hello {{ first_name }", "A placeholder is not written correctly"),
        ("Hello first_name }}", "A placeholder is not written correctly"),
        ("Closes {{ close_date }}", "“{{ close_date }}” needs a round"),
    ],
)
def test_check_placeholders_names_the_problem_at_the_field(text, message):
    with pytest.raises(PortalError) as caught:
        check_placeholders(text, field="body", has_round=False)

    assert caught.value.field == "body"
    assert message in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "Hello {{ first_name }}, {{round_name}} closes {{ close_date }}: {{ personal_link }}",
        "No placeholders at all, {single braces} are fine.",
    ],
)
def test_check_placeholders_accepts_known_ones(text):
    check_placeholders(text, field="body", has_round=True)


def test_compiled_content_fills_in_each_recipient_and_escapes_for_html():
    content = compile_content(
        subject="Hello {{ first_name }}: {{ round_name }}",
        body="Dear {{ first_name }},\n\nRead https://q.example.org/about & apply:\n{{ personal_link }}\n\n<b>Bold?</b>",
    )

    subject, text, html = content.render(
        {
            "first_name": "<Asha>",
            "round_name": "Spring 2026",
            "personal_link": "https://portal.example.org/apply/round/1/eligibility/?a=1&b=2",
            "unsubscribe_url": "https://portal.example.org/updates/unsubscribe/abc/",
        }
    )

    assert subject == "Hello <Asha>: Spring 2026"
    assert text.startswith(
        "Dear <Asha>,\n\nRead https://q.example.org/about & apply:\n"
        "https://portal.example.org/apply/round/1/eligibility/?a=1&b=2\n\n<b>Bold?</b>"
    )
    assert "https://portal.example.org/updates/unsubscribe/abc/" in text
    assert "<p>Dear &lt;Asha&gt;,</p>" in html
    assert '<a href="https://q.example.org/about">https://q.example.org/about</a> &amp; apply:<br>' in html
    assert (
        '<a href="https://portal.example.org/apply/round/1/eligibility/?a=1&amp;b=2">'
        "https://portal.example.org/apply/round/1/eligibility/?a=1&amp;b=2</a>"
    ) in html
    assert "&lt;b&gt;Bold?&lt;/b&gt;" in html
    assert "<b>" not in html
    assert 'href="https://portal.example.org/updates/unsubscribe/abc/"' in html
    assert "\x00" not in subject + text + html


# --- A missing value, odd values and odd names ----------------------------------------


@pytest.mark.parametrize("values", [{}, {"first_name": None, "round_name": None, "personal_link": None}])
def test_missing_value_leaves_a_blank_never_the_word_none(values):
    content = compile_content(
        subject="Hello {{ first_name }}, {{ round_name }}",
        body="Dear {{ first_name }}, {{ round_name }} is open: {{ personal_link }}",
    )

    subject, text, html = content.render(values)

    assert subject == "Hello ,"
    assert text.startswith("Dear ,  is open: \n")
    assert "<p>Dear ,  is open: </p>" in html
    assert "None" not in subject + text + html
    assert "<a href" not in content.render_fragment(values)
    assert content.render_fragment(values) == "<p>Dear ,  is open: </p>"


@pytest.mark.django_db
def test_wave_to_a_person_without_a_name_greets_them_as_there():
    from outreach.audiences import Recipient
    from outreach.services import wave_render
    from tests.factories.waves import WaveFactory

    wave = WaveFactory(subject="News for {{ first_name }}", body="Dear {{ first_name }},\n\nHere is the news.")

    for name in (None, "", "   "):
        email = wave_render(wave=wave, recipient=Recipient(address="x@example.org", name=name, application_id=None))
        assert email.subject == "News for there"
        assert email.body_text.startswith("Dear there,\n\nHere is the news.")
        assert "<p>Dear there,</p>" in email.body_html
        assert "None" not in email.subject + email.body_text + email.body_html


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("Spring 2026", "Spring 2026"),
        ("  Spring\n\n 2026\tround  ", "Spring 2026 round"),
        ("Sp\x00first_name\x00ring", "Spfirst_namering"),
        (None, ""),
        (2026, "2026"),
    ],
)
def test_clean_value_gives_one_line_without_markers(value, cleaned):
    assert clean_value(value) == cleaned


def test_value_holding_a_marker_is_not_filled_in_as_another_placeholder():
    content = compile_content(subject="{{ round_name }}", body="{{ round_name }} for {{ first_name }}")

    subject, text, _html = content.render(
        {"round_name": clean_value("Round \x00first_name\x00 one"), "first_name": "Asha"}
    )

    assert subject == "Round first_name one"
    assert text.startswith("Round first_name one for Asha")
    assert "Asha" not in subject


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("x" * 40, "x" * 40),
        ("x" * 41, "x" * 40 + "…"),
        ("first name of the person we are writing to today, please", "first name of the person we are writing…"),
    ],
)
def test_unknown_long_placeholder_is_named_shortened_at_the_field(name, shown):
    with pytest.raises(PortalError) as refused:
        check_placeholders(f"Hello {{{{ {name} }}}}", field="subject", has_round=True)

    assert refused.value.field == "subject"
    assert refused.value.message.startswith(f"“{{{{ {shown} }}}}” is not a placeholder the portal knows.")


@pytest.mark.django_db
def test_unknown_long_placeholder_is_a_field_error_on_the_wave_form(client):
    from django.urls import reverse

    from tests.factories import programme_team, with_totp

    user = programme_team()
    with_totp(user)
    client.force_login(user)
    name = "the first name of whoever receives this email, please" * 2

    response = client.post(
        reverse("waves:create"),
        {
            "name": "Autumn news",
            "subject": "News",
            "body": f"Dear {{{{ {name} }}}},",
            "include_subscribers": "on",
            "rate_per_minute": "600",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"“{{{{ {name[:40].rstrip()}… }}}}” is not a placeholder the portal knows." in page


@pytest.mark.parametrize(
    ("text", "has_round", "message"),
    [
        (
            "Hello {{ first_name }",
            True,
            "A placeholder is not written correctly: write it between double braces, like {{ first_name }}.",
        ),
        (
            "Hello }{{ first_name }}} there",
            True,
            "A placeholder is not written correctly: write it between double braces, like {{ first_name }}.",
        ),
        (
            "Closes {{ close_date }}",
            False,
            "“{{ close_date }}” needs a round: choose the round this wave is about, or remove it.",
        ),
    ],
)
def test_check_placeholders_says_exactly_what_to_fix(text, has_round, message):
    with pytest.raises(PortalError) as refused:
        check_placeholders(text, field="body", has_round=has_round)

    assert refused.value.message == message


def test_preview_fragment_is_filled_in_for_the_recipient():
    content = compile_content(subject="Hi", body="Dear {{ first_name }},\n\nApply: {{ personal_link }}")

    fragment = content.render_fragment(
        {"first_name": "<Asha>", "personal_link": "https://portal.example.org/a?b=1&c=2"}
    )

    assert fragment == (
        "<p>Dear &lt;Asha&gt;,</p>\n\n<p>Apply: "
        '<a href="https://portal.example.org/a?b=1&amp;c=2">https://portal.example.org/a?b=1&amp;c=2</a></p>'
    )


def test_message_typed_with_windows_line_ends_reads_the_same():
    content = compile_content(subject="Hi", body="  Dear {{ first_name }},\r\n\r\nSee you soon.\r\nThe team  ")

    _subject, text, html = content.render({"first_name": "Asha"})

    assert text.startswith("Dear Asha,\n\nSee you soon.\nThe team\n")
    assert "\r" not in text
    assert "<p>Dear Asha,</p>\n\n<p>See you soon.<br>The team</p>" in html
