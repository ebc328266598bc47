"""The fixed sample data lives in the package, so the screenshot command can use it too."""

from chat_console.tui.sample_data import (
    CONFIG,
    ME,
    NOW,
    fixed_clock,
    mixed_store,
    store_app,
)

__all__ = ["CONFIG", "ME", "NOW", "fixed_clock", "mixed_store", "store_app"]
