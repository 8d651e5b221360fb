from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import Round
from members.models import Organisation, Region

from ..choices import DEFAULT_RUBRIC, WaitlistPromotion


def default_rubric() -> dict[str, str]:
    return dict(DEFAULT_RUBRIC)


class ReviewerProfile(models.Model):
    """Where a reviewer works: the organisation record decides conflicts of
    interest (never an email domain), the region lets assignment prefer reviewers
    from elsewhere."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviewer_profiles"
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["user__display_name"]

    def __str__(self):
        return str(self.user)


class SelectionSettings(models.Model):
    """How a round is reviewed. Created with the defaults the first time the
    programme team or the assignment needs it."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="selection_settings")
    reviewers_per_application = models.PositiveSmallIntegerField(
        _("reviewers per application"), default=2, help_text=_("How many reviewers score each application.")
    )
    default_capacity = models.PositiveIntegerField(
        _("applications per reviewer"),
        default=40,
        help_text=_("The most applications a reviewer is given, unless set for them."),
    )
    blind = models.BooleanField(
        _("blind review"),
        default=True,
        help_text=_("Reviewers do not see the applicant's name, email address, organisation or nominator."),
    )
    prefer_other_region = models.BooleanField(
        _("prefer reviewers from another region"),
        default=False,
        help_text=_("Assign reviewers from a region other than the applicant's where capacity allows."),
    )
    # {criterion letter: weight}; a missing letter weighs 1, so the default is equal weights.
    weights = models.JSONField(default=dict, blank=True)
    # {"1": descriptor, …}: the rubric's levels, lowest first.
    rubric = models.JSONField(default=default_rubric)
    review_due_on = models.DateField(_("reviews due on"), null=True, blank=True)
    moderation_spread = models.PositiveSmallIntegerField(
        _("moderation threshold"),
        default=2,
        help_text=_(
            "Send an application to moderation when its reviewers' scores on any criterion differ by this much."
        ),
    )
    place_confirm_days = models.PositiveSmallIntegerField(
        _("days to confirm a place"),
        default=14,
        help_text=_("How long an accepted applicant has to confirm their place before it is offered to the next."),
    )
    waitlist_promotion = models.CharField(
        _("offer a declined place"),
        max_length=20,
        choices=WaitlistPromotion.choices,
        default=WaitlistPromotion.AUTOMATIC,
    )
    # What the last automatic assignment did and could not do, shown on the round's page.
    assignment_report = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "selection settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewers_per_application__gte=1, reviewers_per_application__lte=5),
                name="selection_reviewers_per_application_1_to_5",
            ),
        ]

    def __str__(self):
        return f"Selection settings of {self.round}"

    def weight_of(self, letter: str) -> float:
        return float(self.weights.get(letter, 1))

    @property
    def rubric_levels(self) -> list[tuple[int, str]]:
        return sorted((int(level), text) for level, text in self.rubric.items())

    @property
    def score_range(self) -> tuple[int, int]:
        levels = [level for level, _ in self.rubric_levels]
        return min(levels), max(levels)


class ReviewerCapacity(models.Model):
    """The most applications one reviewer takes in one round, when not the round's
    default. Zero means the reviewer takes none this round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reviewer_capacities")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "reviewer"], name="reviewer_capacity_unique")]
        verbose_name_plural = "reviewer capacities"

    def __str__(self):
        return f"{self.reviewer} in {self.round}: {self.capacity}"


class ReviewerAgreement(models.Model):
    """A reviewer's acceptance of the confidentiality and conflicts agreement for
    one round (`selection.reviewer_agreement`), with the wording's version. Until
    it exists, the round's applications do not open for them."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reviewer_agreements")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    wording_version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reviewer", "round"], name="reviewer_agreement_once_per_round")]

    def __str__(self):
        return f"{self.reviewer} accepted the agreement for {self.round}"
