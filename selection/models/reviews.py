from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from applications.models import Application, Criterion, Round

from ..choices import STEPPED_ASIDE_KINDS, ConflictKind, Recommendation, ReviewStatus


class Assignment(models.Model):
    """A reviewer asked to review an application. Created and removed only by the
    services in `selection.services.assignments`; every change is audited."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    # No index of their own: the unique (application, reviewer) and the (reviewer,
    # round) indexes serve both; fewer indexes make a round's bulk writes faster.
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    # A moderator's review is added by the programme team to settle a disagreement;
    # it is not counted against the reviewers expected per application.
    is_moderation = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="assignment_unique_per_reviewer"),
        ]
        indexes = [
            models.Index(fields=["reviewer", "round"]),
            # The moderation queue asks of each row whether a moderator is on it:
            # the few moderator assignments, found without reading the rest.
            models.Index(fields=["application"], condition=Q(is_moderation=True), name="assignment_moderator"),
        ]

    def __str__(self):
        return f"{self.application} → {self.reviewer}"

    def get_absolute_url(self):
        return reverse("selection:review", kwargs={"pk": self.pk})


class Conflict(models.Model):
    """A reviewer who stepped aside from an application with a reason: a declared
    conflict of interest, or (not a conflict, but the same way out) an abstention.
    The automatic conflicts (the applicant, their nominator, the same organisation)
    are derived from the records, never stored: `selection.conflicts`. A conflicted
    reviewer has no assignment to, and no access to, the application."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="conflicts")
    # No index of their own: the unique (application, reviewer) and the (reviewer,
    # round) indexes serve both; fewer indexes make a round's bulk writes faster.
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts", db_index=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts", db_index=False
    )
    kind = models.CharField(max_length=30, choices=ConflictKind.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="conflict_unique_per_reviewer"),
            # One constraint, not two: full_clean checks each with a query.
            models.CheckConstraint(
                condition=Q(kind__in=STEPPED_ASIDE_KINDS) & ~Q(reason=""), name="conflict_stepped_aside_with_reason"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "round"])]

    def __str__(self):
        return f"{self.reviewer} and {self.application}: {self.get_kind_display()}"


class Review(models.Model):
    """A reviewer's scores for one assignment: a draft until submitted; a submitted
    review changes again only when the programme team reopens it."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    note_to_panel = models.TextField(blank=True)
    # The weighted total when submitted, kept so rankings are one aggregate query.
    weighted_total = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.SUBMITTED)
                | (Q(submitted_at__isnull=False, weighted_total__isnull=False) & ~Q(recommendation="")),
                name="submitted_review_is_complete",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return f"Review of {self.assignment}"


class CriterionScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion__letter"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="criterion_score_unique")]

    def __str__(self):
        return f"{self.review} ({self.criterion.letter}): {self.score}"


class RoundProgress(models.Model):
    """How far a round's review has got, as counted at `counted_at` by
    `selection.services.progress`: the round page and the rounds list read this
    one row instead of counting a round's assignments and reviews on every view.

    Every change the programme team makes to the round's assignments, its
    reviewers per application or its review date adds one to `changes` in its
    own transaction; figures counted at an older `changes` are out of date and
    are counted again before they are shown. What reviewers and applicants
    change (reviews submitted, applications withdrawn) is counted again by beat
    each minute for a round in review, and in the background when the figures
    are looked at and are older than a few seconds."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, primary_key=True, related_name="progress")
    # Submitted and under review (the applications reviewed), and beside them
    # every submitted one (decided too) and the drafts never submitted.
    applications = models.PositiveIntegerField(default=0)
    submitted_applications = models.PositiveIntegerField(default=0)
    drafts = models.PositiveIntegerField(default=0)
    short = models.PositiveIntegerField(default=0)
    assignments = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)
    # Reviewers with a review not submitted once the round's reviews were due, on the day counted.
    overdue_reviewers = models.PositiveIntegerField(default=0)
    needs_moderation = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0)
    # The `changes` the figures were counted at; null until first counted.
    counted_changes = models.PositiveIntegerField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    # When a background count was queued; cleared when it has counted.
    queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Progress of {self.round}"
