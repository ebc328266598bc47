"""`python -m benchmarks [--quick | --tiny] [--output PATH]`: every benchmark, one table.

Full size (for RESULTS.md) takes a few minutes; --quick is sized for CI on a 2-core machine;
--tiny only proves that everything runs (the smoke test). Every comparison is a ratio of two
figures measured in the same run, because the machine is shared and noisy.
"""

import argparse
import asyncio
import json
import math
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    burst,
    drain,
    ingest,
    latency,
    machine,
    resync,
    scale,
    search,
    server_relay,
    startup,
    terminal_bytes,
)
from benchmarks.strict import PYTHON

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Size:
    name: str
    ingest_messages: int
    ingest_rounds: int
    latency_seconds: float
    scale_tickets: int
    scale_messages: int
    scale_presses: int
    startup_runs: int
    relay_customers: tuple[int, ...]
    relay_seconds: float
    chaos_restarts: int
    chaos_messages: int
    burst_tickets: int
    burst_mib: int
    drain_messages: int
    bytes_idle_seconds: float
    bytes_messages: int
    bytes_flood_seconds: float


FULL = Size(
    "full",
    5000,
    3,
    10.0,
    10_000,
    100_000,
    100,
    7,
    (50, 200),
    10.0,
    20,
    2000,
    10_000,
    100,
    1000,
    20.0,
    20,
    5.0,
)
QUICK = Size(
    "quick",
    1500,
    1,
    3.0,
    2_000,
    20_000,
    30,
    3,
    (50, 200),
    3.0,
    3,
    200,
    10_000,
    20,
    1000,
    10.0,
    10,
    3.0,
)
TINY = Size("tiny", 100, 1, 1.0, 50, 500, 4, 1, (5, 10), 1.0, 1, 20, 200, 2, 50, 2.0, 3, 1.0)


@dataclass(frozen=True)
class Row:
    section: str
    measure: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None  # None: no target on this row

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("met" if self.met else "MISSED")


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"  # two decimals: 16.04 against a target of 16 must not read as 16.0


def ingest_rows(size: Size) -> list[Row]:
    r = asyncio.run(ingest.run(size.ingest_messages, size.ingest_rounds))
    # The console's CPU per message times the bare client's rate: below 1 core, the console
    # itself could keep up with what the server sends a client that confirms as it does.
    needed = r.console.receiver_cpu_ms_per_1k / 1e6 * r.bare.rate
    return [
        Row("Ingest", "bare python-socketio client (with receipts)", r.bare.rate, "msg/s"),
        Row(
            "Ingest", "bare client without receipts (the server's ceiling)", r.ceiling.rate, "msg/s"
        ),
        Row("Ingest", "console (client + store + app)", r.console.rate, "msg/s"),
        Row("Ingest", "console / bare (with receipts)", r.ratio, "ratio", ">= 0.9", r.ratio >= 0.9),
        Row("Ingest", "console without the app (client + store)", r.no_tui.rate, "msg/s"),
        Row(
            "Ingest",
            "bare (with receipts): receiver CPU",
            r.bare.receiver_cpu_ms_per_1k,
            "ms/1k msg",
        ),
        Row(
            "Ingest",
            "bare without receipts: receiver CPU",
            r.ceiling.receiver_cpu_ms_per_1k,
            "ms/1k msg",
        ),
        Row("Ingest", "console: receiver CPU", r.console.receiver_cpu_ms_per_1k, "ms/1k msg"),
        Row(
            "Ingest",
            "console CPU / bare CPU (with receipts)",
            r.cpu_ratio,
            "ratio",
            "<= 2",
            r.cpu_ratio <= 2,
        ),
        Row("Ingest", "console CPU at the bare rate", needed, "cores"),
        Row("Ingest", "server busy, bare round (with receipts)", r.bare.server_busy, "cores"),
        Row("Ingest", "server busy, console round", r.console.server_busy, "cores"),
    ]


def latency_rows(size: Size) -> list[Row]:
    rows = []
    for r in asyncio.run(latency.run((0, 50, 200), size.latency_seconds)):
        rows.append(Row("Latency", f"emit -> screen p50 @ {r.rate} msg/s", r.p50_ms, "ms"))
        target = r.rate == 200
        rows.append(
            Row(
                "Latency",
                f"emit -> screen p99 @ {r.rate} msg/s",
                r.p99_ms,
                "ms",
                "<= 50" if target else "",
                r.p99_ms <= 50 if target else None,
            )
        )
    return rows


def scale_rows(size: Size) -> list[Row]:
    f = asyncio.run(scale.run(size.scale_tickets, size.scale_messages, size.scale_presses))
    what = f"{size.scale_tickets:,} tickets, {size.scale_messages:,} messages"
    rows = [
        Row("Scale", f"load store ({what})", f["load_s"] * 1000, "ms"),
        Row("Scale", "process start -> first frame", f["first_frame_s"] * 1000, "ms"),
        Row("Scale", "open the big conversation", f["open_conversation_ms"], "ms"),
        Row("Scale", "first keys after focusing a pane (max)", f["first_keys_max_ms"], "ms"),
    ]
    for key, label in (
        ("queue_move", "queue: cursor move"),
        ("queue_page", "queue: page down/up"),
        ("transcript_move", "transcript: line scroll"),
        ("transcript_page", "transcript: page up/down"),
    ):
        rows.append(Row("Scale", f"{label} p50", f[key]["p50"], "ms"))
        p99 = f[key]["p99"]
        rows.append(Row("Scale", f"{label} p99", p99, "ms", "<= 16", p99 <= 16))
    rss = f["peak_rss_mb"]
    rows.append(Row("Scale", "peak RSS", rss, "MB", "<= 250", rss <= 250))
    return rows


def burst_rows(size: Size) -> list[Row]:
    f = asyncio.run(burst.run(size.burst_tickets, size.burst_mib))
    keys = f["burst_keys"]
    tickets, mib = f"{size.burst_tickets:,}", size.burst_mib
    # The files' bound: one ticket's history (64 MiB by default) and what SQLite keeps free.
    disk_bound = 96
    return [
        Row(
            "Burst",
            f"{tickets} new tickets: applied and drawn",
            f["burst_s"] * 1000,
            "ms",
            "<= 2000",
            f["burst_s"] <= 2,
        ),
        Row("Burst", f"key latency during the burst p50 ({keys['n']} keys)", keys["p50"], "ms"),
        Row(
            "Burst",
            "key latency during the burst max",
            keys["max"],
            "ms",
            "<= 100",
            keys["max"] <= 100,
        ),
        Row("Burst", "RSS before", f["rss_before_mb"], "MB"),
        Row("Burst", f"RSS after {mib} MiB from one customer", f["rss_after_mb"], "MB"),
        Row("Burst", "peak RSS", f["peak_rss_mb"], "MB", "<= 250", f["peak_rss_mb"] <= 250),
        Row(
            "Burst",
            f"disk after {mib} MiB (history, WAL, log)",
            f["disk_mb"],
            "MB",
            f"<= {disk_bound}",
            f["disk_mb"] <= disk_bound,
        ),
    ]


def startup_rows(size: Size) -> list[Row]:
    r = startup.run(size.startup_runs)
    return [
        Row("Start-up", "minimal Textual app, same imports", r.minimal_ms, "ms"),
        Row("Start-up", "chat-console", r.console_ms, "ms"),
        Row("Start-up", "chat-console / minimal", r.ratio, "ratio", "<= 1.3", r.ratio <= 1.3),
    ]


def relay_rows(size: Size) -> list[Row]:
    rows = []
    for customers in size.relay_customers:
        r = asyncio.run(server_relay.run(customers, size.relay_seconds))
        rows += [
            Row("Server", f"{customers} customers: relayed", r.relayed_per_s, "msg/s"),
            Row("Server", f"{customers} customers: server CPU", r.server_cpu_s_per_1k, "s/1k msg"),
            Row("Server", f"{customers} customers: server busy", r.server_busy, "cores"),
            Row(
                "Server",
                f"{customers} customers: customers' CPU",
                r.customers_cpu_s_per_1k,
                "s/1k msg",
            ),
        ]
    return rows


def resync_rows(size: Size) -> list[Row]:
    """benchmarks/resync.py (issue 13): a reconnect's resync follows what changed."""
    tickets, lengths = resync.SIZES[size.name]
    short, long = asyncio.run(resync.run(tickets, lengths))
    what = f"{tickets} open tickets, {long.messages:,}-message conversation"
    met = long.since_ms <= resync.TARGET_MS
    ratio = long.since_ms / short.since_ms
    return [
        Row(
            "Resync",
            f"reconnect, since=: {tickets} tickets, {short.messages:,} msgs",
            short.since_ms,
            "ms",
        ),
        Row(
            "Resync",
            f"reconnect, since=: {what}",
            long.since_ms,
            "ms",
            f"<= {resync.TARGET_MS}",
            met,
        ),
        Row(
            "Resync",
            f"reconnect, since=: {long.messages:,} / {short.messages:,} msgs",
            ratio,
            "ratio",
        ),
        Row(
            "Resync",
            f"reconnect, since=: messages fetched ({resync.NEW} new)",
            long.since_fetched,
            "msgs",
        ),
        Row("Resync", f"reconnect, no cursors (newest page each): {what}", long.pages_ms, "ms"),
        Row("Resync", f"first resync (newest page each): {what}", long.first_ms, "ms"),
        Row(
            "Resync",
            f"the {long.messages:,}-message history whole (the old resync's part)",
            long.whole_ms,
            "ms",
        ),
    ]


def chaos_rows(size: Size) -> list[Row]:
    """benchmarks/chaos.py (issue 4): kill -9 restarts of the server while both sides write."""
    from benchmarks.chaos_harness import run_chaos

    with tempfile.TemporaryDirectory(prefix="bench-chaos-") as folder:
        report = asyncio.run(
            run_chaos(Path(folder), restarts=size.chaos_restarts, messages=size.chaos_messages)
        )
    rows = [Row("Chaos", "server restarts (kill -9) while both sides write", report.restarts, "")]
    for d in report.directions:
        rows.append(Row("Chaos", f"{d.name}: still pending in the outbox", d.pending, "msgs"))
        rows.append(Row("Chaos", f"{d.name}: lost of {d.sent}", d.lost, "msgs", "0", d.lost == 0))
        rows.append(
            Row("Chaos", f"{d.name}: duplicated", d.duplicated, "msgs", "0", d.duplicated == 0)
        )
    return rows


def drain_rows(size: Size) -> list[Row]:
    """benchmarks/drain.py (issue 13): the outbox after an outage, on loopback and at 50 ms."""
    direct, delayed = asyncio.run(drain.run(size.drain_messages))
    what = f"{size.drain_messages:,} pending messages acked"
    return [
        Row("Drain", f"{what}, loopback", direct.seconds, "s", "<= 2", direct.seconds <= 2),
        Row(
            "Drain",
            f"{what}, 50 ms round trip",
            delayed.seconds,
            "s",
            "<= 5",
            delayed.seconds <= 5,
        ),
        Row(
            "Drain",
            "tickets stored out of order (both runs)",
            direct.out_of_order + delayed.out_of_order,
            "tickets",
            "0",
            direct.out_of_order + delayed.out_of_order == 0,
        ),
        Row(
            "Drain",
            "messages missing on the server (both runs)",
            direct.missing + delayed.missing,
            "msgs",
            "0",
            direct.missing + delayed.missing == 0,
        ),
    ]


def terminal_rows(size: Size) -> list[Row]:
    r = asyncio.run(
        terminal_bytes.run(size.bytes_idle_seconds, size.bytes_messages, size.bytes_flood_seconds)
    )
    section = "Terminal"
    idle, opened, closed = r.idle_bytes_per_s, r.open_bytes_per_message, r.closed_bytes_per_message
    flood = r.flood_bytes_per_s
    return [
        Row(section, "idle output, 30 waiting tickets", idle, "B/s", "<= 300", idle <= 300),
        Row(section, "per message, closed conversation", closed, "B", "<= 2000", closed <= 2000),
        Row(section, "per message, open conversation", opened, "B", "<= 2000", opened <= 2000),
        Row(
            section,
            f"during a {terminal_bytes.FLOOD_RATE} msg/s flood ({r.flood_messages:,} msg)",
            flood,
            "B/s",
            "<= 50000",
            flood <= 50_000,
        ),
    ]


def search_rows(size: Size) -> list[Row]:
    """benchmarks/search.py (issue 14): full-text search of the local history."""
    messages = search.SIZES[size.name]
    f = search.run(messages)
    what = f"{messages:,} messages"
    target = f"<= {search.TARGET_MS}"
    return [
        Row("Search", f"index built as an older file opens ({what})", f["index_ms"], "ms"),
        Row("Search", f"open the store, index present ({what})", f["open_ms"], "ms"),
        Row("Search", f"search screen query p50 ({what})", f["screen_p50_ms"], "ms"),
        Row(
            "Search",
            f"search screen query p99 ({what})",
            f["screen_p99_ms"],
            "ms",
            target,
            f["screen_p99_ms"] <= search.TARGET_MS,
        ),
        Row(
            "Search",
            "one ticket's matches p99",
            f["ticket_p99_ms"],
            "ms",
            target,
            f["ticket_p99_ms"] <= search.TARGET_MS,
        ),
        Row("Search", "chat-console search: copy the file, then search", f["cli_ms"], "ms"),
    ]


SECTIONS: dict[str, Callable[[Size], list[Row]]] = {
    "ingest": ingest_rows,
    "latency": latency_rows,
    "scale": scale_rows,
    "burst": burst_rows,
    "startup": startup_rows,
    "server": relay_rows,
    "resync": resync_rows,
    "drain": drain_rows,
    "terminal": terminal_rows,
    "search": search_rows,
}
if (HERE / "chaos_harness.py").exists():  # another issue's script: run it where it is present
    SECTIONS["chaos"] = chaos_rows


def table(rows: list[Row]) -> str:
    lines = ["| section | measure | value | unit | target | |", "|---|---|--:|---|---|---|"]
    lines += [
        f"| {r.section} | {r.measure} | {_fmt(r.value)} | {r.unit} | {r.target} | {r.verdict} |"
        for r in rows
    ]
    return "\n".join(lines)


def report(rows: list[Row], size: Size, load_before: str, load_after: str, seconds: float) -> str:
    facts = machine.describe()
    head = [
        "# Benchmark results",
        "",
        f"`python -m benchmarks{'' if size is FULL else ' --' + size.name}`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {seconds:.0f} s, size: {size.name}.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in facts.items()),
        f"| load average (1/5/15 min) at start | {load_before} |",
        f"| load average (1/5/15 min) at end | {load_after} |",
        "",
    ]
    findings = HERE / "FINDINGS.md"  # what limits each figure, from profiling: kept by hand
    tail = ["", findings.read_text()] if findings.exists() else []
    return "\n".join([*head, table(rows), *tail, ""])


def run_section(name: str, size: Size) -> list[Row]:
    """One section in a fresh interpreter: what one section leaves behind (apps, stores, garbage
    for the collector) must not slow the next, and an operator's console starts fresh too."""
    flag = [] if size is FULL else [f"--{size.name}"]
    done = subprocess.run(
        [*PYTHON, "-m", "benchmarks", *flag, "--rows-of", name],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return [Row(**fields) for fields in json.loads(done.stdout.splitlines()[-1])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="CI size")
    group.add_argument("--tiny", action="store_true", help="smoke-test size")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="one section")
    parser.add_argument("--output", type=Path, help="where to write the report")
    parser.add_argument("--rows-of", choices=sorted(SECTIONS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    size = TINY if args.tiny else QUICK if args.quick else FULL
    if args.rows_of:  # the child side of run_section
        print(json.dumps([asdict(row) for row in SECTIONS[args.rows_of](size)]))
        return 0
    output = args.output or HERE / ("RESULTS.md" if size is FULL else f"RESULTS-{size.name}.md")
    load_before, started = machine.load(), time.perf_counter()
    rows: list[Row] = []
    for name in SECTIONS:
        if args.only and name not in args.only:
            continue
        print(f"... {name}", flush=True)
        rows += run_section(name, size)
    text = report(rows, size, load_before, machine.load(), time.perf_counter() - started)
    output.write_text(text)
    print(text)
    print(f"written to {output}")
    return 0
