"""The audit trail: who did what, when — sign-ins, imports, exports, method and weight changes, user changes.

Stored in the project folder as `audit.sqlite`, not as a table of project.gpkg: every import writes a copy of
project.gpkg and moves it over the original (layers/project.py), so a row appended to the GeoPackage while an
import runs would vanish with the replaced file; and project.gpkg is what exports, archives and copies carry,
while the audit log names people and stays with the server. (A PostGIS project keeps the same table,
`audit_log`, in its schema.)

Append-only: the table refuses UPDATE and DELETE (triggers), and this module only inserts. Several app sessions
and CLI runs write at once: SQLite in WAL mode with a busy timeout serialises the inserts (each one is its own
transaction) and never blocks readers. WAL needs a local disk (not a network share) — as project.gpkg does.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

__all__ = ["ACTIONS", "AUDIT_NAME", "audit_path", "record", "read_log"]

AUDIT_NAME = "audit.sqlite"
ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "import", "export", "method_change", "weight_change",
           "user_change", "project_change")
BUSY_TIMEOUT_S = 30.0  # a writer waits this long for another's insert (each takes milliseconds)
T = TypeVar("T")
COLUMNS = ["id", "at", "user", "role", "action", "details", "session"]

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,                 -- UTC, ISO 8601 with microseconds
    user TEXT NOT NULL,               -- the signed-in name; "" with auth off (one local user)
    role TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ({", ".join(f"'{a}'" for a in ACTIONS)})),
    details TEXT NOT NULL,            -- JSON object
    session TEXT NOT NULL             -- app session id or "cli"
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def audit_path(folder: Path) -> Path:
    """The audit database of a project folder."""
    return Path(folder) / AUDIT_NAME


def _retrying(step: Callable[[], T], deadline: float) -> T:
    """Run `step`, again while SQLite says the database is locked or busy (until `deadline`, time.monotonic).

    Switching to WAL and creating the table need a moment of exclusive access, and SQLite answers a second
    process doing the same at that moment with "database is locked" at once, without its busy handler."""
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with the schema in place (created on first use, by whichever process comes first)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if _retrying(lambda: con.execute("PRAGMA journal_mode").fetchone()[0], deadline) != "wal":
            _retrying(lambda: con.execute("PRAGMA journal_mode = WAL"), deadline)  # kept in the file from now on
        con.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
        exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"
        if _retrying(lambda: con.execute(exists).fetchone(), deadline) is None:
            _retrying(lambda: con.executescript(_SCHEMA), deadline)  # IF NOT EXISTS: a race to create is harmless
    except BaseException:
        con.close()
        raise
    return con


def record(folder: Path, user: str, action: str, details: Mapping[str, Any] | None = None, *, role: str = "",
           session: str = "cli") -> None:
    """Append one event to the project's audit log (one short transaction; safe with other writers)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {', '.join(ACTIONS)}")
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    text = json.dumps(dict(details or {}), ensure_ascii=False, default=str, sort_keys=True)
    con = _connect(audit_path(folder))
    try:
        con.execute("INSERT INTO audit_log (at, user, role, action, details, session) VALUES (?, ?, ?, ?, ?, ?)",
                    (at, user or "", role or "", action, text, session or ""))
    finally:
        con.close()


def read_log(folder: Path, *, limit: int = 1000, actions: Sequence[str] | None = None, user: str | None = None,
             since: dt.datetime | None = None) -> pd.DataFrame:
    """The newest `limit` events (newest first), optionally of some actions, one user, or after `since` (UTC);
    `details` parsed back to dicts. An empty frame when the project has no log yet."""
    path = audit_path(folder)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    where: list[str] = []
    args: list[str] = []
    if actions:
        where.append(f"action IN ({', '.join('?' * len(actions))})")
        args.extend(actions)
    if user:
        where.append("user = ?")
        args.append(user)
    if since is not None:
        where.append("at >= ?")
        args.append(since.astimezone(dt.UTC).isoformat(timespec="microseconds"))
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit_log {'WHERE ' + ' AND '.join(where) if where else ''} " \
          f"ORDER BY id DESC LIMIT ?"
    con = _connect(path)  # not mode=ro: a WAL reader may need to create the -shm index
    try:
        frame = pd.read_sql_query(sql, con, params=[*args, int(limit)])
    finally:
        con.close()
    frame["details"] = frame["details"].map(json.loads)
    return frame
