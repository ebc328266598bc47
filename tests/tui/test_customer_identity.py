"""Who the customer is comes from the server (`ownerNm`, the owner's id), never from the name a
customer gives their ticket; two look-alike tickets can be told apart."""

import uuid

from chat_console.protocol import EmitEvent, Ticket, emits
from chat_console.tui.widgets.bars import ConversationHeader, TicketDetails
from tests.helpers import Peer
from tests.tui.conftest import Live


def shown(live: Live, widget: type[ConversationHeader] | type[TicketDetails]) -> str:
    return str(live.app.main.query_one(widget).render())


def queue_text(live: Live) -> str:
    queue = live.app.main.queue
    return "\n".join(queue.render_line(y).text for y in range(queue.size.height))


async def test_a_ticket_named_after_another_customer_shows_its_real_owner(live: Live) -> None:
    cora = Peer()
    live.peers.append(cora)
    await cora.login(live.server.url, "cu2", "cu2pass", operator=False)
    posing = Ticket(ticket_id=str(uuid.uuid4()), ticket_nm="Refund", display_nm="Carl Customer")
    assert not await cora.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(posing))
    await live.until(lambda: live.app.store.ticket(posing.ticket_id) is not None)
    await live.pilot.pause()
    rows = queue_text(live)
    assert "Cora Client" in rows
    assert "Carl Customer" not in rows.replace("“Carl Customer”", "")  # only as the quoted label
    await live.select(posing.ticket_id)
    await live.pilot.press("enter")
    header = shown(live, ConversationHeader)
    assert "Cora Client" in header and "“Carl Customer”" in header
    assert "Carl Customer" not in header.replace("“Carl Customer”", "")


async def test_i_shows_what_tells_two_look_alike_tickets_apart(live: Live) -> None:
    first = await live.open_ticket("Double charge")
    second = await live.open_ticket("Double charge")
    await live.select(first.ticket_id)
    await live.pilot.press("enter", "escape", "i")
    details = shown(live, TicketDetails)
    assert "#" + first.ticket_id[:8] in details
    assert "cu-1" in details and "Carl Customer" in details
    assert "1 more open" in details
    assert "opened " in details and "opened ?" not in details
    await live.select(second.ticket_id)
    await live.pilot.press("enter")
    assert "#" + second.ticket_id[:8] in shown(live, TicketDetails)
    await live.pilot.press("escape", "i")
    assert not live.app.main.query_one(TicketDetails).display
