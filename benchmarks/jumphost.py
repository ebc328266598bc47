"""The jump host (issue 15): many real consoles on one machine, a day of traffic, CPU and memory.

One reference server (its own process) with an accounts file of CONSOLES operators; each operator
runs `python -m chat_console` on a pseudo-terminal of its own (120x40), with its own config,
history and home in a temporary folder. `child_day` plays the customers and, for every operator,
a second socket that accepts the tickets given to them, replies and closes (so the console
receives what a busy operator's does: new tickets, first messages, its customers' messages, the
receipts of the replies, tickets accepted and closed). Then:
- start: every console logged in, idle for a while (no ticket yet); then the first tickets;
- steady: a message per console every STEADY_EVERY seconds (real time): the consoles' CPU;
- the day: the rest of DAY messages over TICKETS tickets, time-compressed, RSS sampled half way
  and at the end;
- a second round, alone: one console whose history holds HISTORY tickets, idle: CPU and RSS.
"""

import asyncio
import contextlib
import secrets
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.processes import Child, child, cpu_seconds, pss_mb, rss_mb, server_process
from benchmarks.terminal_bytes import Terminal, start_on_a_pty
from chat_console.protocol import Message, Ticket, TicketStatus, now_utc
from chat_console.protocol.inbound import MessageUpdated, TicketCreated
from chat_console.store.history import history_file
from chat_console.store.store import Store

STEADY_EVERY = 3.0  # seconds between two messages for one console: "every few seconds"
START_WAIT = 120.0  # seconds for every console to be up (20 start at once on 2 cores)
OPEN_AT_ONCE = 2  # tickets each operator has open at a time
HISTORY_MESSAGES = 5  # per ticket of the idle round's history
ONLINE = "● online".encode()  # the status bar, once logged in and subscribed


@dataclass(frozen=True)
class Plan:
    consoles: int
    tickets: int
    messages: int
    day_rate: float  # messages a second, the compressed day
    steady_seconds: float
    idle_seconds: float
    history_tickets: int
    settle: float = 8.0  # seconds: the first frames, the resync, the start-up notices' timeout


SIZES = {
    "full": Plan(20, 300, 20_000, 150.0, 30.0, 30.0, 1000),
    "quick": Plan(20, 60, 4_000, 120.0, 15.0, 10.0, 1000),
    "tiny": Plan(2, 6, 120, 60.0, 2.0, 2.0, 50, settle=1.0),  # it runs, nothing more
}


@dataclass
class Spread:
    median: float
    max: float


def spread(values: list[float]) -> Spread:
    return Spread(statistics.median(values), max(values))


@dataclass
class JumpHost:
    consoles: int
    steady_rate: float  # messages a second in the steady phase
    steady_cores: float  # CPU of all the consoles together, in cores
    idle_percent: Spread  # per console, 20 consoles before traffic, % of a core
    day_cores: float  # all the consoles, during the compressed day
    day_rate: float  # messages a second the day achieved
    day_messages: int
    day_failed: int
    rss_start: Spread
    rss_mid: Spread
    rss_end: Spread
    growth: Spread  # end - start, per console
    pss_end: Spread
    history_tickets: int
    history_idle_percent: float
    history_rss: float


@dataclass
class Console:
    process: asyncio.subprocess.Process
    screen: Terminal

    @property
    def pid(self) -> int:
        return self.process.pid


def _operators(count: int) -> list[tuple[str, str, str, str]]:
    """(username, password, user_id, full name) of each operator; passwords made for the run."""
    return [
        (f"op{n}", secrets.token_hex(12), f"op-{n}", f"Operator {n}") for n in range(1, count + 1)
    ]


def _accounts_file(folder: Path, operators: list[tuple[str, str, str, str]]) -> Path:
    """`chat-console serve --accounts` format: the operators, and as many customers."""
    lines = []
    for section, people in (
        ("operators", operators),
        (
            "customers",
            [
                (f"cu{n}", secrets.token_hex(12), f"cu-{n}", f"Customer {n}")
                for n in range(1, len(operators) + 1)
            ],
        ),
    ):
        for username, password, user_id, name in people:
            lines += [
                f"[[{section}]]",
                f'username = "{username}"',
                f'password = "{password}"',
                f'user_id = "{user_id}"',
                f'full_name = "{name}"',
                "",
            ]
    path = folder / "accounts.toml"
    path.write_text("\n".join(lines))
    path.chmod(0o600)
    return path


def _config(home: Path, url: str, operator: tuple[str, str, str, str]) -> Path:
    username, password, user_id, name = operator
    config = home / "config.toml"
    config.write_text(
        f'[server]\nurl = "{url}"\n'
        f'[auth]\ntoken_url = "{url}/oauth/token"\nclient_id = "chat-console"\n'
        f'username = "{username}"\npassword_command = "echo {password}"\n'
        f'[operator]\nuser_id = "{user_id}"\nfull_name = "{name}"\n'
    )
    config.chmod(0o600)
    return config


async def _start(home: Path, url: str, operator: tuple[str, str, str, str]) -> Console:
    return Console(*await start_on_a_pty(_config(home, url, operator), home))


async def _stop(console: Console) -> None:
    with contextlib.suppress(OSError):
        console.screen.type(b"\x11")  # ctrl+q
    try:
        await asyncio.wait_for(console.process.wait(), 15)
    except TimeoutError:
        console.process.kill()
        await console.process.wait()
    console.screen.close()


@asynccontextmanager
async def consoles_on_ptys(
    folder: Path, url: str, operators: list[tuple[str, str, str, str]]
) -> AsyncIterator[list[Console]]:
    started: list[Console] = []
    try:
        for operator in operators:
            home = folder / operator[0]
            home.mkdir(parents=True, exist_ok=True)
            started.append(await _start(home, url, operator))
        yield started
    finally:
        await asyncio.gather(*(_stop(c) for c in started), return_exceptions=True)


def _cpu(consoles: list[Console]) -> list[float]:
    return [cpu_seconds(c.pid) for c in consoles]


def _rss(consoles: list[Console]) -> list[float]:
    return [rss_mb(c.pid) for c in consoles]


@dataclass
class Metered:
    """CPU seconds of each console over a span, and the span's length."""

    cpu: list[float]
    seconds: float

    @property
    def cores(self) -> float:
        return sum(self.cpu) / self.seconds

    def percent_each(self) -> list[float]:
        return [100 * cpu / self.seconds for cpu in self.cpu]


async def _metered(consoles: list[Console], work: Awaitable[object]) -> Metered:
    loop = asyncio.get_running_loop()
    before, started = _cpu(consoles), loop.time()
    await work
    after = _cpu(consoles)
    return Metered([a - b for a, b in zip(after, before, strict=True)], loop.time() - started)


@dataclass
class Day:
    rss_start: list[float]
    idle: Metered
    steady: Metered
    steady_rate: float
    first: Metered
    rss_mid: list[float]
    second: Metered
    rss_end: list[float]
    pss_end: list[float]
    messages: int  # the whole day's, sent and acked
    compressed: int  # of those, in the compressed part
    failed: int


class Driver:
    """The day's child, one command at a time."""

    def __init__(self, day: Child) -> None:
        self.day = day
        self.sent = 0
        self.failed = 0

    async def do(self, within: float, **command: object) -> None:
        await self.day.send(**command)
        report = await self.day.read(within=within)
        self.sent += int(report["sent"])
        self.failed = int(report["failed"])

    async def run(self, messages: int, rate: float) -> None:
        await self.do(60 + 4 * messages / rate, do="run", messages=messages, rate=rate)


async def _the_day(url: str, accounts: Path, plan: Plan, consoles: list[Console]) -> Day:
    async with child("child_day", url, str(accounts), str(plan.tickets), str(plan.messages)) as day:
        await day.read(within=START_WAIT)
        driver = Driver(day)
        await asyncio.gather(*(c.screen.until(ONLINE, START_WAIT) for c in consoles))
        await asyncio.sleep(plan.settle)
        # Idle before any ticket: a new ticket's waiting time counts seconds for its first
        # minute, which is the terminal section's figure, not idling.
        idle = await _metered(consoles, asyncio.sleep(plan.idle_seconds / 2))
        opened = min(plan.tickets, OPEN_AT_ONCE * plan.consoles)
        await driver.do(START_WAIT, do="open", count=opened)
        await asyncio.sleep(plan.settle)
        rss_start = _rss(consoles)
        steady_rate = plan.consoles / STEADY_EVERY
        steady_messages = max(1, round(steady_rate * plan.steady_seconds))
        steady = await _metered(consoles, driver.run(steady_messages, steady_rate))
        before = driver.sent
        rest = max(2, plan.messages - before)
        first = await _metered(consoles, driver.run(rest // 2, plan.day_rate))
        rss_mid = _rss(consoles)
        second = await _metered(consoles, driver.run(rest - rest // 2, plan.day_rate))
        await asyncio.sleep(plan.settle / 2)  # what the last messages caused is applied
        return Day(
            rss_start=rss_start,
            idle=idle,
            steady=steady,
            steady_rate=steady_rate,
            first=first,
            rss_mid=rss_mid,
            second=second,
            rss_end=_rss(consoles),
            pss_end=[pss_mb(c.pid) for c in consoles],
            messages=driver.sent,
            compressed=driver.sent - before,
            failed=driver.failed,
        )


def _fill_history(path: Path, user_id: str, tickets: int) -> None:
    """Closed tickets of the last days, a few messages each, as a console's file holds them."""
    store = Store(path, operator_id=user_id)
    now = now_utc()
    events: list[TicketCreated | MessageUpdated] = []
    for n in range(tickets):
        at = now - timedelta(days=1, minutes=n)
        ticket_id = f"history-{n}"
        events.append(
            TicketCreated(
                Ticket(
                    ticket_id=ticket_id,
                    ticket_nm=f"Earlier ticket {n}",
                    owner_id=f"cu-old-{n}",
                    owner_nm=f"Earlier customer {n}",
                    handle_by_id=user_id,
                    status_id=TicketStatus.CLOSED,
                    created_at=at,
                )
            )
        )
        for m in range(HISTORY_MESSAGES):
            own = m % 2 == 1
            events.append(
                MessageUpdated(
                    Message(
                        ticket_id=ticket_id,
                        message_id=f"{ticket_id}-{m}",
                        content=f"An earlier conversation, line {m}",
                        sender_id=user_id if own else f"cu-old-{n}",
                        recipient_id=f"cu-old-{n}" if own else user_id,
                        created_at=at + timedelta(seconds=m),
                    )
                )
            )
    store.apply_batch(events)
    store.close()


async def _idle_with_history(
    folder: Path, url: str, operator: tuple[str, str, str, str], plan: Plan
) -> tuple[float, float]:
    """One console alone, its history holding `history_tickets` closed tickets: idle CPU (% of
    a core) and RSS (MB) once it has settled."""
    home = folder / "history-round"
    data = home / operator[0] / "data" / "chat-console"  # where consoles_on_ptys puts its HOME
    _fill_history(
        history_file(operator[2], urlsplit(url).netloc, data), operator[2], plan.history_tickets
    )
    async with consoles_on_ptys(home, url, [operator]) as (console,):
        await console.screen.until(ONLINE, START_WAIT)
        await asyncio.sleep(plan.settle)
        idle = await _metered([console], asyncio.sleep(plan.idle_seconds))
        rss = rss_mb(console.pid)
        console.screen.type(b"vvv")  # the Closed view: the history was read, not a fresh file
        await console.screen.until(b"Earlier ticket", within=30)
        return idle.percent_each()[0], rss


async def run(size: str) -> JumpHost:
    plan = SIZES[size]
    with tempfile.TemporaryDirectory(prefix="bench-jumphost-") as name:
        folder = Path(name)
        operators = _operators(plan.consoles)
        accounts = _accounts_file(folder, operators)
        async with server_process(str(accounts)) as (_, url):
            async with consoles_on_ptys(folder, url, operators) as consoles:
                d = await _the_day(url, accounts, plan, consoles)
            idle_percent, history_rss = await _idle_with_history(folder, url, operators[0], plan)
    day_seconds = d.first.seconds + d.second.seconds
    return JumpHost(
        consoles=plan.consoles,
        steady_rate=d.steady_rate,
        steady_cores=d.steady.cores,
        idle_percent=spread(d.idle.percent_each()),
        day_cores=(sum(d.first.cpu) + sum(d.second.cpu)) / day_seconds,
        day_rate=d.compressed / day_seconds,
        day_messages=d.messages,
        day_failed=d.failed,
        rss_start=spread(d.rss_start),
        rss_mid=spread(d.rss_mid),
        rss_end=spread(d.rss_end),
        growth=spread([b - a for a, b in zip(d.rss_start, d.rss_end, strict=True)]),
        pss_end=spread(d.pss_end),
        history_tickets=plan.history_tickets,
        history_idle_percent=idle_percent,
        history_rss=history_rss,
    )


if __name__ == "__main__":
    print(asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "tiny")))
