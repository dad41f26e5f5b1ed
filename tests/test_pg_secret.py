"""The pseudonym key of a database project (issue 17): kept in the schema's `secrets` table, made once by whoever
exports first, the same for every user and every machine, and closed to database roles not granted it. Against the
real private PostgreSQL cluster (tests/pgcluster.py; skips without it unless LANDPARK_REQUIRE_ALL=1)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from layers.pg_project import PostgisProject
from layers.postgis import SECRETS_TABLE, parse_url, project_secret, read_secret, store_secret
from layers.problems import InputError
from reports.redact import Pseudonyms, project_secret_for
from tests.pgcluster import pg_cluster  # noqa: F401  (the session fixture)

CODE = "91330212MA2AB1CD2X"  # a credit-code-shaped text; its pseudonym under a key is checked against hmac below


def _rows(pg_cluster, schema: str) -> list[tuple[str, bytes]]:  # noqa: F811
    with pg_cluster.connect() as conn:
        return [(r[0], bytes(r[1])) for r in conn.execute(f"SELECT name, value FROM {schema}.{SECRETS_TABLE}")]


def test_first_use_makes_one_key_and_every_later_call_reads_it(pg_cluster, tmp_path, monkeypatch):  # noqa: F811
    project = PostgisProject.create(pg_cluster.url("secret_once"), region="测试区", year=2025)
    key = project_secret_for(project)
    assert isinstance(key, bytes) and len(key) == 32
    assert _rows(pg_cluster, "secret_once") == [("redaction_key", key)]
    # another user on another machine: another local cache folder, a new PostgisProject object — the same key
    monkeypatch.setenv("LANDPARK_PG_CACHE", str(tmp_path / "other-machine"))
    again = PostgisProject.open(pg_cluster.url("secret_once"))
    assert again.root != project.root and project_secret_for(again) == key
    assert project_secret_for(pg_cluster.url("secret_once")) == key  # the URL alone says the same
    # so the pseudonyms agree: the firm prefix and the first 8 hex digits of HMAC-SHA256(key, "uscc:" + code)
    import hashlib
    import hmac

    expected = "企业-" + hmac.new(key, f"uscc:{CODE}".encode(), hashlib.sha256).hexdigest().upper()[:8]
    assert Pseudonyms(key, [CODE]).firm(CODE) == Pseudonyms(project_secret_for(again), [CODE]).firm(CODE) == expected


def test_the_local_cache_folder_is_never_used_for_the_key(pg_cluster):  # noqa: F811
    project = PostgisProject.create(pg_cluster.url("secret_cache"), region="测试区", year=2025)
    from types import SimpleNamespace

    inputs = SimpleNamespace(root=project.root)  # what load_inputs gives a database project: its cache folder
    with pytest.raises(InputError, match="keeps its redaction key in the database") as info:
        project_secret_for(inputs)
    assert "数据库" in info.value.message_zh
    assert not (project.root / ".landpark-secret").exists()


def test_two_exports_at_once_agree_on_one_key(pg_cluster):  # noqa: F811
    """The first writer's transaction is held open: the second caller's INSERT … ON CONFLICT waits for it, inserts
    nothing, and reads the first key; then eight callers race on a schema without the table."""
    location = parse_url(pg_cluster.url("secret_race"))
    PostgisProject.create(location, region="测试区", year=2025)
    first = b"\x01" * 32
    got: list[bytes] = []
    with pg_cluster.connect() as holder:
        with holder.transaction():
            assert store_secret(holder, "secret_race", first) == first  # not committed yet
            waiter = threading.Thread(target=lambda: got.append(project_secret(location)))
            waiter.start()
            time.sleep(0.5)
            assert waiter.is_alive() and not got  # blocked on the uncommitted row, not making its own key
        waiter.join(timeout=30)
    assert got == [first]
    assert _rows(pg_cluster, "secret_race") == [("redaction_key", first)]

    PostgisProject.create(pg_cluster.url("secret_many"), region="测试区", year=2025)
    barrier, keys, errors = threading.Barrier(8), [], []

    def ask() -> None:
        barrier.wait()
        try:
            keys.append(project_secret(pg_cluster.url("secret_many")))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(keys) == 8 and len(set(keys)) == 1
    assert len(_rows(pg_cluster, "secret_many")) == 1


def test_only_roles_granted_it_can_read_the_key(pg_cluster):  # noqa: F811
    import psycopg

    project = PostgisProject.create(pg_cluster.url("secret_acl"), region="测试区", year=2025)
    key = project_secret_for(project)
    with pg_cluster.connect() as admin:
        admin.execute("DROP ROLE IF EXISTS landpark_reader")
        admin.execute("CREATE ROLE landpark_reader LOGIN PASSWORD 'reader pass 123'")
        admin.execute("GRANT USAGE ON SCHEMA secret_acl TO landpark_reader")
        admin.execute("GRANT SELECT ON secret_acl.layer_catalog TO landpark_reader")

    def read_as_reader() -> bytes | None:
        with psycopg.connect(host=pg_cluster.host, port=pg_cluster.port, dbname=pg_cluster.dbname,
                             user="landpark_reader", password="reader pass 123", autocommit=True) as conn:
            conn.execute("SELECT count(*) FROM secret_acl.layer_catalog")  # the role can read the project otherwise
            return read_secret(conn, "secret_acl")

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        read_as_reader()
    with pg_cluster.connect() as admin:  # a role that may export is granted the table
        admin.execute("GRANT SELECT ON secret_acl.secrets TO landpark_reader")
    assert read_as_reader() == key


def test_the_key_travels_with_landpark_copy_both_ways(pg_cluster, demo_project, tmp_path):  # noqa: F811
    """`landpark copy` folder → schema → folder keeps the pseudonym key, so a firm's pseudonym stays the same."""
    import dataclasses

    from layers.pg_project import ProjectBundle
    from layers.project import Project
    from layers.project_copy import copy_project
    from reports.redact import SECRET_FILE

    if "secret" not in {f.name for f in dataclasses.fields(ProjectBundle)}:
        pytest.skip("ProjectBundle carries no `secret` yet (the lead's change to layers/pg_project.py and "
                    "layers/project_copy.py, see the issue-17 roles report)")
    folder = tmp_path / "district"
    copy_project(demo_project.root, tmp_path / "staged")  # a private copy of the demo folder, made by the same tool
    (tmp_path / "staged").rename(folder)
    key = project_secret_for(Project.open(folder))
    assert (folder / SECRET_FILE).exists()
    schema = copy_project(folder, pg_cluster.url("secret_copy"))
    assert project_secret_for(schema) == key
    back = copy_project(pg_cluster.url("secret_copy"), tmp_path / "back")
    assert project_secret_for(back) == key
    assert oct((Path(back.root) / SECRET_FILE).stat().st_mode & 0o777) == "0o600"
