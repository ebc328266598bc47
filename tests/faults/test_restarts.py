"""Kill -9 and restart the server while messages flow both ways: each message once on both sides."""

from pathlib import Path

from benchmarks.chaos_harness import CUSTOMER, OPERATOR, ChaosReport, Side, run_chaos, tally


async def test_every_message_exists_exactly_once_after_repeated_server_kills(
    tmp_path: Path,
) -> None:
    report = await run_chaos(tmp_path, restarts=4, messages=120, settle_within=30)
    print("\n".join(report.lines()))
    for direction in report.directions:
        assert direction.sent == 120
        assert (direction.received, direction.pending, direction.lost) == (120, 0, 0)
        assert direction.duplicated == 0
        assert direction.on_server == 120
    # The kills really cut both links (each side waited to reconnect), and reconnecting resynced:
    # the first online's resync and at least one after a kill (the next kill may cut one short).
    assert report.reconnects["operator"] >= 4 and report.reconnects["customer"] >= 4
    assert report.resyncs["operator"] >= 2 and report.resyncs["customer"] >= 2


async def test_the_report_tells_still_pending_from_lost(tmp_path: Path) -> None:
    """A message still in the sender's outbox goes out when the link allows: it is pending, not
    lost; one the server acked that never reached the receiver is lost."""
    url = "http://127.0.0.1:9"  # nothing listens: the sides never go online
    operator = Side(url, OPERATOR, tmp_path / "operator.sqlite3")
    customer = Side(url, CUSTOMER, tmp_path / "customer.sqlite3")
    try:
        waiting = [operator.write("t-1", "cu-1", f"op-{n}") for n in range(3)]
        acked = operator.write("t-1", "cu-1", "op-acked")
        operator.store.mark_sent(acked.message_id)
        written = [m.content for m in [*waiting, acked]]

        direction = tally("operator → customer", written, operator, customer, [], "t-1")
        assert (direction.sent, direction.received) == (4, 0)
        assert (direction.pending, direction.lost) == (3, 1)
        report = ChaosReport(0, 4, 0.0, [direction])
        assert not report.clean
        header = "direction sent received pending lost duplicated on server"
        assert report.lines()[1].split() == header.split()
        assert report.lines()[2].split()[-6:] == ["4", "0", "3", "1", "0", "0"]
    finally:
        await operator.courier.close()
        await customer.courier.close()
        operator.store.close()
        customer.store.close()
