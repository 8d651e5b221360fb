"""Nominations: partner organisations put people forward for a round, within the
round's quota for the organisation (or its region). A nomination's status changes
only through the services in `applications.services.nominations`."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region

from ..choices import NomineeProgress, RoleCategory
from .applications import Application
from .rounds import NominationQuota, Round


class NominationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    OPENED = "opened", _("Invitation opened")
    ACCEPTED = "accepted", _("Application started")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn by the nominator")


# Nominations that hold a place of the quota and block a second nomination of the
# same person in the round.
ACTIVE_NOMINATION_STATUSES = (NominationStatus.INVITED, NominationStatus.OPENED, NominationStatus.ACCEPTED)


class NominatorOrganisation(models.Model):
    """A nominator may nominate for this organisation. Granted and removed by the
    programme team; a nominator may have several organisations."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nominator_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="nominator_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="nominator_organisation_unique"),
        ]

    def __str__(self):
        return f"{self.user} - {self.organisation}"


class NominationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_NOMINATION_STATUSES)


class Nomination(models.Model):
    """One person put forward by an organisation for a round. The nominee follows a
    signed link in the invitation email to start an application on the nominated
    route, prefilled from here, or to decline."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="nominations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="nominations")
    # The quota the nomination counts against: the organisation's own, or its region's.
    quota = models.ForeignKey(
        NominationQuota, null=True, blank=True, on_delete=models.SET_NULL, related_name="nominations"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="nominations_made"
    )

    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email address"), max_length=254)
    job_title = models.CharField(_("job title"), max_length=150)
    role_category = models.CharField(_("role"), max_length=20, choices=RoleCategory.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="nominations")
    statement = models.TextField(_("supporting statement"))

    status = models.CharField(max_length=20, choices=NominationStatus.choices, default=NominationStatus.INVITED)
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="nominations"
    )
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="nomination"
    )
    invitations_sent = models.PositiveSmallIntegerField(default=0)
    last_invited_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A person is nominated once per round (a withdrawn nomination frees the
            # address); case does not make a different address.
            models.UniqueConstraint(
                "round",
                Lower("email"),
                condition=~Q(status=NominationStatus.WITHDRAWN),
                name="nomination_one_per_email_per_round",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "organisation", "status"]),
            models.Index(fields=["quota", "status"]),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.organisation})"

    @property
    def progress_stage(self) -> NomineeProgress:
        """Where the nominee has got to, from the `progress` that the dashboard's
        query annotates (`nominations_for_dashboard`)."""
        return NomineeProgress(self.progress)


class CohortUpload(models.Model):
    """A CSV cohort, parsed and checked, waiting for the nominator to confirm. The
    rows live here between the preview and the confirmation, so what is imported
    is exactly what was previewed, never rows sent back by the browser."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    # [{"row": 2, "values": {...}, "errors": [{"column": "Email", "reason": "..."}]}]
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # When the retention schedule removed the rows' personal columns after import.
    personal_data_cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.filename
