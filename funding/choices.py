from django.db import models
from django.utils.translation import gettext_lazy as _


class VoteStatus(models.TextChoices):
    """A call's vote: rules are set (and may change) only before it opens."""

    SET_UP = "set_up", _("Rules being set")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed, being counted")
    COUNTED = "counted", _("Counted, not yet published")
    PUBLISHED = "published", _("Results published")


class TieBreak(models.TextChoices):
    """How proposals with the same number of votes are placed. Declared before the
    vote opens and never changed after."""

    PANEL_RANK = "panel_rank", _("The proposal the member panel ranked higher comes first")
    LOWER_BUDGET = "lower_budget", _("The proposal asking for less money comes first (then the panel's ranking)")


class ProjectStatus(models.TextChoices):
    """Derived from the schedule and the updates posted (never stored)."""

    ON_TRACK = "on_track", _("On track")
    DUE_SOON = "due_soon", _("Update due soon")
    LATE = "late", _("Update late")
    FINISHED = "finished", _("Final report in")
