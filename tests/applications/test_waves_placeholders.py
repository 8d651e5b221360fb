"""Placeholders in a wave: validated before saving, filled in per recipient,
and nothing the team types becomes markup."""

import pytest

from applications.placeholders import check_placeholders, compile_content
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
