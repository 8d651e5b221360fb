"""Reads of one person's own equality monitoring answers (for themselves only)."""

from .choices import NOT_ANSWERED_LABEL, QUESTIONS, characteristic_label
from .models import MonitoringResponse


def monitoring_response_of(*, user) -> MonitoringResponse | None:
    if user is None or not user.is_authenticated:
        return None
    return MonitoringResponse.objects.filter(user=user).first()


def monitoring_answers_of(*, user) -> dict | None:
    """The person's answers in words, for their own data page and download: None
    when they have given none."""
    response = monitoring_response_of(user=user)
    if response is None:
        return None
    answers = {}
    for question in QUESTIONS:
        labels = dict(question.flat_choices())
        value = getattr(response, question.field)
        answers[str(characteristic_label(question.field))] = str(labels.get(value, NOT_ANSWERED_LABEL))
    answers["Last changed"] = response.updated_at.isoformat()
    return answers
