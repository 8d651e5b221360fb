"""The member vote and funded projects in the subject-access export and the
erasure (see `q_portal.personal_data`): the votes a member could cast and cast,
and what they posted on funded projects.

Erasure writes nothing here: a voter row loses its member with the profile
(`SET_NULL`), so the votes stay counted under a random token and can no longer
be traced to anyone; updates and comments stay in the project's public record by
no one. This counts them first, for the erasure's audit entry."""

from django.db.models import Prefetch
from django.utils import timezone

from q_portal.personal_data import Section, register

from .models import ProjectUpdate, UpdateComment, Vote, Voter


def _when(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def funding_personal_data(user) -> dict:
    """Four queries, however much is held."""
    votes = Prefetch("votes", queryset=Vote.objects.select_related("proposal").order_by("created_at", "pk"))
    return {
        "member_votes": [
            {
                "call": voter.call_vote.call.title,
                "eligible_since": _when(voter.created_at),
                "region_when_the_vote_opened": voter.region_name,
                "your_votes": [
                    {"proposal": vote.proposal.title, "cast_at": _when(vote.created_at)} for vote in voter.votes.all()
                ],
            }
            for voter in Voter.objects.filter(member__user=user)
            .select_related("call_vote__call")
            .prefetch_related(votes)
            .order_by("created_at", "pk")
        ],
        "project_updates": [
            {
                "project": update.project.title,
                "title": update.title,
                "what_happened": update.body,
                "links": update.link_list(),
                "image": update.image.name or None,
                "posted_at": _when(update.created_at),
            }
            for update in ProjectUpdate.objects.filter(author__user=user).select_related("project")
        ],
        "comments_on_project_updates": [
            {"update": comment.update.title, "comment": comment.body, "written_at": _when(comment.created_at)}
            for comment in UpdateComment.objects.filter(author__user=user).select_related("update")
        ],
    }


def funding_personal_data_erase(user) -> dict[str, int]:
    """Counts only (see the module's docstring): the profile's deletion does the rest."""
    return {
        "votes_made_anonymous": Vote.objects.filter(voter__member__user=user).count(),
        "project_updates_left_without_author": ProjectUpdate.objects.filter(author__user=user).count(),
        "project_comments_left_without_author": UpdateComment.objects.filter(author__user=user).count(),
    }


register(Section("funding", export=funding_personal_data, erase=funding_personal_data_erase))
