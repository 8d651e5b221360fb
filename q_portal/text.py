"""Text the portal keeps on one line: names, organisations, job titles, subjects,
search terms. One normaliser for forms (`q_portal.fields.SingleLineCharField`)
and services alike, so a CSV import or any other caller of a service stores the
same clean text a form would: an email subject built from a name can then never
break the outbox's single-line check, and a search never sends PostgreSQL a NUL."""

import unicodedata

from django.utils.crypto import salted_hmac

# Joiners are format characters, but a Persian or Indic name, or an emoji, needs
# them between two characters; anywhere else they only hide text.
_JOINERS = frozenset({"\u200c", "\u200d"})
# Unicode categories dropped: control (NUL, escape, …), format (zero-width space,
# byte order mark, direction overrides) and surrogates (no character on their own).
_DROPPED = frozenset({"Cc", "Cf", "Cs"})


def _kept(text: str, index: int) -> bool:
    character = text[index]
    if character in _JOINERS:
        return 0 < index < len(text) - 1 and not text[index - 1].isspace() and not text[index + 1].isspace()
    return unicodedata.category(character) not in _DROPPED


def single_line(value: str | None) -> str:
    """`value` as one line of text: every run of whitespace (line breaks, tabs,
    Unicode spaces and line separators) one space, none at either end; control
    and invisible format characters (NUL, zero-width space, BOM, direction
    overrides) and lone surrogates removed; composed to Unicode NFC, so "é"
    typed two ways is stored and found as one."""
    if not value:
        return ""
    text = "".join(" " if character.isspace() else character for character in str(value))
    text = "".join(character for index, character in enumerate(text) if _kept(text, index))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def address_digest(address: str, *, salt: str) -> str:
    """A keyed digest naming an email address (case aside) in a signed link,
    instead of the address itself: a link checks it still names the address it
    was sent to, without the address appearing in the URL."""
    return salted_hmac(salt, address.strip().lower()).hexdigest()[:32]
