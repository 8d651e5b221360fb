"""Recruitment's entries in the retention schedule (see `q_portal.retention`)."""

from django.utils.translation import gettext_lazy as _

from q_portal.retention import BASIS_CONSENT, BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, not_personal, register

from .services import retention as services

ANONYMISE_MONTHS = Period("RETENTION_ANONYMISE_MONTHS", 12, "months")

register(
    Rule(
        "applications.Application",
        name="applications.Application:drafts",
        holds=_("A draft application never submitted: your details and answers"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.AGGREGATE,
        period=Period("RETENTION_ABANDONED_DRAFT_DAYS", 90, "days"),
        after=_("its round closes"),
        due=lambda cutoff: services.abandoned_drafts(cutoff=cutoff),
        apply=services.applications_apply_anonymisation,
        redact_audit=False,
    )
)
register(
    Rule(
        "applications.Application",
        holds=_(
            "An application that is not accepted, or that you withdraw, with its reviews: your details, your "
            "answers, the reviewers' comments and the feedback; anonymous figures stay for the round's statistics"
        ),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=ANONYMISE_MONTHS,
        after=_("the decision is released, or the withdrawal"),
        due=lambda cutoff: services.applications_due_for_anonymisation(cutoff=cutoff),
        apply=services.applications_apply_anonymisation,
        redact_audit=False,  # applications_anonymise redacts them
    )
)
register(
    Rule(
        "applications.Application",
        name="applications.Application:members",
        holds=_("An accepted application"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=Period("RETENTION_ENDED_MEMBERSHIP_MONTHS", 12, "months"),
        after=_("your membership ends"),
        due=lambda cutoff: services.applications_of_former_members(cutoff=cutoff),
        apply=services.applications_apply_anonymisation,
        redact_audit=False,
    )
)
register(
    Rule(
        "applications.CriterionResponse",
        holds=_("Your answers to the selection criteria"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_("As long as the application; removed when it is anonymised or deleted"),
    )
)
register(
    Rule(
        "applications.Nomination",
        holds=_("A nomination that did not become an application: your name, email, job and the nominator's statement"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=ANONYMISE_MONTHS,
        after=_("its round closes (a nomination that became an application goes with the application)"),
        due=lambda cutoff: services.nominations_without_application(cutoff=cutoff),
        apply=services.nominations_apply_anonymisation,
    )
)
register(
    Rule(
        "applications.CohortUpload",
        holds=_("A list of nominees uploaded by a nominating organisation: their names, emails and jobs"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=Period("RETENTION_COHORT_UPLOAD_DAYS", 30, "days"),
        after=_("the import (the nominations made from it have their own rule)"),
        due=lambda cutoff: services.cohort_uploads_imported(cutoff=cutoff),
        apply=services.cohort_uploads_clear,
    )
)
register(
    Rule(
        "applications.CohortUpload",
        name="applications.CohortUpload:not-imported",
        holds=_("A list of nominees uploaded but never imported"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        period=Period("RETENTION_COHORT_UPLOAD_DAYS", 30, "days"),
        after=_("the upload"),
        due=lambda cutoff: services.cohort_uploads_not_imported(cutoff=cutoff),
    )
)
register(
    Rule(
        "applications.UpdateSubscription",
        name="applications.UpdateSubscription:unconfirmed",
        holds=_("A registration for updates never confirmed"),
        basis=BASIS_CONSENT,
        end=End.DELETE,
        period=Period("RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS", 30, "days"),
        after=_("the registration"),
        due=lambda cutoff: services.unconfirmed_subscriptions(cutoff=cutoff),
    )
)
register(
    Rule(
        "applications.UpdateSubscription",
        holds=_("A registration for updates: your name, email, region and role, until you unsubscribe"),
        basis=BASIS_CONSENT,
        end=End.ANONYMISE,
        period=Period("RETENTION_UNSUBSCRIBED_DAYS", 30, "days"),
        after=_("you unsubscribe (we keep your address only on the list of addresses never to email)"),
        due=lambda cutoff: services.unsubscribed_subscriptions(cutoff=cutoff),
        apply=services.subscriptions_anonymise,
    )
)
for model, reason in {
    "applications.ImprovementCourse": "Courses an applicant may have taken: names of courses.",
    "applications.Route": "A round's eligibility routes, written by the programme team.",
    "applications.Criterion": "The selection criteria and their guidance, written by the programme team.",
    "applications.Round": "A recruitment round's name, description and dates.",
}.items():
    not_personal(model, reason=reason)
