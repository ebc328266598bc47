"""When the app applies the next batch of received events: once a frame while they come at the
rate of a busy day, every 0.1 s under a flood (each batch redraws the queue and the bars: 60
redraws a second cost more CPU than the events did). A flood is a rate averaged over a quarter
of a second: a clump of events that arrive together (a sender that stalled) is none, and a flood
short of 3,840 events a second (64 in one batch, the old rule) is one."""

from chat_console.tui.app import FLOOD_GAP, FLUSH_GAP, batch_gap, event_rate


def _steady(per_second: float, seconds: float, gap: float = FLUSH_GAP) -> float:
    """The averaged rate after `seconds` of events at `per_second`, batched every `gap`."""
    rate = 0.0
    for _ in range(round(seconds / gap)):
        rate = event_rate(rate, round(per_second * gap), gap)
    return rate


def test_two_hundred_a_second_keep_a_batch_a_frame_even_in_clumps() -> None:
    rate = _steady(200, 2.0)
    assert batch_gap(rate) == FLUSH_GAP
    clumped = event_rate(rate, 12, FLUSH_GAP)  # 12 in one frame: 720 a second, for a moment
    assert batch_gap(clumped) == FLUSH_GAP
    assert batch_gap(event_rate(rate, 10, 0.05)) == FLUSH_GAP  # the loop was held 50 ms
    assert batch_gap(event_rate(0.0, 1, 30.0)) == FLUSH_GAP  # the first after a quiet spell


def test_a_flood_of_a_thousand_a_second_is_batched_every_tenth_of_a_second() -> None:
    assert batch_gap(_steady(1000, 0.2)) == FLOOD_GAP  # within a fifth of a second
    assert batch_gap(_steady(1000, 2.0, FLOOD_GAP)) == FLOOD_GAP  # and while it goes on
    after = _steady(1000, 2.0, FLOOD_GAP)
    for _ in range(3):  # it stops: a few quiet tenths of a second later, a frame again
        after = event_rate(after, 0, FLOOD_GAP)
    assert batch_gap(after) == FLUSH_GAP
