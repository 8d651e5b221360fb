"""The exchange's entries in the retention schedule (see `q_portal.retention`).

Ideas, comments and revisions are the call's public record, written for other
members to read; they are kept with the member's profile, which the members
rule anonymises when a membership ends, so they then show no name. Erasure on
request (anonymising an author's ideas and comments) is part 2 of the issue."""

from django.utils.translation import gettext_lazy as _

from q_portal.retention import BASIS_LEGITIMATE_INTERESTS, End, Rule, not_personal, register

_WITH_PROFILE = _(
    "As long as the call's record is kept; the author is shown by their member profile, which is "
    "anonymised when their membership ends"
)

for label, holds in (
    ("exchange.Idea", _("Ideas you post to the exchange: what they are about, who is involved, rough budget")),
    ("exchange.Comment", _("Your comments and replies on ideas")),
    ("exchange.IdeaRevision", _("The revision history of ideas you edited: the text before and after")),
    ("exchange.TeamMembership", _("Your place in an idea's team, and your message asking to join")),
    ("exchange.Proposal", _("Proposals your team wrote")),
    ("exchange.ProposalAnswer", _("Your team's answers to a call's proposal questions")),
):
    register(Rule(label, holds=holds, basis=BASIS_LEGITIMATE_INTERESTS, end=End.WITH, kept=_WITH_PROFILE))
register(
    Rule(
        "exchange.Support",
        holds=_("Which ideas you support"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_("Until you withdraw your support, or with your member profile"),
    )
)
register(
    Rule(
        "exchange.ExchangePreference",
        holds=_("How you want to hear about your ideas by email"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_("Deleted with your member profile"),
    )
)
not_personal("exchange.Call", reason="A funding call, written by the programme team for members.")
not_personal("exchange.Theme", reason="A call's theme, named by the programme team.")
not_personal("exchange.Question", reason="A question of a call's proposal form, written by the programme team.")

# The member panel (shortlisting): a volunteer's place and their work on the
# panel go with their member profile (deleted with it); feedback to a team is
# part of its proposal's record.
for label, holds, kept in (
    (
        "exchange.Assessor",
        _(
            "That you put yourself forward for a call's shortlisting panel, what you said you "
            "would bring, and whether you were recruited"
        ),
        _("Deleted with your member profile"),
    ),
    (
        "exchange.PanelAssignment",
        _("Which proposals you were given to assess on a panel"),
        _("Deleted with your place on the panel"),
    ),
    (
        "exchange.PanelConflict",
        _("Proposals you could not assess on a panel, and why (a conflict of interest)"),
        _("Deleted with your place on the panel"),
    ),
    (
        "exchange.Assessment",
        _("Your scores and notes on the proposals you assessed"),
        _("Deleted with your place on the panel"),
    ),
    (
        "exchange.ProposalFeedback",
        _("The panel's feedback to your team on a proposal not shortlisted"),
        _WITH_PROFILE,
    ),
):
    register(Rule(label, holds=holds, basis=BASIS_LEGITIMATE_INTERESTS, end=End.WITH, kept=kept))
not_personal("exchange.Criterion", reason="A criterion the panel scores on, written by the programme team.")
not_personal("exchange.Panel", reason="How a call's panel works, set by the programme team.")
