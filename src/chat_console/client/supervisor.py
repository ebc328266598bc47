"""The reconnect loop: connect, hand-shake, stay until the link ends, back off, try again.

`Supervisor.start()` launches one task. Each round it opens a `Transport`, runs the handshake
(authenticate -> authenticated -> subscribe -> subscribeOperator), reports ONLINE, and waits for
the connection to end; then it waits with exponential backoff and tries again. Rejected
credentials stop the rounds (OFFLINE) until `retry_now()`. An `unauthenticated` while ONLINE runs
the handshake again on the same connection with a fresh token.

It knows nothing of what the operator does with the link: its owner hands it the sink for inbound
events, passes it the `authenticated`/`unauthenticated` answers, and hears back through `on_state`
(every state change) and `on_online` (every time it comes ONLINE).
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from chat_console.client.backoff import Backoff
from chat_console.client.errors import (
    AuthenticationFailed,
    ClientError,
    NotConnected,
    TokenUnavailable,
    fit_to_show,
)
from chat_console.client.events import ConnectionState, ConnectionStateChanged
from chat_console.client.tokens import TokenProvider
from chat_console.client.transport import EventSink, Generation, Transport
from chat_console.client.transport_choice import TransportChooser
from chat_console.protocol import emits
from chat_console.protocol.events import EmitEvent
from chat_console.protocol.inbound import Authenticated, ServerEvent, Unauthenticated
from chat_console.protocol.models import User

log = logging.getLogger(__name__)

# `unauthenticated` answers in a row (across reconnects) before the credentials count as rejected.
MAX_AUTH_REJECTIONS = 3
Farewell = Callable[[Transport], Awaitable[None]]


class Supervisor:
    def __init__(
        self,
        *,
        user: User,
        tokens: TokenProvider,
        transports: TransportChooser,
        on_event: EventSink,
        on_state: Callable[[ConnectionStateChanged], None],
        on_online: Callable[[], None],
        auth_timeout: float = 10.0,
        backoff: Backoff | None = None,
    ) -> None:
        self.state = ConnectionState.OFFLINE
        self.backoff = backoff or Backoff()
        self.unauthenticated_seen = 0  # `unauthenticated` events so far (see OperatorClient._call)
        self._user = user
        self._tokens = tokens
        self._transports = transports
        self._on_event = on_event
        self._on_state = on_state
        self._on_online = on_online
        self._auth_timeout = auth_timeout
        self._conn: Transport | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()  # the first round has an outcome
        self._stopping = False
        self._auth_answer: asyncio.Future[ServerEvent] | None = None
        self._auth_rejections = 0
        self._fatal: AuthenticationFailed | None = None
        self._reauth: asyncio.Task[None] | None = None
        self._state_changed = asyncio.Event()  # set and replaced on every change

    @property
    def generation(self) -> Generation | None:
        """The server generation in use; None while "auto" has not probed the server yet."""
        return self._transports.generation

    @property
    def reauthenticating(self) -> bool:
        return self._reauth is not None

    def link(self) -> Transport | None:
        """The connection while it is ONLINE, else None."""
        return self._conn if self.state is ConnectionState.ONLINE else None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the rounds; return once the first attempt is ONLINE, RECONNECTING or OFFLINE."""
        if self._task is not None:
            return
        self._stopping = False
        self._settled.clear()
        self._wake.clear()
        self.backoff.reset()
        self._auth_rejections = 0
        self._task = asyncio.create_task(self._supervise(), name="chat-console-supervisor")
        settled = asyncio.create_task(self._settled.wait())
        try:
            await asyncio.wait({settled, self._task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            settled.cancel()

    async def stop(self, farewell: Farewell | None = None) -> None:
        """End the rounds and the connection (after `farewell` on it, if ONLINE); the state is
        OFFLINE, told to nobody."""
        self._stopping = True
        conn = self.link()
        if conn is not None and farewell is not None:
            with contextlib.suppress(ClientError):
                await farewell(conn)
        tasks = [t for t in (self._task, self._reauth) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._conn is not None:
            await self._conn.close()
        self._conn = None
        self._task = None
        self._enter(ConnectionState.OFFLINE)

    def retry_now(self) -> None:
        """Skip the backoff wait (RECONNECTING) or try rejected credentials again (OFFLINE).

        Does nothing in other states: a stale wake-up would skip a later backoff wait.
        """
        if self._task is None or self.state not in (
            ConnectionState.RECONNECTING,
            ConnectionState.OFFLINE,
        ):
            return
        self.backoff.reset()
        self._wake.set()

    async def drop_link(self, reason: str) -> None:
        """Give up on the current connection: the next round starts now."""
        conn = self._conn
        if conn is not None:
            await conn.close(reason)

    async def wait_for_state(self, state: ConnectionState, within: float) -> None:
        """Wait until the link is in `state`; raise TimeoutError after `within` seconds."""
        async with asyncio.timeout(within):
            while self.state is not state:
                await self._state_changed.wait()

    # -- the rounds --------------------------------------------------------------------------

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
                reason = f"unexpected error: {fit_to_show(type(error).__name__)}"
            if self._stopping:
                break
            delay = self.backoff.next_delay()
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
            self.backoff.reset()
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
        await conn.emit(EmitEvent.SUBSCRIBE, emits.subscribe(self._user))
        await conn.emit(EmitEvent.SUBSCRIBE_OPERATOR, emits.subscribe_operator())
        self._set_state(ConnectionState.ONLINE)
        self._on_online()

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

    # -- re-authentication -------------------------------------------------------------------

    def on_auth_answer(self, event: Authenticated | Unauthenticated) -> None:
        """The server's answer to `authenticate`, or its demand for a new one while ONLINE."""
        if isinstance(event, Unauthenticated):
            self.unauthenticated_seen += 1
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
            await conn.close(f"unexpected error: {fit_to_show(type(error).__name__)}")

    def _reauth_done(self, task: asyncio.Task[None]) -> None:
        if self._reauth is task:
            self._reauth = None

    # -- state -------------------------------------------------------------------------------

    async def _sleep_until_woken(self, delay: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)
        self._wake.clear()

    def _set_state(
        self, state: ConnectionState, *, reason: str | None = None, retry_in: float | None = None
    ) -> None:
        self._enter(state)
        # For the log file: states and reasons only (reasons are ours or cleaned server words).
        detail = f": {reason}" if reason else ""
        wait = f" (retry in {retry_in:.1f} s)" if retry_in is not None else ""
        log.info("connection %s%s%s", state, detail, wait)
        self._on_state(ConnectionStateChanged(state, reason, retry_in, self.generation))

    def _enter(self, state: ConnectionState) -> None:
        self.state = state
        self._state_changed.set()
        self._state_changed = asyncio.Event()


def _rejection_text(answer: ServerEvent) -> str:
    payload = getattr(answer, "payload", None)
    if isinstance(payload, dict) and isinstance(payload.get("message"), str) and payload["message"]:
        return f"the server rejected the access token: {fit_to_show(payload['message'], 160)}"
    return "the server rejected the access token"
