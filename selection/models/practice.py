"""Calibration before scoring: practice applications with agreed scores, and
each reviewer's practice scores. Changed only by `selection.services.practice`."""

from django.conf import settings
from django.db import models

from applications.models import Round


class PracticeApplication(models.Model):
    """A past (anonymised) or synthetic application the programme team has
    scored together: reviewers of the round score it before their real queue
    opens, then see the agreed scores and why."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="practice_applications")
    title = models.CharField(max_length=200)
    # {criterion letter: the answer's text}
    answers = models.JSONField(default=dict)
    # {criterion letter: the agreed score on the round's rubric}
    agreed_scores = models.JSONField(default=dict)
    rationale = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title


class PracticeReview(models.Model):
    """One reviewer's scores of one practice application, given before they saw
    the agreed scores; never changed afterwards."""

    practice = models.ForeignKey(PracticeApplication, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_reviews")
    # {criterion letter: score}
    scores = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["practice", "reviewer"], name="practice_review_once")]
        indexes = [models.Index(fields=["reviewer", "practice"])]

    def __str__(self):
        return f"{self.reviewer} on {self.practice}"

    @property
    def error(self) -> float | None:
        """Mean of (own - agreed) over the criteria: + lenient, - harsh."""
        agreed = self.practice.agreed_scores
        differences = [score - agreed[letter] for letter, score in self.scores.items() if letter in agreed]
        return sum(differences) / len(differences) if differences else None
