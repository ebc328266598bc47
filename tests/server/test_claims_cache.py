"""A socket's token is verified once at `authenticate`; the claims kept for it must still stop
working on the next event once the token expires or is revoked, even where no `unauthenticated`
broadcast reached the socket first (issue 15: the per-socket cache of verified claims)."""

from chat_console.protocol import EmitEvent, ListenEvent, Ticket, emits
from chat_console.server.runner import RunningServer
from tests.helpers import Peer
from tests.server.conftest import open_ticket

NOT_AUTHENTICATED = "not authenticated"


async def accept(peer: Peer, ticket_id: str) -> object:
    return await peer.call(
        EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(Ticket(ticket_id=ticket_id))
    )


async def test_a_revocation_refuses_the_next_event_of_an_authenticated_socket(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    await open_ticket(cu1, "first")
    await open_ticket(cu1, "second")
    assert await accept(op1, "first") is None  # the socket's claims are verified and kept
    server.chat.tokens.revoke("op-1")  # the generation moves; no broadcast to the socket
    assert await accept(op1, "second") == NOT_AUTHENTICATED


async def test_a_replayed_refresh_token_refuses_the_next_event_of_its_login(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    await open_ticket(cu1, "first")
    await open_ticket(cu1, "second")
    tokens = server.chat.tokens
    grant = tokens.issue("op-1")
    await op1.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(grant.access_token))
    await op1.next(ListenEvent.AUTHENTICATED)
    assert await accept(op1, "first") is None
    assert tokens.refresh(grant.refresh_token) is not None
    assert tokens.refresh(grant.refresh_token) is None  # replayed: the login's family is revoked
    assert await accept(op1, "second") == NOT_AUTHENTICATED
