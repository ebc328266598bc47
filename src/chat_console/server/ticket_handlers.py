"""Ticket emits: createTicket, acceptTicket, updateTicketStatus, assignTicket."""

import logging
from typing import Any

from chat_console.protocol import (
    Assign,
    AssignmentChange,
    ListenEvent,
    Ticket,
    TicketStatus,
    now_utc,
)
from chat_console.server import rules
from chat_console.server.accounts import Account, Role
from chat_console.server.arguments import Refusal, an_id, arg, status_code, validated
from chat_console.server.handler_base import HandlerBase, Session

log = logging.getLogger("chat_console.server")


class TicketHandlers(HandlerBase):
    async def _create_ticket(self, session: Session, args: tuple[Any, ...]) -> None:
        """Customers only. An existing ticketId is idempotent success for its own owner (a re-sent
        creation, as reading 6 treats messages) and refused for anyone else. A customer with
        `open_tickets` tickets not closed must close one first."""
        user = self._user(session)
        if user.role is not Role.CUSTOMER:
            raise Refusal("customers only")
        ticket_id = an_id(arg(args, 0), "ticketId")
        proposed: Ticket = validated(arg(args, 1), Ticket, "ticketObject", ticketId=ticket_id)
        existing = self.store.get_ticket(ticket_id)
        if existing is not None:
            if existing.owner_id == user.user_id:
                return
            raise Refusal("ticketId already in use")
        open_now = self.store.count_open_tickets(user.user_id)
        if open_now >= self.rate_limit.open_tickets:
            raise Refusal(self.rate_limit.tickets_refusal(open_now))
        ticket = proposed.model_copy(
            update={
                "display_nm": proposed.display_nm or proposed.ticket_nm or user.full_name,
                "ticket_nm": proposed.ticket_nm or proposed.display_nm or "",
                "owner_id": user.user_id,
                "owner_nm": user.full_name,
                "is_external": False,
                "created_at": now_utc(),
                "status_id": TicketStatus.NEW,
                "handle_by_id": "",
                "handle_by_nm": "",
                "last_response_at": None,
            }
        )
        self.store.add_ticket(ticket)
        log.info("ticket %s created by %s", ticket_id, user.user_id)
        await self.emit(
            ListenEvent.TICKET_CREATED, rules.ticket_wire(ticket), to=rules.OPERATORS_ROOM
        )

    async def _accept_ticket(self, session: Session, args: tuple[Any, ...]) -> None:
        """Operators only; reading 9: a ticket another operator handles cannot be accepted.
        Accepting a ticket one already handles is a quiet success."""
        user = self._operator(session)
        ticket = self._ticket(arg(args, 0))
        validated(arg(args, 1), Ticket, "ticketObject")  # checked, but the stored ticket rules
        if rules.is_closed(ticket):
            raise Refusal("ticket is closed")
        handler = rules.handler_of(ticket)
        if handler == user.user_id:
            return
        if handler is not None:
            raise Refusal(f"already accepted by {ticket.handle_by_nm or handler}")
        await self._hand_to(ticket, user)

    async def _hand_to(self, ticket: Ticket, operator: Account) -> Ticket:
        changed = ticket.model_copy(
            update={
                "status_id": TicketStatus.OPEN,
                "handle_by_id": operator.user_id,
                "handle_by_nm": operator.full_name,
            }
        )
        self.store.save_ticket(changed)
        log.info("ticket %s now handled by %s", ticket.ticket_id, operator.user_id)
        await self.emit(
            ListenEvent.TICKET_ACCEPTED, rules.ticket_wire(changed), to=rules.ticket_rooms(changed)
        )
        return changed

    async def _update_ticket_status(self, session: Session, args: tuple[Any, ...]) -> None:
        """Operators only; not on a ticket another operator handles. The handler is kept as is:
        only acceptTicket and assignTicket change who handles a ticket."""
        user = self._operator(session)
        ticket = self._ticket(arg(args, 0))
        validated(arg(args, 1), Ticket, "ticketObject")  # checked, but the stored ticket rules
        status = status_code(arg(args, 2), tuple(int(s) for s in TicketStatus))
        handler = rules.handler_of(ticket)
        if handler not in (None, user.user_id):
            raise Refusal("not yours: handled by another operator")
        changed = ticket.model_copy(update={"status_id": TicketStatus(status)})
        self.store.save_ticket(changed)
        await self.emit(
            ListenEvent.TICKET_STATUS_UPDATED,
            (ticket.ticket_id, status),
            to=rules.ticket_rooms(changed),
        )

    async def _assign_ticket(self, session: Session, args: tuple[Any, ...]) -> None:
        """Operators only. handleById null hijacks to the sender. The previous handler hears
        notifyOfAssignment 0, the new one 1, and owner + operators hear ticketAccepted (so every
        queue shows the new handler; a NEW ticket assigned this way counts as accepted)."""
        user = self._operator(session)
        assign: Assign = validated(arg(args, 0), Assign, "assign object")
        ticket = self._ticket(assign.ticket_id)
        if rules.is_closed(ticket):
            raise Refusal("ticket is closed")
        target = user
        if assign.handle_by_id:
            found = self.accounts.by_user_id(assign.handle_by_id)
            if found is None or found.role is not Role.OPERATOR:
                raise Refusal("unknown operator")
            target = found
        previous = rules.handler_of(ticket)
        if previous == target.user_id:
            return
        changed = await self._hand_to(ticket, target)
        label = changed.display_nm or ""
        if previous is not None:
            await self.emit(
                ListenEvent.NOTIFY_OF_ASSIGNMENT,
                (ticket.ticket_id, int(AssignmentChange.TAKEN_AWAY), label),
                to=rules.user_room(previous),
            )
        await self.emit(
            ListenEvent.NOTIFY_OF_ASSIGNMENT,
            (ticket.ticket_id, int(AssignmentChange.ASSIGNED), label),
            to=rules.user_room(target.user_id),
        )
