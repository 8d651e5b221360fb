"""Selection's entries in the retention schedule (see `q_portal.retention`): what
reviewers and the programme team wrote about an application goes when the
application is anonymised (recruitment's rules, which run first); scores,
recommendations and decisions stay for the round's statistics."""

from django.utils.translation import gettext_lazy as _

from applications.retention import ANONYMISE_MONTHS
from applications.services.retention import applications_apply_anonymisation
from q_portal.retention import BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, before_apply, not_personal, register

from .models import PracticeReview, ReviewerAgreement
from .services import retention as services
from .services.equality import equality_applications_unlink

AFTER = _("the application is anonymised (see the application's rule)")


# Registered before the rules below, which clear what reviewers wrote once the
# application is anonymised, so both happen in the same run.
register(
    Rule(
        "applications.Application",
        name="applications.Application:place-not-taken",
        holds=_(
            "An application offered a place that you declined or did not answer in time, with its reviews: "
            "your details, your answers, the reviewers' comments and the feedback"
        ),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=ANONYMISE_MONTHS,
        after=_("you decline the place, or the time to answer ends"),
        due=lambda cutoff: services.applications_place_not_taken(cutoff=cutoff),
        apply=applications_apply_anonymisation,
        redact_audit=False,  # applications_anonymise redacts them
    )
)


def _rule(model: str, holds, due, apply) -> Rule:
    # Due at once when the application is anonymised: the period is the application's.
    return Rule(
        model,
        holds=holds,
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=Period("RETENTION_SELECTION_TEXT_GRACE_DAYS", 0, "days"),
        after=AFTER,
        kept=_("As long as the application; removed when it is anonymised"),
        due=lambda cutoff: due(anonymised_before=cutoff),
        apply=lambda rows, now: apply(rows),
        public=False,
    )


register(
    _rule(
        "selection.CriterionScore",
        _("Reviewers' comments on each criterion"),
        services.criterion_scores_to_clear,
        services.criterion_scores_clear,
    )
)
register(
    _rule(
        "selection.Review",
        _("Reviewers' notes to the panel"),
        services.reviews_to_clear,
        services.reviews_clear,
    )
)
register(
    _rule(
        "selection.CriterionFeedback",
        _("Feedback drafted for the applicant"),
        services.feedback_to_clear,
        services.feedback_clear,
    )
)
register(
    _rule(
        "selection.Conflict",
        _("Reasons reviewers give for a conflict of interest or for abstaining"),
        services.conflicts_to_clear,
        services.conflicts_clear,
    )
)
not_personal("selection.SelectionSettings", reason="A round's selection settings: weights, rubric, dates.")
not_personal("selection.PlaceHold", reason="Places held back for a region or role: a dimension and a count.")
not_personal(
    "selection.ReleaseRun",
    reason="A release's progress: decision ids, counts, and a problem naming an application by its reference.",
)


def _tally_before_anonymising(rows, now) -> None:
    # An application about to lose its applicant: keep what it counted for in the
    # round's equality figures (by category, as counts), so they never change.
    equality_applications_unlink(applications=rows)


for application_rule in (
    "applications.Application",
    "applications.Application:drafts",
    "applications.Application:members",
    "applications.Application:place-not-taken",
):
    before_apply(application_rule, _tally_before_anonymising)

register(
    Rule(
        "selection.PracticeReview",
        holds=_("A reviewer's scores on the practice applications before their real queue opened"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        period=Period("RETENTION_PRACTICE_REVIEW_MONTHS", 12, "months"),
        after=_("the round's closing date"),
        due=lambda cutoff: PracticeReview.objects.filter(practice__round__closes_at__lt=cutoff),
        public=False,
    )
)
not_personal(
    "selection.PracticeApplication",
    reason="Written by the programme team from synthetic or anonymised answers, with agreed scores.",
)
not_personal(
    "selection.RoundScoring",
    "fit",
    reason="The ranking model's figures for the round: levels, variances and counts.",
)
register(
    Rule(
        "selection.RoundScoring",
        holds=_("Each reviewer's estimated leniency in a round (the ranking model's reviewer effects)"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_("As long as the round's reviews, which it is worked out from; recomputed when they change"),
        public=False,
    )
)
register(
    Rule(
        "selection.ReviewerAgreement",
        holds=_("A reviewer's acceptance of a round's confidentiality agreement: when, and which wording"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        period=Period("RETENTION_REVIEWER_AGREEMENT_MONTHS", 24, "months"),
        after=_("the round's closing date"),
        due=lambda cutoff: ReviewerAgreement.objects.filter(round__closes_at__lt=cutoff),
        public=False,
    )
)
