"""A conversation from the local history as a file: Markdown, plain text or JSON, oldest first,
with senders, times and delivery state. Images are written as files beside the transcript, which
refers to them by relative path.

Markdown and text are read in terminals and editors: what customers wrote goes through
`safe_text` (control characters become visible stand-ins), and Markdown's own characters are
escaped so a customer cannot make links or headings. JSON keeps the raw text, escaped by JSON.
"""

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from pathlib import Path

from chat_console.history_tools import when
from chat_console.protocol import MessageType
from chat_console.store import MessageRecord, Store, Tick, TicketRecord, one_line, safe_text

_STATE = {
    Tick.FAILED: "failed",
    Tick.PENDING: "not sent yet",
    Tick.SENT: "sent",
    Tick.DELIVERED: "delivered",
    Tick.READ: "read",
}
_MAGIC = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"), (b"RIFF", ".webp"))


class Format(StrEnum):
    MARKDOWN = "markdown"
    TEXT = "text"
    JSON = "json"

    @property
    def suffix(self) -> str:
        return {Format.MARKDOWN: ".md", Format.TEXT: ".txt", Format.JSON: ".json"}[self]


@dataclass(frozen=True)
class Line:
    """One message as every format needs it."""

    message_id: str
    sender: str
    at: str  # ISO 8601, or empty
    state: str
    text: str  # raw; empty for an image
    image: str | None  # path of the saved image, relative to the transcript
    invalid_image: bool  # an image message whose data is not base64: nothing was saved
    error: str | None
    note: bool  # a line the console wrote itself


class NotInHistory(LookupError):
    pass


def images_folder(place: Path, stem: str) -> Path:
    """Where a transcript's images go: `<stem>-images` in `place`, the stem made a safe name."""
    return place / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', stem)[:80]}-images"


def export(
    store: Store,
    ticket_id: str,
    form: Format,
    images: Path,
    relative_to: Path,
    timezone: tzinfo | None = None,
) -> str:
    """The conversation in `form`; its images written into the folder `images` (made only if
    there is one), named in the transcript relative to the folder `relative_to`."""
    record = store.ticket(ticket_id)
    messages = store.whole_conversation(ticket_id)
    if record is None and not messages:
        raise NotInHistory(ticket_id)
    lines = [_line(m, images, relative_to) for m in messages]
    render: Callable[[TicketRecord | None, str, list[Line], tzinfo | None], str] = {
        Format.MARKDOWN: _markdown,
        Format.TEXT: _text,
        Format.JSON: _json,
    }[form]
    return render(record, ticket_id, lines, timezone)


def _line(record: MessageRecord, images: Path, relative_to: Path) -> Line:
    message = record.message
    image, text, is_image = None, message.content, message.type == MessageType.IMAGE
    if is_image:
        image, text = _save_image(record, images, relative_to), ""
    state = _STATE[record.tick] if record.own else "received"
    return Line(
        message_id=message.message_id,
        sender="console" if record.note else (message.sender_nm or message.sender_id or "?"),
        at="" if message.created_at is None else message.created_at.isoformat(),
        state=state,
        text=text,
        image=image,
        invalid_image=is_image and image is None,
        error=record.error,
        note=record.note,
    )


def _save_image(record: MessageRecord, folder: Path, relative_to: Path) -> str | None:
    """The image's file, named after the message (only the id's safe characters), or None when
    its data is not base64."""
    try:
        data = base64.b64decode(record.message.content, validate=True)
    except (binascii.Error, ValueError):
        return None
    suffix = next((s for magic, s in _MAGIC if data.startswith(magic)), ".bin")
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "", record.message_id)[:64] or "unnamed"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe_id}{suffix}"
    path.write_bytes(data)
    try:
        return str(path.relative_to(relative_to))
    except ValueError:
        return str(path)


def _title(record: TicketRecord | None, ticket_id: str) -> tuple[str, str]:
    if record is None:
        return ticket_id, ""
    t = record.ticket
    return (
        t.ticket_nm or t.display_nm or ticket_id,
        t.owner_nm or t.display_nm or t.owner_id or "",
    )


def _local(at: str, timezone: tzinfo | None) -> str:
    return when(datetime.fromisoformat(at), timezone) if at else ""


def _body(line: Line) -> str:
    if line.image:
        return f"[image: {line.image}]"
    return "[image: invalid data]" if line.invalid_image else safe_text(line.text)


def _text(
    record: TicketRecord | None, ticket_id: str, lines: list[Line], timezone: tzinfo | None
) -> str:
    name, customer = _title(record, ticket_id)
    out = [f"{one_line(name)} ({one_line(ticket_id)})", f"customer: {one_line(customer)}", ""]
    for line in lines:
        head = f"[{_local(line.at, timezone)}] {one_line(line.sender)}"
        out.append(head if line.note else f"{head} ({line.state})")
        if line.error:
            out.append(f"    error: {one_line(line.error)}")
        out += ["    " + part for part in _body(line).split("\n")]
    return "\n".join(out) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")


def _md(text: str) -> str:
    """Text that Markdown shows as it is: no link, heading, emphasis or HTML of a customer's."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _markdown(
    record: TicketRecord | None, ticket_id: str, lines: list[Line], timezone: tzinfo | None
) -> str:
    name, customer = _title(record, ticket_id)
    out = [
        f"# {_md(one_line(name))}",
        "",
        f"- ticket: `{one_line(ticket_id).replace('`', '')}`",
        f"- customer: {_md(one_line(customer))}",
        "",
    ]
    for line in lines:
        when_ = _local(line.at, timezone)
        if line.note:
            out += [f"*{_md(safe_text(line.text))}* ({when_})", ""]
            continue
        out.append(f"**{_md(one_line(line.sender))}** · {when_} · {line.state}")
        if line.error:
            out.append(f"  error: {_md(one_line(line.error))}")
        out.append("")
        if line.image:
            out.append(f"![image]({line.image.replace(' ', '%20')})")
        else:
            out += ["> " + _md(part) if part else ">" for part in _body(line).split("\n")]
        out.append("")
    return "\n".join(out)


def _json(
    record: TicketRecord | None, ticket_id: str, lines: list[Line], timezone: tzinfo | None
) -> str:
    name, customer = _title(record, ticket_id)
    document = {
        "ticket_id": ticket_id,
        "ticket": name,
        "customer": customer,
        "messages": [
            {
                "message_id": line.message_id,
                "time": line.at or None,
                "sender": line.sender,
                "state": "console" if line.note else line.state,
                "text": line.text,
                "image": line.image,
                "error": line.error,
            }
            for line in lines
        ],
    }
    return json.dumps(document, indent=2) + "\n"
