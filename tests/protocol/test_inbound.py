import pytest

from chat_console.protocol import AssignmentChange, MessageStatus, TicketStatus
from chat_console.protocol.inbound import (
    AssignmentNotified,
    MessageStatusUpdated,
    MessageUpdated,
    ProtocolError,
    TicketCreated,
    TicketResponded,
    TicketStatusUpdated,
    Typing,
    decode,
)


def test_each_listen_event_decodes_to_its_type() -> None:
    assert isinstance(decode("ticketCreated", ({"ticketId": "t"},)), TicketCreated)
    assert decode("ticketStatusUpdated", ("t", 10000)) == TicketStatusUpdated(
        "t", TicketStatus.CLOSED
    )
    message = decode("messageUpdated", ({"ticketId": "t", "messageId": "m", "content": "x"},))
    assert isinstance(message, MessageUpdated) and message.message.content == "x"
    assert decode("messageStatusUpdated", ("m", 3)) == MessageStatusUpdated("m", MessageStatus.READ)
    assert decode("typing", ("t", "Carl")) == Typing("t", "Carl")
    assert decode("notifyOfAssignment", ("t", 1, "Carl")) == AssignmentNotified(
        "t", AssignmentChange.ASSIGNED, "Carl"
    )
    assert decode("ticketResponded", ("t",)) == TicketResponded("t")


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("ticketCreated", ()),
        ("ticketCreated", ({"ticketId": "t"}, "extra")),
        ("ticketCreated", (None,)),
        ("ticketCreated", ("not an object",)),
        ("ticketStatusUpdated", ("t", 7)),
        ("ticketStatusUpdated", ("t", True)),
        ("ticketStatusUpdated", (None, 200)),
        ("messageUpdated", ({"ticketId": "t"},)),
        ("messageStatusUpdated", ("m", None)),
        ("typing", ("t",)),
        ("notifyOfAssignment", ("t", 5, "x")),
        ("ticketResponded", ("",)),
        ("somethingElse", ()),
    ],
)
def test_unreadable_events_raise_protocol_error(event: str, args: tuple[object, ...]) -> None:
    with pytest.raises(ProtocolError):
        decode(event, args)
