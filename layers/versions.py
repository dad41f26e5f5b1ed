"""Dated versions of the project's layers, kept inside project.gpkg.

Every write of a layer kind adds a version: the new features become the layer's own table (what analysis
reads by default) and the features they replace are kept in an archive table `<kind>__v<N>`. The table
`layer_versions` lists each version: when it was imported, the date from which it is in force
(`valid_from`; none = since always, as for layers written before versions were kept), where it came from,
how it was imported and how many features it holds. Nothing here deletes a version.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyogrio

from layers.problems import InputError

__all__ = ["ARCHIVE_PATTERN", "VERSIONS_TABLE", "VERSION_COLUMNS", "VersionNote", "archive_name", "is_internal_table",
           "list_versions", "parse_version_date", "version_for", "versions_frame"]

VERSIONS_TABLE = "layer_versions"
ARCHIVE_PATTERN = re.compile(r"^(?P<kind>.+)__v(?P<version>\d+)$")
VERSION_COLUMNS = ["layer", "version", "imported_at", "valid_from", "source", "mode", "features", "stored_as"]


@dataclass(frozen=True)
class VersionNote:
    """What an import says about the version it writes: in force from `valid_from` (ISO date; None = the
    import's own date), its source and the import mode."""

    valid_from: str | None = None
    source: str = ""
    mode: str = "replace"


def archive_name(kind: str, version: int) -> str:
    """The table that keeps version `version` of layer `kind` once a later one replaces it."""
    return f"{kind}__v{version}"


def is_internal_table(name: str) -> bool:
    """Tables of project.gpkg that are bookkeeping, not layers: the version list and the archived versions."""
    return name == VERSIONS_TABLE or ARCHIVE_PATTERN.match(name) is not None


def parse_version_date(text: str | dt.date | None, what: str = "valid_from") -> dt.date | None:
    """An ISO date (YYYY-MM-DD) as a date; a clear error otherwise."""
    if text is None or isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{what} = {text!r}: expected a date as YYYY-MM-DD",
                         zh=f"{what} = {text!r}：应为日期（YYYY-MM-DD）") from None


def versions_frame(path: Path) -> pd.DataFrame:
    """The `layer_versions` table of a GeoPackage (empty with its columns when absent)."""
    if not path.exists() or VERSIONS_TABLE not in [str(n) for n, _ in pyogrio.list_layers(path)]:
        return pd.DataFrame(columns=VERSION_COLUMNS)
    frame = pyogrio.read_dataframe(path, layer=VERSIONS_TABLE, read_geometry=False)
    frame = frame.reindex(columns=VERSION_COLUMNS)
    for column in ("imported_at", "valid_from", "source", "mode", "stored_as", "layer"):  # GDAL reads null text as NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame["version"] = pd.to_numeric(frame["version"], errors="coerce").astype("Int64")
    frame["features"] = pd.to_numeric(frame["features"], errors="coerce").astype("Int64")
    return frame


def list_versions(path: Path, layers: list[str]) -> pd.DataFrame:
    """Every version of every layer in `layers` (the project's current layer tables), oldest first, with a
    `current` column; a layer written before versions were kept shows as version 1 without dates."""
    frame = versions_frame(path)
    listed = set(frame["layer"].astype(str)) if len(frame) else set()
    legacy = [{"layer": kind, "version": 1, "imported_at": None, "valid_from": None, "source": "", "mode": "",
               "features": int(pyogrio.read_info(path, layer=kind).get("features") or 0), "stored_as": kind}
              for kind in layers if kind not in listed]
    if legacy:
        frame = pd.concat([frame, pd.DataFrame(legacy, columns=VERSION_COLUMNS)], ignore_index=True) if len(frame) \
            else pd.DataFrame(legacy, columns=VERSION_COLUMNS)
    frame = frame[frame["layer"].isin(layers)].copy()
    frame["current"] = frame["stored_as"] == frame["layer"]
    return frame.sort_values(["layer", "version"], kind="stable").reset_index(drop=True)


def version_for(versions: pd.DataFrame, kind: str, *, version: int | None = None,
                as_of: dt.date | None = None) -> tuple[pd.Series, str]:
    """The row of `versions` (as `list_versions` gives) to read for layer `kind`, and a note ("" if none).

    `version` picks one by number (InputError listing the versions when absent); `as_of` the version in force
    that day: the latest `valid_from` on or before it (no date = since always; ties go to the later version).
    A day before every version falls back to the earliest, with a note."""
    rows = versions[versions["layer"] == kind]
    if not len(rows):
        raise InputError(f"layer {kind!r} has no versions", zh=f"图层 {kind!r} 没有任何版本")
    if version is not None:
        hit = rows[rows["version"] == version]
        if not len(hit):
            held = ", ".join(str(v) for v in rows["version"])
            raise InputError(f"layer {kind!r} has no version {version} (versions: {held})",
                             zh=f"图层 {kind!r} 没有第 {version} 版（现有版本：{held.replace(', ', '、')}）")
        return hit.iloc[0], ""
    if as_of is None:
        return rows[rows["current"]].iloc[-1] if rows["current"].any() else rows.iloc[-1], ""
    starts = pd.to_datetime(rows["valid_from"], errors="coerce").dt.date
    starts = starts.where(starts.notna(), dt.date.min)
    in_force = rows[(starts <= as_of).to_numpy()]
    if not len(in_force):
        first = rows.iloc[0]
        return first, (f"layer {kind}: no version was in force on {as_of.isoformat()}; the earliest, version "
                       f"{first['version']} (in force from {first['valid_from']}), is used")
    chosen = in_force.assign(_start=starts[(starts <= as_of).to_numpy()]).sort_values(["_start", "version"]).iloc[-1]
    return chosen.drop(labels="_start"), ""
