"""Found working the demo at 200x50 against `serve`: the server's list of operators arrived after
the assign dialog had opened, the focus stayed in the empty id field, and Enter there assigned
nothing though "Olivia Operator" stood highlighted in the list."""

from chat_console.tui.console_config import OperatorChoice
from chat_console.tui.screens.assign import AssignScreen
from tests.tui.conftest import Live


async def test_enter_assigns_the_highlighted_operator_when_the_list_came_late(live: Live) -> None:
    chosen: list[str | None] = []
    screen = AssignScreen("Carl Customer — Discount code", [])
    live.app.push_screen(screen, chosen.append)
    await live.until(lambda: live.app.screen is screen and bool(screen.query("OptionList")))
    screen.add_operators([OperatorChoice("op-2", "Oscar Other")])
    await live.pilot.pause()
    await live.pilot.press("enter")
    await live.until(lambda: chosen)
    assert chosen == ["op-2"]


async def test_arrows_move_in_the_list_that_came_late(live: Live) -> None:
    chosen: list[str | None] = []
    screen = AssignScreen("Carl Customer — Discount code", [])
    live.app.push_screen(screen, chosen.append)
    await live.until(lambda: live.app.screen is screen and bool(screen.query("OptionList")))
    screen.add_operators([OperatorChoice("op-2", "Oscar Other"), OperatorChoice("op-3", "Ida")])
    await live.pilot.pause()
    await live.pilot.press("down", "enter")
    await live.until(lambda: chosen)
    assert chosen == ["op-3"]
