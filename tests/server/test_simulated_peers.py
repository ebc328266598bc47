"""Simulated customers, the customer swarm and the op2 robot, against a real server."""

import asyncio

from chat_console.protocol import EmitEvent, ListenEvent, MessageStatus, Ticket, emits
from chat_console.protocol.models import Message
from chat_console.server.runner import RunningServer, running_server
from chat_console.simulate.customers import (
    SimulatedCustomer,
    run_customer_swarm,
    run_demo_population,
)
from chat_console.simulate.operator_robot import OperatorRobot
from tests.helpers import WAIT, Peer, eventually


async def test_customer_opens_ticket_writes_and_answers_the_operator(server: RunningServer) -> None:
    operator = Peer()
    customer = SimulatedCustomer(
        server.url, "cu1", "cu1pass", pace=100.0, answers=True, read_delay=0.0
    )
    try:
        await operator.login(server.url, "op1", "op1pass", operator=True)
        await customer.connect()
        ticket = await customer.open_ticket("Broken toaster")
        (created,) = await operator.next(ListenEvent.TICKET_CREATED)
        assert created["ticketId"] == ticket.ticket_id
        assert created["ownerId"] == "cu-1"

        await customer.type(ticket.ticket_id)
        assert await operator.next(ListenEvent.TYPING) == (ticket.ticket_id, "Carl Customer")
        said = await customer.say(ticket.ticket_id, "It burns everything")
        (first,) = await operator.next(ListenEvent.MESSAGE_UPDATED)
        assert first["messageId"] == said.message_id

        accepted = Ticket.model_validate(created)
        assert await operator.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(accepted)) is None
        await eventually(lambda: customer.tickets[ticket.ticket_id].handle_by_id == "op-1")
        reply = Message(ticket_id=ticket.ticket_id, message_id="op-msg-1", content="Unplug it")
        assert (
            await operator.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(reply, "cu-1"))
            is None
        )

        received = await customer.next_message()
        assert received.content == "Unplug it"
        # delivered then read, each announced to the operator
        assert await operator.next(ListenEvent.MESSAGE_STATUS_UPDATED) == ("op-msg-1", 2)
        assert await operator.next(ListenEvent.MESSAGE_STATUS_UPDATED) == ("op-msg-1", 3)
        # ... and the customer answers, typing first, addressed to the handler now
        await operator.next(ListenEvent.TYPING)
        (answer,) = await operator.next(ListenEvent.MESSAGE_UPDATED)
        assert answer["senderId"] == "cu-1" and answer["recipientId"] == "op-1"
        stored = server.store.get_message("op-msg-1")
        assert stored is not None and stored.status_id == MessageStatus.READ
    finally:
        await customer.close()
        await operator.close()


async def test_swarm_opens_initial_tickets_then_closes_every_socket(server: RunningServer) -> None:
    operator = Peer()
    stop = asyncio.Event()
    await operator.login(server.url, "op1", "op1pass", operator=True)
    swarm = asyncio.create_task(
        run_customer_swarm(
            server.url, 2, pace=1000.0, stop=stop, initial_tickets=3, new_ticket_every=(1e6, 1e6)
        )
    )
    try:
        owners = [(await operator.next(ListenEvent.TICKET_CREATED))[0]["ownerId"] for _ in range(3)]
        assert sorted(owners) == ["cu-1", "cu-1", "cu-2"]
        for _ in range(3):
            (message,) = await operator.next(ListenEvent.MESSAGE_UPDATED)
            assert message["content"]
    finally:
        stop.set()
        await asyncio.wait_for(swarm, WAIT)
        await eventually(lambda: server.connected_users() == ["op-1"])
        await operator.close()


async def test_robot_hijacks_a_ticket_op1_handles_then_hands_it_back(server: RunningServer) -> None:
    customer, op1 = Peer(), Peer()
    robot = OperatorRobot(server.url)
    try:
        await customer.login(server.url, "cu1", "cu1pass", operator=False)
        await op1.login(server.url, "op1", "op1pass", operator=True)
        ticket = Ticket(ticket_id="t-robot", ticket_nm="Robot food")
        assert await customer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket)) is None
        assert await op1.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket)) is None
        await robot.connect()
        await eventually(lambda: robot.tickets.get("t-robot") is not None)

        assert await robot.act_once() == "t-robot"  # only op-1's ticket: a hijack
        assert await op1.next(ListenEvent.NOTIFY_OF_ASSIGNMENT) == ("t-robot", 0, "Robot food")
        (greeting,) = await customer.next(ListenEvent.MESSAGE_UPDATED)
        assert greeting["senderId"] == "op-2"
        await eventually(lambda: robot.tickets["t-robot"].handle_by_id == "op-2")

        assert await robot.act_once() == "t-robot"  # only its own ticket: a hand-back
        assert await op1.next(ListenEvent.NOTIFY_OF_ASSIGNMENT) == ("t-robot", 1, "Robot food")
        stored = server.store.get_ticket("t-robot")
        assert stored is not None and stored.handle_by_id == "op-1"
    finally:
        await robot.close()
        await customer.close()
        await op1.close()


async def test_demo_population_runs_customers_and_robot_until_stopped(
    server: RunningServer,
) -> None:
    operator = Peer()
    stop = asyncio.Event()
    await operator.login(server.url, "op1", "op1pass", operator=True)
    population = asyncio.create_task(
        run_demo_population(server.url, pace=1000.0, stop=stop, seed=7)
    )
    try:
        for _ in range(4):
            await operator.next(ListenEvent.TICKET_CREATED)
        await eventually(lambda: "op-2" in server.connected_users())
    finally:
        stop.set()
        await asyncio.wait_for(population, WAIT)
        await eventually(lambda: server.connected_users() == ["op-1"])
        await operator.close()


async def _swarm_tickets(seed: int) -> list[tuple[str, str, str]]:
    async with running_server() as fresh:
        operator = Peer()
        stop = asyncio.Event()
        await operator.login(fresh.url, "op1", "op1pass", operator=True)
        swarm = asyncio.create_task(
            run_customer_swarm(
                fresh.url,
                3,
                1000.0,
                stop,
                initial_tickets=3,
                new_ticket_every=(1e6, 1e6),
                seed=seed,
            )
        )
        try:
            created = [(await operator.next(ListenEvent.TICKET_CREATED))[0] for _ in range(3)]
        finally:
            stop.set()
            await asyncio.wait_for(swarm, WAIT)
            await operator.close()
    return sorted((t["ticketId"], t["ownerId"], t["ticketNm"]) for t in created)


async def test_a_seeded_swarm_makes_the_same_tickets_every_time() -> None:
    first, again, other = await _swarm_tickets(5), await _swarm_tickets(5), await _swarm_tickets(6)
    assert first == again
    assert [t[0] for t in first] != [t[0] for t in other]
