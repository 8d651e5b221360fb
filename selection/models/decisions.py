"""Moderation and decisions: each reviewed application's stored scores (so the
board sorts and filters in the database), the programme team's decision,
per-criterion feedback, held places and the offer of a place. Changed only by
the services in `selection.services`; every change is audited."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from applications.models import Application, Criterion, Round

from ..choices import DecisionOutcome, FeedbackStatus, GroupDimension, PlaceOfferStatus


class ApplicationScore(models.Model):
    """An application's review numbers, stored when a review is submitted or
    reopened (and for the whole round when normalised scores move), so a board of
    10,000 applications sorts by score with an index, not an aggregate."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="score_summary"
    )
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="application_scores")
    reviews_expected = models.PositiveSmallIntegerField(default=0)
    reviews_done = models.PositiveSmallIntegerField(default=0)
    # Mean of the submitted reviews' weighted totals.
    mean_score = models.FloatField(null=True, blank=True)
    # Mean of the reviewers' z-scores (see selection.scoring.normalised_scores).
    normalised_score = models.FloatField(null=True, blank=True)
    # The bias-corrected estimate (see scoring.model): merit on the scale of the
    # weighted total once each reviewer's leniency is taken out, with its 95 %
    # interval. The board's and the decision room's default ranking.
    model_score = models.FloatField(null=True, blank=True)
    model_low = models.FloatField(null=True, blank=True)
    model_high = models.FloatField(null=True, blank=True)
    # The largest range (max - min) between reviewers on any one criterion.
    spread = models.PositiveSmallIntegerField(null=True, blank=True)
    accept_count = models.PositiveSmallIntegerField(default=0)
    maybe_count = models.PositiveSmallIntegerField(default=0)
    do_not_accept_count = models.PositiveSmallIntegerField(default=0)
    needs_moderation = models.BooleanField(default=False)
    # Submitted moderator reviews: they settle a disagreement (the application
    # leaves the moderation queue) and count in the mean score, not in reviews_done.
    moderation_reviews_done = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["round", "-normalised_score"]),
            models.Index(fields=["round", "-mean_score"]),
            models.Index(fields=["round", "needs_moderation"]),
            # The board's default sorts, best first with the unscored last, read in
            # index order so a page of 250 stops after 250 rows.
            models.Index(
                F("round"), F("normalised_score").desc(nulls_last=True), F("application"), name="score_board_normalised"
            ),
            models.Index(F("round"), F("mean_score").desc(nulls_last=True), F("application"), name="score_board_mean"),
            models.Index(
                F("round"), F("model_score").desc(nulls_last=True), F("application"), name="score_board_model"
            ),
            # The moderation queue's default order, widest disagreement first,
            # over the applications in it only.
            models.Index(
                F("round"),
                F("spread").desc(nulls_last=True),
                F("application"),
                condition=Q(needs_moderation=True),
                name="score_moderation_spread",
            ),
        ]

    def __str__(self):
        return f"Scores of {self.application}"


class Decision(models.Model):
    """The programme team's decision on one application. Changeable until
    released; after that only through an audited reversal."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="decision")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=DecisionOutcome.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["round", "outcome"])]

    def __str__(self):
        return f"{self.application}: {self.get_outcome_display()}"

    @property
    def is_released(self) -> bool:
        return self.released_at is not None


class CriterionFeedback(models.Model):
    """Short feedback to the applicant on one criterion, drawn from reviewers'
    comments. Only approved feedback is ever sent."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="feedback")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    status = models.CharField(max_length=20, choices=FeedbackStatus.choices, default=FeedbackStatus.DRAFT)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["criterion__letter"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="feedback_unique_per_criterion"),
            models.CheckConstraint(
                condition=~Q(status=FeedbackStatus.APPROVED) | Q(approved_at__isnull=False),
                name="approved_feedback_has_approval_time",
            ),
        ]

    def __str__(self):
        return f"Feedback on {self.application} ({self.criterion.letter})"


class PlaceHold(models.Model):
    """Places held for a group (e.g. 10 for the North East, 5 for patient leaders)
    when the decision room draws the cut-off line."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="place_holds")
    dimension = models.CharField(max_length=20, choices=GroupDimension.choices)
    # The group's key: a region or route id, or a role category value.
    value = models.CharField(max_length=50)
    places = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "dimension", "value"], name="place_hold_unique_per_group"),
        ]

    def __str__(self):
        return f"{self.places} places for {self.get_dimension_display()} {self.value} in {self.round}"


class PlaceOffer(models.Model):
    """A place offered to an accepted (or promoted waitlisted) applicant, to be
    confirmed by agreeing to the member compact before `respond_by`."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="place_offer")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="place_offers")
    status = models.CharField(max_length=20, choices=PlaceOfferStatus.choices, default=PlaceOfferStatus.OFFERED)
    offered_at = models.DateTimeField()
    respond_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    # Set when the place came from the waiting list rather than the first release.
    promoted_from_waitlist = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["round", "status", "respond_by"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(respond_by__gt=models.F("offered_at")), name="offer_respond_after_offer"
            ),
        ]

    def __str__(self):
        return f"Place for {self.application}: {self.get_status_display()}"


class RoundScoring(models.Model):
    """The state of a round's ranking model: when reviews last changed (`dirty_at`),
    whether a recomputation is queued (`scheduled_at`), when it last ran, and the
    fitted numbers (the variances, each reviewer's effect). One row per round,
    claimed with an atomic UPDATE, so a burst of reviews queues one recomputation
    (`selection.services.scores.scores_review_changed`)."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, primary_key=True, related_name="scoring")
    dirty_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    # {"level", "merit_sd", "reviewer_sd", "noise_sd", "rounds", "applications", "reviewers", "seconds"}
    fit = models.JSONField(default=dict, blank=True)
    # {reviewer id (str): effect in weighted-total points, + lenient, - harsh}
    reviewer_effects = models.JSONField(default=dict, blank=True)

    def __str__(self):
        return f"Scoring of {self.round}"
