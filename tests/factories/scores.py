"""Reviewed applications for the board, moderation and decision tests: reviews
submitted through the real service (so the stored scores follow), and stored
scores inserted in bulk for the query-count tests at size."""

from applications.models import Application, Round
from selection.choices import Recommendation
from selection.models import ApplicationScore, Assignment, Review
from selection.services.reviews import review_save

from .selection import assign, review_round, reviewer_with_profile, submitted_application


def review(
    application: Application,
    reviewer,
    scores=(3, 3, 3),
    recommendation: str = Recommendation.ACCEPT,
    *,
    submit: bool = True,
    comment: str = "",
    moderation: bool = False,
) -> Review:
    """Assign the reviewer (as moderator with `moderation`) and save their review,
    submitted unless `submit` is False."""
    assignment = Assignment.objects.filter(application=application, reviewer=reviewer).first()
    if assignment is None:
        assignment = (
            Assignment.objects.create(
                round=application.round, application=application, reviewer=reviewer, is_moderation=True
            )
            if moderation
            else assign(application, reviewer)
        )
    return review_save(
        assignment=assignment,
        by=reviewer,
        scores=dict(zip("abc", scores, strict=True)),
        comments={"a": comment},
        recommendation=recommendation,
        note_to_panel="",
        submit=submit,
    )


def reviewed_application(round: Round, reviews, **kwargs) -> Application:
    """A submitted application with one submitted review per (reviewer, scores,
    recommendation) in `reviews`."""
    application = submitted_application(round, **kwargs)
    for reviewer, scores, recommendation in reviews:
        review(application, reviewer, scores, recommendation)
    return application


def reviewers(count: int) -> list:
    return [reviewer_with_profile(mfa=False) for _ in range(count)]


def scores_in_bulk(applications: list[Application], *, needs_moderation_every: int = 0) -> list[ApplicationScore]:
    """Stored scores for many applications at once (no reviews behind them), with
    varied numbers so sorting and filtering have something to do."""
    rows = []
    for index, application in enumerate(applications):
        rows.append(
            ApplicationScore(
                application=application,
                round=application.round,
                reviews_expected=2,
                reviews_done=2 if index % 7 else 1,
                mean_score=6 + (index * 37 % 60) / 10,
                normalised_score=((index * 53) % 200 - 100) / 50,
                model_score=6 + (index * 41 % 60) / 10,
                model_low=5 + (index * 41 % 60) / 10,
                model_high=7 + (index * 41 % 60) / 10,
                spread=index % 4,
                accept_count=index % 3,
                maybe_count=(index + 1) % 2,
                do_not_accept_count=index % 2,
                needs_moderation=bool(needs_moderation_every) and index % needs_moderation_every == 0,
            )
        )
    return ApplicationScore.objects.bulk_create(rows, batch_size=2000)


__all__ = ["review", "review_round", "reviewed_application", "reviewers", "scores_in_bulk"]
