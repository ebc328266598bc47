"""The Socket.IO namespace `/`: application-level auth, then one handler per emit of PROTOCOL.md.

Every inbound event goes through `trigger_event`, which
- ignores everything before `authenticate` succeeds (acked events get "not authenticated"),
- re-checks the socket's token: an expired or revoked one ends the session with `unauthenticated`,
- reads positional arguments itself (a wrong count or a payload that does not validate is an error
  ack, never an exception in the log),
- answers an ack with `None` on success or with an error string giving the reason.

Decisions the protocol leaves open (documented in the handlers, in ticket_handlers.py and
message_handlers.py): createTicket with an existing id is
idempotent for the same owner; a repeated messageId is acked and neither stored nor routed again;
status changes never change the handler (only acceptTicket/assignTicket do); assignTicket also
emits ticketAccepted so every queue stays true.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from chat_console.protocol import EmitEvent, ListenEvent, User
from chat_console.server import memory, rules
from chat_console.server.accounts import Accounts
from chat_console.server.arguments import Refusal, arg, validated
from chat_console.server.handler_base import Session
from chat_console.server.message_handlers import MessageHandlers
from chat_console.server.rate_limit import (
    DEFAULT_RATE_LIMIT,
    Bucket,
    Budgets,
    RateLimit,
    event_bucket,
)
from chat_console.server.storage import ServerStore
from chat_console.server.ticket_handlers import TicketHandlers
from chat_console.server.tokens import TokenStore
from chat_console.server.untrusted import MAX_DEPTH, measure

log = logging.getLogger("chat_console.server")

NOT_AUTHENTICATED = "not authenticated"
LARGE_EVENT_BYTES = 256 * 1024  # after arguments this large, memory is given back shortly
TRIM_DELAY = 1.0  # seconds: one trim after a burst, not one per packet
TOO_DEEP = f"arguments nested too deeply: more than {MAX_DEPTH} levels"

Handler = Callable[[Session, tuple[Any, ...]], Awaitable[None]]


class ChatNamespace(TicketHandlers, MessageHandlers):
    def __init__(
        self,
        *,
        accounts: Accounts,
        tokens: TokenStore,
        store: ServerStore,
        auth_timeout: float = 1.0,
        rate_limit: RateLimit = DEFAULT_RATE_LIMIT,
    ) -> None:
        super().__init__("/")
        self.accounts = accounts
        self.tokens = tokens
        self.store = store
        self.auth_timeout = auth_timeout
        self.rate_limit = rate_limit
        self.budgets = Budgets(rate_limit)
        self.sessions: dict[str, Session] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._trim: asyncio.TimerHandle | None = None
        self._handlers: dict[str, Handler] = {
            EmitEvent.AUTHENTICATE: self._authenticate,
            EmitEvent.SUBSCRIBE: self._subscribe,
            EmitEvent.SUBSCRIBE_OPERATOR: self._subscribe_operator,
            EmitEvent.UNSUBSCRIBE: self._unsubscribe,
            EmitEvent.UNSUBSCRIBE_OPERATOR: self._unsubscribe_operator,
            EmitEvent.CREATE_TICKET: self._create_ticket,
            EmitEvent.UPDATE_MESSAGE: self._update_message,
            EmitEvent.UPDATE_MESSAGE_STATUS: self._update_message_status,
            EmitEvent.ACCEPT_TICKET: self._accept_ticket,
            EmitEvent.UPDATE_TICKET_STATUS: self._update_ticket_status,
            EmitEvent.TYPING: self._typing,
            EmitEvent.ASSIGN_TICKET: self._assign_ticket,
        }

    # dispatch

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            self._on_connect(args[0])
            return None
        if event == "disconnect":
            self._on_disconnect(args[0])
            return None
        sid, payload = args[0], tuple(args[1:])
        session = self.sessions.get(sid)
        handler = self._handlers.get(event)
        if session is None or handler is None:
            log.info("refused %.40r from %s: unknown event", event, sid)
            return f"unknown event {event[:40]!r}"
        refusal = self._over_limit(session, payload)
        if refusal is not None:
            return refusal
        if event != EmitEvent.AUTHENTICATE and not await self._still_authenticated(session):
            log.info("refused %s from %s: %s", event, sid, NOT_AUTHENTICATED)
            return NOT_AUTHENTICATED
        try:
            await handler(session, payload)
        except Refusal as refusal:
            log.info("refused %s from %s: %s", event, self._who(session), refusal)
            return str(refusal)
        except Exception:
            log.exception("failed to handle %s from %s", event, self._who(session))
            return "internal server error"
        # A one-element tuple sends an explicit null, which callback(err) style peers expect.
        return (None,)

    def _over_limit(self, session: Session, payload: tuple[Any, ...]) -> str | None:
        """Why the event is refused before any work (its account is over a rate, or its arguments
        are nested too deeply), or None. Its bytes count even when it is then refused."""
        if session.user is None:
            events, data = session.bucket, None
        else:
            budget = self.budgets.of(session.user.user_id)
            events, data = budget.events, budget.bytes
        if not self._spend(session, events, 1, "events"):
            return self.rate_limit.events_refusal()
        size, too_deep = measure(payload)
        if size >= LARGE_EVENT_BYTES:
            session.sent_large = True
            self._trim_soon()
        if data is not None and not self._spend(session, data, size, "bytes"):
            return self.rate_limit.bytes_refusal()
        if too_deep:
            log.info("refused an event from %s: %s", self._who(session), TOO_DEEP)
            return TOO_DEEP
        return None

    def _spend(self, session: Session, bucket: Bucket, amount: float, what: str) -> bool:
        already_limited = bucket.limited
        if bucket.take(amount):
            return True
        if not already_limited:  # one line per run of refusals, not one per event
            log.info("refused events from %s: over its limit of %s", self._who(session), what)
        return False

    def _trim_soon(self) -> None:
        """Give the copies of a large packet back to the system once the burst is over."""
        if self._trim is None:
            self._trim = asyncio.get_running_loop().call_later(TRIM_DELAY, self._trim_now)

    def _trim_now(self) -> None:
        self._trim = None
        memory.release()

    def _who(self, session: Session) -> str:
        return session.user.user_id if session.user else session.sid

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        if self._trim is not None:
            self._trim.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # connection and authentication

    def _on_connect(self, sid: str) -> None:
        session = Session(sid, bucket=event_bucket(self.rate_limit))
        self.sessions[sid] = session
        session.auth_deadline = self.spawn(self._drop_if_silent(session))
        log.info("connected %s", sid)

    def _on_disconnect(self, sid: str) -> None:
        session = self.sessions.pop(sid, None)
        if session and session.auth_deadline:
            session.auth_deadline.cancel()
        if session and session.sent_large:  # its last packets are let go only now
            self._trim_soon()
        log.info("disconnected %s", (session and self._who(session)) or sid)

    async def _drop_if_silent(self, session: Session) -> None:
        await asyncio.sleep(self.auth_timeout)
        if session.user is None and session.sid in self.sessions:
            log.info(
                "dropped %s: did not authenticate within %.1f s", session.sid, self.auth_timeout
            )
            await self.disconnect(session.sid)

    async def _authenticate(self, session: Session, args: tuple[Any, ...]) -> None:
        payload = arg(args, 0)
        token = payload.get("accessToken") if isinstance(payload, dict) else None
        claims = self.tokens.verify_access(token) if isinstance(token, str) else None
        account = self.accounts.by_user_id(claims.user_id) if claims else None
        if claims is None or account is None:
            await self._deauthenticate(session, "invalid or expired token")
            raise Refusal("invalid or expired token")
        if session.user and session.user.user_id != account.user_id:
            await self._leave_all_rooms(session)
        session.user, session.claims = account, claims
        if session.auth_deadline:
            session.auth_deadline.cancel()
        log.info("authenticated %s as %s (%s)", session.sid, account.user_id, account.role)
        await self.emit(ListenEvent.AUTHENTICATED, True, to=session.sid)

    async def _still_authenticated(self, session: Session) -> bool:
        """The token was verified once, at `authenticate`; each event re-checks only what can
        change (expiry, revocation), not its signature (issue 15: the HMAC per event was a
        large part of the server's cost per delivery receipt)."""
        if session.user is None or session.claims is None:
            return False
        if self.tokens.still_valid(session.claims):
            return True
        await self._deauthenticate(session, "token expired or revoked")
        return False

    async def _deauthenticate(self, session: Session, reason: str) -> None:
        """Forget who the socket was and say so; the socket stays so the client can retry."""
        if session.user is not None:
            log.info("unauthenticated %s (%s): %s", session.sid, session.user.user_id, reason)
            await self._leave_all_rooms(session)
        else:
            log.info("refused authentication of %s: %s", session.sid, reason)
        session.user, session.claims = None, None
        await self.emit(ListenEvent.UNAUTHENTICATED, {"message": reason}, to=session.sid)

    async def _leave_all_rooms(self, session: Session) -> None:
        for room in self.rooms(session.sid):
            if room != session.sid:
                await self.leave_room(session.sid, room)

    async def revoke(self, user_id: str) -> None:
        """Tell every socket of `user_id` that its token no longer works (already revoked)."""
        for session in list(self.sessions.values()):
            if session.user and session.user.user_id == user_id:
                await self._deauthenticate(session, "token revoked")

    async def sweep_expired(self) -> None:
        """Sessions whose token expired hear `unauthenticated` even if they stay silent."""
        for session in list(self.sessions.values()):
            if session.user is not None:
                await self._still_authenticated(session)

    # subscriptions (no ack: a refusal is only logged)

    async def _subscribe(self, session: Session, args: tuple[Any, ...]) -> None:
        user = self._user(session)
        wanted: User = validated(arg(args, 0), User, "userObject")
        if wanted.user_id != user.user_id:
            raise Refusal("userObject.userId is not the authenticated user")
        await self.enter_room(session.sid, rules.user_room(user.user_id))

    async def _subscribe_operator(self, session: Session, args: tuple[Any, ...]) -> None:
        self._operator(session)
        await self.enter_room(session.sid, rules.OPERATORS_ROOM)

    async def _unsubscribe(self, session: Session, args: tuple[Any, ...]) -> None:
        await self.leave_room(session.sid, rules.user_room(self._user(session).user_id))

    async def _unsubscribe_operator(self, session: Session, args: tuple[Any, ...]) -> None:
        await self.leave_room(session.sid, rules.OPERATORS_ROOM)
