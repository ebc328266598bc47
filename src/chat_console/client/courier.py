"""The outbox and the resync: nothing the operator writes, or the server stores meanwhile, is lost.

Every outgoing message is in the store's outbox (SQLite) before it is emitted. One pump task sends
the outbox whenever the client is ONLINE: many messages in flight at once, in order, each with its
own messageId (`sender.py` says what each answer does to its message). After every (re)connect the
courier first resyncs from the server's HTTP extras (the tickets, and the messages of the
conversations that could have moved while we were away), then flushes.

The server treats a repeated messageId as the same message (PROTOCOL.md reading 6) and the store
keys messages by id, so a message sent twice is shown once on both sides.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

from chat_console.client.errors import ClientError
from chat_console.client.operator import OperatorClient
from chat_console.client.resync import resync
from chat_console.client.sender import OutboxSender
from chat_console.protocol import Message, MessageType, Ticket
from chat_console.protocol.compose import NoRecipient, message_to_customer
from chat_console.store import Change, Store, Tick

log = logging.getLogger(__name__)

ChangeSink = Callable[[list[Change]], None]


class Courier:
    def __init__(
        self,
        client: OperatorClient,
        store: Store,
        on_change: ChangeSink | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self._on_change = on_change or (lambda changes: None)
        self._wake = asyncio.Event()
        self._pump_task: asyncio.Task[None] | None = None
        self._sender = OutboxSender(client, store, self._note, client.max_in_flight)
        self._closing = False
        self.resyncs = 0  # completed resyncs (tests and the chaos benchmark read it)
        client.add_online_hook(self._came_online)

    # ---- what the console calls -----------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Messages emitted whose answer is not in yet."""
        return len(self._sender.in_flight)

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
        self._sender.never_emitted.add(message.message_id)
        self._kick()
        return message

    def retry(self, message_ids: Iterable[str]) -> int:
        """Failed messages go back to the outbox, to be sent in their original order."""
        ids = list(message_ids)
        changes = [self.store.mark_pending(i) for i in ids]
        for message_id in ids:
            self._sender.silences.pop(message_id, None)
        self._note(changes)
        self._kick()
        return sum(1 for c in changes if c is not None)

    def discard(self, message_ids: Iterable[str]) -> int:
        """Failed messages leave the outbox and the conversation (a pending one: `take_back`)."""
        changes = [self.store.discard(i) for i in message_ids if self._failed(i)]
        self._note(changes)
        return sum(1 for c in changes if c is not None)

    def take_back(self, message_id: str) -> bool:
        """The operator takes a message back to edit it: one the server refused, or a pending
        one that was never emitted. One emitted and unanswered (pending, or failed after its
        silences) may already be on the server, and its edit would reach the customer too.
        Whether it left the outbox and the conversation."""
        if self.store.surely_not_on_server(message_id):
            return self.discard([message_id]) == 1
        if self._failed(message_id):
            return False
        return self._sender.take_back(message_id)

    def may_be_on_server(self, message_id: str) -> bool:
        """A failed message whose answer never came: the server may have stored it."""
        return self._failed(message_id) and not self.store.surely_not_on_server(message_id)

    def _failed(self, message_id: str) -> bool:
        record = self.store.message(message_id)
        return record is not None and record.tick == Tick.FAILED

    async def finish(self, within: float) -> None:
        """Orderly quit: send nothing new, wait (bounded) for the answers to what is in flight."""
        self._closing = True
        self._wake.set()  # an idle pump wakes to see that it is closing
        pump = self._pump_task
        if pump is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(pump), within)
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
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop running: the outbox keeps it for the first ONLINE's flush
            self._pump_task = loop.create_task(self._pump(), name="chat-console-outbox")
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
        await self._sender.flush(lambda: self._closing)

    def _note(self, changes: Iterable[Change | None]) -> None:
        real = [c for c in changes if c is not None]
        if real:
            try:
                self._on_change(real)
            except Exception:  # the console's bug must not stop the outbox
                log.exception("change listener failed")
