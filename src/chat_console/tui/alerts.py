"""The console's alerts: the bell, and a desktop notification through the terminal where asked for,
each as `[alerts]` allows; and the reminder while a new ticket waits for someone to accept it."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from chat_console.alerts import Desktop, Kind, Reminders, desktop_sequence
from chat_console.tui.formatting import customer_label

if TYPE_CHECKING:
    from chat_console.tui.app import ConsoleApp


class Alerter:
    def __init__(self, app: "ConsoleApp") -> None:
        self.app = app
        self.rules = app.config.alerts
        self.reminders = Reminders(self.rules.remind_after, self.rules.remind_every)

    def alert(self, kind: Kind, ticket_ids: Iterable[str] = ()) -> bool:
        """Ring for `kind` about these tickets, unless switched off or in quiet hours."""
        local_now = self.app.clock().astimezone(self.app.timezone)  # None: the machine's
        if not self.rules.rings(kind, local_now):
            return False
        self.app.bell()
        if self.rules.desktop is not Desktop.OFF:
            self._desktop(kind, list(ticket_ids))
        return True

    def _desktop(self, kind: Kind, ticket_ids: list[str]) -> None:
        records = [r for r in map(self.app.store.ticket, ticket_ids) if r is not None]
        if not records:
            return
        names = ", ".join(customer_label(r) for r in records[:3])  # the server's name, not chosen
        more = f" and {len(records) - 3} more" if len(records) > 3 else ""
        body = f"{kind.value}: {names}{more}"
        sequence = desktop_sequence(self.rules.desktop, "chat-console", body)
        driver = self.app._driver  # Textual has no public write of a raw sequence (bell and
        if driver is not None:  # copy_to_clipboard use the driver the same way)
            driver.write(sequence)

    def remind(self) -> None:
        """Ring while the longest-waiting new ticket has waited too long, again every
        `remind_every` (the oldest only). Called when the console's clock wakes: at the latest
        at `next_due`."""
        due = self.reminders.due(self._oldest_waiting(), self.app.clock())
        if due:
            self.alert(Kind.REMINDER, due)

    def next_due(self) -> datetime | None:
        """When `remind` rings next (or would, but for quiet hours); None while no new ticket
        waits or reminders are off."""
        if Kind.REMINDER not in self.rules.kinds:
            return None
        return self.reminders.next_due(self._oldest_waiting())

    def _oldest_waiting(self) -> list[tuple[str, datetime]]:
        store = self.app.store
        oldest = store.oldest_new()
        record = store.ticket(oldest) if oldest else None
        since = record.waiting_since or record.last_activity if record else None
        return [(record.ticket_id, since)] if record and since else []
