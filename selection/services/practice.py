"""Calibration before scoring: the programme team adds practice applications
with agreed scores and a rationale; a reviewer scores each before their real
queue in the round opens, then sees the agreed scores beside their own.
Each write is audited."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from applications.models import Round
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError

from ..models import PracticeApplication, PracticeReview
from .settings import selection_settings_for


def _criteria_letters(round: Round) -> list[str]:
    return sorted(round.criteria.values_list("letter", flat=True))


def _check_scores(*, round: Round, scores: dict[str, int], field_prefix: str) -> dict[str, int]:
    low, high = selection_settings_for(round=round).score_range
    letters = _criteria_letters(round)
    for letter in letters:
        score = scores.get(letter)
        if score is None:
            raise PortalError(
                _("Give a score for criterion (%(letter)s).") % {"letter": letter}, field=f"{field_prefix}{letter}"
            )
        if not low <= score <= high:
            raise PortalError(
                _("Scores run from %(low)d to %(high)d.") % {"low": low, "high": high}, field=f"{field_prefix}{letter}"
            )
    return {letter: int(scores[letter]) for letter in letters}


@transaction.atomic
def practice_create(
    *, round: Round, title: str, answers: dict[str, str], agreed_scores: dict[str, int], rationale: str, by
) -> PracticeApplication:
    """Add a practice application to the round, with the agreed score on every
    criterion and the rationale reviewers read after scoring it. Audited."""
    agreed = _check_scores(round=round, scores=agreed_scores, field_prefix="agreed_")
    if not rationale.strip():
        raise PortalError(_("Explain why these are the agreed scores."), field="rationale")
    practice = PracticeApplication(
        round=round,
        title=title,
        answers={letter: answers.get(letter, "") for letter in agreed},
        agreed_scores=agreed,
        rationale=rationale.strip(),
        created_by=by,
    )
    practice.full_clean()
    practice.save(force_insert=True)
    audit_log(
        actor=by,
        action="selection.practice_create",
        target=round,
        summary=_("Practice application added: %(title)s") % {"title": title},
        changes={"practice": practice.pk, "agreed_scores": agreed},
    )
    return practice


@transaction.atomic
def practice_review_submit(*, practice: PracticeApplication, scores: dict[str, int], by) -> PracticeReview:
    """The reviewer's scores of a practice application, once: refused a second
    time (they have seen the agreed scores by then). Audited."""
    checked = _check_scores(round=practice.round, scores=scores, field_prefix="score_")
    try:
        with transaction.atomic():
            practice_review = PracticeReview.objects.create(practice=practice, reviewer=by, scores=checked)
    except IntegrityError:
        raise PortalError(_("You have scored this practice application already.")) from None
    audit_log(
        actor=by,
        action="selection.practice_review",
        target=practice.round,
        summary=_("Scored the practice application %(title)s") % {"title": practice.title},
        changes={"practice": practice.pk, "scores": checked},
    )
    return practice_review
