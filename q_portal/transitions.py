"""One way to change a status: each app keeps a table of where each status may
move (`ALLOWED_TRANSITIONS`), and its transition service moves a row with
`status_move`, which refuses any move the table does not list."""

from django.db.models import TextChoices

from .exceptions import PortalError


def status_move(
    obj, *, to: TextChoices, allowed: dict, refusal: str, refusal_values: dict | None = None
) -> TextChoices:
    """Set `obj.status` to `to` if `allowed` lets its current status move there,
    and return the status it had; the caller saves and audits. Otherwise raise
    `PortalError(refusal)`, where `refusal` is a translated sentence with
    `%(status)s` (the current status) and `%(to)s`, both in lower case, and any
    other names given in `refusal_values`."""
    current = type(to)(obj.status)
    if to not in allowed[current]:
        raise PortalError(refusal % {"status": current.label.lower(), "to": to.label.lower(), **(refusal_values or {})})
    obj.status = to
    return current
