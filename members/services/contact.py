"""Members contacting each other through the portal, and reports of abuse.

Neither address is revealed by writing: the message is emailed to the recipient
with the sender's name and the text, and a link to read and reply in the portal
(no Reply-To, the portal's own sender address). Replying is the recipient's
choice to share their address; the sender agreed to share theirs when writing.
So when the recipient replies, the reply goes to the sender with the recipient's
address, and the recipient is sent the sender's address; both then see both on
the message page. A recipient who does not reply never learns the sender's
address and the sender never learns theirs.
"""

from django.contrib.auth.models import Group
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.services import email_queue
from q_portal.rate_limits import rate_limit_take, rate_limit_used
from q_portal.roles import Role
from q_portal.text import single_line

from ..choices import ReportStatus
from ..emails import absolute_url
from ..models import AbuseReport, ContactMessage, MemberProfile

# Each member may start this many conversations in a rolling window.
CONTACT_LIMIT = 5
CONTACT_WINDOW_SECONDS = 60 * 60 * 24


def _rate_key(member: MemberProfile) -> str:
    return f"members:contact:{member.pk}"


def contact_allowance_left(*, sender: MemberProfile) -> int:
    return max(0, CONTACT_LIMIT - rate_limit_used(key=_rate_key(sender)))


def _take_allowance(sender: MemberProfile) -> None:
    # The window starts with the first message.
    if not rate_limit_take(key=_rate_key(sender), limit=CONTACT_LIMIT, window_seconds=CONTACT_WINDOW_SECONDS):
        raise PortalError(
            _("You have sent %(limit)s messages in the last day, the most the portal allows. Try again tomorrow.")
            % {"limit": CONTACT_LIMIT},
            field="body",
        )


@transaction.atomic
def contact_send(*, sender: MemberProfile, recipient: MemberProfile, body: str, by) -> ContactMessage:
    """Send a message from one member to another. Raises PortalError when the
    recipient cannot be contacted, or the sender has used their allowance
    (CONTACT_LIMIT a day). Side effects: the message row, an audit entry, an
    email to the recipient (outbox) without the sender's address."""
    body = body.strip()
    if not body:
        raise PortalError(_("Enter your message."), field="body")
    if not sender.is_active:
        raise PortalError(_("Only active members can contact other members."))
    if sender.pk == recipient.pk:
        raise PortalError(_("You cannot send a message to yourself."))
    if not recipient.is_listed or not recipient.contact_enabled:
        raise PortalError(_("%(name)s is not taking messages.") % {"name": recipient.full_name})
    message = ContactMessage(sender=sender, recipient=recipient, body=body)
    message.full_clean(exclude=["sender", "recipient"])
    _take_allowance(sender)
    message.save()
    audit_log(actor=by, action="members.contact_send", target=message, summary=f"To {recipient.membership_number}")
    context = {"message": message, "message_url": absolute_url("members:message", pk=message.pk)}
    email_queue(
        to=recipient.user.email,
        subject=single_line(_("%(name)s sent you a message through Q") % {"name": sender.full_name}),
        body_text=render_to_string("members/emails/message.txt", context),
        key=f"members.message.{message.pk}",
    )
    return message


@transaction.atomic
def contact_reply(*, message: ContactMessage, body: str, by) -> ContactMessage:
    """The recipient's reply, once. Side effects: the reply on the message, an
    audit entry, an email to the sender with the reply and the recipient's
    address, and an email to the recipient with the sender's address."""
    message = (
        ContactMessage.objects.select_for_update().select_related("sender__user", "recipient__user").get(pk=message.pk)
    )
    if message.recipient.user_id != by.pk:
        raise PortalError(_("Only the person the message was sent to can reply."))
    if message.replied_at is not None:
        raise PortalError(_("You have already replied. Write to them directly at the address you were sent."))
    body = body.strip()
    if not body:
        raise PortalError(_("Enter your reply."), field="body")
    message.reply = body
    message.replied_at = timezone.now()
    message.full_clean(exclude=["sender", "recipient"])
    message.save(update_fields=["reply", "replied_at"])
    audit_log(actor=by, action="members.contact_reply", target=message, summary="Replied; addresses shared")
    context = {"message": message, "message_url": absolute_url("members:message", pk=message.pk)}
    email_queue(
        to=message.sender.user.email,
        subject=single_line(_("%(name)s replied to your message") % {"name": message.recipient.full_name}),
        body_text=render_to_string("members/emails/reply.txt", context),
        key=f"members.reply.{message.pk}",
    )
    email_queue(
        to=message.recipient.user.email,
        subject=single_line(_("How to reach %(name)s") % {"name": message.sender.full_name}),
        body_text=render_to_string("members/emails/reply_copy.txt", context),
        key=f"members.reply_copy.{message.pk}",
    )
    return message


@transaction.atomic
def abuse_report_create(
    *, reporter: MemberProfile, reported: MemberProfile, reason: str, by, message: ContactMessage | None = None
) -> AbuseReport:
    """Report a member (and optionally a message they sent the reporter) to the
    programme team. Side effects: the report, an audit entry, an email to each
    member of the programme team (without the reason: they read it signed in)."""
    reason = reason.strip()
    if not reason:
        raise PortalError(_("Tell us what is wrong."), field="reason")
    if reporter.pk == reported.pk:
        raise PortalError(_("You cannot report yourself."))
    if message is not None and (message.recipient_id != reporter.pk or message.sender_id != reported.pk):
        raise PortalError(_("You can only report a message sent to you."))
    report = AbuseReport(reporter=reporter, reported=reported, message=message, reason=reason)
    report.full_clean(exclude=["reporter", "reported", "message"])
    report.save()
    audit_log(actor=by, action="members.abuse_report", target=report, summary=f"About {reported.membership_number}")
    team = Group.objects.filter(name=str(Role.PROGRAMME_TEAM)).first()
    addresses = team.user_set.filter(is_active=True).values_list("email", flat=True) if team else []
    for address in addresses:
        email_queue(
            to=address,
            subject=_("A member has reported a problem"),
            body_text=render_to_string(
                "members/emails/report.txt", {"report": report, "reports_url": absolute_url("members:reports")}
            ),
            key=f"members.report.{report.pk}.{address.lower()}",
        )
    return report


@transaction.atomic
def abuse_report_resolve(*, report: AbuseReport, resolution: str, by) -> AbuseReport:
    """Close a report with what was done. Side effect: an audit entry."""
    report = AbuseReport.objects.select_for_update().get(pk=report.pk)
    if report.status == ReportStatus.RESOLVED:
        raise PortalError(_("This report is already resolved."))
    resolution = resolution.strip()
    if not resolution:
        raise PortalError(_("Say what was done."), field="resolution")
    report.status = ReportStatus.RESOLVED
    report.resolution = resolution
    report.resolved_at = timezone.now()
    report.resolved_by = by
    report.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
    audit_log(actor=by, action="members.abuse_report_resolve", target=report, summary=resolution[:200])
    return report
