"""The outbox and the resync: nothing the operator writes, or the server stores meanwhile, is lost.

Every outgoing message is in the store's outbox (SQLite) before it is emitted. One pump task sends
the outbox in order, each message with its own messageId, whenever the client is ONLINE. After
every (re)connect the courier first resyncs from the server's HTTP extras (the tickets, and the
messages of the conversations that could have moved while we were away), then flushes.

- an error ack marks the message failed with the server's words (`retry` / `discard` act on it);
- a drop leaves it pending: it goes again after reconnecting;
- an ack that never comes leaves it pending and drops the link, because a half-open socket would
  otherwise only be noticed at Engine.IO's ping timeout; after `SILENT_TRIES` such silences in a
  row the message counts as failed, so a server that never acks cannot cycle us forever.

The server treats a repeated messageId as the same message (PROTOCOL.md reading 6) and the store
keys messages by id, so a message sent twice is shown once on both sides.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

from chat_console.client.errors import AckTimeout, ClientError, NotConnected
from chat_console.client.events import ConnectionState
from chat_console.client.operator import OperatorClient
from chat_console.client.resync import resync
from chat_console.protocol import Message, MessageType, Ticket
from chat_console.protocol.compose import NoRecipient, message_to_customer
from chat_console.store import Change, Store

log = logging.getLogger(__name__)

ChangeSink = Callable[[list[Change]], None]
SILENT_TRIES = 3  # acks that never came, in a row, for one message before it counts as failed


class Courier:
    def __init__(
        self, client: OperatorClient, store: Store, on_change: ChangeSink | None = None
    ) -> None:
        self.client = client
        self.store = store
        self._on_change = on_change or (lambda changes: None)
        self._wake = asyncio.Event()
        self._pump_task: asyncio.Task[None] | None = None
        self._in_flight: asyncio.Future[None] | None = None
        self._silences: dict[str, int] = {}
        self._closing = False
        self.resyncs = 0  # completed resyncs (tests and the chaos benchmark read it)
        client.add_online_hook(self._came_online)

    # ---- what the console calls -----------------------------------------------------

    def send(
        self, ticket: Ticket, content: str, *, type: MessageType = MessageType.TEXT
    ) -> Message:
        """Record the message as pending (committed) and let the pump send it; never blocks."""
        try:
            message = message_to_customer(
                ticket, self.client.user, content, type=type, created_at=self.store.clock()
            )
        except NoRecipient as problem:
            raise ClientError(str(problem)) from None
        return self.enqueue(message)

    def enqueue(self, message: Message) -> Message:
        """Record a message built elsewhere (it keeps its messageId) and let the pump send it."""
        self._note([self.store.record_outgoing(message)])
        self._kick()
        return message

    def retry(self, message_ids: Iterable[str]) -> int:
        """Failed messages go back to the outbox, to be sent in their original order."""
        ids = list(message_ids)
        changes = [self.store.mark_pending(i) for i in ids]
        for message_id in ids:
            self._silences.pop(message_id, None)
        self._note(changes)
        self._kick()
        return sum(1 for c in changes if c is not None)

    def discard(self, message_ids: Iterable[str]) -> int:
        changes = [self.store.discard(i) for i in message_ids]
        self._note(changes)
        return sum(1 for c in changes if c is not None)

    async def finish(self, within: float) -> None:
        """Orderly quit: send nothing new, wait (bounded) for the answer to what is in flight."""
        self._closing = True
        in_flight = self._in_flight
        if in_flight is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(in_flight), within)
        await self.close()

    async def close(self) -> None:
        self._closing = True
        task, self._pump_task = self._pump_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # ---- resync ---------------------------------------------------------------------

    async def _came_online(self) -> None:
        try:
            await self.resync()
        except ClientError as problem:  # the extras are a help; the flush must go on regardless
            log.info("resync incomplete: %s", problem)
        self._kick()

    async def resync(self) -> None:
        """What the server stored while we were away, into the store (client/resync.py)."""
        changes = await resync(self.client, self.store)
        self.resyncs += 1
        self._note(changes)

    # ---- the pump -------------------------------------------------------------------

    def _kick(self) -> None:
        if self._closing:
            return
        if self._pump_task is None or self._pump_task.done():
            self._pump_task = asyncio.create_task(self._pump(), name="chat-console-outbox")
        self._wake.set()

    async def _pump(self) -> None:
        while not self._closing:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._flush()
            except Exception:  # a bug must not stop the outbox for the rest of the session
                log.exception("outbox flush failed")

    async def _flush(self) -> None:
        while not self._closing and self.client.state is ConnectionState.ONLINE:
            pending = self.store.pending_outgoing()
            if not pending:
                return
            message = pending[0]
            self._in_flight = asyncio.get_running_loop().create_future()
            try:
                if not await self._send_one(message):
                    return
            finally:
                self._in_flight.set_result(None)
                self._in_flight = None

    async def _send_one(self, message: Message) -> bool:
        """Emit one message and record the outcome; False when the flush must stop for now."""
        message_id = message.message_id
        try:
            await self.client.post_message(message)
        except AckTimeout as problem:
            silences = self._silences.get(message_id, 0) + 1
            self._silences[message_id] = silences
            if silences >= SILENT_TRIES:
                del self._silences[message_id]
                words = f"{problem} ({silences} tries)"
                self._note([self.store.mark_failed(message_id, words)])
                return True
            await self.client.drop_link(str(problem))
            return False
        except NotConnected:
            return False  # still pending: the next ONLINE flushes it
        except ClientError as problem:
            self._silences.pop(message_id, None)
            self._note([self.store.mark_failed(message_id, str(problem))])
            return True
        self._silences.pop(message_id, None)
        self._note([self.store.mark_sent(message_id)])
        return True

    def _note(self, changes: Iterable[Change | None]) -> None:
        real = [c for c in changes if c is not None]
        if real:
            try:
                self._on_change(real)
            except Exception:  # the console's bug must not stop the outbox
                log.exception("change listener failed")
