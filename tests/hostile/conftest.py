"""The live console fixtures of the TUI tests, for the hostile-input tests."""

from tests.tui.conftest import live, live_factory  # noqa: F401  (fixtures, used by name)
