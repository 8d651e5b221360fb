"""A round's selection settings, created with the defaults on first use. Its own
module, below both the settings services and the score services, which read it."""

from django.db import IntegrityError, transaction

from applications.models import Round

from ..models import SelectionSettings


def selection_settings_for(*, round: Round) -> SelectionSettings:
    """The round's selection settings read afresh (one query), created with the
    defaults if it has none."""
    settings = SelectionSettings.objects.filter(round=round).first()
    if settings is not None:
        return settings
    try:
        with transaction.atomic():
            return SelectionSettings.objects.create(round=round)
    except IntegrityError:
        return SelectionSettings.objects.get(round=round)
