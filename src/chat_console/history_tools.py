"""What `chat-console search` prints (and the console's search screen shows) for a match found in
the local history: plain data first (`Match`), then a terminal line made safe with `one_line`, or
a JSON line with the raw text (JSON escapes what a terminal must not get)."""

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from chat_console.store import MessageRecord, Store, one_line


@dataclass(frozen=True)
class Match:
    """One message found, with what a reader needs to place it (untrusted text, raw)."""

    ticket_id: str
    message_id: str
    ticket: str  # the ticket's name, else its id
    customer: str
    sender: str
    at: datetime | None
    text: str  # the whole message
    line: str  # its first line holding a word of the query, else its first line


def find(
    store: Store, query: str, ticket_id: str | None = None, limit: int | None = None
) -> list[Match]:
    words = [_folded(w.strip('"*')) for w in query.split()]
    return [_match(store, record, words) for record in store.search(query, ticket_id, limit)]


def _match(store: Store, record: MessageRecord, words: list[str]) -> Match:
    message = record.message
    ticket = store.ticket(message.ticket_id)
    customer = ""
    name = message.ticket_id
    if ticket is not None:
        t = ticket.ticket
        name = t.ticket_nm or t.display_nm or t.ticket_id
        customer = t.owner_nm or t.display_nm or t.owner_id or ""
    sender = message.sender_nm or message.sender_id or ("you" if record.own else "")
    return Match(
        ticket_id=message.ticket_id,
        message_id=message.message_id,
        ticket=name,
        customer=customer,
        sender=sender,
        at=message.created_at,
        text=message.content,
        line=_matching_line(message.content, words),
    )


def _folded(text: str) -> str:
    """Case and accents set aside, as the index's tokenizer does (remove_diacritics)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _matching_line(text: str, words: list[str]) -> str:
    lines = text.splitlines() or [""]
    for line in lines:
        folded = _folded(line)
        if any(w and w in folded for w in words):
            return line
    return lines[0]


def when(at: datetime | None, timezone: tzinfo | None = None) -> str:
    """Date and minute in `timezone` (the machine's when None); in UTC where that would leave the
    calendar (a peer's 9999-12-31T23:59Z is past datetime.max east of Greenwich)."""
    if at is None:
        return ""
    try:
        at = at.astimezone(timezone)
    except (OverflowError, ValueError, OSError):
        at = at.astimezone(UTC)
    return f"{at:%Y-%m-%d %H:%M}"


def terminal_line(match: Match) -> str:
    """Tab-separated fields, each on one line with every control character shown as a stand-in:
    nothing a customer wrote reaches the shell as a command to the terminal."""
    fields = (match.ticket, match.customer, when(match.at), match.sender, match.line)
    return "\t".join(one_line(field) for field in fields)


def json_line(match: Match) -> str:
    """The match as one JSON object on one line: the raw text, escaped by JSON (ensure_ascii, so
    no escape byte or lone surrogate reaches the terminal as it is)."""
    return json.dumps(
        {
            "ticket_id": match.ticket_id,
            "message_id": match.message_id,
            "ticket": match.ticket,
            "customer": match.customer,
            "time": None if match.at is None else match.at.isoformat(),
            "sender": match.sender,
            "line": match.line,
            "text": match.text,
        }
    )
