"""A Landpark project kept in one PostgreSQL/PostGIS schema, with the interface of the folder `Project`.

Tables of the schema:
    <kind>              one table per layer (a `_row` key keeping the import order, GiST index on the geometry)
    <kind>__v<N>        the kept earlier versions of a layer (layers.versions), renamed, never copied
    layer_versions      the version list (layers.versions.VERSION_COLUMNS)
    layer_catalog       per table: the columns with their pandas dtypes, geometry column, SRID, CRS, feature count
    data_issues         the warnings kept at import (layers.project.ISSUE_COLUMNS)
    landpark_toml       the project's settings as text (one row)
    field_mappings      the field mapping last used per layer kind
    rasters             GeoTIFFs as bytes (materialised into a local cache folder when asked for a path)
    project_state       a revision counter every write raises (the content hash)
    schema_version      the migrations applied (MIGRATIONS)

Every write is one transaction: readers see the layer as it was or as it is, never half. Two writers of the same
layer: the second waits for the first (advisory lock per layer) up to `lock_wait` seconds, then fails clearly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.config import CONFIG_NAME, Config, _config_of_bytes, config_text_with
from layers.postgis import PgLocation, connect, parse_url, read_secret, scrub, store_secret
from layers.problems import InputError, Problem
from layers.project import DATA_ISSUES, ISSUE_COLUMNS, issues_frame
from layers.versions import VERSION_COLUMNS, VERSIONS_TABLE, VersionNote, archive_name, is_internal_table, version_for

__all__ = ["MIGRATIONS", "PostgisProject", "ProjectBundle", "SCHEMA_VERSION"]

LOCK_WAIT_SECONDS = 60.0  # how long a write waits for another write of the same layer before failing
LOCK_POLL_SECONDS = 0.2  # how often a waiting write retries the layer lock
ROW = "_row"  # the key column keeping each table's row order
BOOKKEEPING = ("schema_version", "project_state", "landpark_toml", "layer_catalog", "field_mappings", "rasters",
               VERSIONS_TABLE, DATA_ISSUES)

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "project tables", """
        CREATE TABLE {s}.project_state (id int PRIMARY KEY DEFAULT 1 CHECK (id = 1), revision bigint NOT NULL DEFAULT 0);
        INSERT INTO {s}.project_state (id, revision) VALUES (1, 0);
        CREATE TABLE {s}.landpark_toml (id int PRIMARY KEY DEFAULT 1 CHECK (id = 1), text text NOT NULL,
                                         updated_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE {s}.layer_catalog (name text PRIMARY KEY, columns jsonb NOT NULL, geometry_column text,
                                         srid int, crs text, features bigint NOT NULL, ord bigserial);
        CREATE TABLE {s}.layer_versions (layer text NOT NULL, version bigint NOT NULL, imported_at text, valid_from text,
                                          source text, mode text, features bigint, stored_as text,
                                          PRIMARY KEY (layer, version));
        CREATE TABLE {s}.data_issues (_row bigserial PRIMARY KEY, layer text, feature text, field text, severity text,
                                       code text, message text, value text, source text, message_zh text);
        CREATE INDEX ON {s}.data_issues (layer);
        CREATE TABLE {s}.field_mappings (kind text PRIMARY KEY, mapping jsonb NOT NULL, source text NOT NULL DEFAULT '');
        CREATE TABLE {s}.rasters (name text PRIMARY KEY, data bytea NOT NULL, sha256 text NOT NULL);
    """),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


@dataclass
class ProjectBundle:
    """Everything a project holds, store-independent: what `copy_project` moves between a folder and a schema."""

    config_text: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # layers and kept versions, by table name
    versions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VERSION_COLUMNS))
    issues: pd.DataFrame | None = None  # None: the project never recorded data issues
    mappings: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind → {"mapping": …, "source": …}
    rasters: dict[str, bytes] = field(default_factory=dict)  # name → GeoTIFF bytes
    secret: bytes | None = None  # the pseudonym key (reports/redact.py): travels, so pseudonyms stay the same


def _ident(*names: str) -> Any:
    """A quoted (schema-qualified) SQL identifier."""
    from psycopg import sql

    return sql.Identifier(*names)


def _sql(text: str, schema: str) -> Any:
    """An SQL statement with `{s}` standing for the quoted schema."""
    from psycopg import sql

    return sql.SQL(text).format(s=_ident(schema))


def _pg_type(series: pd.Series) -> str:
    """The PostgreSQL type that holds a pandas column without loss."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    return {"date": "date", "datetime": "timestamp", "integer": "bigint", "floating": "double precision",
            "mixed-integer-float": "double precision", "boolean": "boolean", "bytes": "bytea"}.get(inferred, "text")


def _column_values(series: pd.Series, pg_type: str) -> list[Any]:
    """The column as Python values for COPY (missing → None; text columns as str)."""
    missing = series.isna().to_numpy()
    if pg_type == "text" and pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        series = series.astype(str)
    values = series.astype(object).to_numpy(dtype=object, copy=True)
    values[missing] = None
    return values.tolist()


def _read_dtype(series: pd.Series, pg_type: str) -> str:
    """The dtype a column is read back as: the one a GeoPackage round trip gives (as the folder project reads it),
    so both stores hand analysis the same frames — strings as `str`, nullable ints/bools without gaps as numpy's."""
    dtype = series.dtype
    has_na = bool(series.isna().any())
    if pg_type == "text" and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return "str"
    if isinstance(dtype, pd.BooleanDtype):
        return "object" if has_na else "bool"
    if pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_integer_dtype(dtype):
        return "float64" if has_na else "int64"
    if pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_float_dtype(dtype):
        return "float64"
    return str(dtype)


def _restore(values: list[Any], dtype: str) -> pd.Series:
    """A column read back as the pandas dtype it was written with (object when that cannot hold the values)."""
    series = pd.Series(values, dtype=object)
    try:
        if dtype.startswith("datetime64"):
            return pd.to_datetime(series).astype(dtype)
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series


class PostgisProject:
    """A Landpark project in a PostGIS schema. Open with `PostgisProject.open(url)`, create with `.create(url)`."""

    def __init__(self, location: str | PgLocation, *, lock_wait: float = LOCK_WAIT_SECONDS):
        self.location = location if isinstance(location, PgLocation) else parse_url(location)
        self.schema = self.location.schema
        self.lock_wait = lock_wait
        self.root = _cache_folder(self.location)  # local folder for materialised rasters and per-project files

    def __repr__(self) -> str:
        return f"PostgisProject({self.location.url!r})"

    @property
    def url(self) -> str:
        """The project's URL without password (what messages and logs show)."""
        return self.location.url

    # ---- connections -----------------------------------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection for one operation, closed afterwards; database errors become InputErrors naming the URL."""
        import psycopg

        conn = connect(self.location, autocommit=True)  # reads hold no lock past their statement; writes BEGIN
        try:
            yield conn
        except psycopg.Error as exc:
            reason = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            raise InputError(f"{self.url}: database error: {reason}", zh=f"{self.url}：数据库错误：{reason}") from None
        finally:
            conn.close()

    # ---- lifecycle -------------------------------------------------------------------
    @classmethod
    def create(cls, location: str | PgLocation, *, region: str | None = None, year: int | None = None,
               crs: str | None = None, demo: bool = False, config_text: str | None = None) -> PostgisProject:
        """Create the schema, its tables and its `landpark_toml` (kept if present), like `Project.create`."""
        project = cls(location)
        text = config_text if config_text is not None else config_text_with(region, year, demo=demo, crs=crs)
        with project._connection() as conn, conn.transaction():
            project._migrate(conn)
            conn.execute(_sql("INSERT INTO {s}.landpark_toml (id, text) VALUES (1, %s) ON CONFLICT (id) DO NOTHING",
                              project.schema), (text,))
        return project

    @classmethod
    def holds_project(cls, location: str | PgLocation) -> bool:
        """Whether the schema of `location` holds a Landpark project (its schema_version table exists)."""
        project = cls(location)
        with project._connection() as conn:
            return bool(conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                                     (f'"{project.schema}".schema_version',)).fetchone()[0])

    @classmethod
    def open(cls, location: str | PgLocation) -> PostgisProject:
        """Open an existing project; a schema without Landpark's tables is refused, an older one is migrated."""
        project = cls(location)
        with project._connection() as conn:
            found = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                                 (f'"{project.schema}".schema_version',)).fetchone()[0]
            if not found:
                raise InputError(f"{project.url}: not a Landpark project (schema {project.schema!r} has no "
                                 "schema_version table); create it with `landpark copy FOLDER URL`",
                                 zh=f"{project.url}：不是 Landpark 项目（模式 {project.schema!r} 中没有 schema_version 表）；"
                                    "可用 `landpark copy 文件夹 地址` 创建")
            applied = conn.execute(_sql("SELECT max(version) FROM {s}.schema_version", project.schema)).fetchone()[0]
            if applied is not None and applied > SCHEMA_VERSION:
                raise InputError(f"{project.url}: the project was written by a newer Landpark (schema version "
                                 f"{applied}, this one knows {SCHEMA_VERSION}); update Landpark",
                                 zh=f"{project.url}：该项目由更新版本的 Landpark 写入（模式版本 {applied}，"
                                    f"本版本支持 {SCHEMA_VERSION}）；请升级 Landpark")
            if applied != SCHEMA_VERSION:
                with conn.transaction():
                    project._migrate(conn)
        return project

    def _migrate(self, conn: Any) -> None:
        """Create the schema if missing and apply the migrations not yet applied (inside the caller's transaction)."""
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"landpark-schema:{self.schema}",))
        conn.execute(_sql("CREATE SCHEMA IF NOT EXISTS {s}", self.schema))
        conn.execute(_sql("CREATE TABLE IF NOT EXISTS {s}.schema_version (version int PRIMARY KEY, note text NOT NULL, "
                          "applied_at timestamptz NOT NULL DEFAULT now())", self.schema))
        done = {int(r[0]) for r in conn.execute(_sql("SELECT version FROM {s}.schema_version", self.schema))}
        for number, note, text in MIGRATIONS:
            if number in done:
                continue
            conn.execute(_sql(text, self.schema))
            conn.execute(_sql("INSERT INTO {s}.schema_version (version, note) VALUES (%s, %s)", self.schema),
                         (number, note))

    def schema_versions(self) -> pd.DataFrame:
        """The migrations applied to this project's schema: version, note, applied_at."""
        with self._connection() as conn:
            rows = conn.execute(_sql("SELECT version, note, applied_at FROM {s}.schema_version ORDER BY version",
                                     self.schema)).fetchall()
        return pd.DataFrame(rows, columns=["version", "note", "applied_at"])

    # ---- settings --------------------------------------------------------------------
    def config_text(self) -> str:
        """The project's `landpark.toml` as text ("" when none was stored)."""
        with self._connection() as conn:
            row = conn.execute(_sql("SELECT text FROM {s}.landpark_toml WHERE id = 1", self.schema)).fetchone()
        return "" if row is None else str(row[0])

    def write_config_text(self, text: str) -> None:
        """Replace the project's `landpark.toml` (validated first; one transaction)."""
        _config_of_bytes(f"{self.url} {CONFIG_NAME}", text.encode("utf-8"))
        with self._connection() as conn, conn.transaction():
            conn.execute(_sql("INSERT INTO {s}.landpark_toml (id, text) VALUES (1, %s) ON CONFLICT (id) DO UPDATE "
                              "SET text = EXCLUDED.text, updated_at = now()", self.schema), (text,))
            self._bump(conn)

    @property
    def config(self) -> Config:
        return _config_of_bytes(f"{self.url} {CONFIG_NAME}", self.config_text().encode("utf-8"))

    @property
    def crs(self) -> str:
        return self.config.project.crs

    # ---- field mappings --------------------------------------------------------------
    def saved_mapping(self, kind: str) -> dict[str, str]:
        """The field mapping last used to import layer `kind` ({source column: field, "" = ignored}); {} if none."""
        with self._connection() as conn:
            row = conn.execute(_sql("SELECT mapping FROM {s}.field_mappings WHERE kind = %s", self.schema),
                               (kind,)).fetchone()
        mapping = row[0] if row else {}
        return {str(c): str(f or "") for c, f in mapping.items()} if isinstance(mapping, dict) else {}

    def save_mapping(self, kind: str, mapping: dict[str, str], *, source: str = "") -> None:
        """Keep the field mapping an import of `kind` used, for the next import of that kind."""
        from psycopg.types.json import Jsonb

        with self._connection() as conn, conn.transaction():
            conn.execute(_sql("INSERT INTO {s}.field_mappings (kind, mapping, source) VALUES (%s, %s, %s) ON CONFLICT "
                              "(kind) DO UPDATE SET mapping = EXCLUDED.mapping, source = EXCLUDED.source", self.schema),
                         (kind, Jsonb(dict(mapping)), source))

    # ---- layers ----------------------------------------------------------------------
    def _catalog(self, conn: Any) -> dict[str, dict[str, Any]]:
        """Every table the catalog lists: name → columns, geometry column, srid, crs, features."""
        rows = conn.execute(_sql("SELECT name, columns, geometry_column, srid, crs, features FROM {s}.layer_catalog "
                                 "ORDER BY ord", self.schema)).fetchall()
        return {r[0]: {"columns": r[1], "geometry_column": r[2], "srid": r[3], "crs": r[4], "features": int(r[5])}
                for r in rows}

    def layer_names(self) -> list[str]:
        """The project's layers (and its data_issues table once written); kept versions are not layers."""
        with self._connection() as conn:
            return [n for n in self._catalog(conn) if not is_internal_table(n)]

    def has_layer(self, kind: str) -> bool:
        return kind in self.layer_names()

    def feature_count(self, kind: str) -> int:
        """Features (rows) of one layer; 0 when the layer is absent."""
        with self._connection() as conn:
            row = conn.execute(_sql("SELECT features FROM {s}.layer_catalog WHERE name = %s", self.schema),
                               (kind,)).fetchone()
        return int(row[0]) if row else 0

    def layer_info(self, kind: str) -> dict[str, Any]:
        """What `pyogrio.read_info` says of a GeoPackage layer, from the catalog and PostGIS: features, fields,
        geometry_type (the most common stored type, "" without geometry), total_bounds (ST_Extent, None if empty)."""
        from psycopg import sql

        with self._connection() as conn:
            info = self._catalog(conn).get(kind)
            if info is None:
                raise InputError(f"{self.url}: layer {kind!r} is not in the project", zh=f"{self.url}：项目中没有图层 {kind!r}")
            geometry_type, bounds = "", None
            if info["geometry_column"]:
                column, table = sql.Identifier(info["geometry_column"]), _ident(self.schema, kind)
                row = conn.execute(sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                           "(SELECT ST_Extent({}) AS e FROM {}) AS x").format(column, table)).fetchone()
                bounds = None if row is None or row[0] is None else tuple(float(v) for v in row)
                kind_row = conn.execute(sql.SQL("SELECT GeometryType({0}) FROM {1} WHERE {0} IS NOT NULL GROUP BY 1 "
                                                "ORDER BY count(*) DESC LIMIT 1").format(column, table)).fetchone()
                geometry_type = "" if kind_row is None else {"POLYGON": "Polygon", "MULTIPOLYGON": "MultiPolygon",
                                                             "POINT": "Point", "MULTIPOINT": "MultiPoint",
                                                             "LINESTRING": "LineString",
                                                             "MULTILINESTRING": "MultiLineString"}.get(kind_row[0], kind_row[0])
        return {"features": info["features"], "fields": np.array([c for c, _ in info["columns"]], dtype=object),
                "geometry_type": geometry_type, "total_bounds": bounds, "crs": info["crs"]}

    def read_layer(self, kind: str, *, columns: list[str] | None = None, version: int | None = None,
                   as_of: dt.date | None = None, bbox: tuple[float, float, float, float] | None = None,
                   ids: list[str] | None = None) -> gpd.GeoDataFrame:
        """Read one layer: current version, version `version`, or the one in force on `as_of` (as `Project.read_layer`).

        `bbox` (minx, miny, maxx, maxy in the project CRS) keeps features whose geometry meets it (GiST index);
        `ids` keeps the features whose id field (layers.schema) is listed: both filters run in the database."""
        names = self.layer_names()
        if kind not in names:
            raise InputError(f"{self.url}: layer {kind!r} is not in the project (has: {', '.join(names) or 'none'})",
                             zh=f"{self.url}：项目中没有图层 {kind!r}（现有：{'、'.join(names) or '无'}）")
        table = kind
        if version is not None or as_of is not None:
            table = str(version_for(self.versions(), kind, version=version, as_of=as_of)[0]["stored_as"])
        id_field = None
        if ids is not None:
            from layers.schema import LAYERS

            id_field = LAYERS[kind].id_field if kind in LAYERS else None
            if not id_field:
                raise InputError(f"layer {kind!r} has no id field to filter on", zh=f"图层 {kind!r} 没有可筛选的编号字段")
        with self._connection() as conn:
            for _attempt in range(3):  # a write committed between the two statements: read again
                frame = self._read_table(conn, table, columns=columns, bbox=bbox, id_field=id_field, ids=ids)
                if frame is not None:
                    return frame
        raise InputError(f"{self.url}: layer {kind!r} kept changing while being read; try again",
                         zh=f"{self.url}：读取图层 {kind!r} 时该图层一直在被改写；请重试")

    def _read_table(self, conn: Any, table: str, *, columns: list[str] | None = None,
                    bbox: tuple[float, float, float, float] | None = None, id_field: str | None = None,
                    ids: list[str] | None = None) -> pd.DataFrame | None:
        """One table as the frame it was written as (one SELECT, geometry as WKB); None when the catalog and the
        table disagree (a concurrent write replaced it between the two reads)."""
        from psycopg import sql

        info = self._catalog(conn).get(table)
        if info is None:
            return None
        listed = [(str(c), str(d)) for c, d in info["columns"]]
        if columns is not None:
            wanted = set(columns)
            listed = [(c, d) for c, d in listed if c in wanted]
        geom = info["geometry_column"]
        fields: list[Any] = [sql.Identifier(c) for c, _ in listed]
        if geom:
            fields.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(geom)))
        conditions: list[Any] = []
        params: list[Any] = []
        if bbox is not None and geom:
            conditions.append(sql.SQL("{} && ST_MakeEnvelope(%s, %s, %s, %s, {})").format(
                sql.Identifier(geom), sql.Literal(int(info["srid"] or 0))))
            params += [float(v) for v in bbox]
        if ids is not None and id_field:
            conditions.append(sql.SQL("{}::text = ANY(%s)").format(sql.Identifier(id_field)))
            params.append([str(i) for i in ids])
        query = sql.SQL("SELECT {} FROM {} {} ORDER BY {}").format(
            sql.SQL(", ").join(fields) if fields else sql.SQL("1"), _ident(self.schema, table),
            sql.SQL("WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL(""), sql.Identifier(ROW))
        try:
            cursor = conn.cursor(binary=True)  # bytea and numbers without text decoding
            cursor.execute(query, params)
        except Exception as exc:  # the table was renamed or a column changed under us
            idle = conn.info.transaction_status == conn.info.transaction_status.IDLE
            if idle and type(exc).__name__ in ("UndefinedTable", "UndefinedColumn"):
                return None
            raise
        rows = cursor.fetchall()
        count = len(listed) + (1 if geom else 0)
        data: list[Any] = list(zip(*rows)) if rows else [[] for _ in range(count)]
        frame = pd.DataFrame({c: _restore(list(data[i]), d) for i, (c, d) in enumerate(listed)},
                             index=pd.RangeIndex(len(rows)))
        if not geom:
            return frame
        wkb = np.array(data[-1], dtype=object)
        frame[geom] = gpd.GeoSeries(shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object), index=frame.index)
        return gpd.GeoDataFrame(frame, geometry=geom, crs=info["crs"])

    def read_table(self, name: str) -> pd.DataFrame:
        """A table without its geometry (empty frame when absent), as `Project.read_table`."""
        if name == DATA_ISSUES:
            return self.data_issues()
        if not self.has_layer(name):
            return pd.DataFrame()
        frame = self.read_layer(name)
        return pd.DataFrame(frame.drop(columns=[frame.geometry.name])) if isinstance(frame, gpd.GeoDataFrame) else frame

    def versions(self) -> pd.DataFrame:
        """Every kept version of every layer, oldest first, with `current` (as `Project.versions`)."""
        from layers.schema import LAYERS

        with self._connection() as conn:
            catalog = self._catalog(conn)
            rows = conn.execute(_sql("SELECT layer, version, imported_at, valid_from, source, mode, features, stored_as "
                                     "FROM {s}.layer_versions", self.schema)).fetchall()
        layers = [n for n in catalog if not is_internal_table(n) and n != DATA_ISSUES]
        frame = pd.DataFrame(rows, columns=VERSION_COLUMNS)
        listed = set(frame["layer"])
        legacy = [{"layer": k, "version": 1, "imported_at": None, "valid_from": None, "source": "", "mode": "",
                   "features": catalog[k]["features"], "stored_as": k} for k in layers if k not in listed]
        if legacy:
            frame = pd.concat([frame, pd.DataFrame(legacy, columns=VERSION_COLUMNS)], ignore_index=True) if len(frame) \
                else pd.DataFrame(legacy, columns=VERSION_COLUMNS)
        frame = frame[frame["layer"].isin(layers)].copy()
        for column in ("imported_at", "valid_from", "source", "mode", "stored_as", "layer"):  # None, as versions_frame
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        frame["version"] = pd.to_numeric(frame["version"]).astype("Int64")
        frame["features"] = pd.to_numeric(frame["features"]).astype("Int64")
        frame["current"] = frame["stored_as"] == frame["layer"]
        order = {kind: i for i, kind in enumerate(LAYERS)}
        rank = frame["layer"].map(order).fillna(len(order))
        return frame.assign(_rank=rank).sort_values(["_rank", "version"], kind="stable").drop(columns="_rank") \
            .reset_index(drop=True)

    def version_note(self, kind: str, as_of: dt.date) -> tuple[int, str]:
        """The version of `kind` in force on `as_of` and a note when none was (the earliest is then used)."""
        row, note = version_for(self.versions(), kind, as_of=as_of)
        return int(row["version"]), note

    def data_issues(self) -> pd.DataFrame:
        """Every warning kept at import, in the order recorded (columns layers.project.ISSUE_COLUMNS)."""
        with self._connection() as conn:
            rows = conn.execute(_sql("SELECT layer, feature, field, severity, code, message, value, source, message_zh "
                                     "FROM {s}.data_issues ORDER BY _row", self.schema)).fetchall()
        frame = pd.DataFrame(rows, columns=ISSUE_COLUMNS)
        return frame if len(frame) else pd.DataFrame(columns=ISSUE_COLUMNS)

    # ---- writes ----------------------------------------------------------------------
    def _lock_layers(self, conn: Any, names: list[str]) -> None:
        """Take this transaction's lock on each layer written (sorted: no deadlock); wait at most `lock_wait` s."""
        deadline = time.monotonic() + self.lock_wait
        for name in sorted(set(names)):
            key = f"landpark-layer:{self.schema}.{name}"
            while not conn.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", (key,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    raise InputError(f"{self.url}: layer {name!r} is being written by another import; nothing was "
                                     f"written (waited {self.lock_wait:g} s) — try again when it has finished",
                                     zh=f"{self.url}：图层 {name!r} 正由另一次导入写入；本次未写入任何内容"
                                        f"（已等待 {self.lock_wait:g} 秒），请待其完成后重试")
                time.sleep(LOCK_POLL_SECONDS)

    def _lock_state(self, conn: Any, mode: str) -> None:
        """Lock `project_state` in `mode` for this transaction (writes: ROW EXCLUSIVE; a whole-project read: SHARE),
        waiting at most `lock_wait` seconds, then failing clearly."""
        import psycopg

        conn.execute(f"SET LOCAL lock_timeout = {max(1, int(self.lock_wait * 1000))}")
        try:
            conn.execute(_sql(f"LOCK TABLE {{s}}.project_state IN {mode} MODE", self.schema))
        except psycopg.errors.LockNotAvailable:
            raise InputError(f"{self.url}: another session is writing or copying the project; nothing was done "
                             f"(waited {self.lock_wait:g} s) — try again when it has finished",
                             zh=f"{self.url}：另一会话正在写入或复制该项目；本次未做任何操作（已等待 {self.lock_wait:g} 秒），"
                                "请待其完成后重试") from None
        conn.execute("SET LOCAL lock_timeout = 0")

    def _bump(self, conn: Any) -> None:
        """Raise the project's revision (the content hash changes with every write)."""
        conn.execute(_sql("UPDATE {s}.project_state SET revision = revision + 1 WHERE id = 1", self.schema))

    def _create_table(self, conn: Any, name: str, frame: pd.DataFrame, crs: str | None) -> None:
        """Create table `name` holding `frame` (replacing one of that name): COPY of the rows, GiST on the geometry,
        its columns and dtypes in the catalog."""
        from psycopg import sql
        from psycopg.types.json import Jsonb

        if len(name.encode("utf-8")) > 63:
            raise InputError(f"table name {name!r} is longer than PostgreSQL's 63 bytes",
                             zh=f"表名 {name!r} 超过 PostgreSQL 的 63 字节上限")
        frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")], errors="ignore")
        geom = None
        srid, crs_text = 0, None
        if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
            geom = str(frame.geometry.name)
            if frame.crs is None and crs:
                frame = frame.set_crs(crs)
            elif crs and not frame.crs.equals(crs):
                frame = frame.to_crs(crs)
            srid = int(frame.crs.to_epsg() or 0) if frame.crs is not None else 0
            crs_text = frame.crs.to_string() if frame.crs is not None else None
        attributes = [c for c in frame.columns if c != geom]
        too_long = [str(c) for c in attributes if len(str(c).encode("utf-8")) > 63]
        if too_long:
            raise InputError(f"layer {name}: column name(s) longer than PostgreSQL's 63 bytes: {', '.join(too_long)}",
                             zh=f"图层 {name}：列名超过 PostgreSQL 的 63 字节上限：{'、'.join(too_long)}")
        types = {c: _pg_type(frame[c]) for c in attributes}
        definition = [sql.SQL("{} bigint NOT NULL").format(sql.Identifier(ROW))]
        definition += [sql.SQL("{} {}").format(sql.Identifier(str(c)), sql.SQL(types[c])) for c in attributes]
        if geom:
            definition.append(sql.SQL("{} geometry(Geometry, {})").format(sql.Identifier(geom), sql.Literal(srid)))
        target = _ident(self.schema, name)
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(definition)))
        values = [list(range(len(frame)))] + [_column_values(frame[c], types[c]) for c in attributes]
        if geom:
            geoms = shapely.set_srid(np.asarray(frame.geometry.to_numpy(), dtype=object), srid)
            values.append(list(shapely.to_wkb(geoms, hex=True, include_srid=True)))
        names = [ROW, *map(str, attributes), *([geom] if geom else [])]
        copy = sql.SQL("COPY {} ({}) FROM STDIN").format(target, sql.SQL(", ").join(map(sql.Identifier, names)))
        self._copy_rows(conn, copy, zip(*values))
        conn.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(target, sql.Identifier(ROW)))
        if geom:
            conn.execute(sql.SQL("CREATE INDEX ON {} USING gist ({})").format(target, sql.Identifier(geom)))
        columns = [[str(c), _read_dtype(frame[c], types[c])] for c in attributes]
        conn.execute(_sql("INSERT INTO {s}.layer_catalog (name, columns, geometry_column, srid, crs, features) "
                          "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET columns = EXCLUDED.columns, "
                          "geometry_column = EXCLUDED.geometry_column, srid = EXCLUDED.srid, crs = EXCLUDED.crs, "
                          "features = EXCLUDED.features", self.schema),
                     (name, Jsonb(columns), geom, srid, crs_text, len(frame)))

    @staticmethod
    def _copy_rows(conn: Any, statement: Any, rows: Any) -> None:
        """Stream `rows` into the table with COPY (one round trip per buffer, not per row)."""
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def _rename_table(self, conn: Any, old: str, new: str) -> None:
        """Rename a table and its catalog entry (a kept version is the old table itself, not a copy)."""
        from psycopg import sql

        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_ident(self.schema, new)))
        conn.execute(_sql("DELETE FROM {s}.layer_catalog WHERE name = %s", self.schema), (new,))
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(_ident(self.schema, old), sql.Identifier(new)))
        conn.execute(_sql("UPDATE {s}.layer_catalog SET name = %s WHERE name = %s", self.schema), (new, old))

    def _record_versions(self, conn: Any, layers: dict[str, pd.DataFrame], notes: dict[str, VersionNote]) -> None:
        """Before `layers` replace their tables: keep each replaced table as an archived version and list the new
        versions in `layer_versions` (as layers.project._record_versions does in a GeoPackage)."""
        catalog = self._catalog(conn)
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        insert = _sql("INSERT INTO {s}.layer_versions (layer, version, imported_at, valid_from, source, mode, features, "
                      "stored_as) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", self.schema)
        for kind, frame in layers.items():
            last = conn.execute(_sql("SELECT max(version) FROM {s}.layer_versions WHERE layer = %s", self.schema),
                                (kind,)).fetchone()[0]
            last = int(last) if last is not None else 0
            if kind in catalog:
                if last == 0:  # written before versions were kept
                    conn.execute(insert, (kind, 1, None, None, "", "", catalog[kind]["features"], kind))
                    last = 1
                self._rename_table(conn, kind, archive_name(kind, last))
                conn.execute(_sql("UPDATE {s}.layer_versions SET stored_as = %s WHERE layer = %s AND version = %s",
                                  self.schema), (archive_name(kind, last), kind, last))
            note = notes.get(kind, VersionNote())
            start = note.valid_from or (None if last == 0 else dt.date.today().isoformat())
            conn.execute(insert, (kind, last + 1, now, start, note.source, note.mode, len(frame), kind))

    def _insert_issues(self, conn: Any, frame: pd.DataFrame) -> None:
        """Append rows to `data_issues` (text columns; missing → NULL)."""
        frame = frame.reindex(columns=ISSUE_COLUMNS)
        values = [_column_values(frame[c], "text") for c in ISSUE_COLUMNS]
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(_ident(self.schema, DATA_ISSUES),
                                                              sql.SQL(", ").join(map(sql.Identifier, ISSUE_COLUMNS)))
        self._copy_rows(conn, statement, zip(*values))
        from psycopg.types.json import Jsonb

        conn.execute(_sql("INSERT INTO {s}.layer_catalog (name, columns, features) VALUES (%s, %s, 0) "
                          "ON CONFLICT (name) DO NOTHING", self.schema), (DATA_ISSUES, Jsonb([])))
        conn.execute(_sql("UPDATE {s}.layer_catalog SET features = (SELECT count(*) FROM {s}.data_issues) "
                          "WHERE name = %s", self.schema), (DATA_ISSUES,))

    def write_layers(self, layers: dict[str, pd.DataFrame], *, issues: list[Problem] | None = None,
                     replace_issues_for: list[str] | None = None, versions: dict[str, VersionNote] | None = None) -> None:
        """Write several layers (and their data issues) in one transaction, each layer kind a new version (the
        replaced one is kept), as `Project.write_layers`."""
        from layers.schema import LAYERS

        crs = self.crs
        with self._connection() as conn, conn.transaction():
            self._lock_layers(conn, list(layers))
            self._lock_state(conn, "ROW EXCLUSIVE")  # writers of other layers go on; a copy being read waits
            staged = {}
            for name, frame in layers.items():  # the long part, under staging names: readers still read the old tables
                staged[name] = f"_new_{secrets.token_hex(6)}"
                self._create_table(conn, staged[name], frame, crs)
            kept = [k for k in layers if k in LAYERS]
            if kept:
                self._record_versions(conn, {k: layers[k] for k in kept}, versions or {})
            for name in layers:  # the swap: locks each table only from here to the commit
                self._rename_table(conn, staged[name], name)
            if issues is not None:
                keep_out = sorted(set(layers) if replace_issues_for is None else set(replace_issues_for))
                conn.execute(_sql("DELETE FROM {s}.data_issues WHERE layer = ANY(%s)", self.schema), (keep_out,))
                self._insert_issues(conn, issues_frame(issues))
            self._bump(conn)

    def write_layer(self, kind: str, frame: pd.DataFrame, *, issues: list[Problem] | None = None,
                    keep_issues: bool = False, version: VersionNote | None = None) -> None:
        """Write one layer as its new version and replace its data issues (add to them with `keep_issues`)."""
        self.write_layers({kind: frame}, issues=issues, replace_issues_for=[] if keep_issues else [kind],
                          versions=None if version is None else {kind: version})

    # ---- whole project (copy) ----------------------------------------------------------
    def bundle(self) -> ProjectBundle:
        """Everything the project holds, read in one repeatable-read transaction (a consistent snapshot)."""
        import psycopg

        with self._connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.transaction():
                self._lock_state(conn, "SHARE")  # before the snapshot: running writes finish, new ones wait
                row = conn.execute(_sql("SELECT text FROM {s}.landpark_toml WHERE id = 1", self.schema)).fetchone()
                tables = {}
                for name in self._catalog(conn):
                    if name == DATA_ISSUES:
                        continue
                    frame = self._read_table(conn, name)
                    if frame is None:
                        raise InputError(f"{self.url}: table {name!r} is listed but missing", zh=f"{self.url}：表 {name!r} 缺失")
                    tables[name] = frame
                versions = pd.DataFrame(conn.execute(_sql(
                    "SELECT layer, version, imported_at, valid_from, source, mode, features, stored_as FROM "
                    "{s}.layer_versions ORDER BY layer, version", self.schema)).fetchall(), columns=VERSION_COLUMNS)
                has_issues = conn.execute(_sql("SELECT count(*) FROM {s}.layer_catalog WHERE name = %s", self.schema),
                                          (DATA_ISSUES,)).fetchone()[0] > 0
                issues = pd.DataFrame(conn.execute(_sql(
                    "SELECT layer, feature, field, severity, code, message, value, source, message_zh FROM "
                    "{s}.data_issues ORDER BY _row", self.schema)).fetchall(), columns=ISSUE_COLUMNS)
                mappings = {r[0]: {"mapping": r[1], "source": r[2]} for r in conn.execute(
                    _sql("SELECT kind, mapping, source FROM {s}.field_mappings", self.schema))}
                rasters = {r[0]: bytes(r[1]) for r in conn.execute(_sql("SELECT name, data FROM {s}.rasters", self.schema))}
                secret = read_secret(conn, self.schema)
        return ProjectBundle(config_text="" if row is None else str(row[0]), tables=tables, versions=versions,
                             issues=issues if has_issues else None, mappings=mappings, rasters=rasters, secret=secret)

    def load_bundle(self, bundle: ProjectBundle, *, replace: bool = False) -> None:
        """Make this schema hold exactly `bundle`, in one transaction: a failure leaves the schema as it was.

        An existing Landpark project in the schema is refused unless `replace` (then it is dropped in the same
        transaction)."""
        from psycopg.types.json import Jsonb

        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"landpark-schema:{self.schema}",))
            exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{self.schema}".schema_version',)).fetchone()[0]
            if exists and not replace:
                raise InputError(f"{self.url}: already holds a Landpark project; copy into another schema or replace it",
                                 zh=f"{self.url}：已有 Landpark 项目；请复制到另一个模式，或选择替换")
            if exists:
                conn.execute(_sql("DROP SCHEMA {s} CASCADE", self.schema))
            self._migrate(conn)
            conn.execute(_sql("INSERT INTO {s}.landpark_toml (id, text) VALUES (1, %s)", self.schema), (bundle.config_text,))
            crs = _config_of_bytes(f"{self.url} {CONFIG_NAME}", bundle.config_text.encode("utf-8")).project.crs
            for name, frame in bundle.tables.items():
                self._create_table(conn, name, frame, crs)
            if len(bundle.versions):
                frame = bundle.versions.reindex(columns=VERSION_COLUMNS)
                values = [_column_values(frame[c], "bigint" if c in ("version", "features") else "text")
                          for c in VERSION_COLUMNS]
                from psycopg import sql

                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    _ident(self.schema, VERSIONS_TABLE), sql.SQL(", ").join(map(sql.Identifier, VERSION_COLUMNS)))
                self._copy_rows(conn, statement, zip(*values))
            if bundle.issues is not None:
                self._insert_issues(conn, bundle.issues)
            for kind, entry in bundle.mappings.items():
                conn.execute(_sql("INSERT INTO {s}.field_mappings (kind, mapping, source) VALUES (%s, %s, %s)", self.schema),
                             (kind, Jsonb(dict(entry.get("mapping", {}))), str(entry.get("source", ""))))
            for name, data in bundle.rasters.items():
                conn.execute(_sql("INSERT INTO {s}.rasters (name, data, sha256) VALUES (%s, %s, %s)", self.schema),
                             (name, data, hashlib.sha256(data).hexdigest()))
            if bundle.secret is not None:
                store_secret(conn, self.schema, bundle.secret, replace=True)
            self._bump(conn)

    # ---- rasters ---------------------------------------------------------------------
    def raster_path(self, name: str) -> Path:
        """A local GeoTIFF of raster `name` (materialised from the database into the cache folder when it changed);
        the path of a file that does not exist when the project has no such raster."""
        target = self.root / "rasters" / f"{name}.tif"
        with self._connection() as conn:
            row = conn.execute(_sql("SELECT sha256 FROM {s}.rasters WHERE name = %s", self.schema), (name,)).fetchone()
            if row is None:
                target.unlink(missing_ok=True)
                return target
            if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == row[0]:
                return target
            data = conn.execute(_sql("SELECT data FROM {s}.rasters WHERE name = %s", self.schema), (name,)).fetchone()[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(bytes(data))
        os.replace(tmp, target)
        return target

    def write_raster(self, name: str, array: Any, transform: Any, crs: str) -> Path:
        """Store a single-band float32 GeoTIFF (as `Project.write_raster`) in the database; its local path."""
        import rasterio

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{name}.tif"
            with rasterio.open(path, "w", driver="GTiff", height=array.shape[0], width=array.shape[1], count=1,
                               dtype="float32", crs=crs, transform=transform, nodata=-9999.0,
                               compress="deflate", tiled=True) as dst:
                dst.write(array.astype("float32"), 1)
            data = path.read_bytes()
        with self._connection() as conn, conn.transaction():
            conn.execute(_sql("INSERT INTO {s}.rasters (name, data, sha256) VALUES (%s, %s, %s) ON CONFLICT (name) "
                              "DO UPDATE SET data = EXCLUDED.data, sha256 = EXCLUDED.sha256", self.schema),
                         (name, data, hashlib.sha256(data).hexdigest()))
            self._bump(conn)
        return self.raster_path(name)

    # ---- identity --------------------------------------------------------------------
    def content_hash(self) -> str:
        """Hash of the project's location and revision (every write raises it): the cache key for analysis results."""
        with self._connection() as conn:
            revision = conn.execute(_sql("SELECT revision FROM {s}.project_state WHERE id = 1", self.schema)).fetchone()
        return hashlib.sha256(f"{self.url}:{revision[0] if revision else 0}".encode()).hexdigest()[:16]


def _cache_folder(location: PgLocation) -> Path:
    """The local folder for one database project's materialised files ($LANDPARK_PG_CACHE, else the user cache)."""
    base = Path(os.environ.get("LANDPARK_PG_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                / "landpark" / "postgis")
    slug = hashlib.sha256(location.url.encode("utf-8")).hexdigest()[:12]
    return base / f"{location.dbname}-{location.schema}-{slug}"


def mappings_json(bundle: ProjectBundle) -> str:
    """The bundle's field mappings as the folder's `field_mappings.json` text."""
    return json.dumps(bundle.mappings, ensure_ascii=False, indent=1, sort_keys=True)
