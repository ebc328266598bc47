"""Small pure helpers that turn store values into what the widgets print."""

from datetime import UTC, datetime, tzinfo

from rich.cells import cell_len, split_graphemes

from chat_console.protocol import TicketStatus
from chat_console.store import Tick, TicketRecord, one_line

SHORT_ID = 8  # characters of a ticket id in its short form

STATUS_LABEL = {TicketStatus.NEW: "new", TicketStatus.OPEN: "open", TicketStatus.CLOSED: "closed"}

TICK_GLYPH = {
    Tick.PENDING: "◷ sending…",
    Tick.SENT: "✓",
    Tick.DELIVERED: "✓✓",
    Tick.READ: "✓✓ read",
    Tick.FAILED: "✗ failed",
}


def format_wait(seconds: float) -> str:
    """A compact age: 42s, 3m, 1h05m, 2d03h. Seconds only in the first minute: a clock that
    changes once a minute redraws its row once a minute, not every second (issue 15: over ssh
    the ticking seconds of 30 waiting tickets were most of an idle console's output)."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def wait_label_changes_at(seconds: float) -> float:
    """The waiting time at which `format_wait(seconds)` next reads differently: the next second
    in the first minute, the next minute up to a day, the next hour after that."""
    if seconds < 0:  # shown as 0s until a whole second has gone
        return 1
    step = 1 if seconds < 60 else 60 if seconds < 86_400 else 3_600
    return (seconds // step + 1) * step


def _local(moment: datetime, timezone: tzinfo | None) -> datetime:
    """`moment` in the operator's time zone; in UTC where that would leave the calendar
    (a peer's 9999-12-31T23:59Z is past datetime.max in Tokyo)."""
    try:
        return moment.astimezone(timezone)
    except (OverflowError, ValueError, OSError):
        return moment.astimezone(UTC)


def clock_time(moment: datetime, now: datetime, timezone: tzinfo | None) -> str:
    """A message's time: the hour today, the date too on another day, the year in another year."""
    local, today = _local(moment, timezone), _local(now, timezone).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%b %d %H:%M")
    return f"{local.year:04d}-" + local.strftime("%m-%d %H:%M")  # %Y gives "1" for the year 1


def waiting_seconds(record: TicketRecord, now: datetime) -> float | None:
    if record.waiting_since is None:
        return None
    return (now - record.waiting_since).total_seconds()


def handler_label(record: TicketRecord, operator_id: str) -> str:
    ticket = record.ticket
    if not ticket.handle_by_id:
        return "unassigned"
    if ticket.handle_by_id == operator_id:
        return "you"
    return one_line(ticket.handle_by_nm or ticket.handle_by_id)


def ticket_title(record: TicketRecord) -> str:
    title = one_line(record.ticket.ticket_nm or record.ticket.ticket_id)
    chosen = chosen_name(record)
    return f"{title} “{chosen}”" if chosen else title


def customer_label(record: TicketRecord) -> str:
    """Who the customer is, as the server says (`ownerNm`, else the owner's id): never the
    ticket's `displayNm`, which the customer chooses and could set to anyone's name."""
    ticket = record.ticket
    if ticket.owner_nm or ticket.owner_id:
        return one_line(ticket.owner_nm or ticket.owner_id)
    # A server that names no owner: all there is is the chosen name, quoted as a claim.
    return f"“{one_line(ticket.display_nm)}”" if ticket.display_nm else "unknown customer"


def chosen_name(record: TicketRecord) -> str:
    """The ticket's `displayNm` where it says something the title and the owner do not: shown
    quoted, as the ticket's label, never where the customer's identity is shown."""
    ticket = record.ticket
    label = ticket.display_nm
    if not label or label in (ticket.ticket_nm, ticket.owner_nm):
        return ""
    if not (ticket.owner_nm or ticket.owner_id):
        return ""  # customer_label shows it already, quoted
    return one_line(label)


def short_id(ticket_id: str) -> str:
    """A ticket id's short form: enough to tell two look-alike tickets apart."""
    return "#" + one_line(ticket_id)[:SHORT_ID]


def ticket_label(record: TicketRecord) -> str:
    """How a notice or question names a ticket: whose it is and what it is about."""
    return f"{customer_label(record)} — {ticket_title(record)}"


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by terminal cells; long words are cut. Fast path for short ASCII lines."""
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if len(paragraph) <= width and (paragraph.isascii() or cell_len(paragraph) <= width):
            lines.append(paragraph)
            continue
        line, used = "", 0
        for word in paragraph.split(" "):
            size = cell_len(word)
            gap = 1 if line else 0
            if used + gap + size <= width:
                line, used = line + " " * gap + word, used + gap + size
                continue
            if line:
                lines.append(line)
            if size > width:  # a word longer than the line: cut it
                *heads, word = _cut(word, width)
                lines += heads
                size = cell_len(word)
            line, used = word, size
        lines.append(line)
    return lines


def _cut(word: str, width: int) -> list[str]:
    """`word` in pieces of at most `width` cells, in one pass (a hostile 1 MiB word included).

    Cut between clusters as Rich measures them (a character with what joins it), never inside
    one: measured one code point at a time, an emoji and its VS16 counted one cell, not two."""
    if word.isascii():  # printable ASCII (control characters were replaced): one cell each
        return [word[start : start + width] for start in range(0, len(word), width)]
    clusters, _ = split_graphemes(word)
    pieces, start, used = [], 0, 0
    for begin, _end, cells in clusters:
        if used + cells > width and begin > start:
            pieces.append(word[start:begin])
            start, used = begin, 0
        used += cells
    pieces.append(word[start:])
    return pieces
