"""Full-text search over the history file: an SQLite FTS5 index of the messages' text.

The index is contentless (`content=''`): it holds the words, not a second copy of every message,
and its rowids are the `messages` rows'. Triggers keep it in step with every insert, replace and
delete of a row (pruning, purge and discard included: `recursive_triggers` makes INSERT OR REPLACE
fire the delete trigger too), so nothing the store removes can still be found. A file written
before the index existed gets it built once, as it is opened. Images (type 2, base64) and the
console's own lines are not indexed.
"""

import sqlite3
from collections.abc import Iterable

# The text a row is indexed under: its content, or nothing for an image, a console's marker or a
# body that is not JSON (an old file's unreadable row must not stop a write or the file opening).
_TEXT = (
    "CASE WHEN {row}.note = 0 AND json_valid({row}.body)"
    " AND coalesce(json_extract({row}.body, '$.type'), 1) <> 2"
    " THEN json_extract({row}.body, '$.content') ELSE '' END"
)
_INDEX = f"""
CREATE VIRTUAL TABLE message_text USING fts5(
    content, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER message_text_added AFTER INSERT ON messages BEGIN
    INSERT INTO message_text (rowid, content) VALUES (new.rowid, {_TEXT.format(row="new")});
END;
CREATE TRIGGER message_text_removed AFTER DELETE ON messages BEGIN
    INSERT INTO message_text (message_text, rowid, content)
    VALUES ('delete', old.rowid, {_TEXT.format(row="old")});
END;
CREATE TRIGGER message_text_changed AFTER UPDATE OF body, note ON messages BEGIN
    INSERT INTO message_text (message_text, rowid, content)
    VALUES ('delete', old.rowid, {_TEXT.format(row="old")});
    INSERT INTO message_text (rowid, content) VALUES (new.rowid, {_TEXT.format(row="new")});
END;
INSERT INTO message_text (rowid, content)
SELECT rowid, {_TEXT.format(row="messages")} FROM messages;
"""


def ensure_index(db: sqlite3.Connection) -> None:
    """The index and its triggers, built from the rows already there if the file had none (one
    pass over the messages: a few seconds for 100,000, once per file)."""
    db.execute("PRAGMA recursive_triggers = ON")
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'message_text'").fetchone():
        return
    with db:
        # executescript would commit first; each statement on its own keeps one transaction.
        for statement in _statements(_INDEX):
            db.execute(statement)


def _statements(script: str) -> Iterable[str]:
    statement = ""
    for line in script.strip().splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""


def forget_removed(db: sqlite3.Connection) -> None:
    """Merge the index into one segment, so the words of deleted rows leave it (FTS5 only marks
    them deleted until a merge; secure_delete then overwrites the pages they were on). A rewrite
    of the whole index: for a purge, not for every deletion."""
    db.execute("INSERT INTO message_text (message_text) VALUES ('optimize')")


def match_expression(query: str) -> str | None:
    """The operator's words as an FTS5 query: every word must occur (a word's beginning for the
    last one, so results come while typing); quotes, dashes and stars are only text here. None
    for a query with no words."""
    words = [w for w in query.split() if w.strip('"')]
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)
