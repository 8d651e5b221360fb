"""The exchange in the subject-access export and the erasure (see
`q_portal.personal_data`): the ideas and proposals a member leads, the teams they
are in or asked to join, their comments, the ideas they support, their edits and
how they hear about their ideas.

Erasure writes nothing here: everything hangs off the member profile the erasure
deletes. Ideas, proposals, comments and edits stay in the call's public record
by no one ("a former member": their author is unset); supports, team places and
the email choice go with the profile. This counts them first, for the erasure's
audit entry."""

from django.db.models import Prefetch
from django.utils import timezone

from q_portal.personal_data import Section, register

from .models import (
    Assessor,
    Comment,
    ExchangePreference,
    Idea,
    IdeaRevision,
    PanelAssignment,
    Proposal,
    ProposalAnswer,
    Support,
    TeamMembership,
)


def _when(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def exchange_personal_data(user) -> dict:
    """Nine queries, however much is held."""
    member = {"member__user": user}
    return {
        "ideas_you_lead": _ideas_led(user),
        "teams": [
            {
                "idea": membership.idea.title,
                "role": membership.get_role_display(),
                "status": membership.get_status_display(),
                "message_to_the_lead": membership.message,
                "asked_at": _when(membership.created_at),
            }
            for membership in TeamMembership.objects.filter(**member).select_related("idea")
        ],
        "comments": [
            {"idea": comment.idea.title, "comment": comment.body, "written_at": _when(comment.created_at)}
            for comment in Comment.objects.filter(author__user=user).select_related("idea").order_by("created_at")
        ],
        "ideas_you_support": [
            {"idea": support.idea.title, "since": _when(support.created_at)}
            for support in Support.objects.filter(**member).select_related("idea").order_by("created_at")
        ],
        "edits_you_made": [
            {"idea": revision.idea.title, "made_at": _when(revision.created_at), "changes": revision.changes}
            for revision in IdeaRevision.objects.filter(author__user=user).select_related("idea")
        ],
        "proposals_you_lead": _proposals_led(user),
        "shortlisting_panels": _shortlisting_panels(user),
        "emails_about_your_ideas": next(
            (
                ExchangePreference(email=choice).get_email_display()
                for choice in ExchangePreference.objects.filter(**member).values_list("email", flat=True)
            ),
            None,
        ),
    }


def _ideas_led(user) -> list[dict]:
    return [
        {
            "call": idea.call.title,
            "title": idea.title,
            "status": idea.get_status_display(),
            "the_problem": idea.problem,
            "what_you_would_do": idea.plan,
            "who_is_involved": idea.involved,
            "budget": idea.budget,
            "private_budget_line": idea.budget_private,
            "skills_wanted": idea.skills_wanted,
            "posted_at": _when(idea.created_at),
        }
        for idea in Idea.objects.filter(lead__user=user).select_related("call").order_by("created_at", "pk")
    ]


def _proposals_led(user) -> list[dict]:
    return [
        {
            "call": proposal.call.title,
            "title": proposal.title,
            "summary": proposal.summary,
            "budget": proposal.budget,
            "status": proposal.get_status_display(),
            "submitted_at": _when(proposal.submitted_at),
            "answers": [{"question": answer.question.text, "answer": answer.text} for answer in proposal.answers.all()],
        }
        for proposal in Proposal.objects.filter(lead__user=user)
        .select_related("call")
        .prefetch_related(Prefetch("answers", queryset=ProposalAnswer.objects.select_related("question")))
    ]


def _shortlisting_panels(user) -> list[dict]:
    return [
        {
            "call": assessor.call.title,
            "status": assessor.get_status_display(),
            "what_you_would_bring": assessor.statement,
            "put_forward_at": _when(assessor.created_at),
            "assessments": [
                {
                    "proposal": assignment.proposal.title,
                    "scores": getattr(assignment, "assessment", None) and assignment.assessment.scores,
                    "note": getattr(assignment, "assessment", None) and assignment.assessment.note,
                }
                for assignment in assessor.assignments.all()
            ],
        }
        for assessor in Assessor.objects.filter(member__user=user)
        .select_related("call")
        .prefetch_related(
            Prefetch("assignments", queryset=PanelAssignment.objects.select_related("proposal", "assessment"))
        )
        .order_by("created_at", "pk")
    ]


def exchange_personal_data_erase(user) -> dict[str, int]:
    """Counts only (see the module's docstring): the profile's deletion does the rest."""
    return {
        "exchange_ideas_left_without_lead": Idea.objects.filter(lead__user=user).count(),
        "exchange_comments_left_without_author": Comment.objects.filter(author__user=user).count(),
        "exchange_supports_deleted": Support.objects.filter(member__user=user).count(),
        "exchange_team_places_deleted": TeamMembership.objects.filter(member__user=user).count(),
        "exchange_proposals_left_without_lead": Proposal.objects.filter(lead__user=user).count(),
    }


register(Section("exchange", export=exchange_personal_data, erase=exchange_personal_data_erase))
