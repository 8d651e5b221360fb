"""Subject access: everything the portal holds about one person, gathered from
every app (so it lives in the top layer), as plain data for a JSON download and
a readable page.

A person is an email address, with their account if they have one: someone
nominated or registered for updates may hold no account, and an account may
have more than one address. Other people stay out of the export: reviewers are
"Reviewer 1", "Reviewer 2" of each application, and audit entries about the
person say what was done and when, not by whom (other than "you").

What a person sees of selection is what has been released to them: the outcome
and the approved feedback, once released. The team's working (reviews, notes to
the panel, scores, unreleased decisions, draft feedback) is left out unless the
caller names the parts of `SelectionWork` to include: the programme team's
subject access page does, for the team to judge what to release."""

from dataclasses import dataclass, field
from datetime import date, datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.utils import timezone

from applications.choices import ApplicationOutcome, ApplicationStatus
from applications.models import Application, CriterionResponse, Nomination, UpdateSubscription
from applications.selectors.applications import application_form_answers
from equality.selectors import monitoring_answers_of
from members.models import (
    AbuseReport,
    CoffeePairing,
    ContactMessage,
    MemberProfile,
    User,
)
from members.models.discussions import Post, PostReport, Thread
from members.models.membership import Community, CommunityMembership
from q_portal.audit.models import AuditEntry
from q_portal.outbox.models import OutboundEmail
from q_portal.personal_data import sections as app_sections

from ..choices import SelectionWork
from ..models import Assignment, Conflict, CriterionFeedback, CriterionScore, Review, ReviewerAgreement

# The version of the export's shape, so a reader of an old file knows what it holds.
EXPORT_FORMAT = 1


@dataclass(frozen=True)
class DataSubject:
    """One person: the address they were found by, their account if any, and
    every address the portal knows for them."""

    email: str
    user: User | None
    emails: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return str(self.user) if self.user is not None else self.email


def data_subject_for(*, email: str | None = None, user: User | None = None) -> DataSubject:
    """The person with this address (an account's login or one of its verified
    addresses), or with this account. Only verified addresses count: anyone can
    add someone else's address to their account unconfirmed, and must not get
    that person's data by it."""
    if user is None and email:
        user = (
            User.objects.filter(
                Q(email__iexact=email) | Q(emailaddress__email__iexact=email, emailaddress__verified=True)
            )
            .distinct()
            .first()
        )
    emails = {email.strip().lower()} if email else set()
    if user is not None:
        emails.add(user.email.lower())
        verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
        emails.update(address.lower() for address in verified)
    return DataSubject(email=(email or user.email).strip().lower(), user=user, emails=tuple(sorted(emails)))


def applications_in_selection(*, subject: DataSubject) -> list[str]:
    """References of the person's applications still being decided: erasing takes
    their details out of a live selection, which the confirmation page says."""
    if subject.user is None:
        return []
    return list(
        Application.objects.filter(
            applicant=subject.user,
            status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW],
            outcome=ApplicationOutcome.NONE,
        ).values_list("reference", flat=True)
    )


def _when(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _email_filter(field_name: str, emails) -> Q:
    query = Q(pk__in=[])
    for address in emails:
        query |= Q(**{f"{field_name}__iexact": address})
    return query


def _account(subject: DataSubject) -> dict | None:
    user = subject.user
    if user is None:
        return None
    return {
        "email": user.email,
        "name": user.display_name,
        "created_at": _when(user.date_joined),
        "last_signed_in_at": _when(user.last_login),
        "active": user.is_active,
        "roles": sorted(user.groups.values_list("name", flat=True)) + (["Administrator"] if user.is_superuser else []),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "two_factor_authentication": sorted(
            Authenticator.Type(kind).label
            for kind in Authenticator.objects.filter(user=user).values_list("type", flat=True)
        ),
        # Work identities linked for single sign-on, with what their provider told us.
        "linked_work_accounts": [
            {
                "provider": account.provider,
                "identifier": account.uid,
                "linked_at": _when(account.date_joined),
                "last_used_at": _when(account.last_login),
                "claims": account.extra_data,
            }
            for account in user.socialaccount_set.order_by("date_joined")
        ],
    }


# Audit actions on an application that the applicant has been told of (by email
# or on their status page); every other selection action is the team's working.
TOLD_SELECTION_ACTIONS = frozenset(
    {
        "selection.decision_release",
        "selection.decision_reverse",
        "selection.place_confirm",
        "selection.place_decline",
        "selection.place_lapse",
        "selection.place_promote",
    }
)


def _reviews_about(application: Application, *, notes_to_panel: bool) -> list[dict]:
    reviews = []
    for number, assignment in enumerate(application.assignments.all(), start=1):
        review = getattr(assignment, "review", None)
        if review is None:
            continue
        reviews.append(
            {
                "reviewer": f"Reviewer {number}",
                "moderation": assignment.is_moderation,
                "status": review.get_status_display(),
                "recommendation": review.get_recommendation_display(),
                "weighted_total": review.weighted_total,
                "submitted_at": _when(review.submitted_at),
                **({"note_to_panel": review.note_to_panel} if notes_to_panel else {}),
                "scores": [
                    {"criterion": score.criterion.letter, "score": score.score, "comment": score.comment}
                    for score in review.scores.all()
                ],
            }
        )
    return reviews


def _selection_work(application: Application, work: frozenset[str]) -> dict:
    """The parts of the team's working on the application that were asked for."""
    rows = {}
    if SelectionWork.REVIEWS in work:
        rows["reviews"] = _reviews_about(application, notes_to_panel=SelectionWork.NOTES_TO_PANEL in work)
    elif SelectionWork.NOTES_TO_PANEL in work:
        rows["notes_to_panel"] = [
            {"reviewer": review["reviewer"], "note_to_panel": review["note_to_panel"]}
            for review in _reviews_about(application, notes_to_panel=True)
        ]
    if SelectionWork.UNRELEASED in work:
        decision = getattr(application, "decision", None)
        scores = getattr(application, "score_summary", None)
        rows["scores"] = (
            None
            if scores is None
            else {
                "reviews_done": scores.reviews_done,
                "mean_score": scores.mean_score,
                "normalised_score": scores.normalised_score,
            }
        )
        rows["decision"] = (
            None
            if decision is None
            else {
                "outcome": decision.get_outcome_display(),
                "decided_at": _when(decision.decided_at),
                "released_at": _when(decision.released_at),
            }
        )
        rows["feedback_in_preparation"] = [
            {"criterion": item.criterion.letter, "text": item.text, "status": item.get_status_display()}
            for item in application.feedback.all()
        ]
    return rows


def _applications(subject: DataSubject, work: frozenset[str]) -> list[dict]:
    if subject.user is None:
        return []
    return [_application_row(application, work) for application in _applications_with_work(subject, work)]


def _applications_with_work(subject: DataSubject, work: frozenset[str]):
    """The person's applications, with the selection work chosen joined in."""
    related = ["round", "route", "region", "organisation", "route_course", "route_organisation", "place_offer"]
    prefetches = [Prefetch("responses", queryset=CriterionResponse.objects.select_related("criterion"))]
    if SelectionWork.UNRELEASED in work:
        related += ["decision", "score_summary"]
        prefetches.append(Prefetch("feedback", queryset=CriterionFeedback.objects.select_related("criterion")))
    if work & {SelectionWork.REVIEWS, SelectionWork.NOTES_TO_PANEL}:
        prefetches.append(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("review").prefetch_related(
                    Prefetch("review__scores", queryset=CriterionScore.objects.select_related("criterion"))
                ),
            )
        )
    return (
        Application.objects.filter(applicant=subject.user)
        .select_related(*related)
        .prefetch_related(*prefetches)
        .order_by("created_at")
    )


def _application_row(application: Application, work: frozenset[str]) -> dict:
    offer = getattr(application, "place_offer", None)
    return {
        "reference": application.reference,
        "round": application.round.name,
        "status": application.get_status_display(),
        "outcome": application.get_outcome_display() if application.outcome else None,
        "started_at": _when(application.created_at),
        "submitted_at": _when(application.submitted_at),
        "withdrawn_at": _when(application.withdrawn_at),
        "outcome_released_at": _when(application.outcome_released_at),
        **application_form_answers(application),
        "answers": [
            {"criterion": response.criterion.letter, "title": response.criterion.title, "text": response.text}
            for response in application.responses.all()
        ],
        # Written only when the decision is released, with the approved feedback.
        "feedback": [
            {"criterion": item["letter"], "title": item["title"], "text": item["text"]}
            for item in application.released_feedback
        ],
        "place_offer": None
        if offer is None
        else {
            "status": offer.get_status_display(),
            "offered_at": _when(offer.offered_at),
            "respond_by": _when(offer.respond_by),
            "responded_at": _when(offer.responded_at),
        },
        **_selection_work(application, work),
    }


def _nominations_of(subject: DataSubject) -> list[dict]:
    query = _email_filter("email", subject.emails)
    if subject.user is not None:
        query |= Q(nominee=subject.user)
    return [
        {
            "round": nomination.round.name,
            "organisation": nomination.organisation.name,
            "nominated_at": _when(nomination.created_at),
            "status": nomination.get_status_display(),
            "full_name": nomination.full_name,
            "email": nomination.email,
            "job_title": nomination.job_title,
            "role": nomination.get_role_category_display(),
            "region": nomination.region.name,
            "supporting_statement": nomination.statement,
        }
        for nomination in Nomination.objects.filter(query).select_related("round", "organisation", "region")
    ]


def _nominations_by(subject: DataSubject) -> list[dict]:
    if subject.user is None:
        return []
    return [
        {
            "round": nomination.round.name,
            "organisation": nomination.organisation.name,
            "nominated_at": _when(nomination.created_at),
            "full_name": nomination.full_name,
            "email": nomination.email,
            "status": nomination.get_status_display(),
        }
        for nomination in Nomination.objects.filter(nominated_by=subject.user).select_related("round", "organisation")
    ]


def _reviewing(subject: DataSubject) -> dict | None:
    user = subject.user
    if user is None:
        return None
    reviews = [
        {
            "round": review.assignment.round.name,
            "application": review.assignment.application.reference,
            "status": review.get_status_display(),
            "recommendation": review.get_recommendation_display(),
            "submitted_at": _when(review.submitted_at),
            "note_to_panel": review.note_to_panel,
            "scores": [
                {"criterion": score.criterion.letter, "score": score.score, "comment": score.comment}
                for score in review.scores.all()
            ],
        }
        for review in Review.objects.filter(assignment__reviewer=user)
        .select_related("assignment__round", "assignment__application")
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")))
        .order_by("assignment__created_at")
    ]
    conflicts = [
        {
            "round": conflict.round.name,
            "application": conflict.application.reference,
            "kind": conflict.get_kind_display(),
            "reason": conflict.reason,
            "recorded_at": _when(conflict.created_at),
        }
        for conflict in Conflict.objects.filter(reviewer=user).select_related("round", "application")
    ]
    agreements = [
        {
            "round": agreement.round.name,
            "accepted_at": _when(agreement.accepted_at),
            "wording_version": agreement.wording_version,
        }
        for agreement in ReviewerAgreement.objects.filter(reviewer=user).select_related("round").order_by("pk")
    ]
    profile = getattr(user, "reviewer_profile", None)
    if not reviews and not conflicts and not agreements and profile is None:
        return None
    return {
        "organisation": str(profile.organisation or "") if profile else "",
        "region": str(profile.region or "") if profile else "",
        "assignments": Assignment.objects.filter(reviewer=user).count(),
        "reviews": reviews,
        "conflicts_of_interest": conflicts,
        "confidentiality_agreements": agreements,
    }


def _membership(subject: DataSubject) -> dict | None:
    if subject.user is None:
        return None
    profile = (
        MemberProfile.objects.filter(user=subject.user)
        .select_related("organisation", "region", "pledge")
        .prefetch_related("interests", "community_memberships__community")
        .first()
    )
    if profile is None:
        return None
    pledge = getattr(profile, "pledge", None)
    return {
        "membership_number": profile.membership_number,
        "status": profile.get_status_display(),
        "joined_on": _when(profile.joined_on),
        "cohort": profile.cohort_name,
        "full_name": profile.full_name,
        "job_title": profile.job_title,
        "role": profile.get_role_category_display(),
        "organisation": profile.organisation_name,
        "region": str(profile.region or ""),
        "about": profile.bio,
        "skills": profile.skills,
        "methods": profile.methods,
        "links": profile.links,
        "photo": bool(profile.photo),
        "interests": [interest.name for interest in profile.interests.all()],
        "visibility": profile.get_visibility_display(),
        "other_members_may_contact": profile.contact_enabled,
        "random_coffee": profile.coffee_opt_in,
        "pledge": None if pledge is None else {"text": pledge.text, "kind": pledge.get_category_display()},
        "communities": [
            {"name": membership.community.name, "joined_at": _when(membership.joined_at)}
            for membership in profile.community_memberships.all()
        ],
        "messages": _messages_of(profile),
        "reports_made": [
            {"made_at": _when(report.created_at), "reason": report.reason, "status": report.get_status_display()}
            for report in AbuseReport.objects.filter(reporter=profile)
        ],
        "reports_about_you": [
            {"made_at": _when(report.created_at), "status": report.get_status_display()}
            for report in AbuseReport.objects.filter(reported=profile)
        ],
        "random_coffee_pairs": _coffee_pairs_of(profile),
    }


def _messages_of(profile: MemberProfile) -> list[dict]:
    """Messages the member sent or received, with the other member's name."""
    messages = ContactMessage.objects.filter(Q(sender=profile) | Q(recipient=profile)).select_related(
        "sender", "recipient"
    )
    return [
        {
            "direction": "sent" if message.sender_id == profile.pk else "received",
            "other_member": (message.recipient if message.sender_id == profile.pk else message.sender).full_name,
            "sent_at": _when(message.sent_at),
            "message": message.body,
            "reply": message.reply,
            "replied_at": _when(message.replied_at),
        }
        for message in messages
    ]


def _coffee_pairs_of(profile: MemberProfile) -> list[dict]:
    pairings = CoffeePairing.objects.filter(Q(first=profile) | Q(second=profile)).select_related("first", "second")
    return [
        {
            "month": f"{pairing.month:%B %Y}",
            "paired_with": (pairing.second if pairing.first_id == profile.pk else pairing.first).full_name,
        }
        for pairing in pairings
    ]


def _groups(subject: DataSubject) -> dict:
    """Communities and special interest groups: the person's memberships (with
    their email choice and whether they convene), the groups they proposed, the
    threads they started, their posts and their reports of posts. Five queries."""
    if subject.user is None:
        return {}
    user = subject.user
    groups = {
        "memberships": [
            {
                "group": membership.community.name,
                "joined_at": _when(membership.joined_at),
                "convenor": membership.is_convenor,
                "emails_about_new_posts": membership.get_notify_display(),
            }
            for membership in CommunityMembership.objects.filter(member__user=user)
            .select_related("community")
            .order_by("joined_at", "pk")
        ],
        "groups_you_proposed": [
            {
                "group": group.name,
                "status": group.get_status_display(),
                "learning_question": group.learning_question,
                "welcome_message": group.welcome_message,
            }
            for group in Community.objects.filter(proposed_by__user=user).order_by("created_at", "pk")
        ],
        "threads_you_started": [
            {"group": thread.community.name, "title": thread.title, "started_at": _when(thread.created_at)}
            for thread in Thread.objects.filter(author__user=user).select_related("community").order_by("created_at")
        ],
        "posts": [
            {
                "group": post.thread.community.name,
                "thread": post.thread.title,
                "post": post.body,
                "hidden_by_moderators": post.hidden,
                "written_at": _when(post.created_at),
            }
            for post in Post.objects.filter(author__user=user)
            .select_related("thread__community")
            .order_by("created_at", "pk")
        ],
        "posts_you_reported": [
            {"thread": report.post.thread.title, "reason": report.reason, "reported_at": _when(report.created_at)}
            for report in PostReport.objects.filter(reporter__user=user).select_related("post__thread")
        ],
    }
    return groups if any(groups.values()) else {}


def _app_sections(subject: DataSubject) -> dict:
    """What the apps above selection hold (`q_portal.personal_data`): events, the
    exchange. A section holding nothing is empty."""
    if subject.user is None:
        return {section.key: {} for section in app_sections()}
    held = {}
    for section in app_sections():
        value = section.export(subject.user)
        held[section.key] = value if any(value.values()) else {}
    return held


def _update_subscriptions(subject: DataSubject) -> list[dict]:
    return [
        {
            "email": subscription.email,
            "name": subscription.name,
            "region": str(subscription.region or ""),
            "role": subscription.get_role_category_display(),
            "status": subscription.get_status_display(),
            "agreed_at": _when(subscription.consented_at),
            "confirmed_at": _when(subscription.confirmed_at),
            "unsubscribed_at": _when(subscription.unsubscribed_at),
        }
        for subscription in UpdateSubscription.objects.filter(_email_filter("email", subject.emails)).select_related(
            "region"
        )
    ]


def _emails(subject: DataSubject) -> list[dict]:
    return [
        {
            "to": email.to,
            "subject": email.subject,
            "status": email.get_status_display(),
            "queued_at": _when(email.created_at),
            "sent_at": _when(email.sent_at),
            "text": email.body_text,
        }
        for email in OutboundEmail.objects.filter(_email_filter("to", subject.emails)).order_by("created_at", "pk")
    ]


def audit_targets_of(subject: DataSubject) -> Q:
    """Audit entries about the person: their account, applications, nominations of
    them, member profile, pledge and messages, and exports of their data."""
    if subject.user is None:
        targets = {Nomination: Nomination.objects.filter(_email_filter("email", subject.emails))}
    else:
        profile = MemberProfile.objects.filter(user=subject.user)
        targets = {
            User: User.objects.filter(pk=subject.user.pk),
            Application: Application.objects.filter(applicant=subject.user),
            Nomination: Nomination.objects.filter(Q(nominee=subject.user) | _email_filter("email", subject.emails)),
            MemberProfile: profile,
            ContactMessage: ContactMessage.objects.filter(Q(sender__in=profile) | Q(recipient__in=profile)),
        }
    query = _email_filter("changes__email", subject.emails) if subject.emails else Q(pk__in=[])
    for model, objects in targets.items():
        ids = [str(pk) for pk in objects.values_list("pk", flat=True)]
        if ids:
            query |= Q(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
    return query


def _audit(subject: DataSubject, work: frozenset[str]) -> list[dict]:
    user = subject.user
    query = audit_targets_of(subject)
    if user is not None:
        query |= Q(actor=user)
    entries = AuditEntry.objects.filter(query)
    if SelectionWork.UNRELEASED not in work:
        # Reviews, feedback and decisions are recorded as they are made; the person
        # hears of them only from the release (their own work as a reviewer stays).
        told = Q(action__in=TOLD_SELECTION_ACTIONS) | ~Q(action__startswith="selection.")
        entries = entries.filter(told | Q(actor=user) if user is not None else told)
    entries = entries.select_related("target_type").order_by("at", "pk")
    return [
        {
            "at": _when(entry.at),
            "action": entry.action,
            "by": "you"
            if user is not None and entry.actor_id == user.pk
            else ("the portal" if entry.actor_id is None else "another person"),
            "about": entry.target_type.name if entry.target_type_id else "",
        }
        for entry in entries
    ]


def personal_data_of(*, subject: DataSubject, selection_work=(), own: bool = False) -> dict:
    """What is held about the person, as JSON-ready data (times in UK time with
    their offset): everything they have been told, and of the programme team's
    working on their applications only the parts of `SelectionWork` named in
    `selection_work` (none unless the team chose to release them). Equality
    monitoring answers only in the person's own (`own`): they are never shown to
    anyone else row by row, the programme team included. A constant number of
    queries, however much there is."""
    work = frozenset(SelectionWork(part) for part in selection_work)
    equality = {"equality_monitoring": monitoring_answers_of(user=subject.user)} if own else {}
    return {
        "format": EXPORT_FORMAT,
        "service": "Q Portal",
        "exported_at": _when(timezone.now()),
        "email_addresses": list(subject.emails),
        "account": _account(subject),
        "applications": _applications(subject, work),
        "nominations_of_you": _nominations_of(subject),
        "nominations_you_made": _nominations_by(subject),
        "reviewing": _reviewing(subject),
        "membership": _membership(subject),
        "groups": _groups(subject),
        **_app_sections(subject),
        **equality,
        "update_registrations": _update_subscriptions(subject),
        "emails_sent_to_you": _emails(subject),
        "activity_record": _audit(subject, work),
    }
