"""The vote and the funded projects in the retention schedule (see `q_portal.retention`).

Votes are personal data: who was eligible (the snapshot) and how each member
voted. A year after a vote closes each voter row loses its member, keeping only
its random token, so the published totals stay reproducible from the ballot file
while no vote can be traced back to anyone. Updates and comments on funded
projects are the project's public record, kept with the member's profile, as
the exchange's comments are."""

from django.utils.translation import gettext_lazy as _

from q_portal.retention import BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, not_personal, register

from .models import Voter

register(
    Rule(
        "funding.Voter",
        holds=_("That you could vote in a Q Exchange call (a snapshot when the vote opened), and your region then"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=Period("RETENTION_VOTE_MONTHS", 12, "months"),
        after=_("the vote closed"),
        due=lambda cutoff: Voter.objects.filter(member__isnull=False, call_vote__closed_at__lt=cutoff),
        apply=lambda rows, now: rows.update(member=None),
    )
)
register(
    Rule(
        "funding.Vote",
        holds=_("How you voted in a Q Exchange call"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_(
            "Linked to you only through your voter record, which loses your name a year after the vote closes; "
            "from then on the vote is anonymous, kept so the published totals can be checked"
        ),
    )
)
for label, holds in (
    ("funding.ProjectUpdate", _("Progress updates you post on a funded project: text, links, an image")),
    ("funding.UpdateComment", _("Your comments on funded projects' updates")),
):
    register(
        Rule(
            label,
            holds=holds,
            basis=BASIS_LEGITIMATE_INTERESTS,
            end=End.WITH,
            kept=_(
                "As long as the project's record is kept; the author is shown by their member profile, which is "
                "anonymised when their membership ends"
            ),
        )
    )
not_personal("funding.CallVote", reason="A call's vote rules and state, set by the programme team.")
not_personal("funding.ThemeShare", reason="A theme's share of a call's money, set by the programme team.")
not_personal("funding.VoteCount", reason="A proposal's total of votes: a count, about no one.")
not_personal("funding.Award", reason="The funding decision on a team's proposal, published with the results.")
not_personal("funding.Project", reason="A funded project's public facts: title, grant, dates.")
