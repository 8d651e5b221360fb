"""The applicant's journey: start, save each section, submit, reopen, withdraw,
delete. Every change is refused once the round's deadline has passed."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.services import email_queue
from q_portal.text import single_line
from q_portal.transitions import status_move
from q_portal.uk_time import uk_datetime

from ..choices import AdjustmentStatus, ApplicationStatus
from ..models import Application, Criterion, CriterionResponse, Round, Route
from ..selectors.applications import answers_over_word_limit, application_is_complete, application_with_answers

# Who may move an application where, and by which service.
ALLOWED_TRANSITIONS = {
    ApplicationStatus.DRAFT: {ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.SUBMITTED: {ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN, ApplicationStatus.UNDER_REVIEW},
    ApplicationStatus.WITHDRAWN: set(),
    ApplicationStatus.UNDER_REVIEW: {ApplicationStatus.DECIDED},
    ApplicationStatus.DECIDED: set(),
}

# Fields each section of the application may change.
SECTION_FIELDS = {
    "about": ["full_name", "job_title", "role_category", "organisation", "organisation_other", "region"],
    "route": ["route", "route_course", "route_organisation", "route_evidence"],
    "declarations": ["declares_true", "consents_to_processing"],
}
# Of those, the fields kept on one line (`q_portal.text.single_line`) whoever calls.
SINGLE_LINE_FIELDS = frozenset({"full_name", "job_title", "organisation_other"})


def _move(application: Application, to: ApplicationStatus) -> None:
    status_move(
        application,
        to=to,
        allowed=ALLOWED_TRANSITIONS,
        refusal=_("An application that is %(status)s cannot become %(to)s."),
    )


def _locked(application: Application) -> Application:
    """Lock the row and read it afresh: a double-clicked button or a second tab
    waits here and then sees what the first request did."""
    return Application.objects.select_for_update().select_related("round").get(pk=application.pk)


def _refuse_after_deadline(round: Round) -> None:
    if not round.is_accepting:
        raise PortalError(
            _("%(round)s closed on %(closed)s. Your application can no longer be changed.")
            % {"round": round.name, "closed": uk_datetime(round.closes_at)}
        )


def _refuse_unless_draft(application: Application) -> None:
    if application.status == ApplicationStatus.DRAFT:
        return
    refusals = {
        ApplicationStatus.SUBMITTED: _("This application has been submitted. Reopen it to make changes."),
        ApplicationStatus.WITHDRAWN: _("This application has been withdrawn, so it can no longer be changed."),
        ApplicationStatus.UNDER_REVIEW: _("This application is being reviewed, so it can no longer be changed."),
        ApplicationStatus.DECIDED: _("A decision has been made on this application, so it can no longer be changed."),
    }
    raise PortalError(refusals[ApplicationStatus(application.status)])


@transaction.atomic
def application_start(*, applicant, round: Round, route: Route) -> Application:
    """Start (or return) the applicant's draft for the round on the route the
    eligibility check decided. One application per person per round: the database
    enforces it, so two tabs starting at once get the same draft."""
    _refuse_after_deadline(round)
    existing = Application.objects.filter(applicant=applicant, round=round).first()
    if existing is not None:
        return existing
    application = Application(
        applicant=applicant, round=round, route=route, full_name=single_line(applicant.display_name)
    )
    # One draft per person per round is the insert's to check: two tabs at once.
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        return Application.objects.get(applicant=applicant, round=round)
    audit_log(
        actor=applicant,
        action="application.start",
        target=application,
        summary=_("Started an application to %(round)s") % {"round": round.name},
    )
    return application


@transaction.atomic
def application_save_section(*, application: Application, by, section: str, values: dict) -> Application:
    """Save one section of a draft, complete or not ("Save and continue" always
    saves). Refused after the deadline or once submitted."""
    application = _locked(application)
    _refuse_after_deadline(application.round)
    _refuse_unless_draft(application)
    fields = SECTION_FIELDS[section]
    for field in fields:
        if field in values:
            value = values[field]
            setattr(application, field, single_line(value) if field in SINGLE_LINE_FIELDS else value)
    if section == "route" and application.route_id:
        # Evidence for another route's list does not belong to this one.
        if not application.route.asks_for_course:
            application.route_course = None
        if not application.route.asks_for_organisation:
            application.route_organisation = None
    application.save(update_fields=[*fields, "updated_at"])
    return application


@transaction.atomic
def application_save_response(*, application: Application, by, criterion: Criterion, text: str) -> CriterionResponse:
    """Save the answer to one criterion, even over the word limit (the page says so,
    and the application cannot be submitted until it fits)."""
    application = _locked(application)
    _refuse_after_deadline(application.round)
    _refuse_unless_draft(application)
    response, _created = CriterionResponse.objects.update_or_create(
        application=application, criterion=criterion, defaults={"text": text}
    )
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now())
    return response


@transaction.atomic
def application_request_adjustment(*, application: Application, by, request_text: str) -> Application:
    """Ask for (or withdraw a request for) a reasonable adjustment. The programme
    team sees the request and answers it. Allowed at any time before a decision."""
    application = _locked(application)
    request_text = request_text.strip()
    application.adjustment_request = request_text
    application.adjustment_status = AdjustmentStatus.REQUESTED if request_text else AdjustmentStatus.NONE
    application.save(update_fields=["adjustment_request", "adjustment_status", "updated_at"])
    audit_log(
        actor=by, action="application.adjustment_request", target=application, summary=_("Asked for an adjustment")
    )
    return application


@transaction.atomic
def application_submit(*, application: Application, by) -> Application:
    """Submit a complete draft while the round is open. Gives it a reference (kept
    on resubmission), locks the answers, and queues a confirmation email with a
    copy of them. Submitting an already submitted application changes nothing."""
    application = _locked(application)
    if application.status == ApplicationStatus.SUBMITTED:
        return application
    _refuse_after_deadline(application.round)
    _refuse_unless_draft(application)
    answered = application_with_answers(pk=application.pk)
    _refuse_over_word_limit(answered)
    if not application_is_complete(answered):
        raise PortalError(_("Complete every section before you submit your application."))
    now = timezone.now()
    _move(application, ApplicationStatus.SUBMITTED)
    application.submitted_at = now
    application.first_submitted_at = application.first_submitted_at or now
    application.reference = application.reference or f"Q-{now:%Y}-{application.pk:05d}"
    application.save(update_fields=["status", "submitted_at", "first_submitted_at", "reference", "updated_at"])
    audit_log(
        actor=by,
        action="application.submit",
        target=application,
        summary=_("Submitted application %(reference)s") % {"reference": application.reference},
    )
    _queue_submitted_email(application)
    return application


def _refuse_over_word_limit(application: Application) -> None:
    """Name each answer that is too long and by how much, so the applicant knows
    what to shorten (the task list shows the section as in progress)."""
    over = answers_over_word_limit(application)
    if not over:
        return
    problems = [
        ngettext(
            "your answer to “%(criterion)s” is %(words)s words, %(over)s word over its limit of %(limit)s",
            "your answer to “%(criterion)s” is %(words)s words, %(over)s words over its limit of %(limit)s",
            words - criterion.word_limit,
        )
        % {
            "criterion": criterion.title,
            "words": words,
            "over": words - criterion.word_limit,
            "limit": criterion.word_limit,
        }
        for criterion, words in over
    ]
    raise PortalError(_("Shorten your answers before you submit: %(problems)s.") % {"problems": "; ".join(problems)})


def _queue_submitted_email(application: Application) -> None:
    application = application_with_answers(pk=application.pk)
    context = {
        "application": application,
        "responses": {response.criterion_id: response.text for response in application.responses.all()},
        "status_url": settings.SITE_URL + reverse("applications:status", kwargs={"pk": application.pk}),
    }
    email_queue(
        to=application.applicant.email,
        subject=_("Application %(reference)s received") % {"reference": application.reference},
        body_text=render_to_string("applications/emails/submitted.txt", context),
        key=f"application:{application.pk}:submitted:{application.submitted_at.isoformat()}",
    )


@transaction.atomic
def application_reopen(*, application: Application, by) -> Application:
    """Take a submitted application back to draft to change it before the deadline.
    It keeps its reference and must be submitted again."""
    application = _locked(application)
    _refuse_after_deadline(application.round)
    _move(application, ApplicationStatus.DRAFT)
    application.submitted_at = None
    application.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_log(
        actor=by,
        action="application.reopen",
        target=application,
        summary=_("Reopened application %(reference)s to change it") % {"reference": application.reference},
    )
    return application


@transaction.atomic
def application_withdraw(*, application: Application, by) -> Application:
    """Withdraw a draft or submitted application before the deadline. Final."""
    application = _locked(application)
    _refuse_after_deadline(application.round)
    _move(application, ApplicationStatus.WITHDRAWN)
    application.withdrawn_at = timezone.now()
    application.save(update_fields=["status", "withdrawn_at", "updated_at"])
    audit_log(
        actor=by,
        action="application.withdraw",
        target=application,
        summary=_("Withdrew application %(reference)s") % {"reference": application.reference or _("(a draft)")},
    )
    return application


@transaction.atomic
def application_delete_draft(*, application: Application, by) -> None:
    """Delete a draft that was never submitted, with its answers."""
    application = _locked(application)
    if application.status != ApplicationStatus.DRAFT or application.reference:
        raise PortalError(_("Only a draft that has never been submitted can be deleted. You can withdraw it instead."))
    audit_log(actor=by, action="application.delete_draft", summary=f"{application.round.name} (draft {application.pk})")
    application.delete()


def application_email_return_link(*, application: Application, by) -> None:
    """Email the applicant a link straight back to their task list ("Save and come
    back later"). At most one such email an hour per application."""
    hour = timezone.now().strftime("%Y%m%d%H")
    url = settings.SITE_URL + reverse("applications:task_list", kwargs={"pk": application.pk})
    email_queue(
        to=by.email,
        subject=_("Your saved application to Q"),
        body_text=render_to_string(
            "applications/emails/saved.txt", {"application": application, "url": url, "user": by}
        ),
        key=f"application:{application.pk}:saved:{hour}",
    )


@transaction.atomic
def application_answer_adjustment(*, application: Application, by, response_text: str) -> Application:
    """The programme team answers a request for a reasonable adjustment. Side
    effects: an audit entry, and an email to the applicant with the reply."""
    application = _locked(application)
    if application.adjustment_status == AdjustmentStatus.NONE:
        raise PortalError(_("This applicant has not asked for an adjustment."))
    response_text = response_text.strip()
    if not response_text:
        raise PortalError(_("Write a reply to the applicant."), field="adjustment_response")
    application.adjustment_response = response_text
    application.adjustment_status = AdjustmentStatus.ANSWERED
    application.save(update_fields=["adjustment_response", "adjustment_status", "updated_at"])
    audit_log(
        actor=by,
        action="application.adjustment_answer",
        target=application,
        summary=_("Answered the request for an adjustment"),
    )
    url = settings.SITE_URL + reverse("applications:adjustments", kwargs={"pk": application.pk})
    email_queue(
        to=application.applicant.email,
        subject=_("A reply to your request for an adjustment"),
        body_text=render_to_string(
            "applications/emails/adjustment_answered.txt", {"application": application, "url": url}
        ),
        key=f"application:{application.pk}:adjustment:{timezone.now().isoformat()}",
    )
    return application
