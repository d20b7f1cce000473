"""Replies that carry a mail (a store with a mailbox, in a mail conversation) go by SMTP;
every other reply goes through the store's other channel, as before."""

from __future__ import annotations

from kefu.services.ports import (
    ChannelError,
    ChannelGateway,
    MailConnectionError,
    MailTransport,
    OutgoingReply,
)


class MailChannel:
    def __init__(self, transport: MailTransport, other: ChannelGateway) -> None:
        self.transport = transport
        self.other = other

    def send(self, reply: OutgoingReply) -> str:
        if reply.mail is None:
            return self.other.send(reply)
        try:
            self.transport.send(reply.mail)
        except MailConnectionError as exc:
            raise ChannelError(f"{exc.code}: {exc}", retryable=exc.retryable) from exc
        return reply.mail.message_id
