"""Email backends of the portal's own.

`DemoLogBackend` is the `make run` default: instead of printing each whole email
into the worker's output (forty seeded emails used to bury the server's address),
it logs one line per email at INFO, with the subject, the recipients and the
first link in the body, which is what a person trying the demo needs (to confirm
an address, accept an invitation). The whole email stays in the outbox, readable
in the admin (*Outbound email*)."""

import logging
import re

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("q_portal.outbox.demo")

_LINK = re.compile(r"https?://[^\s<>\"']+")


class DemoLogBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            link = _LINK.search(message.body or "")
            logger.info(
                "Email to %s: %s%s",
                ", ".join(message.recipients()),
                message.subject,
                f" ({link.group(0)})" if link else "",
            )
        return len(email_messages)
