"""Canned replies: one plain file a reply, so that a team can share them with git.

The file's name without `.md`/`.txt` is the reply's name. A folder the console cannot read, and a
file that is binary, too large or not UTF-8, is a problem to report, never a reason to stop.
Placeholders are filled in one pass over the reply alone: what goes in (a customer's name) is
never read again for placeholders, so a customer named `{operator}` stays exactly that.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from chat_console.protocol.limits import MAX_CONTENT_BYTES

REPLIES_FOLDER = "replies"
SUFFIXES = (".md", ".txt")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Reply:
    name: str
    text: str


@dataclass(frozen=True)
class Filled:
    text: str
    cursor: int | None  # where the first placeholder left for the operator starts, if any


@dataclass(frozen=True)
class Loaded:
    replies: tuple[Reply, ...]
    problems: tuple[str, ...]  # one line each, naming the file


def replies_folder(config_file: str, override: str) -> Path | None:
    """`[ui] replies_dir` if set, else `replies/` beside the config file in use (none without)."""
    beside = Path(config_file).parent if config_file else None
    if override:
        folder = Path(override).expanduser()
        return folder if folder.is_absolute() or beside is None else beside / folder
    return beside / REPLIES_FOLDER if beside else None


def load_replies(folder: Path | None) -> Loaded:
    """Every readable reply of `folder`, sorted by name; a missing folder is simply no replies."""
    if folder is None or not folder.is_dir():
        return Loaded((), ())
    replies: list[Reply] = []
    problems: list[str] = []
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    except OSError as error:
        return Loaded((), (f"{folder}: cannot read: {error.strerror or error}",))
    for path in paths:
        text, problem = _read(path)
        if problem is not None:
            problems.append(f"{path.name}: {problem}")
        elif text is not None:
            replies.append(Reply(path.stem, text.rstrip("\n")))
    return Loaded(tuple(replies), tuple(problems))


def _read(path: Path) -> tuple[str | None, str | None]:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CONTENT_BYTES + 1)
    except OSError as error:
        return None, f"cannot read: {error.strerror or error}"
    if len(data) > MAX_CONTENT_BYTES:
        return None, f"larger than a message may be ({MAX_CONTENT_BYTES:,} bytes)"
    if b"\0" in data:
        return None, "binary, not text"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"


def starting_with(replies: tuple[Reply, ...], prefix: str) -> list[Reply]:
    prefix = prefix.casefold()
    return [r for r in replies if r.name.casefold().startswith(prefix)]


def fuzzy_match(replies: tuple[Reply, ...], query: str) -> list[Reply]:
    """Replies whose name holds the query's letters in order, closest first (then by name)."""
    query = query.casefold()
    scored = []
    for reply in replies:
        spread = _spread(reply.name.casefold(), query)
        if spread is not None:
            scored.append((spread, reply.name, reply))
    return [reply for _, _, reply in sorted(scored, key=lambda s: (s[0], s[1]))]


def _spread(name: str, query: str) -> int | None:
    """Where the query's last letter lies in `name`, taking each letter as early as it comes
    (None: not all there, in order): a name that matches sooner ranks first."""
    position = -1
    for char in query:
        position = name.find(char, position + 1)
        if position < 0:
            return None
    return position


def fill(text: str, values: dict[str, str]) -> Filled:
    """`text` with each known `{word}` replaced; unknown ones stay, for the operator to fill."""
    parts: list[str] = []
    cursor: int | None = None
    length = 0
    end = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[end : match.start()])
        length += match.start() - end
        word = match.group(1)
        if word in values:
            value = values[word]
        else:
            value = match.group(0)
            cursor = length if cursor is None else cursor
        parts.append(value)
        length += len(value)
        end = match.end()
    parts.append(text[end:])
    return Filled("".join(parts), cursor)


# `::name` at the end of what precedes the cursor: what Tab expands.
_TRIGGER = re.compile(r"(?:^|(?<=\s))::([^\s:]*)$")


def trigger_before(value: str, cursor: int) -> tuple[int, str] | None:
    """Where a `::prefix` ending at the cursor starts, and its prefix; None if there is none."""
    match = _TRIGGER.search(value[:cursor])
    return (match.start(), match.group(1)) if match else None
