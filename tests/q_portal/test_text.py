"""One-line text: the normaliser every form and service uses, and its form field."""

import pytest
from django.core.exceptions import ValidationError

from q_portal.fields import SingleLineCharField
from q_portal.text import single_line
from tests.factories.text import CLEAN_NAME, MESSY_NAME


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (MESSY_NAME, CLEAN_NAME),
        ("Amara\nOkafor", "Amara Okafor"),
        ("Amara\tOkafor", "Amara Okafor"),
        ("Amara\x00Okafor", "AmaraOkafor"),
        ("\u202eAmara\u200d", "Amara"),
        ("Amara\u00a0\u3000Okafor", "Amara Okafor"),
        ("Amara \ud800Okafor", "Amara Okafor"),
        # A joiner between two characters is part of the text (Persian, emoji).
        ("\u0645\u06cc\u200c\u062e 👩\u200d⚕️", "\u0645\u06cc\u200c\u062e 👩\u200d⚕️"),
        ("", ""),
        (None, ""),
    ],
)
def test_single_line_keeps_one_clean_line(typed, kept):
    assert single_line(typed) == kept


def test_single_line_field_normalises_before_checking_the_length():
    field = SingleLineCharField(max_length=16, required=True)

    assert field.clean(MESSY_NAME) == CLEAN_NAME
    with pytest.raises(ValidationError, match="This field is required"):
        field.clean("\x00\u200b \n")
