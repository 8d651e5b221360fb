"""Email waves' entries in the retention schedule (see `q_portal.retention`)."""

from q_portal.retention import not_personal

not_personal(
    "outreach.Wave",
    reason="An email campaign's template and audience rules, written by the programme team; "
    "what each person was sent is an outbox row.",
)
