"""Kill -9 and restart the server while messages flow both ways: each message once on both sides."""

from pathlib import Path

from benchmarks.chaos_harness import run_chaos


async def test_every_message_exists_exactly_once_after_repeated_server_kills(
    tmp_path: Path,
) -> None:
    report = await run_chaos(tmp_path, restarts=4, messages=120, settle_within=30)
    print("\n".join(report.lines()))
    for direction in report.directions:
        assert direction.sent == 120
        assert (direction.received, direction.lost, direction.duplicated) == (120, 0, 0)
        assert direction.on_server == 120
    # The kills really cut both links (each side waited to reconnect) and each reconnect resynced.
    assert report.reconnects["operator"] >= 4 and report.reconnects["customer"] >= 4
    assert report.resyncs["operator"] >= 5 and report.resyncs["customer"] >= 5
