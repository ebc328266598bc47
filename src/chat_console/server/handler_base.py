"""What every handler shares: the session of a socket, the stores, and role/ticket lookups."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import socketio

from chat_console.protocol import Ticket
from chat_console.server.accounts import Account, Accounts, Role
from chat_console.server.arguments import Refusal, an_id
from chat_console.server.rate_limit import DEFAULT_RATE_LIMIT, Bucket, RateLimit, event_bucket
from chat_console.server.storage import ServerStore
from chat_console.server.tokens import Claims, TokenStore


@dataclass(slots=True)
class Session:
    sid: str
    user: Account | None = None
    claims: Claims | None = None  # of the token it authenticated with, verified then
    auth_deadline: asyncio.Task[None] | None = None
    # Events before `authenticate` (no account yet); afterwards the account's budget counts.
    bucket: Bucket = field(default_factory=lambda: event_bucket(DEFAULT_RATE_LIMIT))
    sent_large: bool = False  # a packet over LARGE_EVENT_BYTES: release memory when it leaves


class HandlerBase(socketio.AsyncNamespace):
    accounts: Accounts
    tokens: TokenStore
    store: ServerStore
    rate_limit: RateLimit

    def _user(self, session: Session) -> Account:
        assert session.user is not None  # trigger_event checked it
        return session.user

    def _operator(self, session: Session) -> Account:
        user = self._user(session)
        if user.role is not Role.OPERATOR:
            raise Refusal("operators only")
        return user

    def _ticket(self, ticket_id: Any) -> Ticket:
        ticket = self.store.get_ticket(an_id(ticket_id, "ticketId"))
        if ticket is None:
            raise Refusal("unknown ticket")
        return ticket
