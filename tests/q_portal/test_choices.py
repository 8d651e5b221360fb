"""A list page's choice labels are Django's own, in every language the portal speaks."""

import pytest
from django.conf import settings
from django.db import models
from django.utils import translation

from events.models import Event
from members.models import MemberProfile


@pytest.mark.parametrize(("model", "field_name"), [(MemberProfile, "role_category"), (Event, "format")])
def test_a_models_own_display_of_a_choice_is_djangos(model, field_name):
    field = model._meta.get_field(field_name)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value in [*(choice for choice, _label in field.choices), "", "retired-value"]:
                instance = model(**{field_name: value})
                ours = getattr(instance, f"get_{field_name}_display")()
                assert ours == models.Model._get_FIELD_display(instance, field)
