"""Full-text search over the history file: an SQLite FTS5 index of the messages' text.

The index is contentless (`content=''`): it holds the words, not a second copy of every message,
and its rowids are the `messages` rows'. The ticket id is indexed too, so that one ticket's
matches are an intersection inside the index rather than a walk over every match of a common
word. Triggers keep it in step with every insert, replace and delete of a row (pruning, purge and
discard included: `recursive_triggers` makes INSERT OR REPLACE fire the delete trigger too), so
nothing the store removes can still be found. A file written before the index existed gets it
built once, as it is opened. Images (type 2, base64) and the console's own lines are not indexed.
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
    content, ticket, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER message_text_added AFTER INSERT ON messages BEGIN
    INSERT INTO message_text (rowid, content, ticket)
    VALUES (new.rowid, {_TEXT.format(row="new")}, new.ticket_id);
END;
CREATE TRIGGER message_text_removed AFTER DELETE ON messages BEGIN
    INSERT INTO message_text (message_text, rowid, content, ticket)
    VALUES ('delete', old.rowid, {_TEXT.format(row="old")}, old.ticket_id);
END;
CREATE TRIGGER message_text_changed AFTER UPDATE OF body, note, ticket_id ON messages BEGIN
    INSERT INTO message_text (message_text, rowid, content, ticket)
    VALUES ('delete', old.rowid, {_TEXT.format(row="old")}, old.ticket_id);
    INSERT INTO message_text (rowid, content, ticket)
    VALUES (new.rowid, {_TEXT.format(row="new")}, new.ticket_id);
END;
INSERT INTO message_text (rowid, content, ticket)
SELECT rowid, {_TEXT.format(row="messages")}, ticket_id FROM messages;
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


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(query: str, ticket_id: str | None = None) -> str | None:
    """The operator's words as an FTS5 query: every word must occur (a word's beginning for the
    last one, so results come while typing); quotes, dashes and stars are only text here. None
    for a query with no words. With a ticket, only rows whose ticket id has its words (the caller
    still compares the id itself: "t-1" and "t 1" have the same words)."""
    words = [w for w in query.split() if w.strip('"')]
    if not words:
        return None
    quoted = [_phrase(w) for w in words]
    quoted[-1] += "*"
    expression = f"content : ({' '.join(quoted)})"
    if ticket_id is not None and any(c.isalnum() for c in ticket_id):
        expression = f"ticket : {_phrase(ticket_id)} AND {expression}"
    return expression
