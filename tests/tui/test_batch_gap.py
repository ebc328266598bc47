"""When the app applies the next batch of received events: at once-a-frame while they come at the
rate of a busy day, every 0.1 s under a flood (each batch redraws the queue: 60 redraws a second
cost more CPU than the events did). A flood is a rate, so a stall that piles up a few events is
no flood, and a flood short of 3,840 events a second (64 in a frame, the old rule) is one."""

from chat_console.tui.app import FLOOD_GAP, FLUSH_GAP, batch_gap


def test_two_hundred_a_second_keep_a_batch_a_frame_even_after_a_stall() -> None:
    assert batch_gap(4, FLUSH_GAP) == FLUSH_GAP
    assert batch_gap(10, 0.05) == FLUSH_GAP  # the loop was held 50 ms: 200 a second still
    assert batch_gap(1, 0.0) == FLUSH_GAP  # the first event after a quiet spell


def test_a_flood_of_a_few_thousand_a_second_is_batched_every_tenth_of_a_second() -> None:
    assert batch_gap(42, FLUSH_GAP) == FLOOD_GAP  # 2,500 a second, a frame's worth
    assert batch_gap(250, FLOOD_GAP) == FLOOD_GAP  # and it goes on while the flood does
    assert batch_gap(50, FLOOD_GAP) == FLUSH_GAP  # 500 a second: a frame again
