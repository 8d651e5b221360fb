"""Demo equality monitoring answers for the demo applicants (called by
`seed_demo`; idempotent: answers are set, not added). Deterministic, varied, with
some "Prefer not to say" and some questions left unanswered, so the programme
team's equality pages have something to show."""

from members.models import User

from .choices import PREFER_NOT, QUESTIONS
from .models import MonitoringResponse


def _answer(question, index: int) -> str:
    options = [value for value, _label in question.flat_choices() if value != PREFER_NOT]
    if index % 7 == 3:
        return PREFER_NOT
    if index % 11 == 5:
        return ""
    return options[(index * 3 + len(question.field)) % len(options)]


def seed_equality_monitoring() -> int:
    """Answers for every demo applicant with a submitted application, except the
    demo applicant account (it shows the form unanswered). Returns how many."""
    users = (
        User.objects.filter(applications__reference__isnull=False)
        .exclude(email="applicant@example.org")
        .distinct()
        .order_by("pk")
    )
    for index, user in enumerate(users):
        MonitoringResponse.objects.update_or_create(
            user=user, defaults={question.field: _answer(question, index) for question in QUESTIONS}
        )
    return users.count()
