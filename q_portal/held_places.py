"""Places held in a round for a group: one row per group, gone at zero. Shared by
selection's held places (region, role, route) and equality's (a monitoring
characteristic, under positive action)."""

from django.utils.translation import gettext as _

from .exceptions import PortalError


def held_places_check(*, places: int, capacity: int) -> None:
    """Refuse to hold fewer than 0 places, or more than the round has."""
    if places < 0:
        raise PortalError(_("Enter the number of places to hold, 0 or more."), field="places")
    if places > capacity:
        raise PortalError(
            _("The round has %(capacity)d places: hold no more than that.") % {"capacity": capacity},
            field="places",
        )


def held_places_set(model, *, places: int, **group):
    """Lock the group's row, then create, change or delete it so it holds `places`.
    Returns `(row or None, places held before)`; nothing is written when unchanged."""
    hold = model.objects.select_for_update().filter(**group).first()
    before = hold.places if hold else 0
    if before == places:
        return hold, before
    if places == 0:
        hold.delete()
        return None, before
    if hold is None:
        hold = model(**group, places=places)
        hold.full_clean()
        hold.save(force_insert=True)
    else:
        hold.places = places
        hold.save(update_fields=["places"])
    return hold, before
