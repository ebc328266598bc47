"""Sending the outbox: up to `max_in_flight` messages at once, in the order they were written.

One emit waits for nothing but the one before it to leave: the answers are awaited together, so
a long outbox drains at the link's pace, not one round trip per message. Order per ticket holds
because emits leave in outbox order on one socket, whose events the server handles in order.
Each answer is matched to its own message (and so its own messageId):

- an ack marks it sent;
- a refusal marks it failed with the server's words, and the others go on;
- a temporary refusal (a rate limit) leaves it pending: nothing new is emitted, the others in
  flight are answered, and after a growing pause the outbox goes again from the oldest pending,
  one at a time at first (the window grows by one per ack), so a limit is not hit again at once.
  Messages already in flight behind the refused one may be stored before it: the pause keeps
  that to one window;
- a drop leaves it pending, as it leaves every unanswered one: the next ONLINE sends them again,
  in order, and the server keeps a messageId it already has from us once;
- an answer that never comes leaves it pending and drops the link (a half-open socket would
  otherwise only be noticed at Engine.IO's ping timeout); after `SILENT_TRIES` such silences for
  one message it counts as failed, so a server that never answers cannot cycle us forever. That
  failure is marked unanswered: the server may have stored it, so it is never taken back to be
  written again, only retried with the same messageId (or discarded here, knowingly).
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable
from enum import Enum, auto

from chat_console.client.backoff import Backoff
from chat_console.client.errors import AckTimeout, ClientError, NotConnected, TemporarilyRefused
from chat_console.client.events import ConnectionState
from chat_console.client.operator import Answer, OperatorClient
from chat_console.protocol import Message
from chat_console.store import Change, Store, Tick

log = logging.getLogger(__name__)

SILENT_TRIES = 3  # answers that never came, for one message, before it counts as failed

Note = Callable[[Iterable[Change | None]], None]


class Verdict(Enum):
    SENT = auto()
    FAILED = auto()
    LATER = auto()  # refused for now: pending, after a pause
    LINK_GONE = auto()  # dropped, or silent: pending, after the next ONLINE


class OutboxSender:
    def __init__(
        self, client: OperatorClient, store: Store, note: Note, max_in_flight: int
    ) -> None:
        self.client = client
        self.store = store
        self._note = note
        self.max_in_flight = max(1, max_in_flight)
        self.window = self.max_in_flight  # smaller for a while after a temporary refusal
        self.silences: dict[str, int] = {}  # message id -> answers that never came in a row
        self.in_flight: dict[Answer, Message] = {}  # emitted, the answer not in yet
        # Written in this session and never emitted: only these may be taken back unsent (a
        # message emitted once may be on the server, whatever its tick says).
        self.never_emitted: set[str] = set()
        self._pause = Backoff(first=0.2, ceiling=10.0)

    async def flush(self, stopping: Callable[[], bool]) -> None:
        """Send what is pending until the outbox is empty, the link is gone or `stopping()`;
        return only once every answer awaited is in (or the task is cancelled)."""
        in_flight = self.in_flight = {}
        answered: asyncio.Queue[Answer] = asyncio.Queue()
        queue: deque[Message] = deque()  # pending, oldest first, not in flight
        link_gone = later = False
        try:
            while True:
                if self._may_send(link_gone or later or stopping(), len(in_flight)) and (
                    self._refill(queue, in_flight)
                ):
                    message = queue.popleft()
                    if self.store.message(message.message_id) is None:
                        continue  # taken back since the outbox was read
                    if not await self._emit(message, in_flight, answered):
                        link_gone = True
                    continue
                if not in_flight:
                    if not later or link_gone or stopping():
                        return
                    await asyncio.sleep(self._pause.next_delay())
                    later = False
                    queue.clear()  # the refused one is the oldest pending again
                    continue
                answer = await answered.get()
                verdict = await self._settle(in_flight.pop(answer), answer, link_gone)
                link_gone = link_gone or verdict is Verdict.LINK_GONE
                later = later or verdict is Verdict.LATER
        finally:
            for answer in in_flight:  # cancelled (the console quits): nobody waits for these
                answer.cancel()
            in_flight.clear()

    def _may_send(self, held: bool, in_flight: int) -> bool:
        return not held and in_flight < self.window and self.client.state is ConnectionState.ONLINE

    def _refill(self, queue: deque[Message], in_flight: dict[Answer, Message]) -> bool:
        """Whether there is a message to send next, reading the outbox again when needed (the
        operator wrote more, or retried a failed one, since)."""
        if not queue:
            sending = {m.message_id for m in in_flight.values()}
            queue.extend(m for m in self.store.pending_outgoing() if m.message_id not in sending)
        return bool(queue)

    def take_back(self, message_id: str) -> bool:
        """Whether a pending message could be taken out of the outbox before it was ever emitted
        (then it is gone from the store too)."""
        record = self.store.message(message_id)
        if message_id not in self.never_emitted or record is None or record.tick != Tick.PENDING:
            return False
        self.never_emitted.discard(message_id)
        self._note([self.store.discard(message_id)])
        return True

    async def _emit(
        self, message: Message, in_flight: dict[Answer, Message], answered: asyncio.Queue[Answer]
    ) -> bool:
        """Put one message on the wire; False when the link is gone (it stays pending)."""
        self.never_emitted.discard(message.message_id)  # from here on it may reach the server
        try:
            answer = await self.client.emit_message(message)
        except NotConnected:
            return False
        except ClientError as problem:  # refused before sending (no recipient, too large)
            self._failed(message.message_id, str(problem))
            return True
        in_flight[answer] = message
        answer.add_done_callback(answered.put_nowait)
        return True

    async def _settle(self, message: Message, answer: Answer, link_gone: bool) -> Verdict:
        """Record one answer; `link_gone`: the link was already given up in this flush."""
        message_id = message.message_id
        try:
            answer.result()
        except AckTimeout as problem:
            return await self._silent(message_id, problem, link_gone)
        except NotConnected:
            return Verdict.LINK_GONE  # still pending: the next ONLINE sends it again
        except TemporarilyRefused as problem:
            log.info("outbox: the server asks to wait: %s", problem)
            self.window = 1
            return Verdict.LATER
        except ClientError as problem:
            self._failed(message_id, str(problem))
            return Verdict.FAILED
        except asyncio.CancelledError:
            return Verdict.LINK_GONE
        self.silences.pop(message_id, None)
        self.window = min(self.max_in_flight, self.window + 1)
        self._pause.reset()
        self._note([self.store.mark_sent(message_id)])
        return Verdict.SENT

    async def _silent(self, message_id: str, problem: AckTimeout, link_gone: bool) -> Verdict:
        silences = self.silences.get(message_id, 0) + 1
        self.silences[message_id] = silences
        if silences >= SILENT_TRIES:
            self._failed(message_id, f"{problem} ({silences} tries)", unanswered=True)
            return Verdict.FAILED
        if not link_gone:  # once per flush: the others in flight share the same dead link
            with contextlib.suppress(ClientError):
                await self.client.drop_link(str(problem))
        return Verdict.LINK_GONE

    def _failed(self, message_id: str, words: str, *, unanswered: bool = False) -> None:
        """`unanswered`: the server may have stored it all the same (its ack lost on the way)."""
        self.silences.pop(message_id, None)
        self._note([self.store.mark_failed(message_id, words, unanswered=unanswered)])
