"""The operator's connection to the chat server: operator actions in, typed server events out.

`OperatorClient` turns operator actions into acked emits and hands every server event, decoded by
`protocol.inbound`, to one listener. The link itself (connect, authenticate, subscribe, reconnect
with backoff, re-authenticate) is the `Supervisor`'s; every state change it makes reaches the
listener as a `ConnectionStateChanged`.
"""

import asyncio
import contextlib
import functools
import logging
import ssl as ssl_module
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from chat_console.client import http_api
from chat_console.client.backoff import Backoff
from chat_console.client.errors import (
    ClientError,
    NotConnected,
    describe_ack_error,
    fit_to_show,
    is_error,
    refusal,
)
from chat_console.client.events import (
    ClientEvent,
    ConnectionState,
    EventDropped,
    Listener,
)
from chat_console.client.pages import PAGE, Page
from chat_console.client.proxy import ENVIRONMENT, Proxies
from chat_console.client.supervisor import Supervisor
from chat_console.client.tokens import TokenProvider
from chat_console.client.transport import Generation, Transport
from chat_console.client.transport_choice import AUTO, TransportChooser
from chat_console.protocol import emits
from chat_console.protocol.compose import NoRecipient, message_to_customer
from chat_console.protocol.enums import MessageType, TicketStatus
from chat_console.protocol.events import EmitEvent
from chat_console.protocol.inbound import (
    Authenticated,
    MessageUpdated,
    ProtocolError,
    Unauthenticated,
    decode,
)
from chat_console.protocol.limits import content_problem
from chat_console.protocol.models import Message, Ticket, User

log = logging.getLogger(__name__)

OnlineHook = Callable[[], Awaitable[None]]
Answer = asyncio.Future[tuple[Any, ...]]  # an acked emit's answer to come


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
        max_in_flight: int = 32,
        proxies: Proxies = ENVIRONMENT,
        engineio_transports: list[str] | None = None,
    ) -> None:
        self.user = user
        # How many outbox messages the courier sends before their answers are in.
        self.max_in_flight = max_in_flight
        self._url = url.rstrip("/")
        self._tokens = tokens
        self._listener = listener
        self._muted = True  # no listener calls outside start() .. stop()
        self._ack_timeout = ack_timeout
        self._ssl = ssl
        self._proxies = proxies
        self._background: set[asyncio.Task[Any]] = set()
        self._online_hooks: list[OnlineHook] = []
        self._receipts: deque[tuple[Any, ...]] = deque()  # delivery receipts still to emit
        self._sending_receipts = False  # a task is emitting them
        self.supervisor = Supervisor(
            user=user,
            tokens=tokens,
            # Which Socket.IO generation: as configured, or probed once and remembered ("auto").
            transports=TransportChooser(
                protocol,
                url=self._url,
                socketio_path=socketio_path,
                ssl=ssl,
                engineio_transports=engineio_transports,
                proxies=proxies,
            ),
            on_event=self._on_event,
            on_state=self._deliver,
            on_online=self._came_online,
            auth_timeout=auth_timeout,
            backoff=backoff,
        )

    @property
    def state(self) -> ConnectionState:
        return self.supervisor.state

    @property
    def protocol(self) -> Generation | None:
        """The server generation in use; None while "auto" has not probed the server yet."""
        return self.supervisor.generation

    def __repr__(self) -> str:
        return f"OperatorClient({self._url!r}, user={self.user.user_id!r}, state={self.state})"

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the supervisor; return once the first attempt is ONLINE, RECONNECTING or OFFLINE.

        Never raises for connection or auth problems: those arrive as `ConnectionStateChanged`.
        """
        self._muted = False
        await self.supervisor.start()

    async def stop(self) -> None:
        """Unsubscribe, disconnect, and make no more listener calls (until a new start())."""
        self._muted = True
        # A receipt task cancelled before its first step never resets its flag: start afresh.
        self._receipts.clear()
        self._sending_receipts = False
        background = list(self._background)
        for task in background:
            task.cancel()
        stopped = self.supervisor.stop(farewell=self._unsubscribe)
        await asyncio.gather(stopped, *background, return_exceptions=True)

    async def _unsubscribe(self, conn: Transport) -> None:
        await conn.emit(EmitEvent.UNSUBSCRIBE, emits.unsubscribe(self.user))
        await conn.emit(EmitEvent.UNSUBSCRIBE_OPERATOR, emits.unsubscribe_operator())

    def retry_now(self) -> None:
        """Skip the backoff wait (RECONNECTING) or try rejected credentials again (OFFLINE)."""
        self.supervisor.retry_now()

    def add_online_hook(self, hook: OnlineHook) -> None:
        """Run `hook` every time the client comes ONLINE (the seam for an outbox flush)."""
        self._online_hooks.append(hook)

    async def drop_link(self, reason: str) -> None:
        """Give up on the current connection (an ack that never came says it may be dead) so the
        supervisor reconnects now instead of after Engine.IO's ping timeout."""
        await self.supervisor.drop_link(reason)

    async def wait_for_state(self, state: ConnectionState, within: float) -> None:
        """Wait until the client is in `state`; raise TimeoutError after `within` seconds."""
        await self.supervisor.wait_for_state(state, within)

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
        try:
            message = message_to_customer(
                ticket, self.user, content, type=type, message_id=message_id
            )
        except NoRecipient as problem:
            raise ClientError(str(problem)) from None
        await self.post_message(message)
        return message

    async def post_message(self, message: Message) -> None:
        """Emit a message built earlier (the outbox re-sends one with its own messageId)."""
        await (await self.emit_message(message))

    async def emit_message(self, message: Message) -> Answer:
        """Emit a message now and return its answer to come, so that many can be in flight:
        emits leave in call order, and the server handles one socket's events in order."""
        if not message.recipient_id:
            raise ClientError("this message has no customer to go to")
        refused = content_problem(message.content)  # the server's limit, said before sending
        if refused is not None:
            raise ClientError(refused)
        return await self._request(
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
        conn = self.supervisor.link()
        if conn is None:
            return
        with contextlib.suppress(NotConnected):
            await conn.emit(EmitEvent.TYPING, emits.typing(ticket.ticket_id, ticket.owner_id))

    async def fetch_tickets(self) -> list[Ticket] | None:
        """Tickets the server knows (HTTP extra); None when the server has no such endpoint."""
        return await http_api.fetch_tickets(
            self._url, self._tokens, self._ssl, proxies=self._proxies
        )

    async def fetch_messages(self, ticket_id: str) -> list[Message] | None:
        return await http_api.fetch_messages(
            self._url, ticket_id, self._tokens, self._ssl, proxies=self._proxies
        )

    @property
    def server_url(self) -> str:
        return self._url

    async def fetch_ticket_changes(self, since: str) -> Page[Ticket] | None:
        """Tickets changed after cursor `since` ("" for all), with the cursor that follows."""
        return await http_api.fetch_ticket_changes(
            self._url, self._tokens, self._ssl, since, proxies=self._proxies
        )

    async def fetch_message_page(
        self,
        ticket_id: str,
        *,
        since: str | None = None,
        before: str | None = None,
        limit: int = PAGE,
    ) -> Page[Message] | None:
        return await http_api.fetch_message_page(
            self._url,
            ticket_id,
            self._tokens,
            self._ssl,
            since=since,
            before=before,
            limit=limit,
            proxies=self._proxies,
        )

    async def fetch_operators(self) -> list[User] | None:
        return await http_api.fetch_operators(
            self._url, self._tokens, self._ssl, proxies=self._proxies
        )

    async def _call(self, event: EmitEvent, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Emit with an ack; raise ClientError with the server's words on an error ack."""
        return await (await self._request(event, args))

    async def _request(self, event: EmitEvent, args: tuple[Any, ...]) -> Answer:
        """Emit with an ack now; the answer to come holds the ack's arguments, or ClientError
        with the server's words (TemporarilyRefused when the server says to come back later)."""
        conn = self.supervisor.link()
        if conn is None:
            raise NotConnected(f"not connected ({self.state})")
        seen = self.supervisor.unauthenticated_seen
        raw = await conn.request(event, args, within=self._ack_timeout)
        judged: Answer = asyncio.get_running_loop().create_future()
        raw.add_done_callback(functools.partial(self._judge, judged, seen))
        return judged

    def _judge(self, judged: Answer, seen: int, raw: Answer) -> None:
        if raw.cancelled():
            judged.cancel()
            return
        problem = raw.exception()  # read even when nobody waits any more: it was retrieved
        if judged.done():
            return
        if problem is None:
            ack = raw.result()
            err = ack[0] if ack else None
            if not is_error(err):
                judged.set_result(ack[1:])
                return
            problem = self._refusal(err, seen)
        judged.set_exception(problem)

    def _refusal(self, err: Any, seen: int) -> ClientError:
        if self.supervisor.unauthenticated_seen != seen or self.supervisor.reauthenticating:
            # Refused because the token went stale under us, not on its merits: like a drop,
            # worth trying again once re-authenticated.
            return NotConnected("the server asked to authenticate again")
        return refusal(describe_ack_error(err))

    # -- inbound -----------------------------------------------------------------------------

    def _on_event(self, name: str, args: tuple[Any, ...]) -> None:
        """Called by the Transport for every inbound event, in arrival order, on the loop."""
        try:
            event = decode(name, args)
        except ProtocolError as error:
            shown = fit_to_show(name, 40)
            log.warning("dropped inbound event %s: %s", shown, error)
            self._deliver(EventDropped(shown, fit_to_show(error)))
            return
        if isinstance(event, Authenticated | Unauthenticated):
            self.supervisor.on_auth_answer(event)
        elif isinstance(event, MessageUpdated) and event.message.sender_id != self.user.user_id:
            # Our own message echoed back (another device of ours) was not delivered to us.
            self._queue_receipt(event.message)
        self._deliver(event)

    async def confirm_delivered(self, message: Message) -> None:
        await self._call(EmitEvent.UPDATE_MESSAGE_STATUS, emits.confirm_delivered(message))

    def _queue_receipt(self, message: Message) -> None:
        """Confirm delivery soon, in arrival order. One task sends every receipt queued so far:
        a task, a future and a timer per message cost the console more than the receipt itself
        (benchmarks/FINDINGS.md, Ingest)."""
        self._receipts.append(emits.confirm_delivered(message))
        if not self._sending_receipts:
            self._sending_receipts = self._spawn(self._send_receipts, "receipts")

    async def _send_receipts(self) -> None:
        try:
            while self._receipts:
                conn = self.supervisor.link()
                if conn is None:  # the server sends what we missed again; receipts are not kept
                    log.info("%d delivery receipts not sent: not connected", len(self._receipts))
                    self._receipts.clear()
                    return
                receipt = self._receipts.popleft()
                await conn.emit_answered(
                    EmitEvent.UPDATE_MESSAGE_STATUS, receipt, self._receipt_answered
                )
        except NotConnected:
            log.info("%d delivery receipts not sent: not connected", len(self._receipts) + 1)
            self._receipts.clear()
        finally:
            self._sending_receipts = False

    @staticmethod
    def _receipt_answered(err: Any = None, *rest: Any) -> None:
        if is_error(err):
            log.info("receipt failed: %s", describe_ack_error(err))

    def _spawn(self, work: Callable[[], Awaitable[Any]], what: str) -> bool:
        """Run `work()` in the background until stop(); whether it was started. The coroutine
        is made inside the task: a task cancelled before its first step (stop() right after an
        event) then leaves no coroutine behind that was never awaited."""
        if self._muted:
            return False  # stopping or stopped: nothing new is started
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False  # no loop to run it (the console is closing): nothing is made

        async def guarded() -> None:
            try:
                await work()
            except ClientError as error:
                log.info("%s failed: %s", what, error)
            except Exception:
                log.exception("%s failed", what)

        task = loop.create_task(guarded())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return True

    def _came_online(self) -> None:
        for hook in self._online_hooks:
            self._spawn(hook, "online hook")

    def _deliver(self, event: ClientEvent) -> None:
        if self._muted:
            return
        try:
            self._listener(event)
        except Exception:  # the listener's bug must not take the connection down
            log.exception("listener failed on %s", type(event).__name__)
