"""Message emits: updateMessage, updateMessageStatus (and ticketResponded), typing."""

from typing import Any

from chat_console.protocol import ListenEvent, Message, MessageStatus, Ticket, now_utc, to_wire
from chat_console.protocol.emits import ALL_MESSAGES
from chat_console.protocol.limits import content_problem
from chat_console.server import rules
from chat_console.server.accounts import Role
from chat_console.server.arguments import Refusal, an_id, arg, status_code, validated
from chat_console.server.handler_base import HandlerBase, Session


class MessageHandlers(HandlerBase):
    async def _update_message(self, session: Session, args: tuple[Any, ...]) -> None:
        """Only the ticket's owner or handler may write. Reading 6: a messageId already stored is
        the same message; it is acked and neither stored nor routed again. The recipientId
        argument is not trusted: the server derives the recipient from the ticket (reading 7)."""
        user = self._user(session)
        ticket = self._ticket(arg(args, 0))
        message_id = an_id(arg(args, 1), "messageId")
        proposed: Message = validated(
            arg(args, 2), Message, "messageObject", ticketId=ticket.ticket_id, messageId=message_id
        )
        too_large = content_problem(proposed.content)
        if too_large is not None:
            raise Refusal(too_large)
        existing = self.store.get_message(message_id)
        if existing is not None:
            if existing.sender_id == user.user_id and existing.ticket_id == ticket.ticket_id:
                return
            raise Refusal("messageId already in use")
        if not rules.may_write(user, ticket):
            raise Refusal("not yours: only the ticket's owner or handler may write")
        if rules.is_closed(ticket):
            raise Refusal("ticket is closed")
        if user.user_id == ticket.owner_id:
            recipient_id = rules.handler_of(ticket)
            recipient_nm = ticket.handle_by_nm if recipient_id else None
        else:
            recipient_id, recipient_nm = ticket.owner_id, ticket.owner_nm
        message = proposed.model_copy(
            update={
                "sender_id": user.user_id,
                "sender_nm": user.full_name,
                "recipient_id": recipient_id,
                "recipient_nm": recipient_nm,
                "created_at": now_utc(),
                "status_id": MessageStatus.SENT,
            }
        )
        self.store.add_message(message)
        if user.user_id != ticket.owner_id:
            self.store.save_ticket(
                ticket.model_copy(update={"last_response_at": message.created_at})
            )
        await self.emit(
            ListenEvent.MESSAGE_UPDATED,
            to_wire(message),
            to=rules.message_rooms(message, ticket),
            skip_sid=session.sid,
        )

    async def _update_message_status(self, session: Session, args: tuple[Any, ...]) -> None:
        """Status 2 or 3, only by the message's recipient, only forwards. The sender hears one
        messageStatusUpdated per message that changed (reading 5). When an operator's read leaves
        a ticket with no unread customer message where there was one, the operators' channel
        hears ticketResponded(ticketId)."""
        user = self._user(session)
        target = arg(args, 0)
        status = status_code(arg(args, 1), (int(MessageStatus.DELIVERED), int(MessageStatus.READ)))
        if target == ALL_MESSAGES:
            if arg(args, 2) not in (None, "", user.user_id):
                raise Refusal("not yours: recipientId is not you")
            sender_id = an_id(arg(args, 3), "senderId")
            candidates = self.store.messages_from(sender_id, MessageStatus(status))
        else:
            message = self.store.get_message(an_id(target, "messageId"))
            if message is None:
                raise Refusal("unknown message")
            candidates = [message]
        tickets: dict[str, Ticket] = {}
        changed: list[Message] = []
        for message in candidates:
            ticket = tickets.get(message.ticket_id) or self.store.get_ticket(message.ticket_id)
            if ticket is None:
                continue
            tickets[ticket.ticket_id] = ticket
            if not rules.may_confirm(user, message, ticket):
                if target != ALL_MESSAGES:
                    raise Refusal("not yours: only the message's recipient may confirm it")
                continue
            if message.status_id < status:
                changed.append(message.model_copy(update={"status_id": MessageStatus(status)}))
        if not changed:
            return
        # Only an operator's read can answer a ticket: count unread customer messages for that
        # alone (a delivery receipt for every message cost more than relaying the message).
        answers = user.role is Role.OPERATOR and status == MessageStatus.READ
        touched = {
            m.ticket_id for m in changed if answers and m.sender_id == tickets[m.ticket_id].owner_id
        }
        unread_before = {
            t: self.store.count_below(t, tickets[t].owner_id or "", MessageStatus.READ)
            for t in touched
        }
        self.store.save_message_statuses(changed)
        for message in changed:
            await self.emit(
                ListenEvent.MESSAGE_STATUS_UPDATED,
                (message.message_id, status),
                to=rules.user_room(message.sender_id or ""),
            )
        if answers:
            for ticket_id in sorted(touched):
                owner = tickets[ticket_id].owner_id or ""
                if unread_before[ticket_id] and not self.store.count_below(
                    ticket_id, owner, MessageStatus.READ
                ):
                    await self.emit(
                        ListenEvent.TICKET_RESPONDED, ticket_id, to=rules.OPERATORS_ROOM
                    )

    async def _typing(self, session: Session, args: tuple[Any, ...]) -> None:
        """No ack. Relayed only if the sender may see the ticket and the recipient is one of its
        parties; a customer typing on an unhandled ticket is relayed to the operators' channel."""
        user = self._user(session)
        ticket = self._ticket(arg(args, 0))
        if not rules.may_see(user, ticket):
            raise Refusal("not yours")
        recipient = arg(args, 1)
        if rules.is_party(recipient, ticket) and recipient != user.user_id:
            room = rules.user_room(recipient)
        elif user.user_id == ticket.owner_id and rules.handler_of(ticket) is None:
            room = rules.OPERATORS_ROOM
        else:
            raise Refusal("recipient is not a party of the ticket")
        await self.emit(
            ListenEvent.TYPING, (ticket.ticket_id, user.full_name), to=room, skip_sid=session.sid
        )
