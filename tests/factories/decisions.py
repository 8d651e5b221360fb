"""Decisions, stored scores, feedback and offers of places, made directly (the
decision room's own services are tested with it)."""

from django.utils import timezone

from applications.models import Application, Criterion
from selection.choices import DecisionOutcome, FeedbackStatus
from selection.models import ApplicationScore, CriterionFeedback, Decision

from . import programme_team, with_totp
from .selection import review_round, submitted_application


def team_member(**kwargs):
    return with_totp(programme_team(**kwargs))


def scored(application: Application, *, normalised: float | None, mean: float | None = None) -> ApplicationScore:
    score, _created = ApplicationScore.objects.update_or_create(
        application=application,
        defaults={
            "round": application.round,
            "reviews_expected": 2,
            "reviews_done": 2,
            "normalised_score": normalised,
            "mean_score": mean if mean is not None else (normalised or 0) + 10,
        },
    )
    return score


def decided(application: Application, outcome: DecisionOutcome | str, *, by=None) -> Decision:
    """An unreleased decision on the application."""
    return Decision.objects.create(
        application=application,
        round=application.round,
        outcome=outcome,
        decided_by=by,
        decided_at=timezone.now(),
    )


def feedback(application: Application, letter: str, text: str, *, approved: bool = False, by=None) -> CriterionFeedback:
    return CriterionFeedback.objects.create(
        application=application,
        criterion=Criterion.objects.get(letter=letter),
        text=text,
        status=FeedbackStatus.APPROVED if approved else FeedbackStatus.DRAFT,
        written_by=by,
        approved_by=by if approved else None,
        approved_at=timezone.now() if approved else None,
    )


def decided_round(*, accept: int = 0, waitlist: int = 0, unsuccessful: int = 0, **round_kwargs):
    """A round in review with submitted applications decided in that order,
    scored best first (so the waiting list's order is the creation order).
    Returns (round, [applications])."""
    round = review_round(**round_kwargs)
    applications = []
    outcomes = (
        [DecisionOutcome.ACCEPT] * accept
        + [DecisionOutcome.WAITLIST] * waitlist
        + [DecisionOutcome.UNSUCCESSFUL] * unsuccessful
    )
    for position, outcome in enumerate(outcomes):
        application = submitted_application(round)
        scored(application, normalised=2.0 - position * 0.1)
        decided(application, outcome)
        applications.append(application)
    return round, applications
