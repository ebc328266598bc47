"""The terminal handed to another program ($PAGER, $EDITOR) while it runs, and taken back."""

from collections.abc import Callable
from typing import TypeVar

from textual.app import App, SuspendNotSupported

T = TypeVar("T")
R = TypeVar("R")


class CannotHandOver(Exception):
    """The console runs where its terminal cannot be handed over (Textual's web driver)."""


def handed_over(app: App[R], work: Callable[[], T]) -> T:
    """`work()`'s result, the terminal the program's while it runs. The console waits meanwhile:
    a long spell may cost a reconnect, which catches up on what arrived."""
    try:
        with app.suspend():
            return work()
    except SuspendNotSupported:
        if not app.is_headless:
            raise CannotHandOver() from None
    return work()  # headless (the tests): there is no terminal to hand over
