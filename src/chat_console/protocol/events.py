"""Event names exactly as they appear on the wire."""

from enum import StrEnum


class ListenEvent(StrEnum):
    """Events the server sends to a client."""

    AUTHENTICATED = "authenticated"
    UNAUTHENTICATED = "unauthenticated"
    TICKET_CREATED = "ticketCreated"
    TICKET_ACCEPTED = "ticketAccepted"
    TICKET_STATUS_UPDATED = "ticketStatusUpdated"
    MESSAGE_UPDATED = "messageUpdated"
    MESSAGE_STATUS_UPDATED = "messageStatusUpdated"
    TYPING = "typing"
    NOTIFY_OF_ASSIGNMENT = "notifyOfAssignment"
    TICKET_RESPONDED = "ticketResponded"


class EmitEvent(StrEnum):
    """Events a client sends to the server."""

    AUTHENTICATE = "authenticate"
    SUBSCRIBE = "subscribe"
    SUBSCRIBE_OPERATOR = "subscribeOperator"
    UNSUBSCRIBE = "unsubscribe"
    UNSUBSCRIBE_OPERATOR = "unsubscribeOperator"
    CREATE_TICKET = "createTicket"
    UPDATE_MESSAGE = "updateMessage"
    ACCEPT_TICKET = "acceptTicket"
    UPDATE_TICKET_STATUS = "updateTicketStatus"
    UPDATE_MESSAGE_STATUS = "updateMessageStatus"
    TYPING = "typing"
    ASSIGN_TICKET = "assignTicket"


# Emits whose last positional argument on the wire is an ack callback.
EMITS_WITH_ACK: frozenset[EmitEvent] = frozenset(
    {
        EmitEvent.CREATE_TICKET,
        EmitEvent.UPDATE_MESSAGE,
        EmitEvent.ACCEPT_TICKET,
        EmitEvent.UPDATE_TICKET_STATUS,
        EmitEvent.UPDATE_MESSAGE_STATUS,
        EmitEvent.ASSIGN_TICKET,
    }
)
