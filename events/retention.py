"""Events in the retention schedule (see `q_portal.retention`): what members wrote
after an event loses its words a year on (the ratings stay, for the organisers'
figures); pledges made at an event go when the member's profile is anonymised."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from q_portal.retention import BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, before_apply, not_personal, register

from .models import EventPledge, Feedback

register(
    Rule(
        "events.Feedback",
        holds=_("What you wrote in an event's feedback form"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=Period("RETENTION_EVENT_FEEDBACK_MONTHS", 12, "months"),
        after=_("the event"),
        due=lambda cutoff: Feedback.objects.filter(registration__event__ends_at__lt=cutoff).exclude(
            Q(went_well="") & Q(improve="")
        ),
        apply=lambda rows, now: rows.update(went_well="", improve=""),
    )
)
register(
    Rule(
        "events.EventPledge",
        holds=_("Pledges you made at an event"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_("As long as your member profile: deleted when it is anonymised or erased"),
    )
)
register(
    Rule(
        "events.CalendarFeed",
        holds=_("The private address of your calendar feed"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_("As long as your account; replaced whenever you make a new address"),
    )
)
not_personal("events.EventSeries", "title", reason="A series' title, written by its organisers for members.")
not_personal("events.Event", "title", "summary", reason="What an event is, written by its organisers for members.")


def _pledges_go_with_the_profile(rows, now) -> None:
    EventPledge.objects.filter(member__in=rows).delete()


before_apply("members.MemberProfile", _pledges_go_with_the_profile)
