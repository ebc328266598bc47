"""Exponential backoff with proportional jitter for reconnect attempts."""

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    first: float = 1.0
    ceiling: float = 30.0
    jitter: float = 0.25  # ± this fraction, so a fleet of consoles does not reconnect in step
    _attempt: int = field(default=0, init=False)

    def next_delay(self) -> float:
        base = min(self.ceiling, self.first * 2.0**self._attempt)
        self._attempt += 1
        spread = base * self.jitter
        return max(0.0, min(self.ceiling, base + random.uniform(-spread, spread)))

    def reset(self) -> None:
        self._attempt = 0
