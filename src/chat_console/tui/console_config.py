"""What the console needs from the settings, as one plain value.

Tests and the demo build it directly; the CLI builds it from `Settings`.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from chat_console.alerts import AlertRules, Kind, QuietHours
from chat_console.protocol import User
from chat_console.replies import replies_folder

if TYPE_CHECKING:
    from chat_console.config import Settings


@dataclass(frozen=True)
class OperatorChoice:
    id: str
    name: str = ""


@dataclass(frozen=True)
class ConsoleConfig:
    user: User
    server_host: str = ""
    wait_warning: float = 60.0  # seconds a customer waits before the queue shows amber
    wait_alert: float = 300.0  # ... and red
    operators: tuple[OperatorChoice, ...] = ()
    keymap: dict[str, str] = field(default_factory=dict)
    verify_tls: bool = True  # False: the status bar warns, permanently
    replies_dir: Path | None = None  # canned replies, one file each (none: no folder)
    alerts: AlertRules = field(default_factory=AlertRules)

    @property
    def operator_id(self) -> str:
        return self.user.user_id

    @property
    def operator_name(self) -> str:
        return self.user.full_nm or self.user.user_id

    @classmethod
    def from_settings(cls, settings: "Settings") -> "ConsoleConfig":
        op = settings.operator
        return cls(
            user=User(
                user_id=op.user_id, full_nm=op.full_name or None, program_id=op.program_id or None
            ),
            server_host=urlsplit(settings.server.url).netloc,
            wait_warning=settings.ui.wait_warning,
            wait_alert=settings.ui.wait_alert,
            operators=tuple(OperatorChoice(o.id, o.name) for o in settings.operators),
            keymap=dict(settings.keymap),
            verify_tls=settings.server.verify_tls,
            replies_dir=replies_folder(settings.source, settings.ui.replies_dir),
            alerts=_alert_rules(settings),
        )


def _alert_rules(settings: "Settings") -> AlertRules:
    alerts = settings.alerts
    switches = {
        Kind.NEW_TICKET: alerts.new_ticket,
        Kind.ASSIGNED_TO_ME: alerts.assigned_to_me,
        Kind.REMINDER: alerts.reminder,
        Kind.OTHER: True,
    }
    return AlertRules(
        desktop=alerts.desktop,
        quiet_hours=QuietHours.parse(alerts.quiet_hours),
        kinds=frozenset(kind for kind, on in switches.items() if on),
        remind_after=settings.ui.remind_after,
        remind_every=settings.ui.remind_every,
    )
