"""What the console needs from the operator client, as a structural type.

The TUI codes against this rather than the concrete class so that a console can also run with no
client at all (a store-only view, as in the size test and the snapshots).
"""

from typing import Protocol

from chat_console.client.pages import MessagePages
from chat_console.protocol import Message, MessageType, Ticket, TicketStatus, User
from chat_console.store import Store


class ClientPort(MessagePages, Protocol):
    user: User

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def retry_now(self) -> None: ...
    async def send_message(
        self,
        ticket: Ticket,
        content: str,
        *,
        type: MessageType = ...,
        message_id: str | None = ...,
    ) -> Message: ...
    async def accept(self, ticket: Ticket) -> None: ...
    async def set_status(self, ticket: Ticket, status: TicketStatus) -> None: ...
    async def hijack(self, ticket_id: str) -> None: ...
    async def assign(self, ticket_id: str, operator_id: str) -> None: ...
    async def mark_read(self, message: Message) -> None: ...
    async def mark_all_read(self, customer_id: str) -> None: ...
    async def typing(self, ticket: Ticket) -> None: ...
    async def fetch_operators(self) -> list[User] | None: ...


class HistoryOwnership(Protocol):
    """Whether this console owns its history file (store/history.py's History)."""

    def read_only_reason(self) -> str | None:
        """Why it may not write the file (another console owns it), or None."""
        ...

    def take_over(self) -> Store | None:
        """The file's store once the owner has quit and this console owns it; else None."""
        ...
