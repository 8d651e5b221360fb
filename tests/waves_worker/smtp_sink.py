"""A local SMTP server (aiosmtpd) that records what it accepts: the outside
world for the wave tests. Only 127.0.0.1."""

import logging
import re
import socket
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller

# aiosmtpd logs every connection at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)
# The header, read without parsing the whole message (the sink must keep up).
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Received:
    recipients: tuple[str, ...]
    message_id: str
    at: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    """Accepts every message. `on_mail(number, peer)` is called at each MAIL FROM
    (numbered from 1), before the server answers: a test may act there."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.mail_commands = 0
        self.on_mail = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.mail_commands += 1
            number = self.mail_commands
        if self.on_mail is not None:
            self.on_mail(number, session.peer)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        header = envelope.content.split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(header)
        with self.lock:
            self.received.append(
                Received(
                    recipients=tuple(address.lower() for address in envelope.rcpt_tos),
                    message_id=found.group(1).decode() if found else "",
                    at=time.monotonic(),
                )
            )
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self):
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc_info):
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)
