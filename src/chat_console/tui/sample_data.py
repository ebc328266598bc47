"""Fixed data and a fixed clock, so that store-filled consoles look the same on every run.

Used by the snapshot tests and by `python -m chat_console.tui.screenshots`.
"""

import base64
from datetime import UTC, datetime, timedelta
from io import BytesIO

from PIL import Image, ImageDraw

from chat_console.protocol import Message, MessageStatus, MessageType, Ticket, TicketStatus, User
from chat_console.protocol.inbound import (
    MessageStatusUpdated,
    MessageUpdated,
    TicketCreated,
    Typing,
)
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig, OperatorChoice

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def parcel_png() -> bytes:
    """The customer's photo of a parcel: drawn here, so it is the same on every run."""
    image = Image.new("RGB", (96, 64), (176, 214, 240))  # sky
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 44, 95, 63), fill=(96, 96, 104))  # the depot's floor
    draw.rectangle((24, 18, 71, 53), fill=(181, 134, 84), outline=(120, 84, 48))  # the box
    draw.rectangle((44, 18, 51, 53), fill=(226, 200, 150))  # tape
    draw.rectangle((54, 38, 68, 48), fill=(250, 250, 250), outline=(40, 40, 40))  # its label
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


ME = User(user_id="op-1", full_nm="Olivia Operator")
CONFIG = ConsoleConfig(
    user=ME,
    server_host="127.0.0.1:8161",
    wait_warning=60,
    wait_alert=300,
    operators=(OperatorChoice("op-2", "Oscar Other"), OperatorChoice("op-3", "Pat Placeholder")),
)


def fixed_clock() -> datetime:
    return NOW


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def ticket(tid: str, name: str, title: str, status: TicketStatus, **more: object) -> Ticket:
    return Ticket(
        ticket_id=tid,
        display_nm=name,
        ticket_nm=title,
        status_id=status,
        owner_id=f"cu-{tid}",
        owner_nm=name,
        **more,
    )


def customer(tid: str, mid: str, text: str, at: datetime, name: str) -> MessageUpdated:
    return MessageUpdated(
        Message(
            ticket_id=tid,
            message_id=mid,
            content=text,
            sender_id=f"cu-{tid}",
            sender_nm=name,
            recipient_id=ME.user_id,
            created_at=at,
        )
    )


def own(tid: str, mid: str, text: str, at: datetime, status: MessageStatus) -> MessageUpdated:
    return MessageUpdated(
        Message(
            ticket_id=tid,
            message_id=mid,
            content=text,
            sender_id=ME.user_id,
            sender_nm=ME.full_nm,
            recipient_id=f"cu-{tid}",
            created_at=at,
            status_id=status,
        )
    )


def mixed_store() -> Store:
    store = Store(":memory:", operator_id=ME.user_id, clock=fixed_clock)
    store.apply_batch(
        [
            TicketCreated(
                ticket(
                    "t1",
                    "Carl Customer",
                    "Order 1042 never arrived",
                    TicketStatus.OPEN,
                    handle_by_id="op-1",
                    handle_by_nm="Olivia Operator",
                    created_at=ago(minutes=12),
                )
            ),
            TicketCreated(
                ticket(
                    "t2",
                    "Dana Doe",
                    "Refund for a broken kettle",
                    TicketStatus.NEW,
                    created_at=ago(seconds=40),
                )
            ),
            TicketCreated(
                ticket(
                    "t3",
                    "Eve [@click=app.quit]x[/] \x1b[31mred",
                    "Login fails",
                    TicketStatus.NEW,
                    created_at=ago(minutes=7),
                )
            ),
            TicketCreated(
                ticket(
                    "t4",
                    "Frank Fischer",
                    "Change delivery address",
                    TicketStatus.OPEN,
                    handle_by_id="op-2",
                    handle_by_nm="Oscar Other",
                    created_at=ago(hours=2),
                )
            ),
            TicketCreated(
                ticket(
                    "t5",
                    "Gina Gray",
                    "Invoice copy",
                    TicketStatus.CLOSED,
                    handle_by_id="op-1",
                    created_at=ago(days=1),
                )
            ),
            customer(
                "t1",
                "m1",
                "Hello, my order 1042 has not arrived yet.",
                ago(minutes=11),
                "Carl Customer",
            ),
            own(
                "t1",
                "m2",
                "Sorry to hear that! Let me check the tracking for you.",
                ago(minutes=10),
                MessageStatus.READ,
            ),
            customer(
                "t1",
                "m3",
                "Thanks. It said 'out for delivery' on Friday.",
                ago(minutes=9),
                "Carl Customer",
            ),
            own(
                "t1",
                "m4",
                "I see it was held at the depot. I'll ask them to send it today.",
                ago(minutes=8),
                MessageStatus.DELIVERED,
            ),
            own("t1", "m5", "Could you confirm your address?", ago(minutes=7), MessageStatus.SENT),
            customer(
                "t1", "m6", "Sure: 12 Long Street, Springfield", ago(minutes=3), "Carl Customer"
            ),
            MessageUpdated(
                Message(
                    ticket_id="t1",
                    message_id="m7",
                    type=MessageType.IMAGE,
                    content=base64.b64encode(parcel_png()).decode(),
                    sender_id="cu-t1",
                    sender_nm="Carl Customer",
                    recipient_id="op-1",
                    created_at=ago(minutes=2),
                )
            ),
            customer(
                "t4", "m8", "Is it too late to change the address?", ago(minutes=5), "Frank Fischer"
            ),
        ]
    )
    store.apply(MessageStatusUpdated("m4", MessageStatus.DELIVERED))
    store.mark_ticket_read("t1")
    store.apply(Typing("t1", "Carl Customer"))
    return store


def store_app(store: Store | None = None, **kwargs: object) -> ConsoleApp:
    return ConsoleApp(
        CONFIG,
        store=store or mixed_store(),
        clock=fixed_clock,
        timezone=UTC,
        live_clock=False,
        **kwargs,  # type: ignore[arg-type]
    )
