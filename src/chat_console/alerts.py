"""What reaches an operator who is looking elsewhere: which alerts are on, when it is quiet, which
waiting tickets are due a reminder, and the terminal's desktop-notification sequences.

Desktop notifications travel as OSC strings, so they work over ssh: anything put inside one (a
customer's name) loses every control character, both terminators (BEL and ESC, and C1 ST) and
`;`, which separates an OSC's fields: a customer cannot end the sequence early and write their own.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum


class Desktop(StrEnum):
    OFF = "off"
    OSC9 = "osc9"  # iTerm2, WezTerm, Windows Terminal, ConEmu: a body only
    OSC777 = "osc777"  # rxvt-unicode, foot, Ghostty, VTE terminals: title and body
    OSC99 = "osc99"  # kitty: title and body


class Kind(StrEnum):
    NEW_TICKET = "new ticket"
    ASSIGNED_TO_ME = "assigned to you"
    REMINDER = "waiting"
    OTHER = "other"  # rings, but has no switch of its own (a customer wrote on a closed ticket)


OSC_TEXT_CHARS = 200  # a notification is a glance, not the message
_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> "QuietHours | None":
        """`"22:00-07:00"` (may wrap past midnight); "" is none; anything else a ValueError."""
        if not text.strip():
            return None
        match = _QUIET.match(text)
        if match is None:
            raise ValueError('must be "HH:MM-HH:MM", e.g. "22:00-07:00"')
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError("hours go to 23, minutes to 59")
        return cls(time(h1, m1), time(h2, m2))

    def __contains__(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # over midnight


@dataclass(frozen=True)
class AlertRules:
    desktop: Desktop = Desktop.OFF
    quiet_hours: QuietHours | None = None
    kinds: frozenset[Kind] = frozenset(Kind)  # the kinds switched on
    remind_after: float = 60.0  # seconds a new ticket waits unaccepted before the first reminder
    remind_every: float = 60.0  # ... and between two reminders while it still waits

    def rings(self, kind: Kind, local_now: datetime) -> bool:
        if kind not in self.kinds:
            return False
        return self.quiet_hours is None or local_now.time() not in self.quiet_hours


@dataclass
class Reminders:
    """Which new tickets have waited long enough for a reminder now (each at most every
    `remind_every`); a ticket accepted or gone is forgotten."""

    remind_after: float
    remind_every: float
    last: dict[str, datetime] = field(default_factory=dict)

    def due(self, waiting: Iterable[tuple[str, datetime]], now: datetime) -> list[str]:
        """`waiting`: each new ticket and since when it has waited."""
        due = []
        still_new = set()
        for ticket_id, since in waiting:
            still_new.add(ticket_id)
            if now - since < timedelta(seconds=self.remind_after):
                continue
            last = self.last.get(ticket_id)
            if last is None or now - last >= timedelta(seconds=self.remind_every):
                self.last[ticket_id] = now
                due.append(ticket_id)
        for ticket_id in set(self.last) - still_new:
            del self.last[ticket_id]
        return due

    def next_due(self, waiting: Iterable[tuple[str, datetime]]) -> datetime | None:
        """The soonest moment `due` will name one of these tickets (None: none waits)."""
        after, every = timedelta(seconds=self.remind_after), timedelta(seconds=self.remind_every)
        moments = []
        for ticket_id, since in waiting:
            last = self.last.get(ticket_id)
            try:
                moments.append(since + after if last is None else max(since + after, last + every))
            except OverflowError:  # a peer's date past the calendar's end: never due
                continue
        return min(moments, default=None)


# Controls (C0, DEL, C1: BEL, ESC and ST among them), bidi overrides, and lone surrogates (which
# no terminal write can encode) go; `;` becomes `,`.
_UNSAFE_IN_OSC: dict[int, str | None] = {
    **dict.fromkeys((*range(0x00, 0x20), *range(0x7F, 0xA0)), None),
    **dict.fromkeys((*range(0x202A, 0x202F), *range(0x2066, 0x206A)), None),
    **dict.fromkeys(range(0xD800, 0xE000), None),
    ord(";"): ",",
}


def osc_safe(text: str) -> str:
    """`text` fit to go inside an OSC string: on one line, without controls, terminators or `;`."""
    flat = " ".join(text.replace("\t", " ").splitlines())
    cleaned = flat.translate(_UNSAFE_IN_OSC).strip()
    return cleaned if len(cleaned) <= OSC_TEXT_CHARS else cleaned[: OSC_TEXT_CHARS - 1] + "…"


def desktop_sequence(desktop: Desktop, title: str, body: str) -> str:
    """The escape sequence that asks the terminal for a desktop notification ("" when off)."""
    title, body = osc_safe(title), osc_safe(body)
    match desktop:
        case Desktop.OSC9:
            return f"\x1b]9;{title}: {body}\x07"
        case Desktop.OSC777:
            return f"\x1b]777;notify;{title};{body}\x07"
        case Desktop.OSC99:  # kitty: the title (d=0: more follows), then the body, one id
            return f"\x1b]99;i=cc:d=0:p=title;{title}\x1b\\\x1b]99;i=cc:d=1:p=body;{body}\x1b\\"
    return ""
