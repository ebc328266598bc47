"""Every key binding, with an id so that `[keymap]` can remap it, in one list.

The same list feeds the BINDINGS of the screen and queue, the help screen and the command palette,
so none of them can forget a binding.
"""

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Spec:
    id: str
    keys: str  # Textual key names, comma separated
    action: str
    description: str
    show: bool = True  # in the footer
    display: str | None = None  # how the footer shows the key, when the name is unwieldy
    # Before the focused widget sees the key: the composer's keys, which its editor would
    # otherwise take for itself (Enter a new line, ctrl+e end of line, up the cursor).
    priority: bool = False


SCREEN = (
    Spec("open", "enter", "open", "Open"),
    Spec("accept", "a", "accept", "Accept"),
    Spec("take_oldest", "A", "take_oldest", "Accept and open the oldest new ticket", show=False),
    Spec("close", "c", "close", "Close"),
    Spec("close_and_next", "C", "close_and_next", "Close, then open the next waiting", show=False),
    Spec("reopen", "o", "reopen", "Reopen a closed ticket", show=False),
    Spec("hijack", "h", "hijack", "Hijack"),
    Spec("assign", "t", "assign", "Assign"),
    Spec("next_unread", "n", "next_unread", "Next unread"),
    Spec("filter", "slash", "filter", "Filter", display="/"),
    Spec("search", "ctrl+f", "search", "Search the history", show=False),
    Spec("export", "E", "export", "Export the conversation to a file", show=False),
    Spec("pager", "vertical_line", "pager", "Read the conversation in $PAGER", show=False),
    Spec("next_view", "v", "next_view", "Next view", show=False),
    Spec("save_image", "s", "save_image", "Save image", show=False),
    Spec("view_image", "V", "view_image", "View the image full size", show=False),
    Spec(
        "attach_image", "ctrl+o", "attach_image", "Send an image file (asks its path)", show=False
    ),
    Spec(
        "copy", "y", "copy_message", "Copy the customer's message (terminal clipboard)", show=False
    ),
    Spec("details", "i", "toggle_details", "Ticket details: id, customer, others", show=False),
    Spec("fold", "e", "toggle_fold", "Show all of a long message, or fold it", show=False),
    # Each with a chord too, that works while the composer has the focus (letters are text there).
    Spec("retry", "r,ctrl+r", "retry", "Retry: reconnect now, resend failed messages", show=False),
    Spec("replies", "ctrl+t", "replies", "Canned replies: pick one for the composer", show=False),
    Spec("discard_failed", "x,alt+x", "discard_failed", "Discard failed messages", show=False),
    Spec("back", "escape", "back", "Back", show=False),
    Spec("switch_pane", "tab", "switch_pane", "Switch pane", show=False),
    Spec("help", "question_mark", "help", "Help", display="?"),
    Spec("quit", "q", "quit", "Quit"),
)

QUEUE = (
    Spec("cursor_down", "j,down", "cursor_down", "Next ticket", show=False),
    Spec("cursor_up", "k,up", "cursor_up", "Previous ticket", show=False),
    Spec("page_down", "pagedown", "page_down", "Page down", show=False),
    Spec("page_up", "pageup", "page_up", "Page up", show=False),
    Spec("first", "home,g", "first", "First ticket", show=False),
    Spec("last", "end,G", "last", "Last ticket", show=False),
)

# The composer's own keys, active while it has the focus.
COMPOSER = (
    Spec("send", "enter", "send", "Composer: send the reply", show=False, priority=True),
    Spec(
        "newline", "ctrl+j,shift+enter", "newline", "Composer: new line", show=False, priority=True
    ),
    Spec(
        "editor",
        "ctrl+e",
        "edit_in_editor",
        "Composer: edit the reply in $EDITOR",
        show=False,
        priority=True,
    ),
    Spec(
        "edit_last",
        "up",
        "edit_last",
        "Empty composer: edit your last unsent message",
        show=False,
        priority=True,
    ),
    # `back` from the composer, acting as it is read: the keys read with it (Esc then Enter, over
    # ssh often one read) go where it sends the focus; the reply is not sent. Elsewhere `back`
    # keeps its place behind the keys before it (a filter typed, then Esc).
    Spec(
        "leave", "escape", "screen.back", "Composer: back to the queue", show=False, priority=True
    ),
)

PALETTE_ONLY = (Spec("command_palette", "ctrl+p", "command_palette", "Command palette"),)

EVERY = SCREEN + QUEUE + COMPOSER + PALETTE_ONLY


def unknown_binding_ids(keymap: dict[str, str]) -> list[str]:
    """`[keymap]` entries that name no binding: a typo would otherwise change nothing, silently."""
    known = {spec.id for spec in EVERY}
    return sorted(set(keymap) - known)


def bindings(specs: tuple[Spec, ...]) -> list[BindingType]:
    return [
        Binding(
            s.keys,
            s.action,
            s.description,
            show=s.show,
            key_display=s.display,
            priority=s.priority,
            id=s.id,
        )
        for s in specs
    ]


_PRETTY = {
    "question_mark": "?",
    "slash": "/",
    "vertical_line": "|",
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "down": "↓",
    "up": "↑",
    "pagedown": "PgDn",
    "pageup": "PgUp",
}


def bound_keys(spec: Spec, keymap: dict[str, str]) -> list[str]:
    """The Textual key names of `spec` after the user's keymap."""
    return [k.strip() for k in keymap.get(spec.id, spec.keys).split(",")]


def chord_for(spec: Spec, keymap: dict[str, str]) -> str:
    """The key of `spec` that works from anywhere, the composer too: a ctrl- or alt- chord."""
    keys = bound_keys(spec, keymap)
    chords = [k for k in keys if k.startswith(("ctrl+", "alt+"))]
    return _PRETTY.get((chords or keys)[0], (chords or keys)[0])


def alt_characters(keymap: dict[str, str]) -> frozenset[str]:
    """The x of every alt+x bound after the user's keymap: ESC x is that chord, not Esc then x
    (tui/escape_key.py)."""
    keys = (key for spec in EVERY for key in bound_keys(spec, keymap))
    return frozenset(k[4:] for k in keys if k.startswith("alt+") and len(k) == 5)


def keys_for(spec: Spec, keymap: dict[str, str]) -> str:
    """The keys bound to `spec` after the user's keymap, as the help screen shows them."""
    return " ".join(_PRETTY.get(k, k) for k in bound_keys(spec, keymap))
