"""Selection's emails to applicants: the released decision (a template per
outcome, with the approved feedback), a place offered from the waiting list, a
place declined or lapsed, and a released decision changed by reversal. All go
through the outbox, inside the caller's transaction, each under a key that makes
it unique to the event, so a retried service never sends twice."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application
from members.emails import absolute_url
from q_portal.broker import enqueue_on_commit
from q_portal.outbox.services import BatchEmail, Stream, email_queue, email_queue_batch
from q_portal.outbox.tasks import send_due_emails as send_due_emails_task

from .choices import DecisionOutcome
from .models import PlaceOffer

OUTCOME_SUBJECTS = {
    DecisionOutcome.ACCEPT: gettext_lazy("You have been offered a place in Q"),
    DecisionOutcome.WAITLIST: gettext_lazy("Your application to Q: you are on the waiting list"),
    DecisionOutcome.UNSUCCESSFUL: gettext_lazy("Your application to Q"),
}


def _context(application: Application, *, place: bool = False, updates: bool = False, **extra) -> dict:
    """The email's context, with only the links it shows (a release renders
    thousands of emails)."""
    return {
        "application": application,
        "name": application.full_name or application.applicant.display_name,
        "status_url": absolute_url("applications:status", pk=application.pk),
        "place_url": absolute_url("selection:place", pk=application.pk) if place else "",
        "updates_url": absolute_url("updates:register") if updates else "",
        **extra,
    }


def _stamp(moment) -> str:
    return f"{moment.timestamp():.6f}"


def outcome_email(
    *, application: Application, outcome: str, feedback: list[dict], offer: PlaceOffer | None
) -> BatchEmail:
    """The released decision, with the approved feedback and, for a place, the
    deadline and the link to confirm it."""
    outcome = DecisionOutcome(outcome)
    return BatchEmail(
        to=application.applicant.email,
        subject=str(OUTCOME_SUBJECTS[outcome]),
        body_text=render_to_string(
            f"selection/emails/outcome_{outcome.value}.txt",
            _context(
                application,
                place=offer is not None,
                updates=outcome == DecisionOutcome.UNSUCCESSFUL,
                feedback=feedback,
                offer=offer,
            ),
        ),
        key=f"selection.outcome.{application.pk}.{_stamp(application.outcome_released_at)}",
    )


def outcome_emails_queue(emails: list[BatchEmail]) -> None:
    """Queue a release's decision emails in bulk (a round's thousands in a few
    inserts), as transactional email, and send them straight after commit rather
    than at the next sweep."""
    if not emails:
        return
    email_queue_batch(emails=emails, batch="", stream=Stream.TRANSACTIONAL)
    enqueue_on_commit(send_due_emails_task)


def place_offered_email_queue(*, application: Application, offer: PlaceOffer) -> None:
    """A place offered to someone on the waiting list."""
    _offer_email_queue("offered", _("A place in Q has become available for you"), application, offer, place=True)


def place_declined_email_queue(*, application: Application, offer: PlaceOffer) -> None:
    _offer_email_queue("declined", _("You have declined your place in Q"), application, offer, updates=True)


def place_lapsed_email_queue(*, application: Application, offer: PlaceOffer) -> None:
    _offer_email_queue("lapsed", _("Your offer of a place in Q has lapsed"), application, offer, updates=True)


def _offer_email_queue(event: str, subject, application: Application, offer: PlaceOffer, **context) -> None:
    """One email per offer and event: the key makes a repeated call send nothing."""
    email_queue(
        to=application.applicant.email,
        subject=subject,
        body_text=render_to_string(
            f"selection/emails/place_{event}.txt", _context(application, offer=offer, **context)
        ),
        key=f"selection.place_{event}.{offer.pk}.{_stamp(offer.offered_at)}",
    )


def decision_changed_email_queue(*, application: Application, outcome: str, offer: PlaceOffer | None) -> None:
    """A released decision changed by an audited reversal."""
    email_queue(
        to=application.applicant.email,
        subject=_("A change to the decision on your application to Q"),
        body_text=render_to_string(
            "selection/emails/decision_changed.txt",
            _context(
                application,
                place=offer is not None,
                outcome=DecisionOutcome(outcome),
                offer=offer,
                DecisionOutcome=DecisionOutcome,
            ),
        ),
        key=f"selection.decision_changed.{application.pk}.{_stamp(application.outcome_released_at)}",
    )
