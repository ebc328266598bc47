"""Past-tense Textual messages: one per kind of domain change, posted once per applied batch."""

from textual.message import Message


class TicketsMessage(Message, bubble=False):  # posted to the main screen; the app needs no copy
    def __init__(self, ticket_ids: frozenset[str]) -> None:
        super().__init__()
        self.ticket_ids = ticket_ids


class TicketsChanged(TicketsMessage):
    """Tickets were created or updated: queue rows, counts and headers may differ."""


class MessagesChanged(TicketsMessage):
    """Messages were added to these tickets, or their ticks moved."""


class TypingChanged(TicketsMessage):
    """Someone started or stopped typing in these tickets."""


class TicketsArrived(TicketsMessage):
    """New tickets were created by customers."""


class ClosedTicketWritten(TicketsMessage):
    """A customer wrote on these closed tickets (a server that allows it): they are back."""


class AssignedToMe(TicketsMessage):
    """These tickets were assigned to this operator."""


class AssignedAway(TicketsMessage):
    """These tickets were taken from this operator (hijacked or reassigned)."""


class EventsDropped(Message, bubble=False):
    """Inbound events did not decode and were dropped; `total` since the console started."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total


class ConnectionChanged(Message, bubble=False):
    def __init__(
        self,
        state: str,
        reason: str | None,
        retry_in: float | None,
        protocol: str | None = None,  # "v4" or "v2": which Socket.IO generation, once known
    ) -> None:
        super().__init__()
        self.state = state
        self.reason = reason
        self.retry_in = retry_in
        self.protocol = protocol
