"""CSV downloads for the programme team: a round's applications with their
scores and decisions, its reviews, its nominations and the members it brought in,
narrowed by the filters on screen; and any insight chart's figures.

Each download is recorded in the audit log before the first byte is sent
(`round.export`, with what and which filters). The rows are streamed: the
query is read with `.iterator(chunk_size=...)` (a server-side cursor on
PostgreSQL) and each row written as it is read, so memory stays flat however many
rows a round has. Every text someone typed is defused so a spreadsheet will not
run it as a formula.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Count, F, OuterRef, Q, Subquery
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from applications.choices import ApplicationStatus, RoleCategory
from applications.models import Application, Nomination, NominationStatus, Round
from members.choices import MembershipStatus
from members.models import MemberProfile
from q_portal.audit.services import audit_log
from q_portal.spreadsheets import csv_download

from .charts import Chart
from .choices import DecisionOutcome, Recommendation, ReviewStatus
from .models import CriterionScore, Review
from .selectors.insight import LONDON, POOL_STATUSES, InsightFilters, criteria_of

# Rows read from the database at a time: small enough that memory stays flat,
# large enough that a 30,000-row export is a few dozen round trips.
CHUNK = 500


class ExportKind:
    APPLICATIONS = "applications"
    REVIEWS = "reviews"
    NOMINATIONS = "nominations"
    MEMBERS = "members"
    ALL = (APPLICATIONS, REVIEWS, NOMINATIONS, MEMBERS)


@dataclass
class Export:
    filename: str
    header: list[str]
    rows: Iterable[Iterable]  # read lazily, as the response is sent


def csv_response(export: Export) -> StreamingHttpResponse:
    return csv_download(filename=export.filename, header=export.header, rows=export.rows)


def _labels(choices) -> dict[str, str]:
    """A choices class's labels, translated once (not once a row)."""
    return {value: str(label) for value, label in choices.choices}


def _when(value) -> str:
    return timezone.localtime(value, LONDON).strftime("%Y-%m-%d %H:%M") if value else ""


def _mean(value) -> float | str:
    return round(value, 3) if value is not None else ""


@transaction.atomic
def _record(*, by, round: Round | None, what: str, filters: InsightFilters) -> None:
    described = filters.described()
    summary = f"Downloaded {what}" + (f" of {round.name}" if round else "")
    if described:
        summary += " (" + ", ".join(f"{key}: {value}" for key, value in described.items()) + ")"
    audit_log(actor=by, action="round.export", target=round, summary=summary, changes={"export": what, **described})


def round_export(*, round: Round, kind: str, filters: InsightFilters, by) -> Export:
    """The round's `kind` (ExportKind) as a CSV export, narrowed by `filters`.
    Side effect: one audit entry, written now (before streaming)."""
    build = {
        ExportKind.APPLICATIONS: _applications,
        ExportKind.REVIEWS: _reviews,
        ExportKind.NOMINATIONS: _nominations,
        ExportKind.MEMBERS: _members,
    }[kind]
    _record(by=by, round=round, what=kind, filters=filters)
    header, rows, line = build(round=round, filters=filters)
    suffix = "-".join(slugify(value) for value in filters.described().values())
    filename = f"{kind}-{slugify(round.name)}{'-' + suffix if suffix else ''}.csv"
    return Export(filename=filename, header=header, rows=(line(row) for row in rows.iterator(chunk_size=CHUNK)))


def chart_export(*, chart: Chart, round: Round | None, filters: InsightFilters, by) -> Export:
    """A chart's figures (already aggregated, so small). Audited like the rest."""
    _record(by=by, round=round, what=f"chart {chart.slug}", filters=filters)
    header, *rows = chart.csv_rows()
    name = f"{chart.slug.replace('_', '-')}-{slugify(round.name)}" if round else chart.slug.replace("_", "-")
    return Export(filename=f"{name}.csv", header=header, rows=rows)


# --- What each export reads ----------------------------------------------------------------


def _applications(*, round: Round, filters: InsightFilters):
    """Submitted applications (drafts and withdrawn ones left out), one row
    each: the reviews submitted and each criterion's mean score (one grouped
    query), the mean weighted total, normalised score and bias-corrected
    estimate with its interval as stored for the selection board, and the
    team's decision. Ranked as the board and the decision room rank: best
    estimate first, ties (and the unscored) by the application's id."""
    criteria = criteria_of(round=round)
    rows = _applications_ranked(round=round, filters=filters, criteria=criteria)
    statuses, roles, outcomes = (
        _labels(ApplicationStatus),
        _labels(RoleCategory),
        _labels(DecisionOutcome),
    )
    header = _applications_header(criteria)

    def line(row):
        (reference, status, submitted_at, name, email, job, role, organisation, organisation_other, region) = row[:10]
        route, nominated_by, reviews, mean, normalised, estimate, low, high = row[10:18]
        means = row[18 : 18 + len(criteria)]
        outcome, decided_at, released_at = row[18 + len(criteria) :]
        return [
            reference,
            statuses.get(status, status),
            _when(submitted_at),
            name,
            email or "",
            job,
            roles.get(role, ""),
            organisation or organisation_other,
            region or "",
            route or "",
            nominated_by or "",
            reviews,
            _mean(mean),
            _mean(normalised),
            _mean(estimate),
            _mean(low),
            _mean(high),
            *(_mean(value) for value in means),
            outcomes.get(outcome, "") if outcome else "",
            _when(decided_at),
            _when(released_at),
        ]

    return header, rows, line


def _applications_ranked(*, round: Round, filters: InsightFilters, criteria):
    """The submitted applications' rows, best estimate first: the reviews
    submitted and each criterion's mean score come from one grouped query."""
    submitted = Q(assignments__review__status=ReviewStatus.SUBMITTED)
    per_criterion = {
        f"mean_{criterion.letter}": Avg(
            "assignments__review__scores__score", filter=submitted & Q(assignments__review__scores__criterion=criterion)
        )
        for criterion in criteria
    }
    return (
        Application.objects.filter(round=round, status__in=POOL_STATUSES)
        .filter(filters.applications())
        .annotate(reviews_submitted=Count("assignments__review", filter=submitted, distinct=True), **per_criterion)
        .order_by(F("score_summary__model_score").desc(nulls_last=True), "pk")
        .values_list(
            "reference",
            "status",
            "first_submitted_at",
            "full_name",
            "applicant__email",
            "job_title",
            "role_category",
            "organisation__name",
            "organisation_other",
            "region__name",
            "route__name",
            "nomination__organisation__name",
            "reviews_submitted",
            "score_summary__mean_score",
            "score_summary__normalised_score",
            "score_summary__model_score",
            "score_summary__model_low",
            "score_summary__model_high",
            *per_criterion,
            "decision__outcome",
            "decision__decided_at",
            "decision__released_at",
        )
    )


def _applications_header(criteria) -> list[str]:
    return [
        "Reference",
        "Status",
        "First submitted",
        "Name",
        "Email",
        "Job title",
        "Role",
        "Organisation",
        "Region",
        "Route",
        "Nominated by",
        "Reviews submitted",
        "Mean weighted total",
        "Normalised score",
        "Estimate",
        "Estimate, 95 % interval from",
        "Estimate, 95 % interval to",
        *(f"Mean score ({criterion.letter})" for criterion in criteria),
        "Decision",
        "Decided at",
        "Released at",
    ]


def _reviews(*, round: Round, filters: InsightFilters):
    """Every review (drafts too, marked so) of the filtered applications, one row
    each with its scores."""
    criteria = criteria_of(round=round)
    # One index lookup per score (unique per review and criterion), rather than a
    # GROUP BY: a cursor's fast-start plan stays fast.
    per_criterion = {
        f"score_{criterion.letter}": Subquery(
            # Without the model's ordering (a join to the criterion and a sort per row).
            CriterionScore.objects.filter(review=OuterRef("pk"), criterion=criterion).order_by().values("score")[:1]
        )
        for criterion in criteria
    }
    rows = (
        Review.objects.filter(assignment__round=round)
        .filter(filters.applications("assignment__application__"))
        .annotate(**per_criterion)
        .order_by("assignment__application__reference", "pk")
        .values_list(
            "assignment__application__reference",
            "assignment__reviewer__display_name",
            "assignment__reviewer__email",
            "assignment__is_moderation",
            "status",
            "submitted_at",
            "recommendation",
            *per_criterion,
            "weighted_total",
        )
    )
    statuses, recommendations = _labels(ReviewStatus), _labels(Recommendation)
    header = [
        "Application",
        "Reviewer",
        "Reviewer email",
        "Moderation",
        "Status",
        "Submitted at",
        "Recommendation",
        *(f"Score ({criterion.letter})" for criterion in criteria),
        "Weighted total",
    ]

    def line(row):
        reference, reviewer, email, moderation, status, submitted_at, recommendation = row[:7]
        scores, weighted = row[7:-1], row[-1]
        return [
            reference or "",
            reviewer or email,
            email,
            "Yes" if moderation else "No",
            statuses.get(status, status),
            _when(submitted_at),
            recommendations.get(recommendation, ""),
            *("" if score is None else score for score in scores),
            _mean(weighted),
        ]

    return header, rows, line


def _nominations(*, round: Round, filters: InsightFilters):
    """The round's nominations; region and role are the nominee's as nominated,
    route and decision those of the application they started."""
    rows = _nominations_in_order(round=round, filters=filters)
    statuses, roles = _labels(NominationStatus), _labels(RoleCategory)
    application_statuses, outcomes = _labels(ApplicationStatus), _labels(DecisionOutcome)
    header = [
        "Organisation",
        "Organisation's region",
        "Nominee",
        "Email",
        "Job title",
        "Role",
        "Region",
        "Nomination status",
        "Nominated at",
        "Application",
        "Application status",
        "Decision",
    ]

    def line(row):
        organisation, organisation_region, name, email, job, role, region, status, created = row[:9]
        reference, application_status, outcome = row[9:]
        return [
            organisation,
            organisation_region or "",
            name,
            email,
            job,
            roles.get(role, ""),
            region,
            statuses.get(status, status),
            _when(created),
            reference or "",
            application_statuses.get(application_status, "") if application_status else "",
            outcomes.get(outcome, "") if outcome else "",
        ]

    return header, rows, line


def _nominations_in_order(*, round: Round, filters: InsightFilters):
    """The round's nominations by organisation, oldest first, filtered by the
    nominee's region and role and by their application's route and outcome."""
    condition = Q()
    if filters.region is not None:
        condition &= Q(region=filters.region)
    if filters.role_category:
        condition &= Q(role_category=filters.role_category)
    condition &= InsightFilters(route=filters.route, outcome=filters.outcome).applications("application__")
    return (
        Nomination.objects.filter(round=round)
        .filter(condition)
        .order_by("organisation__name", "created_at", "pk")
        .values_list(
            "organisation__name",
            "organisation__region__name",
            "full_name",
            "email",
            "job_title",
            "role_category",
            "region__name",
            "status",
            "created_at",
            "application__reference",
            "application__status",
            "application__decision__outcome",
        )
    )


def _members(*, round: Round, filters: InsightFilters):
    """Members who joined through the round: their application was accepted.
    Filtered by that application's region, role and route."""
    if filters.outcome and filters.outcome not in (DecisionOutcome.ACCEPT, ""):
        condition = Q(pk__in=[])  # only accepted applicants become members
    else:
        condition = Q(user__applications__round=round, user__applications__decision__outcome=DecisionOutcome.ACCEPT)
        condition &= InsightFilters(
            region=filters.region, role_category=filters.role_category, route=filters.route
        ).applications("user__applications__")
    rows = (
        MemberProfile.objects.filter(condition)
        .order_by("full_name", "pk")
        .values_list(
            "membership_number",
            "full_name",
            "job_title",
            "role_category",
            "organisation__name",
            "organisation_other",
            "region__name",
            "joined_on",
            "status",
            "cohort_name",
            "user__applications__reference",
        )
    )
    roles, statuses = _labels(RoleCategory), _labels(MembershipStatus)
    header = [
        "Membership number",
        "Name",
        "Job title",
        "Role",
        "Organisation",
        "Region",
        "Joined on",
        "Membership status",
        "Cohort",
        "Application",
    ]

    def line(row):
        number, name, job, role, organisation, organisation_other, region, joined, status, cohort, reference = row
        return [
            number or "",
            name,
            job,
            roles.get(role, ""),
            organisation or organisation_other,
            region or "",
            joined.isoformat() if joined else "",
            statuses.get(status, status),
            cohort,
            reference or "",
        ]

    return header, rows, line
