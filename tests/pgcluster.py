"""A private PostgreSQL + PostGIS cluster for tests: initdb in a temp folder, a free port on 127.0.0.1 only,
password authentication (the password reaches libpq through a 0600 password file, as a bureau's ~/.pgpass would),
the postgis extension in a fresh database, and a fast stop at the end.

Use it from a test module with `from tests.pgcluster import pg_cluster  # noqa: F401` (a session fixture).
Without initdb or PostGIS the tests skip with a message; with LANDPARK_REQUIRE_ALL=1 (CI) such a skip is a
failure (tests/conftest.py). Debian: `apt-get install postgresql-15-postgis-3`; LANDPARK_PG_BIN names another
folder holding initdb and pg_ctl.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from layers.postgis import find_pg_bin

DB_NAME = "landpark_test"
SUPERUSER = "landpark_test"
START_TIMEOUT_SECONDS = 60  # pg_ctl waits at most this long for the server to accept connections


@dataclass
class PgCluster:
    """A running private cluster: where it listens, who may connect, and the password file that says how."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    passfile: Path
    folder: Path

    def url(self, schema: str) -> str:
        """The project URL of `schema` in the test database (no password: it comes from the password file)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}?schema={schema}"

    def connect(self):
        """A psycopg connection to the test database (autocommit), for checks the tests make on their own."""
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=self.dbname,
                               password=self.password, autocommit=True)


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runner() -> tuple[list[str], int | None, int | None]:
    """How to run the server programs: PostgreSQL refuses root, so as root they run as the `postgres` account."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no 'postgres' account to run the private PostgreSQL cluster as")
    return ["runuser", "-u", "postgres", "--"], account.pw_uid, account.pw_gid


def _run(command: list[str], what: str) -> None:
    """Run one server program; a failure fails the test setup with the program's own output."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS + 30)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A private PostGIS cluster for the test session, reached through PGPASSFILE; stopped and removed at the end."""
    pg_bin = find_pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL's initdb is not installed (Debian: apt-get install postgresql-15-postgis-3)")
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
    prefix, uid, gid = _runner()
    folder = Path(tempfile.mkdtemp(prefix="landpark-pg-"))
    data, password = folder / "data", secrets.token_hex(16)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if uid is not None:
        for path in (folder, pwfile):
            os.chown(path, uid, gid)
    port = _free_port()
    started = False
    saved = {key: os.environ.get(key) for key in ("PGPASSFILE", "LANDPARK_PG_CACHE")}
    try:
        _run([*prefix, str(pg_bin / "initdb"), "-D", str(data), "-U", SUPERUSER, "--pwfile", str(pwfile),
              "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], "initdb")
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=40")
        _run([*prefix, str(pg_bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"),
              "-w", "-t", str(START_TIMEOUT_SECONDS), "start"], "pg_ctl start")
        started = True
        with psycopg.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres", password=password,
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        with psycopg.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname=DB_NAME, password=password,
                             autocommit=True) as conn:
            try:
                conn.execute("CREATE EXTENSION postgis")
            except psycopg.Error as exc:
                pytest.skip(f"PostGIS is not installed for this PostgreSQL (apt-get install postgresql-15-postgis-3): {exc}")
        passfile = folder / "pgpass"
        passfile.write_text(f"127.0.0.1:{port}:*:{SUPERUSER}:{password}\n")
        passfile.chmod(0o600)
        os.environ["PGPASSFILE"] = str(passfile)
        os.environ["LANDPARK_PG_CACHE"] = str(folder / "cache")  # rasters materialised here, not in the user's cache
        yield PgCluster(host="127.0.0.1", port=port, user=SUPERUSER, password=password, dbname=DB_NAME,
                        passfile=passfile, folder=folder)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if started:
            subprocess.run([*prefix, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
