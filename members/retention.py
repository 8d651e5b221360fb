"""Members' entries in the retention schedule (see `q_portal.retention`)."""

from django.utils.translation import gettext_lazy as _

from q_portal.retention import BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, not_personal, register

from .models import PostReport
from .services import retention as services

register(
    Rule(
        "members.User",
        holds=_("Your account: name, email address, password (only as a one-way hash) and when you last signed in"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.KEEP,
        kept=_(
            "Until you ask us to close it; then deleted (a reviewer's account is kept as an anonymous "
            "placeholder, so the scores they gave stay)"
        ),
    )
)
register(
    Rule(
        "members.MemberProfile",
        holds=_("Your member profile: name, job, organisation, about you, skills, links and photo"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.ANONYMISE,
        period=Period("RETENTION_ENDED_MEMBERSHIP_MONTHS", 12, "months"),
        after=_("your membership ends"),
        due=lambda cutoff: services.member_profiles_ended_before(cutoff=cutoff),
        apply=services.member_profiles_anonymise,
    )
)
register(
    Rule(
        "members.Pledge",
        holds=_("Your pledge"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_("As long as your member profile; its words are removed when the profile is anonymised"),
    )
)
register(
    Rule(
        "members.ContactMessage",
        holds=_("Messages between members, and their replies"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        period=Period("RETENTION_CONTACT_MESSAGE_MONTHS", 24, "months"),
        after=_("the message was sent (longer while a report about it is open)"),
        due=lambda cutoff: services.contact_messages_sent_before(cutoff=cutoff),
    )
)
register(
    Rule(
        "members.AbuseReport",
        holds=_("Reports of misuse of the member messages, and how they were resolved"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        period=Period("RETENTION_ABUSE_REPORT_MONTHS", 24, "months"),
        after=_("the report was resolved"),
        due=lambda cutoff: services.abuse_reports_resolved_before(cutoff=cutoff),
    )
)
not_personal("members.Region", reason="The UK's regions and nations.")
not_personal("members.Organisation", reason="Organisations' names, not people's.")
not_personal("members.Interest", "name", reason="A topic members share (the suggester is a link to an account).")
not_personal("members.Community", reason="A community of practice, described by the programme team.")
not_personal("members.GrowthTarget", reason="A membership target: a number and a date.")
register(
    Rule(
        "members.PostReport",
        holds=_("A report of a group post: who reported it and why"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        period=Period("RETENTION_POST_REPORT_MONTHS", 12, "months"),
        after=_("it was made, once dealt with"),
        due=lambda cutoff: PostReport.objects.filter(resolved=True, created_at__lt=cutoff),
        public=False,
    )
)
register(
    Rule(
        "members.Post",
        holds=_("What you write in a group's discussions"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_(
            "As long as the group, so its discussions stay readable; when your account is erased, your posts "
            "lose your name"
        ),
    )
)
register(
    Rule(
        "members.Thread",
        holds=_("The subjects of discussions you start in a group"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.WITH,
        kept=_("As long as the group, so its discussions stay readable"),
    )
)
not_personal("members.OnboardingStep", reason="The onboarding emails' wording, written by the programme team.")
register(
    Rule(
        "members.MemberImport",
        holds=_("A founding-members file uploaded by the programme team: names, emails and jobs"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        period=Period("RETENTION_MEMBER_IMPORT_DAYS", 1, "days"),
        after=_("the upload (deleted at once when imported)"),
        due=lambda cutoff: services.member_imports_staged_before(cutoff=cutoff),
    )
)
