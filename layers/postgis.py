"""Where a PostGIS-backed project lives, and how to connect to it without ever handling a password in the open.

A project in a database is named by a URL `postgresql://user@host:port/db?schema=NAME`. The password is never
part of it: libpq reads it from PGPASSWORD or ~/.pgpass (PGPASSFILE), so it does not appear on a command line,
in a log or in an error message. A URL that carries one is refused; messages show the URL without it.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from layers.problems import InputError

__all__ = ["PgLocation", "SECRETS_TABLE", "connect", "find_pg_bin", "is_postgres_url", "parse_url", "project_secret",
           "read_secret", "scrub", "store_secret"]

SCHEMES = ("postgresql", "postgres")
DEFAULT_PORT = 5432
DEFAULT_SCHEMA = "landpark"
CONNECT_TIMEOUT_SECONDS = 10  # how long a connection attempt waits for the server before failing clearly
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class PgLocation:
    """One project in a PostgreSQL database: server, database, role and schema (never a password)."""

    host: str
    port: int
    dbname: str
    user: str
    schema: str

    @property
    def url(self) -> str:
        """The URL as Landpark prints it (no password: there is none to print)."""
        who = f"{self.user}@" if self.user else ""
        return f"postgresql://{who}{self.host}:{self.port}/{self.dbname}?schema={self.schema}"

    def __str__(self) -> str:
        return self.url

    def connect_kwargs(self) -> dict[str, Any]:
        """The libpq parameters: no password (libpq finds it in PGPASSWORD or the password file)."""
        kwargs: dict[str, Any] = {"host": self.host, "port": self.port, "dbname": self.dbname,
                                  "connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "landpark"}
        if self.user:
            kwargs["user"] = self.user
        return kwargs


_SCHEME = re.compile(r"^(postgresql|postgres):/+", re.IGNORECASE)


def _normalised(text: str) -> str:
    """`text` with its scheme as `postgresql://` (a URL passed through pathlib.Path lost one slash)."""
    return _SCHEME.sub("postgresql://", text.strip(), count=1)


def is_postgres_url(text: object) -> bool:
    """True when `text` (a str or Path) names a PostgreSQL location (postgresql:// or postgres://), not a folder."""
    return isinstance(text, (str, os.PathLike)) and _SCHEME.match(str(text).strip()) is not None


def _without_secret(text: str) -> str:
    """`text` with any `user:password@` part of a URL replaced by `user:***@` (for messages about a bad URL)."""
    return re.sub(r"(://[^:/@\s]*):[^@/\s]*@", r"\1:***@", text)


def parse_url(text: str | os.PathLike) -> PgLocation:
    """The location a `postgresql://user@host:port/db?schema=NAME` URL names; an InputError for anything else.

    A URL with a password is refused (without repeating it): passwords come from PGPASSWORD or ~/.pgpass."""
    raw = _normalised(str(text))
    shown = _without_secret(raw)
    if not is_postgres_url(raw):
        raise InputError(f"{shown}: not a PostgreSQL URL (postgresql://user@host:port/db?schema=NAME)",
                         zh=f"{shown}：不是 PostgreSQL 地址（postgresql://用户@主机:端口/数据库?schema=模式名）")
    try:
        parts = urlsplit(raw)
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise InputError(f"{shown}: the URL cannot be read (expected postgresql://user@host:port/db?schema=NAME)",
                         zh=f"{shown}：无法解析该地址（应为 postgresql://用户@主机:端口/数据库?schema=模式名）") from None
    if parts.password is not None:
        raise InputError(f"{shown}: a password in the URL is refused; put it in PGPASSWORD or ~/.pgpass "
                         "(the URL is printed in logs and messages)",
                         zh=f"{shown}：地址中不得包含密码；请把密码放在 PGPASSWORD 环境变量或 ~/.pgpass 文件中"
                            "（地址会出现在日志和提示中）")
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"schema"})
    if unknown:
        raise InputError(f"{shown}: unknown URL parameter(s) {', '.join(unknown)} (only schema=NAME)",
                         zh=f"{shown}：未知的地址参数 {'、'.join(unknown)}（只支持 schema=模式名）")
    schema = (query.get("schema") or [DEFAULT_SCHEMA])[-1]
    if not _IDENTIFIER.match(schema):
        raise InputError(f"{shown}: schema {schema!r} must be lower-case letters, digits and _ (at most 63, not "
                         "starting with a digit)", zh=f"{shown}：模式名 {schema!r} 只能由小写字母、数字和下划线组成"
                                                       "（不超过 63 个字符，不以数字开头）")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or not parts.hostname:
        raise InputError(f"{shown}: the URL must name a host and a database (postgresql://user@host:port/db)",
                         zh=f"{shown}：地址必须包含主机和数据库（postgresql://用户@主机:端口/数据库）")
    return PgLocation(host=parts.hostname, port=int(port), dbname=dbname, user=unquote(parts.username or ""),
                      schema=schema)


def scrub(message: str) -> str:
    """`message` with the password in PGPASSWORD (if set) and any URL password masked: what an error may show."""
    secret = os.environ.get("PGPASSWORD")
    cleaned = _without_secret(str(message))
    if secret:
        cleaned = cleaned.replace(secret, "***")
    return cleaned


def connect(location: PgLocation | str, *, autocommit: bool = False) -> Any:
    """A psycopg connection to `location`; an InputError naming the URL (no password) when it cannot be made."""
    try:
        import psycopg
    except ImportError:
        raise InputError("PostgreSQL projects need the psycopg package (pip install 'psycopg[binary]')",
                         zh="PostgreSQL 项目需要 psycopg 软件包（pip install 'psycopg[binary]'）") from None
    where = location if isinstance(location, PgLocation) else parse_url(location)
    try:
        return psycopg.connect(**where.connect_kwargs(), autocommit=autocommit)
    except psycopg.Error as exc:
        reason = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        raise InputError(f"{where.url}: cannot connect to the database: {reason} (the password comes from "
                         "PGPASSWORD or ~/.pgpass)",
                         zh=f"{where.url}：无法连接数据库：{reason}（密码取自 PGPASSWORD 或 ~/.pgpass）") from None


# ---- the project's secrets (the pseudonym key of reports/redact.py) ---------------------------------------------
#
# A folder project keeps its redaction key in `.landpark-secret`; a database project has no folder all its users
# share, so the key lives in the schema's `secrets` table (name → 32 random bytes), made on first use by whoever
# exports first, and read by everyone after: every user's pseudonyms agree.
#
# Who may read it: the table is created with `REVOKE ALL … FROM PUBLIC`, so only its owner (the database role that
# made it: the one the app and the analysts' CLI connect as) and roles a DBA grants SELECT to can read it. Grant it
# only to database roles that may export (`GRANT SELECT ON <schema>.secrets TO <role>`): with the key, anyone can
# test a guessed credit code against a pseudonym. The app's own viewer/analyst/admin roles are enforced in the app
# (ui/auth.py); the app's database role reads the key for every export, pseudonymised or aggregates-only.

SECRETS_TABLE = "secrets"
REDACTION_KEY = "redaction_key"  # the row holding reports/redact.py's HMAC key
SECRET_BYTES = 32


def _secrets_table(schema: str) -> Any:
    """`schema`.secrets as a composed SQL identifier."""
    from psycopg import sql

    return sql.Identifier(schema, SECRETS_TABLE)


def _ensure_secrets_table(conn: Any, schema: str) -> None:
    """Create the secrets table when missing (under an advisory lock: two first exports do not race on CREATE), with
    no access for PUBLIC; inside the caller's transaction."""
    from psycopg import sql

    if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}".{SECRETS_TABLE}',)).fetchone()[0]:
        return
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"landpark-secrets:{schema}",))
    table = _secrets_table(schema)
    conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, value bytea NOT NULL, "
                         "created_at timestamptz NOT NULL DEFAULT now())").format(table))
    conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(table))


def read_secret(conn: Any, schema: str, name: str = REDACTION_KEY) -> bytes | None:
    """The stored secret `name` of `schema` (None when the table or the row does not exist)."""
    from psycopg import sql

    if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}".{SECRETS_TABLE}',)).fetchone()[0]:
        return None
    row = conn.execute(sql.SQL("SELECT value FROM {} WHERE name = %s").format(_secrets_table(schema)), (name,)).fetchone()
    return None if row is None else bytes(row[0])


def store_secret(conn: Any, schema: str, value: bytes, name: str = REDACTION_KEY, *, replace: bool = False) -> bytes:
    """Put `value` as secret `name` unless one is there (`replace`: overwrite, for `landpark copy`); returns the value
    the schema holds afterwards. Runs inside the caller's transaction when there is one."""
    from psycopg import sql

    _ensure_secrets_table(conn, schema)
    conflict = "DO UPDATE SET value = EXCLUDED.value" if replace else "DO NOTHING"
    conn.execute(sql.SQL("INSERT INTO {} (name, value) VALUES (%s, %s) ON CONFLICT (name) " + conflict)
                 .format(_secrets_table(schema)), (name, value))
    row = conn.execute(sql.SQL("SELECT value FROM {} WHERE name = %s").format(_secrets_table(schema)), (name,)).fetchone()
    return bytes(row[0])


def project_secret(location: PgLocation | str, name: str = REDACTION_KEY) -> bytes:
    """The database project's secret `name`, made (random) on first use. Two sessions asking at once agree: the
    INSERT … ON CONFLICT DO NOTHING of the second waits for the first's commit and inserts nothing, and its SELECT
    (a new statement under READ COMMITTED) then reads the first's key."""
    import secrets

    import psycopg

    where = location if isinstance(location, PgLocation) else parse_url(location)
    conn = connect(where, autocommit=True)
    try:
        found = read_secret(conn, where.schema, name)
        if found is not None:
            return found
        with conn.transaction():
            return store_secret(conn, where.schema, secrets.token_bytes(SECRET_BYTES), name)
    except psycopg.Error as exc:
        reason = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        raise InputError(f"{where.url}: cannot read the project's pseudonym key: {reason}",
                         zh=f"{where.url}：无法读取项目的脱敏密钥：{reason}") from None
    finally:
        conn.close()


def find_pg_bin() -> Path | None:
    """The folder with PostgreSQL's server programs (initdb, pg_ctl): $LANDPARK_PG_BIN, initdb on PATH, else
    Debian's newest /usr/lib/postgresql/<major>/bin; None when there is none (the tests' private cluster and the
    benchmark then say so)."""
    env = os.environ.get("LANDPARK_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "initdb").exists() else None
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None
