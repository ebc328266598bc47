"""The Socket.IO namespace `/`: application-level auth, then one handler per emit of PROTOCOL.md.

Every inbound event goes through `trigger_event`, which
- ignores everything before `authenticate` succeeds (acked events get "not authenticated"),
- re-checks the socket's token: an expired or revoked one ends the session with `unauthenticated`,
- reads positional arguments itself (a wrong count or a payload that does not validate is an error
  ack, never an exception in the log),
- answers an ack with `None` on success or with an error string giving the reason.

Decisions the protocol leaves open (documented in the handlers): createTicket with an existing id is
idempotent for the same owner; a repeated messageId is acked and neither stored nor routed again;
status changes never change the handler (only acceptTicket/assignTicket do); assignTicket also
emits ticketAccepted so every queue stays true.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import socketio
from pydantic import BaseModel, ValidationError

from chat_console.protocol import (
    Assign,
    AssignmentChange,
    EmitEvent,
    ListenEvent,
    Message,
    MessageStatus,
    Ticket,
    TicketStatus,
    User,
    now_utc,
    to_wire,
)
from chat_console.protocol.emits import ALL_MESSAGES
from chat_console.server import rules
from chat_console.server.accounts import Account, Accounts, Role
from chat_console.server.storage import ServerStore
from chat_console.server.tokens import TokenStore

log = logging.getLogger("chat_console.server")

NOT_AUTHENTICATED = "not authenticated"


class Refusal(Exception):
    """A request the server turns down; the text is the error ack's words."""


@dataclass(slots=True)
class Session:
    sid: str
    user: Account | None = None
    token: str | None = field(default=None, repr=False)
    auth_deadline: asyncio.Task[None] | None = None


Handler = Callable[[Session, tuple[Any, ...]], Awaitable[None]]


def _arg(args: tuple[Any, ...], index: int, default: Any = None) -> Any:
    return args[index] if len(args) > index else default


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise Refusal(f"{what} must be a non-empty string")
    return value


def _model(value: Any, model: type[Any], what: str, **override: Any) -> Any:
    if not isinstance(value, dict):
        raise Refusal(f"{what} must be an object")
    try:
        parsed = model.model_validate({**value, **override})
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) or what for e in error.errors()})
        raise Refusal(f"invalid {what}: {', '.join(fields)}") from None
    assert isinstance(parsed, BaseModel)
    return parsed


def _status(value: Any, allowed: tuple[int, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise Refusal("bad status")
    return value


class ChatNamespace(socketio.AsyncNamespace):
    def __init__(
        self,
        *,
        accounts: Accounts,
        tokens: TokenStore,
        store: ServerStore,
        auth_timeout: float = 1.0,
    ) -> None:
        super().__init__("/")
        self.accounts = accounts
        self.tokens = tokens
        self.store = store
        self.auth_timeout = auth_timeout
        self.sessions: dict[str, Session] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handlers: dict[str, Handler] = {
            EmitEvent.AUTHENTICATE: self._authenticate,
            EmitEvent.SUBSCRIBE: self._subscribe,
            EmitEvent.SUBSCRIBE_OPERATOR: self._subscribe_operator,
            EmitEvent.UNSUBSCRIBE: self._unsubscribe,
            EmitEvent.UNSUBSCRIBE_OPERATOR: self._unsubscribe_operator,
            EmitEvent.CREATE_TICKET: self._create_ticket,
            EmitEvent.UPDATE_MESSAGE: self._update_message,
            EmitEvent.UPDATE_MESSAGE_STATUS: self._update_message_status,
            EmitEvent.ACCEPT_TICKET: self._accept_ticket,
            EmitEvent.UPDATE_TICKET_STATUS: self._update_ticket_status,
            EmitEvent.TYPING: self._typing,
            EmitEvent.ASSIGN_TICKET: self._assign_ticket,
        }

    # dispatch

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            self._on_connect(args[0])
            return None
        if event == "disconnect":
            self._on_disconnect(args[0])
            return None
        sid, payload = args[0], tuple(args[1:])
        session = self.sessions.get(sid)
        handler = self._handlers.get(event)
        if session is None or handler is None:
            log.info("refused %.40r from %s: unknown event", event, sid)
            return f"unknown event {event[:40]!r}"
        if event != EmitEvent.AUTHENTICATE and not await self._still_authenticated(session):
            log.info("refused %s from %s: %s", event, sid, NOT_AUTHENTICATED)
            return NOT_AUTHENTICATED
        try:
            await handler(session, payload)
        except Refusal as refusal:
            log.info("refused %s from %s: %s", event, self._who(session), refusal)
            return str(refusal)
        except Exception:
            log.exception("failed to handle %s from %s", event, self._who(session))
            return "internal server error"
        # A one-element tuple sends an explicit null, which callback(err) style peers expect.
        return (None,)

    def _who(self, session: Session) -> str:
        return session.user.user_id if session.user else session.sid

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # connection and authentication

    def _on_connect(self, sid: str) -> None:
        session = Session(sid)
        self.sessions[sid] = session
        session.auth_deadline = self.spawn(self._drop_if_silent(session))
        log.info("connected %s", sid)

    def _on_disconnect(self, sid: str) -> None:
        session = self.sessions.pop(sid, None)
        if session and session.auth_deadline:
            session.auth_deadline.cancel()
        log.info("disconnected %s", (session and self._who(session)) or sid)

    async def _drop_if_silent(self, session: Session) -> None:
        await asyncio.sleep(self.auth_timeout)
        if session.user is None and session.sid in self.sessions:
            log.info(
                "dropped %s: did not authenticate within %.1f s", session.sid, self.auth_timeout
            )
            await self.disconnect(session.sid)

    async def _authenticate(self, session: Session, args: tuple[Any, ...]) -> None:
        payload = _arg(args, 0)
        token = payload.get("accessToken") if isinstance(payload, dict) else None
        user_id = self.tokens.user_for(token) if isinstance(token, str) else None
        account = self.accounts.by_user_id(user_id) if user_id else None
        if account is None:
            await self._deauthenticate(session, "invalid or expired token")
            raise Refusal("invalid or expired token")
        if session.user and session.user.user_id != account.user_id:
            await self._leave_all_rooms(session)
        session.user, session.token = account, token
        if session.auth_deadline:
            session.auth_deadline.cancel()
        log.info("authenticated %s as %s (%s)", session.sid, account.user_id, account.role)
        await self.emit(ListenEvent.AUTHENTICATED, True, to=session.sid)

    async def _still_authenticated(self, session: Session) -> bool:
        if session.user is None or session.token is None:
            return False
        if self.tokens.user_for(session.token) == session.user.user_id:
            return True
        await self._deauthenticate(session, "token expired or revoked")
        return False

    async def _deauthenticate(self, session: Session, reason: str) -> None:
        """Forget who the socket was and say so; the socket stays so the client can retry."""
        if session.user is not None:
            log.info("unauthenticated %s (%s): %s", session.sid, session.user.user_id, reason)
            await self._leave_all_rooms(session)
        else:
            log.info("refused authentication of %s: %s", session.sid, reason)
        session.user, session.token = None, None
        await self.emit(ListenEvent.UNAUTHENTICATED, {"message": reason}, to=session.sid)

    async def _leave_all_rooms(self, session: Session) -> None:
        for room in self.rooms(session.sid):
            if room != session.sid:
                await self.leave_room(session.sid, room)

    async def revoke(self, user_id: str) -> None:
        """Tell every socket of `user_id` that its token no longer works (already revoked)."""
        for session in list(self.sessions.values()):
            if session.user and session.user.user_id == user_id:
                await self._deauthenticate(session, "token revoked")

    async def sweep_expired(self) -> None:
        """Sessions whose token expired hear `unauthenticated` even if they stay silent."""
        for session in list(self.sessions.values()):
            if session.user is not None:
                await self._still_authenticated(session)

    def _user(self, session: Session) -> Account:
        assert session.user is not None  # trigger_event checked it
        return session.user

    def _operator(self, session: Session) -> Account:
        user = self._user(session)
        if user.role is not Role.OPERATOR:
            raise Refusal("operators only")
        return user

    def _ticket(self, ticket_id: Any) -> Ticket:
        ticket = self.store.get_ticket(_text(ticket_id, "ticketId"))
        if ticket is None:
            raise Refusal("unknown ticket")
        return ticket

    # subscriptions (no ack: a refusal is only logged)

    async def _subscribe(self, session: Session, args: tuple[Any, ...]) -> None:
        user = self._user(session)
        wanted: User = _model(_arg(args, 0), User, "userObject")
        if wanted.user_id != user.user_id:
            raise Refusal("userObject.userId is not the authenticated user")
        await self.enter_room(session.sid, rules.user_room(user.user_id))

    async def _subscribe_operator(self, session: Session, args: tuple[Any, ...]) -> None:
        self._operator(session)
        await self.enter_room(session.sid, rules.OPERATORS_ROOM)

    async def _unsubscribe(self, session: Session, args: tuple[Any, ...]) -> None:
        await self.leave_room(session.sid, rules.user_room(self._user(session).user_id))

    async def _unsubscribe_operator(self, session: Session, args: tuple[Any, ...]) -> None:
        await self.leave_room(session.sid, rules.OPERATORS_ROOM)

    # tickets

    async def _create_ticket(self, session: Session, args: tuple[Any, ...]) -> None:
        """Customers only. An existing ticketId is idempotent success for its own owner (a re-sent
        creation, as reading 6 treats messages) and refused for anyone else."""
        user = self._user(session)
        if user.role is not Role.CUSTOMER:
            raise Refusal("customers only")
        ticket_id = _text(_arg(args, 0), "ticketId")
        proposed: Ticket = _model(_arg(args, 1), Ticket, "ticketObject", ticketId=ticket_id)
        existing = self.store.get_ticket(ticket_id)
        if existing is not None:
            if existing.owner_id == user.user_id:
                return
            raise Refusal("ticketId already in use")
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
        ticket = self._ticket(_arg(args, 0))
        _model(_arg(args, 1), Ticket, "ticketObject")  # checked, but the stored ticket rules
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
        ticket = self._ticket(_arg(args, 0))
        _model(_arg(args, 1), Ticket, "ticketObject")  # checked, but the stored ticket rules
        status = _status(_arg(args, 2), tuple(int(s) for s in TicketStatus))
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
        assign: Assign = _model(_arg(args, 0), Assign, "assign object")
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

    # messages

    async def _update_message(self, session: Session, args: tuple[Any, ...]) -> None:
        """Only the ticket's owner or handler may write. Reading 6: a messageId already stored is
        the same message; it is acked and neither stored nor routed again. The recipientId
        argument is not trusted: the server derives the recipient from the ticket (reading 7)."""
        user = self._user(session)
        ticket = self._ticket(_arg(args, 0))
        message_id = _text(_arg(args, 1), "messageId")
        proposed: Message = _model(
            _arg(args, 2), Message, "messageObject", ticketId=ticket.ticket_id, messageId=message_id
        )
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
        target = _arg(args, 0)
        status = _status(_arg(args, 1), (int(MessageStatus.DELIVERED), int(MessageStatus.READ)))
        if target == ALL_MESSAGES:
            if _arg(args, 2) not in (None, "", user.user_id):
                raise Refusal("not yours: recipientId is not you")
            sender_id = _text(_arg(args, 3), "senderId")
            candidates = self.store.messages_from(sender_id, MessageStatus(status))
        else:
            message = self.store.get_message(_text(target, "messageId"))
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
        touched = {m.ticket_id for m in changed if m.sender_id == tickets[m.ticket_id].owner_id}
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
        if user.role is Role.OPERATOR and status == MessageStatus.READ:
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
        ticket = self._ticket(_arg(args, 0))
        if not rules.may_see(user, ticket):
            raise Refusal("not yours")
        recipient = _arg(args, 1)
        if rules.is_party(recipient, ticket) and recipient != user.user_id:
            room = rules.user_room(recipient)
        elif user.user_id == ticket.owner_id and rules.handler_of(ticket) is None:
            room = rules.OPERATORS_ROOM
        else:
            raise Refusal("recipient is not a party of the ticket")
        await self.emit(
            ListenEvent.TYPING, (ticket.ticket_id, user.full_name), to=room, skip_sid=session.sid
        )
