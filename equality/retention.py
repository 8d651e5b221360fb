"""Equality monitoring in the retention schedule (see `q_portal.retention`). The
answers live with the account: the person changes or deletes them at any time, and
they go when the account is erased; the rounds keep only counts by category
(`StageTally`), which identify no one. Before an application is anonymised by
recruitment's rules, selection tallies what it counted for (`selection/retention.py`)."""

from django.utils.translation import gettext_lazy as _

from q_portal.retention import BASIS_CONSENT, End, Rule, not_personal, register

register(
    Rule(
        "equality.MonitoringResponse",
        holds=_(
            "Your equality monitoring answers, if you gave any: age band, sex, gender identity, ethnic group, "
            "disability, religion or belief, sexual orientation, caring, background and professional background"
        ),
        basis=BASIS_CONSENT,
        end=End.WITH,
        kept=_(
            "As long as your account, unless you delete them first (you can at any time); deleted when your "
            "account is erased. The rounds keep only counts by category, which identify no one"
        ),
    )
)
not_personal(
    "equality.StageTally",
    reason="Counts of people by category and stage of a round: aggregates that identify no one.",
)
not_personal(
    "equality.PositiveAction",
    "reason",
    reason="The programme team's reason for using positive action in a round: about the round, not a person.",
)
not_personal(
    "equality.CharacteristicHold",
    reason="Places held for a group in a round: a number per category, identifying no one.",
)
