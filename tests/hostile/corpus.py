"""The hostile corpus: what a stranger may type into a chat, and what the console must show.

Each entry is sent as a customer's message (and the markup ones as ticket names too). `shown` is
what the screen must show instead: the same characters for markup (never parsed), visible
stand-ins for control characters (never sent to the terminal). `injected` is what must never
reach the terminal's byte stream.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    text: str
    shown: str
    injected: str | None = None  # the raw sequence that must not appear in the terminal's bytes


CORPUS = (
    Entry("click action", "[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),
    Entry("link", "[link=https://evil.example]x[/link]", "[link=https://evil.example]x[/link]"),
    Entry("stray closing tag", "[/foo]", "[/foo]"),
    Entry("theme variable", "[$accent]x", "[$accent]x"),
    Entry("style tag", "[B]x", "[B]x"),
    Entry("CSI clear screen", "C1:\x1b[2J", "C1:␛[2J", "C1:\x1b[2J"),
    Entry("OSC window title", "\x1b]0;pwned\x07", "␛]0;pwned␇", "\x1b]0;pwned"),
    Entry("OSC 52 clipboard", "\x1b]52;c;ZXZpbA==\x07", "␛]52;c;ZXZpbA==␇", "\x1b]52;"),
    Entry("NUL", "nul:\x00:nul", "nul:␀:nul", "\x00"),
    Entry("C1 CSI", "c1:\x9b31m", "c1:\\x9b31m", "\x9b"),
    Entry("bidi override", "bidi:\u202eevil\u202c", "bidi:\\u202eevil\\u202c", "\u202e"),
    Entry("bidi isolate", "iso:\u2066x\u2069", "iso:\\u2066x\\u2069", "\u2066"),
    Entry("DEL", "del:\x7f:del", "del:␡:del", "del:\x7f"),
)


# ---- payloads that bricked, killed or blinded the console (issue 10) ------------------------


@dataclass(frozen=True)
class WidthEntry:
    """A message whose characters Rich and terminals measure differently, or that broke a
    restart. `shown` must be among the terminal's bytes, one of `lines` on a drawn row, and none
    of `never_drawn` anywhere in what the console writes."""

    name: str
    text: str
    shown: str
    lines: tuple[str, ...]
    never_drawn: tuple[str, ...] = ()
    fields: tuple[tuple[str, object], ...] = ()  # more of the message object


def nested(levels: int) -> dict[str, object]:
    value: dict[str, object] = {"bottom": True}
    for _ in range(levels):
        value = {"a": value}
    return value


FILLER = "\u3164"  # Hangul filler: 0 cells to Rich, 2 to xterm and VTE
WIDTH_CORPUS = (
    WidthEntry(
        "lone surrogate", "hello \ud800 there", "hello \\ud800 there", ("hello \\ud800 there",)
    ),
    WidthEntry(
        "extra field nested 250 levels",
        "deep fields below",
        "deep fields below",
        ("deep fields below",),
        fields=(("nested", nested(250)),),
    ),
    WidthEntry(
        "Hangul fillers hiding words",
        f"Please confirm you agree{FILLER * 30} NOT to refund me",
        "NOT to refund me",
        ("NOT to refund me",),
        never_drawn=(FILLER,),
    ),
    WidthEntry(
        "VS16, ZWJ, skin tone and tag characters",
        "love \u2764\ufe0f fam \U0001f468\u200d\U0001f469 ok\U0001f44d\U0001f3fd tag\U000e0041 end",
        "tag\\U000e0041 end",
        ("tag\\U000e0041 end",),
        never_drawn=("\ufe0f", "\u200d", "\U0001f3fd", "\U000e0041"),
    ),
    WidthEntry(
        "default-ignorables",
        "zw\u200bsp soft\u00adhyphen bom\ufeffend fill\u115fer",
        "zw\\u200bsp soft\\xadhyphen bom\\ufeffend fill\\u115fer",
        ("zw\\u200bsp soft\\xadhyphen bom\\ufeffend fill\\u115fer",),
        never_drawn=("\u200b", "\u00ad", "\ufeff", "\u115f"),
    ),
    WidthEntry(
        "the far future",
        "from the far future",
        "from the far future",
        ("9999-12-31",),
        fields=(("createdAt", "9999-12-31T23:59:59.999Z"),),
    ),
    WidthEntry(
        "the distant past",
        "from the distant past",
        "from the distant past",
        ("0001-01-01",),
        fields=(("createdAt", "0001-01-01T00:00:00.000Z"),),
    ),
)


@dataclass(frozen=True)
class Payload:
    event: str
    args: tuple[object, ...]


OVERLAY_NAME = "Cliff" + FILLER * 22 + "FAKE-OVERLAY"  # pushed its queue row over the border
RESTART_PAYLOADS = (
    Payload("ticketCreated", ({"ticketId": "t-1", "displayNm": OVERLAY_NAME},)),
    Payload(
        "ticketCreated",
        ({"ticketId": "t-2", "displayNm": "Far", "createdAt": "9999-12-31T23:59:59.999Z"},),
    ),
    Payload(
        "ticketCreated",
        (
            {
                "ticketId": "t-3",
                "displayNm": "Ancient\ud800",
                "createdAt": "0001-01-01T00:00:00.000Z",
                "lastResponseAt": "0001-01-01T00:00:01.000Z",
            },
        ),
    ),
    *(
        Payload(
            "messageUpdated",
            (
                {
                    "ticketId": "t-1",
                    "messageId": f"w-{n}",
                    "senderId": "cu-1",
                    "senderNm": "Cliff",
                    "content": entry.text,
                    **dict(entry.fields),
                },
            ),
        )
        for n, entry in enumerate(WIDTH_CORPUS)
    ),
)
