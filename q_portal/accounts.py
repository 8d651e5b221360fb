"""allauth's account adapter: every email allauth sends (confirmation, password
reset, security notices) goes through the outbox like the rest of the portal's."""

import uuid

from allauth.account.adapter import DefaultAccountAdapter

from q_portal.outbox.services import email_queue


class PortalAccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html = ""
        for alternative, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = alternative
        email_queue(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            # Each of allauth's emails is a fresh message (a new code or link), so
            # each gets its own key; the outbox still sends it exactly once.
            key=f"account:{template_prefix}:{uuid.uuid4()}",
        )
