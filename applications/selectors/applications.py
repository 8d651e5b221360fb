from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import RoundStatus, RouteKind, SectionState
from ..models import Application, CriterionResponse, Round
from ..validators import count_words


@dataclass(frozen=True)
class Section:
    """One entry of the applicant's task list."""

    key: str  # "about", "route", "criterion-a", "declarations", "adjustments"
    title: str
    state: SectionState
    optional: bool = False


def _state(filled: list[bool], *, valid: bool = True) -> SectionState:
    if not any(filled):
        return SectionState.NOT_STARTED
    if all(filled) and valid:
        return SectionState.COMPLETED
    return SectionState.IN_PROGRESS


def route_needs_course(application: Application) -> bool:
    return application.route is not None and application.route.kind == RouteKind.COURSE_ALUMNI


def route_needs_organisation(application: Application) -> bool:
    return application.route is not None and application.route.kind == RouteKind.NATIONAL_ORGANISATION


def application_sections(application: Application) -> list[Section]:
    """The task list: each section with its state. Uses the application's
    prefetched responses and the round's criteria (`application_for_task_list`)."""
    about = _state(
        [
            bool(application.full_name),
            bool(application.job_title),
            bool(application.role_category),
            bool(application.organisation_id or application.organisation_other),
            bool(application.region_id),
        ]
    )
    route_fields = [bool(application.route_id), bool(application.route_evidence.strip())]
    if route_needs_course(application):
        route_fields.append(bool(application.route_course_id))
    if route_needs_organisation(application):
        route_fields.append(bool(application.route_organisation_id))
    sections = [
        Section("about", _("About you"), about),
        Section("route", _("Your route and evidence"), _state(route_fields)),
    ]
    responses = {response.criterion_id: response for response in application.responses.all()}
    for criterion in application.round.criteria.all():
        text = responses[criterion.pk].text if criterion.pk in responses else ""
        words = count_words(text)
        sections.append(
            Section(
                f"criterion-{criterion.letter}",
                criterion.title,
                _state([words > 0], valid=words <= criterion.word_limit),
            )
        )
    sections.append(
        Section(
            "declarations",
            _("Declarations and consent"),
            _state([application.declares_true, application.consents_to_processing]),
        )
    )
    return sections


def answers_over_word_limit(application: Application) -> list[tuple]:
    """(criterion, words) for each answer longer than its criterion allows, in the
    criteria's order. Uses the prefetched responses (`application_with_answers`)."""
    responses = {response.criterion_id: response.text for response in application.responses.all()}
    over = []
    for criterion in application.round.criteria.all():
        words = count_words(responses.get(criterion.pk, ""))
        if words > criterion.word_limit:
            over.append((criterion, words))
    return over


def application_is_complete(application: Application) -> bool:
    return all(section.state == SectionState.COMPLETED for section in application_sections(application))


def applications_of(*, applicant) -> list[Application]:
    """The applicant's applications, newest round first, for their home page."""
    return list(Application.objects.filter(applicant=applicant).select_related("round").order_by("-round__opens_at"))


def rounds_open_for_applications():
    """Rounds a person may apply to now, with their routes and criteria."""
    return Round.objects.open_now().prefetch_related("routes", "criteria").order_by("closes_at")


def rounds_announced():
    """Rounds the public may know of: every round but a draft."""
    return Round.objects.exclude(status=RoundStatus.DRAFT)


def next_round_expected():
    """The next announced round: opened by the programme team with a start date
    still to come. Draft rounds are not announced."""
    return Round.objects.filter(status=RoundStatus.OPEN, opens_at__gt=timezone.now()).order_by("opens_at").first()


def application_with_answers(*, pk: int):
    """An application with everything the check-your-answers page and the
    confirmation email show, in a constant number of queries."""
    return (
        Application.objects.select_related(
            "round", "route", "organisation", "region", "route_course", "route_organisation", "applicant"
        )
        .prefetch_related(
            "round__criteria",
            Prefetch("responses", queryset=CriterionResponse.objects.select_related("criterion")),
        )
        .get(pk=pk)
    )


def application_form_answers(application: Application) -> dict:
    """What the person told us on the application form (and the answer to an
    adjustment they asked for), as their own download and the subject-access
    export both show it; the criteria answers are shaped by each."""
    return {
        "full_name": application.full_name,
        "job_title": application.job_title,
        "role": application.get_role_category_display(),
        "organisation": application.organisation_name,
        "region": str(application.region or ""),
        "route": str(application.route or ""),
        "route_course": str(application.route_course or ""),
        "route_organisation": str(application.route_organisation or ""),
        "route_evidence": application.route_evidence,
        "declares_true": application.declares_true,
        "consents_to_processing": application.consents_to_processing,
        "adjustment_request": application.adjustment_request,
        "adjustment_response": application.adjustment_response,
    }


def applicant_data_export(*, user) -> dict:
    """Everything the person gave us in their account and applications, and the
    decisions and feedback we have told them (both written only by the release:
    never the panel's working)."""
    applications = (
        Application.objects.filter(applicant=user)
        .select_related("round", "route", "organisation", "region", "route_course", "route_organisation")
        .prefetch_related(Prefetch("responses", queryset=CriterionResponse.objects.select_related("criterion")))
    )
    return {
        "account": {
            "email": user.email,
            "name": user.display_name,
            "joined": user.date_joined.isoformat(),
        },
        "applications": [
            {
                "round": application.round.name,
                "reference": application.reference,
                "status": application.get_status_display(),
                "started": application.created_at.isoformat(),
                "submitted": application.submitted_at.isoformat() if application.submitted_at else None,
                **application_form_answers(application),
                "answers": {response.criterion.title: response.text for response in application.responses.all()},
                "outcome": application.get_outcome_display() if application.outcome else None,
                "outcome_released": application.outcome_released_at.isoformat()
                if application.outcome_released_at
                else None,
                "feedback": {item["title"]: item["text"] for item in application.released_feedback},
            }
            for application in applications
        ],
    }


def adjustment_requests(*, round=None):
    """Applications with a request for an adjustment, unanswered first."""
    queryset = (
        Application.objects.exclude(adjustment_status="")
        .select_related("round", "applicant")
        .order_by("-adjustment_status", "-updated_at")
    )
    if round is not None:
        queryset = queryset.filter(round=round)
    return queryset
