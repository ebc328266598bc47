"""Scrollbars redrawn only when what they show changes.

Textual repaints a scroll view's whole scrollbar whenever its position or size is set, and draws
it through rich's console: in a profile of key presses that scroll, the scrollbars were 40% of a
frame's time, and over ssh each repaint is a column of the pane sent again. Over a long
conversation or queue the thumb moves by an eighth of a cell only every few scrolls.
"""

from math import ceil

from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar

_EIGHTHS = 8  # a scrollbar's thumb moves in eighths of a cell (ScrollBarRender's glyphs)


def thumb(bar: ScrollBar | None) -> tuple[int, int] | None:
    """Where the bar's thumb is drawn, in eighths of a cell (None: no thumb, no bar): the
    arithmetic of Textual's `ScrollBarRender.render_bar`, which draws the bar from it alone."""
    if bar is None:
        return None
    size, virtual = bar.size.height, ceil(bar.window_virtual_size)
    window = ceil(bar.window_size if bar.window_size < bar.window_virtual_size else 0)
    if not (window and size and virtual and size != virtual):
        return None
    thumb_size = max(1, window / (virtual / size))
    position = (size - thumb_size) * (bar.position / (virtual - window))
    start = int(position * _EIGHTHS)
    return start, start + ceil(thumb_size * _EIGHTHS)


def _shown_bar(view: ScrollView) -> ScrollBar | None:
    return view.vertical_scrollbar if view.show_vertical_scrollbar else None


def scroll_quietly(view: ScrollView, old_value: float, new_value: float) -> None:
    """What `ScrollView.watch_scroll_y` does, the scrollbar repainted only if its thumb moved."""
    bar = _shown_bar(view)
    if bar is not None:
        before = thumb(bar)
        bar.set_reactive(ScrollBar.position, int(new_value * _EIGHTHS) / _EIGHTHS)
        if thumb(bar) != before:
            bar.refresh()
    if round(old_value) != round(new_value):  # the text, not the scrollbar beside it
        view.refresh(Region(0, 0, *view.scrollable_content_region.size))


def resize_quietly(view: ScrollView, size: Size) -> bool:
    """Set the virtual size without a screen layout (which redraws the whole screen and every
    scrollbar) when the scrollbar stays as it is; False if a layout is needed after all."""
    overflow = view.styles.overflow_y
    height = view.scrollable_content_region.height
    bar_shows = overflow == "scroll" or (overflow == "auto" and size.height > height)
    if not view.is_mounted or bar_shows != view.show_vertical_scrollbar:
        return False
    bar = _shown_bar(view)
    before = thumb(bar)
    view.set_reactive(ScrollView.virtual_size, size)
    if bar is not None:
        bar.set_reactive(ScrollBar.window_virtual_size, size.height)
        if thumb(bar) != before:
            bar.refresh()
    return True
