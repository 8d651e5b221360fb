"""Equality monitoring answers, kept apart from the application.

`MonitoringResponse` holds one person's answers: in its own table, linked to the
account (never to an application), read only by the person themselves and, in
aggregate, by the programme team's analysis. `StageTally` keeps a round's
counts by category when answers can no longer be linked to the round's
applications (the person was erased, or their application anonymised by the
retention policy): counts, never people."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from applications.models import Round

from .choices import QUESTIONS_BY_FIELD


def _answer_field(field: str) -> models.CharField:
    question = QUESTIONS_BY_FIELD[field]
    return models.CharField(
        max_length=30,
        blank=True,
        default="",
        choices=question.flat_choices(),
        verbose_name=str(question.label),
    )


class MonitoringResponse(models.Model):
    """One person's equality monitoring answers. A blank answer is "not answered";
    "prefer_not" is "Prefer not to say"."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="equality_monitoring")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    age_band = _answer_field("age_band")
    sex = _answer_field("sex")
    gender_identity_same = _answer_field("gender_identity_same")
    ethnic_group = _answer_field("ethnic_group")
    disability = _answer_field("disability")
    religion = _answer_field("religion")
    sexual_orientation = _answer_field("sexual_orientation")
    caring = _answer_field("caring")
    socio_economic = _answer_field("socio_economic")
    staff_group = _answer_field("staff_group")
    band = _answer_field("band")
    sector = _answer_field("sector")
    patient_carer = _answer_field("patient_carer")

    class Meta:
        verbose_name = "equality monitoring response"

    def __str__(self) -> str:
        return f"Equality monitoring response {self.pk}"


class Stage(models.TextChoices):
    REGISTERED = "registered", "Registered interest"
    STARTED = "started", "Started an application"
    SUBMITTED = "submitted", "Submitted"
    NOMINATED = "nominated", "Nominated"
    SELECTED = "selected", "Selected (above the line)"
    OFFERED = "offered", "Offered a place"
    TOOK_UP = "took_up", "Took up the place"


class StageTally(models.Model):
    """How many of a round's people, whose answers are no longer linked to it,
    reached a stage, by analysis group of one characteristic. Added to the live
    counts by the analysis."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    characteristic = models.CharField(max_length=30)
    category = models.CharField(max_length=30, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "characteristic", "category", "stage"], name="equality_tally_unique"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="equality_tally_count_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.characteristic}={self.category or '-'} {self.stage}: {self.count}"


class PositiveAction(models.Model):
    """The programme team's decision to use positive action in a round's selection
    (Equality Act 2010, section 159): places may be held for a group of a
    monitoring characteristic, filled by rank, and only with applicants who meet
    the quality bar (a mean weighted total of at least `quality_bar`), never below
    it. Off unless enabled, with the reason recorded; each change is audited."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="positive_action")
    enabled = models.BooleanField(default=False)
    reason = models.TextField(max_length=2000, blank=True)
    quality_bar = models.FloatField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(enabled=False) | (Q(quality_bar__isnull=False) & ~Q(reason="")),
                name="equality_positive_action_needs_reason_and_bar",
            ),
        ]

    def __str__(self) -> str:
        return f"Positive action in round {self.round_id}: {'on' if self.enabled else 'off'}"


class CharacteristicHold(models.Model):
    """Places held in a round for one analysis group of one monitoring
    characteristic (e.g. 2 for "Black, Black British, Caribbean or African"),
    used only while the round's positive action is enabled. "Prefer not to say"
    and "not answered" are never groups places can be held for."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="characteristic_holds")
    characteristic = models.CharField(max_length=30)
    category = models.CharField(max_length=30)
    places = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "characteristic", "category"], name="equality_characteristic_hold_unique"
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="equality_characteristic_hold_places"),
        ]

    def __str__(self) -> str:
        return f"{self.places} places held for {self.characteristic}={self.category} in round {self.round_id}"
