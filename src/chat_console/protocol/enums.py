"""Numeric codes of the wire, named."""

from enum import IntEnum


class MessageType(IntEnum):
    TEXT = 1
    IMAGE = 2  # base64 in `content`


class MessageStatus(IntEnum):
    SENT = 1
    DELIVERED = 2
    READ = 3


class TicketStatus(IntEnum):
    NEW = 100
    OPEN = 200
    CLOSED = 10000


class AssignmentChange(IntEnum):
    """Second argument of `notifyOfAssignment`."""

    TAKEN_AWAY = 0  # hijacked from this operator or reassigned to another
    ASSIGNED = 1  # assigned to this operator
