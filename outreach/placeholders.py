"""Placeholders in a wave's subject and message: `{{ first_name }}`,
`{{ round_name }}`, `{{ close_date }}` and `{{ personal_link }}`.

The team's text is checked before it is saved: a placeholder the portal does not
know, one left unclosed, or one that needs a round in a wave without one is an
error naming it, never a blank in thousands of emails.

Rendering is done once per wave (`compile_content`): the text is escaped,
paragraphed and its links made clickable for the HTML part with each placeholder
left as a marker, so each recipient costs only a substitution of their values,
escaped for HTML. Nothing the team types becomes markup: paragraphs, line breaks
and links are the only formatting.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from q_portal.exceptions import PortalError

PLACEHOLDERS: dict[str, str] = {
    "first_name": gettext_lazy("the person's first name, or “there” when we do not know it"),
    "round_name": gettext_lazy("the round's name"),
    "close_date": gettext_lazy("when the round closes, in UK time"),
    "personal_link": gettext_lazy(
        "a link for the person: their application in the round, or the round's eligibility check"
    ),
}
# Placeholders whose value comes from the wave's round.
ROUND_PLACEHOLDERS = frozenset({"round_name", "close_date"})
# Added by the portal to every email's footer, not typed by the team.
UNSUBSCRIBE = "unsubscribe_url"

_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
# A marker the team cannot type (forms refuse NUL characters) and that escaping,
# paragraphing and link-making leave alone.
_MARK = "\x00"
_MARKED = re.compile(f"{_MARK}([a-z_]+){_MARK}")


def placeholder_names(text: str) -> list[str]:
    """The placeholders used in the text, in order of first use."""
    names = []
    for match in _PLACEHOLDER.finditer(text):
        if match.group(1) not in names:
            names.append(match.group(1))
    return names


def known_placeholders_sentence() -> str:
    return _("You can use %(list)s.") % {
        "list": ", ".join("{{ %s }}" % name for name in PLACEHOLDERS)  # noqa: UP031 - braces are literal here
    }


def check_placeholders(text: str, *, field: str, has_round: bool) -> None:
    """Raise PortalError (on `field`) naming the first problem with the text's
    placeholders: an unknown one, one not closed, or one that needs a round."""
    for name in placeholder_names(text):
        if name not in PLACEHOLDERS:
            shown = name if len(name) <= 40 else name[:40].rstrip() + "…"
            raise PortalError(
                _("“{{ %(name)s }}” is not a placeholder the portal knows. %(known)s")
                % {"name": shown, "known": known_placeholders_sentence()},
                field=field,
            )
    leftover = _PLACEHOLDER.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        raise PortalError(
            _("A placeholder is not written correctly: write it between double braces, like {{ first_name }}."),
            field=field,
        )
    if not has_round:
        for name in placeholder_names(text):
            if name in ROUND_PLACEHOLDERS:
                raise PortalError(
                    _("“{{ %(name)s }}” needs a round: choose the round this wave is about, or remove it.")
                    % {"name": name},
                    field=field,
                )


@dataclass(frozen=True)
class CompiledContent:
    """A wave's subject and message, ready to be filled in for each recipient."""

    subject: str
    text: str
    html: str
    # The message alone as HTML, without the email's document and footer: for a
    # preview inside a portal page (whose CSP refuses the email's inline styles).
    fragment: str

    def render(self, values: Mapping[str, str]) -> tuple[str, str, str]:
        """(subject, plain text, HTML) for one recipient. Values are plain text:
        they are escaped for the HTML part, and the personal and unsubscribe links
        become links there."""

        def plain(match):
            return _value(match.group(1), values)

        def html(match):
            return self._html_value(match.group(1), values)

        subject = " ".join(_MARKED.sub(plain, self.subject).split())
        return subject, _MARKED.sub(plain, self.text), _MARKED.sub(html, self.html)

    def render_fragment(self, values: Mapping[str, str]) -> str:
        return _MARKED.sub(lambda match: self._html_value(match.group(1), values), self.fragment)

    @staticmethod
    def _html_value(name: str, values: Mapping[str, str]) -> str:
        value = _value(name, values)
        if name == "personal_link" and value:
            return f'<a href="{escape(value)}">{escape(value)}</a>'
        return escape(value)


def compile_content(*, subject: str, body: str) -> CompiledContent:
    """Prepare a wave's content once; see `CompiledContent.render`."""
    marked_body = _mark(body.replace("\r\n", "\n").strip())
    text = render_to_string("outreach/emails/wave.txt", {"body": marked_body, "unsubscribe_url": _marker(UNSUBSCRIBE)})
    body_html = linebreaks(urlize(marked_body, nofollow=False, autoescape=True))
    html = render_to_string(
        "outreach/emails/wave.html",
        {"body": mark_safe(body_html), "unsubscribe_url": _marker(UNSUBSCRIBE)},  # noqa: S308 - escaped above
    )
    return CompiledContent(subject=_mark(subject), text=text, html=html, fragment=body_html)


def clean_value(value: str | None) -> str:
    """A value as it may go into an email: one line, no markers; nothing (never
    the word "None") when there is no value."""
    if value is None:
        return ""
    return " ".join(str(value).replace(_MARK, "").split())


def _value(name: str, values: Mapping[str, str | None]) -> str:
    """A recipient's value for a placeholder: a missing one is empty, never "None"."""
    value = values.get(name)
    return "" if value is None else str(value)


def _marker(name: str) -> str:
    return f"{_MARK}{name}{_MARK}"


def _mark(text: str) -> str:
    return _PLACEHOLDER.sub(lambda match: _marker(match.group(1)), text)
