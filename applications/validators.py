import re

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

# A word is a run of characters between spaces that has at least one letter or
# digit in it: "well-being" and "don't" are one word each, a lone dash is none.
_WORD = re.compile(r"\S*[^\W_]\S*")


def count_words(text: str) -> int:
    return len(_WORD.findall(text or ""))


def validate_word_limit(text: str, limit: int) -> None:
    words = count_words(text)
    if words > limit:
        raise ValidationError(
            ngettext(
                "Your answer must be %(limit)s words or fewer. It is %(words)s words: remove %(over)s word.",
                "Your answer must be %(limit)s words or fewer. It is %(words)s words: remove %(over)s words.",
                words - limit,
            ),
            code="word_limit",
            params={"limit": limit, "words": words, "over": words - limit},
        )
