"""Selection's Celery tasks: thin entry points, primitive ids as keyword
arguments, each calling one service imported inside the task body (the services
import these tasks to queue them). The retry policy is
`q_portal.celery.PortalTask`'s. Several features add theirs here (scores; place
offers): append, don't replace. Retention runs from `q_portal.retention.tasks`."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="selection.scores_normalise_round")
def scores_normalise_round(*, round_id: int) -> int:
    """Recompute a round's normalised scores after a review was submitted,
    reopened or removed (a reviewer's z-scores move with every review they give)."""
    from .services.scores import scores_normalise

    changed = scores_normalise(round_id=round_id)
    logger.info("Normalised scores of round %s: %s changed", round_id, changed)
    return changed


@shared_task(name="selection.scores_recompute_round")
def scores_recompute_round(*, round_id: int) -> int:
    """The debounced recomputation of a round's normalised scores and
    bias-corrected estimates, queued once for a burst of reviews
    (`scores_recompute_soon`)."""
    from .services.scores import scores_recompute

    changed = scores_recompute(round_id=round_id)
    logger.info("Recomputed the scores of round %s: %s changed", round_id, changed)
    return changed


@shared_task(name="selection.place_offers_lapse")
def place_offers_lapse() -> int:
    """Lapse the offers of places whose deadline has passed (run by beat); in
    rounds that promote automatically, the freed places go to the waiting list."""
    from .services.places import place_offers_lapse as lapse

    lapsed = lapse()
    if lapsed:
        logger.info("Lapsed %s offers of places", lapsed)
    return lapsed


@shared_task(name="selection.release_decisions")
def release_decisions(*, run_id: int) -> None:
    """Release a confirmed run's decisions in batches (see `release_run_continue`)."""
    from .services.release import release_run_continue

    run = release_run_continue(run_id=run_id)
    if run is None:
        logger.info("Release run %s is gone", run_id)
    else:
        logger.info("Release run %s: %s, %s of %s released", run_id, run.status, run.released, run.total)


@shared_task(name="selection.release_runs_resume")
def release_runs_resume() -> int:
    """Beat, every minute: queue again the releases that stopped moving (a lost
    task, or a broker that was down when the team confirmed)."""
    from .services.release import release_runs_stalled

    stalled = release_runs_stalled()
    for run_id in stalled:
        release_decisions.delay(run_id=run_id)
    return len(stalled)


@shared_task(name="selection.round_progress_count")
def round_progress_count(*, round_id: int) -> bool:
    """Count a round's review progress again in the background, queued when the
    round page shows figures a few seconds old (`selection.services.progress`).
    False if the round is gone."""
    from applications.models import Round

    from .services.progress import progress_count

    round = Round.objects.filter(pk=round_id).first()
    if round is None:
        return False
    progress_count(round=round)
    return True


@shared_task(name="selection.progress_count_due")
def progress_count_due() -> int:
    """Beat, every minute: count the progress of the rounds in review
    (`selection.services.progress.progress_count_due`)."""
    from .services.progress import progress_count_due as count_due

    return count_due()


@shared_task(name="selection.kept_count")
def kept_count(*, name: str, round_id: int | None) -> bool:
    """Count a round's kept insight figures (`name`: equality, representation)
    again in the background, queued when a page shows them a few seconds old
    (`selection.services.kept`); round None is across every round. False if the
    round is gone."""
    from applications.models import Round

    from .services.kept import kept_count as count

    round = None if round_id is None else Round.objects.filter(pk=round_id).first()
    if round_id is not None and round is None:
        return False
    count(name, round=round)
    return True
