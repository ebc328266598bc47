"""The operator's connection to the chat server: one owner for connect, auth, subscribe, reconnect.

`OperatorClient.start()` launches a supervisor task. Each round it opens a `Transport`, runs the
handshake (authenticate -> authenticated -> subscribe -> subscribeOperator), reports ONLINE, and
waits for the connection to end; then it waits with exponential backoff and tries again. Rejected
credentials stop the rounds (OFFLINE) until `retry_now()`. Every state change reaches the listener
as a `ConnectionChanged`; every server event as its typed value from `protocol.inbound`.
"""

import asyncio
import contextlib
import logging
import ssl as ssl_module
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from chat_console.client import http_api
from chat_console.client.backoff import Backoff
from chat_console.client.errors import (
    AuthenticationFailed,
    ClientError,
    NotConnected,
    TokenUnavailable,
    describe_ack_error,
    is_error,
    safe_text,
)
from chat_console.client.events import (
    ClientEvent,
    ConnectionChanged,
    ConnectionState,
    EventDropped,
    Listener,
)
from chat_console.client.tokens import TokenProvider
from chat_console.client.transport import Generation, Transport
from chat_console.client.transport_choice import AUTO, TransportChooser
from chat_console.protocol import emits
from chat_console.protocol.enums import MessageType, TicketStatus
from chat_console.protocol.events import EmitEvent
from chat_console.protocol.inbound import (
    Authenticated,
    MessageUpdated,
    ProtocolError,
    ServerEvent,
    Unauthenticated,
    decode,
)
from chat_console.protocol.limits import content_problem
from chat_console.protocol.models import Message, Ticket, User, now_utc

log = logging.getLogger(__name__)

# `unauthenticated` answers in a row (across reconnects) before the credentials count as rejected.
MAX_AUTH_REJECTIONS = 3
OnlineHook = Callable[[], Awaitable[None]]


class OperatorClient:
    def __init__(
        self,
        *,
        url: str,
        user: User,
        tokens: TokenProvider,
        listener: Listener,
        socketio_path: str = "socket.io",
        ack_timeout: float = 10.0,
        ssl: ssl_module.SSLContext | bool = True,
        auth_timeout: float = 10.0,
        backoff: Backoff | None = None,
        protocol: str = AUTO,
    ) -> None:
        self.user = user
        self.state = ConnectionState.OFFLINE
        self._url = url.rstrip("/")
        self._path = socketio_path
        self._tokens = tokens
        self._listener = listener
        self._muted = True  # no listener calls outside start() .. stop()
        self._ack_timeout = ack_timeout
        self._auth_timeout = auth_timeout
        self._ssl = ssl
        self._backoff = backoff or Backoff()
        self._conn: Transport | None = None
        # Which Socket.IO generation: as configured, or probed once and remembered ("auto").
        self._transports = TransportChooser(
            protocol, url=self._url, socketio_path=socketio_path, ssl=ssl
        )
        self._supervisor: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()  # the first round has an outcome
        self._stopping = False
        self._auth_answer: asyncio.Future[ServerEvent] | None = None
        self._auth_rejections = 0
        self._fatal: AuthenticationFailed | None = None
        self._reauth: asyncio.Task[None] | None = None
        self._unauthenticated_seen = 0  # `unauthenticated` events so far (see _call)
        self._background: set[asyncio.Task[Any]] = set()
        self._online_hooks: list[OnlineHook] = []
        self._state_changed = asyncio.Event()  # set and replaced on every change

    @property
    def protocol(self) -> Generation | None:
        """The server generation in use; None while "auto" has not probed the server yet."""
        return self._transports.generation

    def __repr__(self) -> str:
        return f"OperatorClient({self._url!r}, user={self.user.user_id!r}, state={self.state})"

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the supervisor; return once the first attempt is ONLINE, RECONNECTING or OFFLINE.

        Never raises for connection or auth problems: those arrive as `ConnectionChanged`.
        """
        if self._supervisor is not None:
            return
        self._stopping = False
        self._muted = False
        self._settled.clear()
        self._wake.clear()
        self._backoff.reset()
        self._auth_rejections = 0
        self._supervisor = asyncio.create_task(self._supervise(), name="chat-console-supervisor")
        settled = asyncio.create_task(self._settled.wait())
        try:
            await asyncio.wait({settled, self._supervisor}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            settled.cancel()

    async def stop(self) -> None:
        """Unsubscribe, disconnect, and make no more listener calls (until a new start())."""
        self._stopping = True
        self._muted = True
        conn = self._conn
        if conn is not None and self.state is ConnectionState.ONLINE:
            with contextlib.suppress(ClientError):
                await conn.emit(EmitEvent.UNSUBSCRIBE, emits.unsubscribe(self.user))
                await conn.emit(EmitEvent.UNSUBSCRIBE_OPERATOR, emits.unsubscribe_operator())
        tasks = [t for t in (self._supervisor, self._reauth, *self._background) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._conn is not None:
            await self._conn.close()
        self._conn = None
        self._supervisor = None
        self._enter(ConnectionState.OFFLINE)

    def retry_now(self) -> None:
        """Skip the backoff wait (RECONNECTING) or try rejected credentials again (OFFLINE).

        Does nothing in other states: a stale wake-up would skip a later backoff wait.
        """
        if self._supervisor is None or self.state not in (
            ConnectionState.RECONNECTING,
            ConnectionState.OFFLINE,
        ):
            return
        self._backoff.reset()
        self._wake.set()

    def add_online_hook(self, hook: OnlineHook) -> None:
        """Run `hook` every time the client comes ONLINE (the seam for an outbox flush)."""
        self._online_hooks.append(hook)

    async def drop_link(self, reason: str) -> None:
        """Give up on the current connection (an ack that never came says it may be dead) so the
        supervisor reconnects now instead of after Engine.IO's ping timeout."""
        conn = self._conn
        if conn is not None:
            await conn.close(reason)

    async def wait_for_state(self, state: ConnectionState, within: float) -> None:
        """Wait until the client is in `state`; raise TimeoutError after `within` seconds."""
        async with asyncio.timeout(within):
            while self.state is not state:
                await self._state_changed.wait()

    # -- operator actions --------------------------------------------------------------------

    async def send_message(
        self,
        ticket: Ticket,
        content: str,
        *,
        type: MessageType = MessageType.TEXT,
        message_id: str | None = None,
    ) -> Message:
        """Send `content` to the ticket's customer; return the Message as sent."""
        message = self.new_message(ticket, content, type=type)
        if message_id:
            message = message.model_copy(update={"message_id": message_id})
        await self.post_message(message)
        return message

    def new_message(
        self, ticket: Ticket, content: str, *, type: MessageType = MessageType.TEXT
    ) -> Message:
        """A message from this operator to the ticket's customer, with a fresh messageId."""
        if not ticket.owner_id:
            raise ClientError("this ticket has no customer to write to")
        return Message(
            ticket_id=ticket.ticket_id,
            message_id=str(uuid.uuid4()),
            recipient_id=ticket.owner_id,
            recipient_nm=ticket.owner_nm,
            content=content,
            type=type,
            created_at=now_utc(),
            sender_id=self.user.user_id,
            sender_nm=self.user.full_nm,
            program_id=self.user.program_id or ticket.program_id,
        )

    async def post_message(self, message: Message) -> None:
        """Emit a message built earlier (the outbox re-sends one with its own messageId)."""
        if not message.recipient_id:
            raise ClientError("this message has no customer to go to")
        refused = content_problem(message.content)  # the server's limit, said before sending
        if refused is not None:
            raise ClientError(refused)
        await self._call(
            EmitEvent.UPDATE_MESSAGE, emits.update_message(message, message.recipient_id)
        )

    async def accept(self, ticket: Ticket) -> None:
        await self._call(EmitEvent.ACCEPT_TICKET, emits.accept_ticket(ticket))

    async def set_status(self, ticket: Ticket, status: TicketStatus) -> None:
        await self._call(EmitEvent.UPDATE_TICKET_STATUS, emits.update_ticket_status(ticket, status))

    async def hijack(self, ticket_id: str) -> None:
        await self._call(EmitEvent.ASSIGN_TICKET, emits.assign_ticket(ticket_id, None))

    async def assign(self, ticket_id: str, operator_id: str) -> None:
        await self._call(EmitEvent.ASSIGN_TICKET, emits.assign_ticket(ticket_id, operator_id))

    async def mark_read(self, message: Message) -> None:
        await self._call(EmitEvent.UPDATE_MESSAGE_STATUS, emits.confirm_read(message))

    async def mark_all_read(self, customer_id: str) -> None:
        args = emits.confirm_all_read(self.user.user_id, customer_id)
        await self._call(EmitEvent.UPDATE_MESSAGE_STATUS, args)

    async def typing(self, ticket: Ticket) -> None:
        """Tell the customer the operator is typing. Dropped silently when not online."""
        conn = self._conn
        if conn is None or self.state is not ConnectionState.ONLINE:
            return
        with contextlib.suppress(NotConnected):
            await conn.emit(EmitEvent.TYPING, emits.typing(ticket.ticket_id, ticket.owner_id))

    async def fetch_tickets(self) -> list[Ticket] | None:
        """Tickets the server knows (HTTP extra); None when the server has no such endpoint."""
        return await http_api.fetch_tickets(self._url, self._tokens, self._ssl)

    async def fetch_messages(self, ticket_id: str) -> list[Message] | None:
        return await http_api.fetch_messages(self._url, ticket_id, self._tokens, self._ssl)

    async def fetch_operators(self) -> list[User] | None:
        return await http_api.fetch_operators(self._url, self._tokens, self._ssl)

    async def _call(self, event: EmitEvent, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Emit with an ack; raise ClientError with the server's words on an error ack."""
        conn = self._conn
        if conn is None or self.state is not ConnectionState.ONLINE:
            raise NotConnected(f"not connected ({self.state})")
        seen = self._unauthenticated_seen
        ack = await conn.call(event, args, within=self._ack_timeout)
        err = ack[0] if ack else None
        if is_error(err):
            if self._unauthenticated_seen != seen or self._reauth is not None:
                # Refused because the token went stale under us, not on its merits: like a drop,
                # worth trying again once re-authenticated.
                raise NotConnected("the server asked to authenticate again")
            raise ClientError(describe_ack_error(err))
        return ack[1:]

    # -- the supervisor ----------------------------------------------------------------------

    async def _supervise(self) -> None:
        while not self._stopping:
            try:
                reason = await self._one_connection()
            except AuthenticationFailed as error:
                self._set_state(ConnectionState.OFFLINE, reason=str(error))
                self._settled.set()
                await self._sleep_until_woken(None)
                self._auth_rejections = 0
                continue
            except (NotConnected, TokenUnavailable) as error:
                reason = str(error)
            except Exception as error:  # a bug must cost a reconnect, not the supervisor
                log.exception("connection round failed")
                reason = f"unexpected error: {safe_text(type(error).__name__)}"
            if self._stopping:
                break
            delay = self._backoff.next_delay()
            self._set_state(ConnectionState.RECONNECTING, reason=reason, retry_in=delay)
            self._settled.set()
            await self._sleep_until_woken(delay)

    async def _one_connection(self) -> str:
        """Connect, hand-shake and stay until the connection ends; return why it ended."""
        self._fatal = None
        self._set_state(ConnectionState.CONNECTING)
        conn = await self._transports.new(self._on_event)  # "auto" probes the server once
        self._conn = conn
        try:
            # The token first: a slow token command or identity provider must not eat the
            # server's short authenticate window (about a second) on an open socket.
            token = await self._tokens.get()
            await conn.open()
            await self._handshake(conn, token)
            self._backoff.reset()
            self._settled.set()
            reason = await conn.lost
            if self._fatal is not None:
                raise self._fatal
            return reason
        finally:
            if self._reauth is not None:
                self._reauth.cancel()
                self._reauth = None
            self._conn = None
            await conn.close()

    async def _handshake(self, conn: Transport, token: str) -> None:
        self._set_state(ConnectionState.AUTHENTICATING)
        while True:
            answer = await self._authenticate_once(conn, token)
            if isinstance(answer, Authenticated):
                self._auth_rejections = 0
                break
            self._auth_rejections += 1
            self._tokens.invalidate()
            if self._auth_rejections >= MAX_AUTH_REJECTIONS:
                raise AuthenticationFailed(_rejection_text(answer))
            token = await self._tokens.get()
        await conn.emit(EmitEvent.SUBSCRIBE, emits.subscribe(self.user))
        await conn.emit(EmitEvent.SUBSCRIBE_OPERATOR, emits.subscribe_operator())
        self._set_state(ConnectionState.ONLINE)
        for hook in self._online_hooks:
            self._spawn(hook(), "online hook")

    async def _authenticate_once(self, conn: Transport, token: str) -> ServerEvent:
        """Emit `authenticate` and return the server's `authenticated`/`unauthenticated` answer."""
        answer: asyncio.Future[ServerEvent] = asyncio.get_running_loop().create_future()
        self._auth_answer = answer
        try:
            await conn.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
            either: set[asyncio.Future[Any]] = {answer, conn.lost}
            await asyncio.wait(
                either, timeout=self._auth_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            self._auth_answer = None
        if answer.done():
            return answer.result()
        if conn.lost.done():
            if self._auth_rejections:
                # Some servers drop the socket right after `unauthenticated`; that is a
                # rejection too, so a bad token cannot make the supervisor loop forever.
                self._auth_rejections += 1
                self._tokens.invalidate()
                if self._auth_rejections >= MAX_AUTH_REJECTIONS:
                    raise AuthenticationFailed("the server rejected the access token")
            raise NotConnected(conn.lost.result())
        raise NotConnected("the server did not answer authenticate")

    async def _reauthenticate(self, conn: Transport) -> None:
        """`unauthenticated` while online: fresh token, authenticate, subscribe again."""
        self._tokens.invalidate()
        self._auth_rejections = 1
        try:
            await self._handshake(conn, await self._tokens.get())
        except AuthenticationFailed as error:
            self._fatal = error
            await conn.close(str(error))
        except (NotConnected, TokenUnavailable) as error:
            await conn.close(str(error))  # the supervisor reconnects
        except Exception as error:  # a bug must cost a reconnect, not a client stuck half-way
            log.exception("re-authentication failed")
            await conn.close(f"unexpected error: {safe_text(type(error).__name__)}")

    async def _sleep_until_woken(self, delay: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)
        self._wake.clear()

    # -- inbound -----------------------------------------------------------------------------

    def _on_event(self, name: str, args: tuple[Any, ...]) -> None:
        """Called by the Transport for every inbound event, in arrival order, on the loop."""
        try:
            event = decode(name, args)
        except ProtocolError as error:
            shown = safe_text(name, 40)
            log.warning("dropped inbound event %s: %s", shown, error)
            self._deliver(EventDropped(shown, safe_text(error)))
            return
        if isinstance(event, Authenticated | Unauthenticated):
            self._on_auth_answer(event)
        elif isinstance(event, MessageUpdated) and event.message.sender_id != self.user.user_id:
            # Our own message echoed back (another device of ours) was not delivered to us.
            self._spawn(self.confirm_delivered(event.message), "delivery receipt")
        self._deliver(event)

    def _on_auth_answer(self, event: Authenticated | Unauthenticated) -> None:
        if isinstance(event, Unauthenticated):
            self._unauthenticated_seen += 1
        if self._auth_answer is not None and not self._auth_answer.done():
            self._auth_answer.set_result(event)
        elif (
            isinstance(event, Unauthenticated)
            and self.state is ConnectionState.ONLINE
            and self._conn is not None
            and self._reauth is None
        ):
            self._reauth = asyncio.create_task(self._reauthenticate(self._conn))
            self._reauth.add_done_callback(self._reauth_done)

    def _reauth_done(self, task: asyncio.Task[None]) -> None:
        if self._reauth is task:
            self._reauth = None

    async def confirm_delivered(self, message: Message) -> None:
        await self._call(EmitEvent.UPDATE_MESSAGE_STATUS, emits.confirm_delivered(message))

    def _spawn(self, work: Awaitable[Any], what: str) -> None:
        async def guarded() -> None:
            try:
                await work
            except ClientError as error:
                log.info("%s failed: %s", what, error)
            except Exception:
                log.exception("%s failed", what)

        task = asyncio.create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _set_state(
        self, state: ConnectionState, *, reason: str | None = None, retry_in: float | None = None
    ) -> None:
        self._enter(state)
        # For the log file: states and reasons only (reasons are ours or cleaned server words).
        detail = f": {reason}" if reason else ""
        wait = f" (retry in {retry_in:.1f} s)" if retry_in is not None else ""
        log.info("connection %s%s%s", state, detail, wait)
        self._deliver(ConnectionChanged(state, reason, retry_in, self.protocol))

    def _enter(self, state: ConnectionState) -> None:
        self.state = state
        self._state_changed.set()
        self._state_changed = asyncio.Event()

    def _deliver(self, event: ClientEvent) -> None:
        if self._muted:
            return
        try:
            self._listener(event)
        except Exception:  # the listener's bug must not take the connection down
            log.exception("listener failed on %s", type(event).__name__)


def _rejection_text(answer: ServerEvent) -> str:
    payload = getattr(answer, "payload", None)
    if isinstance(payload, dict) and isinstance(payload.get("message"), str) and payload["message"]:
        return f"the server rejected the access token: {safe_text(payload['message'], 160)}"
    return "the server rejected the access token"
