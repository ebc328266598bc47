"""What the console knows: tickets, messages, unread counts, typing, ticks and the outbox.

Applied from protocol events, persisted in SQLite. No Textual, no Socket.IO.
"""

from chat_console.store.owner import HistoryLock, Holder
from chat_console.store.records import (
    Change,
    ChangeKind,
    MessageRecord,
    Tick,
    TicketRecord,
    View,
)
from chat_console.store.safe_text import one_line, safe_text
from chat_console.store.store import MARKER_PREFIX, Purged, Store

__all__ = [
    "MARKER_PREFIX",
    "Change",
    "ChangeKind",
    "HistoryLock",
    "Holder",
    "MessageRecord",
    "Purged",
    "Store",
    "Tick",
    "TicketRecord",
    "View",
    "one_line",
    "safe_text",
]
