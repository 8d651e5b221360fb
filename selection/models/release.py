"""A release of a round's decisions: confirmed by the programme team, run by a
Celery task in batches (10,000 decisions never run inside a request), with its
progress stored here so the release page can show it live."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from applications.models import Round

from ..choices import ACTIVE_RELEASE_STATUSES, ReleaseRunStatus


class ReleaseRun(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="release_runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=ReleaseRunStatus.choices, default=ReleaseRunStatus.QUEUED)
    # The decisions confirmed for release, fixed when the team confirmed: a
    # decision made while the release runs waits for the next release.
    decision_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    released = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round"],
                condition=Q(status__in=ACTIVE_RELEASE_STATUSES),
                name="release_run_one_active_per_round",
            ),
            models.CheckConstraint(condition=Q(status__in=ReleaseRunStatus.values), name="release_run_status_valid"),
            models.CheckConstraint(condition=Q(released__lte=models.F("total")), name="release_run_released_le_total"),
        ]

    def __str__(self):
        return f"Release of {self.round} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RELEASE_STATUSES

    @property
    def percent(self) -> int:
        return int(100 * self.released / self.total) if self.total else 100
