"""Transport section of PROTOCOL.md: authenticate first, `authenticated`/`unauthenticated`,
the drop of silent sockets, expiry and revocation mid-session, subscribe rules."""

import aiohttp
import pytest

from chat_console.protocol import EmitEvent, ListenEvent, Ticket, User, emits
from chat_console.server.runner import RunningServer, running_server
from tests.helpers import Peer, eventually, fetch_token, whoami
from tests.server.conftest import open_ticket


async def test_events_before_authenticate_are_refused_with_not_authenticated(
    server: RunningServer,
) -> None:
    peer = Peer()
    await peer.connect(server.url)
    try:
        ticket = Ticket(ticket_id="early", ticket_nm="x")
        ack = await peer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket))
        assert ack == "not authenticated"
        assert server.store.get_ticket("early") is None
    finally:
        await peer.close()


async def test_subscribe_before_authenticate_is_ignored(server: RunningServer, cu1: Peer) -> None:
    early = Peer()
    await early.connect(server.url)
    try:
        await early.sio.emit(EmitEvent.SUBSCRIBE_OPERATOR)
        await early.sio.emit(
            EmitEvent.AUTHENTICATE,
            emits.authenticate(await fetch_token(server.url, "op1", "op1pass")),
        )
        await early.next(ListenEvent.AUTHENTICATED)
        await open_ticket(cu1)
        await early.roundtrip()
        assert early.seen(ListenEvent.TICKET_CREATED) == []
    finally:
        await early.close()


async def test_authenticate_answers_authenticated_true(server: RunningServer) -> None:
    peer = Peer()
    await peer.connect(server.url)
    try:
        token = await fetch_token(server.url, "cu1", "cu1pass")
        await peer.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
        assert await peer.next(ListenEvent.AUTHENTICATED) == (True,)
    finally:
        await peer.close()


async def test_bad_token_gets_unauthenticated_and_the_socket_may_retry(
    server: RunningServer,
) -> None:
    peer = Peer()
    await peer.connect(server.url)
    try:
        await peer.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate("not-a-token"))
        (payload,) = await peer.next(ListenEvent.UNAUTHENTICATED)
        assert isinstance(payload["message"], str) and payload["message"]
        await peer.sio.emit(EmitEvent.AUTHENTICATE, {"no": "token"})
        await peer.next(ListenEvent.UNAUTHENTICATED)
        token = await fetch_token(server.url, "cu1", "cu1pass")
        await peer.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
        await peer.next(ListenEvent.AUTHENTICATED)
        assert peer.sio.connected
    finally:
        await peer.close()


async def test_socket_that_never_authenticates_is_dropped_after_the_timeout() -> None:
    async with running_server(auth_timeout=0.2) as server:
        silent, talker = Peer(), Peer()
        try:
            await silent.connect(server.url)
            await talker.login(server.url, "op1", "op1pass", operator=True)
            await eventually(lambda: not silent.sio.connected)
            # the authenticated socket outlives the timeout
            await talker.roundtrip()
            assert talker.sio.connected
        finally:
            await silent.close()
            await talker.close()


async def test_expired_token_mid_session_hears_unauthenticated() -> None:
    async with running_server(token_ttl=0.3) as server:
        peer = Peer()
        try:
            await peer.login(server.url, "op1", "op1pass", operator=True)
            await peer.next(ListenEvent.UNAUTHENTICATED)
            ticket = Ticket(ticket_id="late", ticket_nm="x")
            ack = await peer.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket))
            assert ack == "not authenticated"
        finally:
            await peer.close()


async def test_revoke_tokens_unauthenticates_sockets_and_stops_tokens(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    old_token = await fetch_token(server.url, "op1", "op1pass")
    server.revoke_tokens("op-1")
    await op1.next(ListenEvent.UNAUTHENTICATED)
    # the socket left the operators' channel: a new ticket does not reach it
    await open_ticket(cu1, "after-revoke")
    await op1.roundtrip()
    assert op1.seen(ListenEvent.TICKET_CREATED) == []
    # the old token is dead over HTTP too; other users are untouched
    with pytest.raises(aiohttp.ClientResponseError) as refused:
        await whoami(server.url, old_token)
    assert refused.value.status == 401
    await open_ticket(cu1, "still-works")
    # a new token brings the socket back
    fresh = await fetch_token(server.url, "op1", "op1pass")
    await op1.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(fresh))
    await op1.next(ListenEvent.AUTHENTICATED)
    await op1.sio.emit(EmitEvent.SUBSCRIBE_OPERATOR)
    await open_ticket(cu1, "after-reauth")
    (created,) = await op1.next(ListenEvent.TICKET_CREATED)
    assert created["ticketId"] == "after-reauth"


async def test_subscribe_with_another_users_id_is_ignored(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    intruder = Peer()
    try:
        await intruder.connect(server.url)
        token = await fetch_token(server.url, "cu2", "cu2pass")
        await intruder.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
        await intruder.next(ListenEvent.AUTHENTICATED)
        await intruder.sio.emit(EmitEvent.SUBSCRIBE, emits.subscribe(User(user_id="cu-1")))
        ticket = await open_ticket(cu1)
        ticket = ticket.model_copy(update={"owner_id": "cu-1"})
        assert await op1.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket)) is None
        await cu1.next(ListenEvent.TICKET_ACCEPTED)
        await intruder.roundtrip()
        assert intruder.seen(ListenEvent.TICKET_ACCEPTED) == []
    finally:
        await intruder.close()


async def test_subscribe_operator_is_for_operators_only(server: RunningServer, cu1: Peer) -> None:
    await cu1.sio.emit(EmitEvent.SUBSCRIBE_OPERATOR)
    await open_ticket(cu1)
    await cu1.roundtrip()
    assert cu1.seen(ListenEvent.TICKET_CREATED) == []


async def test_unsubscribe_operator_stops_operator_events(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    await op1.sio.emit(EmitEvent.UNSUBSCRIBE_OPERATOR)
    await open_ticket(cu1)
    await op1.roundtrip()
    assert op1.seen(ListenEvent.TICKET_CREATED) == []


async def test_unknown_event_is_refused_by_ack(op1: Peer) -> None:
    assert await op1.call("launchRockets", 1) == "unknown event 'launchRockets'"


async def test_unsubscribe_stops_events_for_the_users_channel(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await cu1.sio.emit(EmitEvent.UNSUBSCRIBE, emits.unsubscribe(User(user_id="cu-1")))
    owned = ticket.model_copy(update={"owner_id": "cu-1"})
    assert await op1.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(owned)) is None
    await cu1.roundtrip()
    assert cu1.seen(ListenEvent.TICKET_ACCEPTED) == []
