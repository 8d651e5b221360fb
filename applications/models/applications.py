from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region

from ..choices import AdjustmentStatus, ApplicationOutcome, ApplicationStatus, RoleCategory
from .rounds import Criterion, ImprovementCourse, Round, Route


class Application(models.Model):
    """One person's application to one round. A draft until submitted; submitted
    answers are locked (the applicant may reopen before the deadline). Status
    changes only through the services in `applications.services`."""

    # Empty once anonymised (retention or erasure): the scores and decision stay for
    # the round's statistics, the person's details go.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT)
    reference = models.CharField(max_length=20, null=True, blank=True, unique=True, editable=False)

    # About you
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    role_category = models.CharField(_("role"), max_length=20, choices=RoleCategory.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    organisation_other = models.CharField(_("organisation not in the list"), max_length=200, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")

    # Route and its evidence
    route = models.ForeignKey(Route, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    route_course = models.ForeignKey(
        ImprovementCourse, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    route_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="route_applications"
    )
    route_evidence = models.TextField(blank=True)

    # Declarations
    declares_true = models.BooleanField(default=False)
    consents_to_processing = models.BooleanField(default=False)

    # Reasonable adjustments
    adjustment_status = models.CharField(max_length=20, choices=AdjustmentStatus.choices, blank=True, default="")
    adjustment_request = models.TextField(blank=True)
    adjustment_response = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The released decision (written only by selection's release and its audited
    # reversal), so the applicant's pages and the wave audiences can read it.
    outcome = models.CharField(max_length=20, choices=ApplicationOutcome.choices, blank=True, default="")
    outcome_released_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The feedback the programme team approved, as released with the decision:
    # [{"letter": "a", "title": "…", "text": "…"}], read by the applicant's status page.
    released_feedback = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "round"], name="one_application_per_person_per_round"),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.SUBMITTED)
                | Q(submitted_at__isnull=False, reference__isnull=False),
                name="submitted_application_has_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["round", "outcome"]),
            # The few asking for adjustments, counted per round on the programme team's morning view.
            models.Index(
                fields=["round"],
                condition=Q(adjustment_status=AdjustmentStatus.REQUESTED),
                name="application_adjustment_asked",
            ),
        ]

    def __str__(self):
        return self.reference or f"Draft {self.pk}"

    def get_absolute_url(self):
        return reverse("applications:task_list", kwargs={"pk": self.pk})

    @property
    def organisation_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.organisation_other

    @property
    def is_editable(self) -> bool:
        return self.status == ApplicationStatus.DRAFT


class CriterionResponse(models.Model):
    """An applicant's answer to one selection criterion."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="responses")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="responses")
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["criterion__letter"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="one_response_per_criterion"),
        ]

    def __str__(self):
        return f"{self.application} ({self.criterion.letter})"
