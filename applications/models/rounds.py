from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region

from ..choices import Phase, RoundStatus, RouteKind


class ImprovementCourse(models.Model):
    """An improvement course whose alumni may apply through the alumni route."""

    name = models.CharField(max_length=200, unique=True)
    provider = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True, help_text=_("Offered to applicants choosing the alumni route."))

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.provider})" if self.provider else self.name


class Route(models.Model):
    """An eligibility route: who may apply, the question that tells, and the
    evidence asked for. A round accepts some of them."""

    kind = models.CharField(max_length=30, choices=RouteKind.choices, unique=True)
    name = models.CharField(max_length=200)
    summary = models.TextField(help_text=_("Who this route is for, shown in the eligibility check."))
    question = models.CharField(
        max_length=300, help_text=_("The yes/no question in the eligibility check that leads to this route.")
    )
    evidence_prompt = models.CharField(
        max_length=300, help_text=_("What the applicant is asked to describe as evidence for this route.")
    )
    courses = models.ManyToManyField(
        ImprovementCourse, blank=True, related_name="routes", help_text=_("For the alumni route.")
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="eligibility_routes", help_text=_("For the national organisation route.")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    @property
    def asks_for_course(self) -> bool:
        return self.kind == RouteKind.COURSE_ALUMNI

    @property
    def asks_for_organisation(self) -> bool:
        return self.kind == RouteKind.NATIONAL_ORGANISATION


class Criterion(models.Model):
    """A selection criterion every applicant answers and every reviewer scores."""

    letter = models.CharField(max_length=1, unique=True, help_text=_("a, b, c…"))
    title = models.CharField(max_length=200)
    guidance_for_applicants = models.TextField()
    guidance_for_reviewers = models.TextField()
    word_limit = models.PositiveIntegerField(default=300)

    class Meta:
        ordering = ["letter"]
        verbose_name_plural = "criteria"
        constraints = [models.CheckConstraint(condition=Q(word_limit__gt=0), name="criterion_word_limit_positive")]

    def __str__(self):
        return f"({self.letter}) {self.title}"


def default_reminder_days() -> list[int]:
    """Days before closing that applicants with a draft are reminded (see waves)."""
    return [7, 1]


class RoundQuerySet(models.QuerySet):
    def open_now(self):
        now = timezone.now()
        return self.filter(status=RoundStatus.OPEN, opens_at__lte=now, closes_at__gt=now)


class Round(models.Model):
    """A recruitment round: its routes, dates, capacity and criteria. Status changes
    only through `applications.services.round_transition`."""

    name = models.CharField(max_length=200, unique=True)
    phase = models.CharField(max_length=10, choices=Phase.choices)
    description = models.TextField(blank=True, help_text=_("Shown to applicants on the home page and in the check."))
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    decisions_expected_on = models.DateField(
        null=True, blank=True, help_text=_("Told to applicants as when they will hear.")
    )
    capacity = models.PositiveIntegerField(help_text=_("How many places the round offers."))
    routes = models.ManyToManyField(Route, related_name="rounds")
    criteria = models.ManyToManyField(Criterion, through="RoundCriterion", related_name="rounds")
    status = models.CharField(max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    # Changed on the waves' deadline reminders page (`outreach.services`).
    reminder_days = models.JSONField(
        default=default_reminder_days,
        blank=True,
        help_text=_("Days before closing that applicants with an unsubmitted draft are reminded."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="round_closes_after_opening"),
        ]
        indexes = [models.Index(fields=["status", "phase"])]

    def __str__(self):
        return self.name

    @property
    def is_accepting(self) -> bool:
        """Open for submissions at this moment: status open and within its dates."""
        now = timezone.now()
        return self.status == RoundStatus.OPEN and self.opens_at <= now < self.closes_at


class RoundCriterion(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="round_criteria")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["criterion__letter"]
        constraints = [models.UniqueConstraint(fields=["round", "criterion"], name="round_criterion_unique")]

    def __str__(self):
        return f"{self.round}: {self.criterion}"


class NominationQuota(models.Model):
    """How many people an organisation, or the organisations of a region, may
    nominate in a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="nomination_quotas")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    places = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, region__isnull=True)
                | Q(organisation__isnull=True, region__isnull=False),
                name="quota_for_organisation_or_region",
            ),
            models.UniqueConstraint(fields=["round", "organisation"], name="quota_unique_organisation"),
            models.UniqueConstraint(fields=["round", "region"], name="quota_unique_region"),
        ]

    def __str__(self):
        return f"{self.organisation or self.region}: {self.places}"
