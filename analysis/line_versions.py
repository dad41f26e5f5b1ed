"""Two versions of the protection lines compared: area by level, what left and what entered, the 占补平衡 ledger,
industrial shares then and now against the [lines] floors, new encroachments and the level rules.

Definitions (all areas ellipsoidal 亩, spatial.area):
  per level (red = 一级, blue = 二级): the union of that level's lines in each version; removed = before − after,
  added = after − before, exploded into pieces; a piece under [lines] min_change_mu is a sliver, counted apart and
  left out of the ledger. A red line turned blue on the same ground is thus a red removal and a blue addition.
  Ledger: levels are taken strictest first; a level's removals are met by its own additions plus the surplus of the
  stricter levels' additions (never the other way): balance = that − removed, shortfall = max(0, −balance),
  平衡 when the shortfall is within balance_tolerance_mu. Totals alone never balance a red removal.
  A line's industrial share: clipped area of parcels whose category is industrial ÷ its area (share_base =
  "line_area", as the unit indicator industrial_share) or ÷ the parcel area inside it ("parcels").
  New encroachment: a parcel of an encroachment category inside a red line now (piece ≥ min_change_mu) that was
  not one before (before lines, before parcels).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import i18n.lines_text  # noqa: F401  (registers the lines_ translation keys)
from i18n import t
from layers.lines_settings import FLOOR_LEVELS, LEVEL_ORDER, LinesFloor, LinesRule, LinesSettings
from spatial.area import area_mu
from spatial.overlay import intersection_area_pairs, intersection_geometry_pairs
from spatial.validity import polygonal_parts, repair

__all__ = ["LineComparison", "compare_lines", "to_json", "format_lines", "code_labels"]

NOISE_M2 = 0.01  # planar overlaps below this (m²) are floating-point noise along shared edges, not contact
IDS_SHOWN = 5    # CLI layout: ids listed per change before "… (N in all)"
STATUSES = ("pass", "fail", "no_data")
VERDICTS = ("balanced", "unbalanced")


@dataclass
class LineComparison:
    """The comparison of two versions of the protection lines (see the module docstring for the definitions)."""

    before_label: str
    after_label: str
    crs: str | None
    settings: LinesSettings
    levels: pd.DataFrame             # one row per level: areas, removed/added, ledger, slivers
    changes: gpd.GeoDataFrame        # one row per removed/added piece (slivers excluded)
    total: dict[str, Any]            # all levels together: area before/after, net, not decreasing
    line_shares: pd.DataFrame        # one row per line id: area, industrial 亩 and share before and after
    floors: list[dict[str, Any]]     # each configured floor with its value and status before and after
    encroachments_new: pd.DataFrame  # parcel_id, line_id, land_use_category, area_mu
    encroachment_counts: dict[str, int]
    rules: list[dict[str, Any]]      # each configured level rule with its status
    parcels_given: bool
    counts: dict[str, int] = field(default_factory=dict)  # lines in each version

    @property
    def balanced(self) -> bool:
        """True when every level's ledger is balanced."""
        return bool((self.levels["verdict"] == "balanced").all())


# ---- geometry helpers ----------------------------------------------------------------------------


def _geoms(frame: gpd.GeoDataFrame | None) -> np.ndarray:
    """The frame's geometries repaired to valid polygons (an empty array for None)."""
    if frame is None or len(frame) == 0:
        return np.empty(0, dtype=object)
    return repair(frame.geometry.to_numpy())


def _union(geoms: np.ndarray) -> shapely.Geometry:
    """The union of `geoms`, polygonal parts only (empty polygon when there are none)."""
    if len(geoms) == 0:
        return shapely.Polygon()
    return polygonal_parts(np.array([shapely.union_all(geoms)], dtype=object))[0]


def _polygon_parts(geom: shapely.Geometry) -> np.ndarray:
    """The single polygons of a (multi)polygon or collection; nothing for an empty geometry."""
    parts = shapely.get_parts(polygonal_parts(np.array([geom], dtype=object)))
    return parts[(shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & ~shapely.is_empty(parts)]


def _mu(geoms: Any, crs: Any) -> np.ndarray:
    """Ellipsoidal 亩 of each geometry (0 for empty); an empty array for no geometry."""
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    return np.zeros(0) if len(arr) == 0 else area_mu(arr, crs)


def _ids_per_row(n: int, rows: np.ndarray, ids: np.ndarray) -> list[list[str]]:
    """For rows 0..n-1: the sorted distinct ids paired with each row."""
    out: list[list[str]] = [[] for _ in range(n)]
    if len(rows):
        grouped = pd.Series(ids.astype(str)).groupby(rows).agg(lambda s: sorted(set(s)))
        for row, values in grouped.items():
            out[int(row)] = values
    return out


def _touching(pieces: np.ndarray, frame: gpd.GeoDataFrame | None, geoms: np.ndarray, id_column: str) -> list[list[str]]:
    """For each piece: the ids of the features of `frame` it overlaps (interiors, beyond noise)."""
    if frame is None or len(frame) == 0 or len(pieces) == 0:
        return [[] for _ in range(len(pieces))]
    pi, fi, planar = intersection_area_pairs(pieces, geoms)
    keep = planar > NOISE_M2
    return _ids_per_row(len(pieces), pi[keep], frame[id_column].to_numpy()[fi[keep]])


def _in_crs(frame: Any, crs: Any) -> Any:
    """`frame` in `crs` (unchanged when either CRS is unknown or they agree), with a fresh 0..n-1 index."""
    if frame is None:
        return None
    if crs is not None and frame.crs is not None and frame.crs != crs:
        frame = frame.to_crs(crs)
    return frame.reset_index(drop=True)


def _levels_of(lines: gpd.GeoDataFrame) -> np.ndarray:
    """The level of each line as text (red / blue)."""
    if len(lines) == 0:
        return np.empty(0, dtype=object)
    return lines["level"].astype(str).str.strip().str.lower().to_numpy()


def _level_mask(levels: np.ndarray, level: str) -> np.ndarray:
    """Lines of `level` ("all": every line)."""
    return np.ones(len(levels), dtype=bool) if level == "all" else levels == level


# ---- parcels inside lines ------------------------------------------------------------------------


@dataclass
class _Land:
    """Parcels clipped to the lines of one version: the pieces and per-line sums."""

    parcel_pos: np.ndarray
    line_pos: np.ndarray
    mu: np.ndarray
    table: pd.DataFrame  # line_id, name, level, area_mu, parcel_mu, industrial_mu, share


def _line_land(lines: gpd.GeoDataFrame, geoms: np.ndarray, parcels: gpd.GeoDataFrame | None, parcel_geoms: np.ndarray,
               industrial: np.ndarray, share_base: str, crs: Any) -> _Land:
    """Each line's area, parcel area, industrial area and industrial share (None without parcel inside)."""
    n = len(lines)
    line_mu = _mu(geoms, crs)
    if parcels is None or len(parcels) == 0 or n == 0:
        pi = li = np.empty(0, dtype=np.intp)
        mu = np.zeros(0)
    else:
        pi, li, pieces = intersection_geometry_pairs(parcel_geoms, geoms)
        mu = _mu(pieces, crs)
    parcel_mu = np.bincount(li, weights=mu, minlength=n)
    industrial_mu = np.bincount(li, weights=mu * industrial[pi], minlength=n) if len(pi) else np.zeros(n)
    base = line_mu if share_base == "line_area" else parcel_mu
    share = np.divide(industrial_mu, base, out=np.full(n, np.nan), where=(parcel_mu > 0) & (base > 0))
    table = pd.DataFrame({"line_id": lines["line_id"].astype(str).to_numpy() if n else [],
                          "name": lines["name"].to_numpy() if n and "name" in lines else [None] * n,
                          "level": _levels_of(lines), "area_mu": line_mu, "parcel_mu": parcel_mu,
                          "industrial_mu": industrial_mu, "share": share})
    return _Land(pi, li, mu, table)


def _inside_mu(parcel_geoms: np.ndarray, mask: np.ndarray, union: shapely.Geometry, crs: Any) -> float:
    """Ellipsoidal 亩 of the parcels selected by `mask` clipped to `union`."""
    if not mask.any() or shapely.is_empty(union):
        return 0.0
    _, _, pieces = intersection_geometry_pairs(parcel_geoms[mask], np.array([union], dtype=object))
    return float(_mu(pieces, crs).sum())


# ---- the comparison ------------------------------------------------------------------------------


@dataclass
class _Version:
    """One version's lines with their geometries, levels and per-level unions."""

    lines: gpd.GeoDataFrame
    geoms: np.ndarray
    levels: np.ndarray
    unions: dict[str, shapely.Geometry]


def _version(lines: gpd.GeoDataFrame, crs: Any) -> _Version:
    """Lines in the project CRS with their per-level unions (and "all")."""
    lines = _in_crs(lines, crs)
    geoms, levels = _geoms(lines), _levels_of(lines)
    unions = {level: _union(geoms[_level_mask(levels, level)]) for level in FLOOR_LEVELS}
    return _Version(lines, geoms, levels, unions)


def _changes(before: _Version, after: _Version, settings: LinesSettings, crs: Any
             ) -> tuple[gpd.GeoDataFrame, dict[str, dict[str, float]]]:
    """Removed and added pieces per level (slivers apart) and, per level, the kept and sliver sums."""
    rows: list[tuple[str, str, np.ndarray, np.ndarray]] = []
    sums: dict[str, dict[str, float]] = {}
    for level in LEVEL_ORDER:
        sums[level] = {}
        for kind, a, b in (("removed", before, after), ("added", after, before)):
            parts = _polygon_parts(shapely.difference(a.unions[level], b.unions[level]))
            mu = _mu(parts, crs)
            keep = mu >= settings.min_change_mu
            order = np.argsort(-mu[keep], kind="stable")
            rows.append((kind, level, parts[keep][order], mu[keep][order]))
            sums[level][f"{kind}_mu"] = float(mu[keep].sum())
            sums[level][f"sliver_{kind}_mu"] = float(mu[~keep].sum())
            sums[level][f"sliver_{kind}_count"] = int((~keep).sum())
    pieces = np.concatenate([r[2] for r in rows]) if rows else np.empty(0, dtype=object)
    frame = gpd.GeoDataFrame({
        "change_id": np.arange(1, len(pieces) + 1),
        "kind": pd.Series([r[0] for r in rows for _ in r[2]], dtype=object),
        "level": pd.Series([r[1] for r in rows for _ in r[2]], dtype=object),
        "area_mu": np.concatenate([r[3] for r in rows]).astype(float),
    }, geometry=gpd.GeoSeries(pieces, crs=crs), crs=crs)
    return frame, sums


def _annotate(changes: gpd.GeoDataFrame, before: _Version, after: _Version, parcels: gpd.GeoDataFrame | None,
              parcel_geoms: np.ndarray, units: gpd.GeoDataFrame | None, crs: Any) -> gpd.GeoDataFrame:
    """Add to each piece the line ids of both versions, the 亩 it holds of other levels, parcels and units touched."""
    pieces = changes.geometry.to_numpy()
    changes["before_line_ids"] = _touching(pieces, before.lines, before.geoms, "line_id")
    changes["after_line_ids"] = _touching(pieces, after.lines, after.geoms, "line_id")
    # a removed piece may now lie in another level's lines (red → blue); an added one may have been in another before
    other = np.empty(len(changes), dtype=object)
    other[:] = [{} for _ in range(len(changes))]
    removed = (changes["kind"] == "removed").to_numpy()
    for level in LEVEL_ORDER:
        for kind_mask, version in ((removed, after), (~removed, before)):
            mask = kind_mask & (changes["level"] != level).to_numpy()
            if not mask.any() or shapely.is_empty(version.unions[level]):
                continue
            mu = _mu(shapely.intersection(pieces[mask], version.unions[level]), crs)
            for i, value in zip(np.flatnonzero(mask), mu):
                if value > 0:
                    other[i][level] = float(value)
    changes["other_levels_mu"] = other
    changes["parcel_ids"] = _touching(pieces, parcels, parcel_geoms, "parcel_id") if parcels is not None else \
        [[] for _ in range(len(changes))]
    unit_geoms = _geoms(units)
    changes["unit_ids"] = _touching(pieces, units, unit_geoms, "unit_id") if units is not None else \
        [[] for _ in range(len(changes))]
    return changes


def _ledger(before: _Version, after: _Version, sums: dict[str, dict[str, float]], tolerance: float, crs: Any
            ) -> pd.DataFrame:
    """Per level, strictest first: areas, removed/added, what the stricter levels' surplus covers, balance, verdict."""
    rows = []
    carry = 0.0  # surplus additions of stricter levels, available to less strict ones
    for level in LEVEL_ORDER:
        area_before = float(_mu([before.unions[level]], crs)[0])
        area_after = float(_mu([after.unions[level]], crs)[0])
        s = sums[level]
        removed, added = s["removed_mu"], s["added_mu"]
        balance = added + carry - removed
        from_stricter = min(carry, max(0.0, removed - added))
        shortfall = max(0.0, -balance)
        rows.append({"level": level, "area_before_mu": area_before, "area_after_mu": area_after,
                     "net_mu": area_after - area_before, "not_decreasing": area_after >= area_before - tolerance,
                     "removed_mu": removed, "added_mu": added, "from_stricter_mu": from_stricter, "balance_mu": balance,
                     "shortfall_mu": shortfall, "verdict": "balanced" if shortfall <= tolerance else "unbalanced", **s})
        carry = max(0.0, balance)
    return pd.DataFrame(rows)


def _status(values: Iterable[bool]) -> str:
    """pass when every check holds, fail when one does not, no_data without any check."""
    values = list(values)
    return "no_data" if not values else ("pass" if all(values) else "fail")


def _floor(floor: LinesFloor, versions: dict[str, tuple[_Version, _Land | None, np.ndarray, np.ndarray]],
           crs: Any) -> dict[str, Any]:
    """One floor's value and status before and after (per_line: the lowest share and the lines below the floor)."""
    out: dict[str, Any] = {"name": floor.name, "share": floor.share, "scope": floor.scope, "level": floor.level,
                           "source": floor.source}
    for key, (version, land, parcel_geoms, industrial) in versions.items():
        if land is None:
            out[key] = {"value": None, "status": "no_data", "failing": []}
            continue
        union = version.unions[floor.level]
        if floor.scope == "per_line":
            table = land.table[_level_mask(version.levels, floor.level)]
            known = table[np.isfinite(table["share"].to_numpy(dtype=float))]
            below = known[known["share"] < floor.share]
            out[key] = {"value": float(known["share"].min()) if len(known) else None, "lines": int(len(known)),
                        "status": _status(known["share"] >= floor.share),
                        "failing": [{"line_id": r.line_id, "share": float(r.share)} for r in below.itertuples()]}
            continue
        inside = _inside_mu(parcel_geoms, industrial, union, crs)
        if floor.scope == "district_in_lines":
            total = float(_mu(parcel_geoms[industrial], crs).sum()) if industrial.any() else 0.0
        else:  # lines_total
            total = float(_mu([union], crs)[0])
        value = inside / total if total > 0 else None
        out[key] = {"value": value, "numerator_mu": inside, "denominator_mu": total,
                    "status": "no_data" if value is None else ("pass" if value >= floor.share else "fail"), "failing": []}
    return out


def _category_share(version: _Version, land: _Land, parcels: gpd.GeoDataFrame, rule: LinesRule, share_base: str
                    ) -> pd.DataFrame:
    """Per line of the rule's level: area of the rule's categories inside ÷ the share base."""
    category = parcels["land_use_category"].to_numpy()[land.parcel_pos] if "land_use_category" in parcels else \
        np.full(len(land.parcel_pos), None)
    hit = np.isin(category, list(rule.categories))
    n = len(land.table)
    mu = np.bincount(land.line_pos, weights=land.mu * hit, minlength=n) if len(land.line_pos) else np.zeros(n)
    table = land.table.assign(category_mu=mu)
    base = table["area_mu"] if share_base == "line_area" else table["parcel_mu"]
    table["value"] = np.divide(mu, base.to_numpy(), out=np.full(n, np.nan), where=(table["parcel_mu"] > 0).to_numpy())
    return table[_level_mask(version.levels, rule.level)]


def _rule(rule: LinesRule, versions: dict[str, tuple[_Version, _Land | None, np.ndarray, np.ndarray]],
          parcel_frames: dict[str, gpd.GeoDataFrame | None], constraints: gpd.GeoDataFrame | None,
          settings: LinesSettings, crs: Any) -> dict[str, Any]:
    """One level rule checked on both versions; the status is the after version's (industrial_not_decreasing: the change)."""
    out: dict[str, Any] = {"name": rule.name, "kind": rule.kind, "level": rule.level, "source": rule.source,
                           "share": rule.share, "categories": list(rule.categories), "constraint_kind": rule.constraint_kind}
    values: dict[str, float | None] = {}
    items: list[dict[str, Any]] = []
    status = "no_data"
    if rule.kind == "industrial_not_decreasing":
        for key, (version, land, parcel_geoms, industrial) in versions.items():
            values[key] = None if land is None else _inside_mu(parcel_geoms, industrial, version.unions[rule.level], crs)
        if values["before"] is not None and values["after"] is not None:
            status = "pass" if values["after"] >= values["before"] - settings.balance_tolerance_mu else "fail"
    elif rule.kind == "max_category_share":
        for key, (version, land, _, _) in versions.items():
            frame = parcel_frames[key]
            if land is None or frame is None:
                values[key] = None
                continue
            table = _category_share(version, land, frame, rule, settings.share_base)
            known = table[np.isfinite(table["value"].to_numpy(dtype=float))]
            values[key] = float(known["value"].max()) if len(known) else None
            if key == "after":
                over = known[known["value"] > (rule.share or 0.0)]
                items = [{"line_id": r.line_id, "value": float(r.value), "area_mu": float(r.category_mu)}
                         for r in over.itertuples()]
                status = _status(known["value"] <= (rule.share or 0.0))
    else:  # outside_constraint
        chosen = None if constraints is None or "kind" not in constraints else \
            _in_crs(constraints[constraints["kind"] == rule.constraint_kind], crs)
        if chosen is not None and len(chosen):
            zone = _union(_geoms(chosen))
            for key, (version, _, _, _) in versions.items():
                mask = _level_mask(version.levels, rule.level)
                values[key] = float(_mu([shapely.intersection(version.unions[rule.level], zone)], crs)[0])
                if key == "after" and mask.any():
                    geoms = version.geoms[mask]
                    mu = _mu(shapely.intersection(geoms, zone), crs)
                    ids = version.lines["line_id"].astype(str).to_numpy()[mask]
                    items = [{"line_id": i, "area_mu": float(m)} for i, m in zip(ids, mu) if m > settings.balance_tolerance_mu]
            status = "pass" if (values.get("after") or 0.0) <= settings.balance_tolerance_mu else "fail"
        else:
            values = {"before": None, "after": None}
    out.update({"before": values.get("before"), "after": values.get("after"), "status": status, "items": items})
    return out


def _encroachments(version: _Version, land: _Land | None, parcels: gpd.GeoDataFrame | None, categories: set[str],
                   min_mu: float) -> pd.DataFrame:
    """Parcels of encroachment categories inside red lines (pieces ≥ min_mu): parcel, line, category, 亩 inside."""
    columns = ["parcel_id", "line_id", "land_use_category", "area_mu"]
    if land is None or parcels is None or "land_use_category" not in parcels or not len(land.parcel_pos):
        return pd.DataFrame(columns=columns)
    category = parcels["land_use_category"].to_numpy()[land.parcel_pos]
    hit = (version.levels[land.line_pos] == "red") & np.isin(category, list(categories)) & (land.mu >= min_mu)
    return pd.DataFrame({"parcel_id": parcels["parcel_id"].astype(str).to_numpy()[land.parcel_pos[hit]],
                         "line_id": version.lines["line_id"].astype(str).to_numpy()[land.line_pos[hit]],
                         "land_use_category": category[hit], "area_mu": land.mu[hit]}, columns=columns)


def compare_lines(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, *, parcels: gpd.GeoDataFrame | None,
                  units: gpd.GeoDataFrame | None, settings: LinesSettings, industrial_categories: Iterable[str],
                  encroachment_categories: Iterable[str], before_label: str, after_label: str,
                  parcels_before: gpd.GeoDataFrame | None = None, constraints: gpd.GeoDataFrame | None = None
                  ) -> LineComparison:
    """Compare two versions of the protection lines (fields line_id, name, level; the project's projected CRS).

    `parcels` are the land now (and then, unless `parcels_before` gives the land as of the earlier version);
    `units` the other unit layers stacked (unit_id, unit_kind, name); `constraints` (kind) for outside_constraint rules.
    `industrial_categories` are the categories counted industrial (warehouse included when the project says so).
    """
    crs = after.crs or before.crs
    v_before, v_after = _version(before, crs), _version(after, crs)
    parcel_frames = {"before": parcels_before if parcels_before is not None else parcels, "after": parcels}
    industrial_set, encroaching = set(industrial_categories), set(encroachment_categories)
    versions: dict[str, tuple[_Version, _Land | None, np.ndarray, np.ndarray]] = {}
    for key, version in (("before", v_before), ("after", v_after)):
        frame = parcel_frames[key]
        frame = parcel_frames[key] = _in_crs(frame, crs)
        geoms = _geoms(frame)
        industrial = (frame["land_use_category"].isin(industrial_set).to_numpy() if frame is not None and
                      "land_use_category" in frame else np.zeros(len(geoms), dtype=bool))
        land = None if frame is None else _line_land(version.lines, version.geoms, frame, geoms, industrial,
                                                     settings.share_base, crs)
        versions[key] = (version, land, geoms, industrial)
    units = _in_crs(units, crs)
    changes, sums = _changes(v_before, v_after, settings, crs)
    changes = _annotate(changes, v_before, v_after, parcel_frames["after"], versions["after"][2], units, crs)
    levels = _ledger(v_before, v_after, sums, settings.balance_tolerance_mu, crs)
    total_before = float(_mu([v_before.unions["all"]], crs)[0])
    total_after = float(_mu([v_after.unions["all"]], crs)[0])
    total = {"area_before_mu": total_before, "area_after_mu": total_after, "net_mu": total_after - total_before,
             "not_decreasing": total_after >= total_before - settings.balance_tolerance_mu}
    shares = _shares_table(versions)
    enc = {key: _encroachments(versions[key][0], versions[key][1], parcel_frames[key], encroaching, settings.min_change_mu)
           for key in ("before", "after")}
    new = enc["after"][~enc["after"]["parcel_id"].isin(set(enc["before"]["parcel_id"]))].reset_index(drop=True)
    return LineComparison(
        before_label, after_label, None if crs is None else crs.to_string(), settings, levels, changes, total, shares,
        [_floor(f, versions, crs) for f in settings.floors], new,
        {key: int(enc[key]["parcel_id"].nunique()) for key in enc},
        [_rule(r, versions, parcel_frames, constraints, settings, crs) for r in settings.rules],
        parcels is not None, {"before": len(v_before.lines), "after": len(v_after.lines)})


def _shares_table(versions: dict[str, tuple[_Version, _Land | None, np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """One row per line id of either version: name, level, area, industrial 亩 and share before and after."""
    parts = []
    for key, (version, land, _, _) in versions.items():
        table = land.table if land is not None else pd.DataFrame({
            "line_id": version.lines["line_id"].astype(str).to_numpy() if len(version.lines) else [],
            "name": version.lines["name"].to_numpy() if "name" in version.lines else [None] * len(version.lines),
            "level": version.levels, "area_mu": np.full(len(version.lines), np.nan),
            "industrial_mu": np.full(len(version.lines), np.nan), "share": np.full(len(version.lines), np.nan)})
        parts.append(table[["line_id", "name", "level", "area_mu", "industrial_mu", "share"]]
                     .drop_duplicates("line_id").set_index("line_id").add_suffix(f"_{key}"))
    merged = parts[0].join(parts[1], how="outer")
    merged["name"] = merged["name_after"].where(merged["name_after"].notna(), merged["name_before"])
    return merged.drop(columns=["name_before", "name_after"]).reset_index()


# ---- JSON and text -------------------------------------------------------------------------------


def _num(value: Any) -> float | None:
    """A plain float, None for missing or non-finite values."""
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _text(value: Any) -> str | None:
    """A plain string, None for missing values."""
    return None if value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NA else str(value)


def to_json(cmp: LineComparison) -> dict[str, Any]:
    """The comparison as plain JSON types: per level the areas, ledger and changes (GeoJSON geometry in the project CRS)."""
    changes = cmp.changes
    geojson = shapely.to_geojson(changes.geometry.to_numpy()) if len(changes) else []
    change_rows = [{"change_id": int(r.change_id), "kind": r.kind, "level": r.level, "area_mu": float(r.area_mu),
                    "before_line_ids": list(r.before_line_ids), "after_line_ids": list(r.after_line_ids),
                    "other_levels_mu": {k: float(v) for k, v in r.other_levels_mu.items()},
                    "parcel_ids": list(r.parcel_ids), "unit_ids": list(r.unit_ids), "geometry": json.loads(g)}
                   for r, g in zip(changes.itertuples(), geojson)]
    levels = []
    for r in cmp.levels.to_dict("records"):
        levels.append({
            "level": r["level"], "area_before_mu": r["area_before_mu"], "area_after_mu": r["area_after_mu"],
            "net_mu": r["net_mu"], "not_decreasing": bool(r["not_decreasing"]), "removed_mu": r["removed_mu"],
            "added_mu": r["added_mu"], "from_stricter_mu": r["from_stricter_mu"], "balance_mu": r["balance_mu"],
            "shortfall_mu": r["shortfall_mu"], "verdict": r["verdict"],
            "slivers": {"removed_count": int(r["sliver_removed_count"]), "removed_mu": r["sliver_removed_mu"],
                        "added_count": int(r["sliver_added_count"]), "added_mu": r["sliver_added_mu"]},
            "changes": [c for c in change_rows if c["level"] == r["level"]]})
    shares = [{"line_id": r["line_id"], "name": _text(r["name"]), "level_before": _text(r["level_before"]),
               "level_after": _text(r["level_after"]), "area_before_mu": _num(r["area_mu_before"]),
               "area_after_mu": _num(r["area_mu_after"]), "industrial_before_mu": _num(r["industrial_mu_before"]),
               "industrial_after_mu": _num(r["industrial_mu_after"]), "share_before": _num(r["share_before"]),
               "share_after": _num(r["share_after"])} for r in cmp.line_shares.to_dict("records")]
    s = cmp.settings
    return {
        "before": {"label": cmp.before_label, "lines": cmp.counts.get("before", 0)},
        "after": {"label": cmp.after_label, "lines": cmp.counts.get("after", 0)},
        "crs": cmp.crs,
        "settings": {"min_change_mu": s.min_change_mu, "balance_tolerance_mu": s.balance_tolerance_mu,
                     "share_base": s.share_base},
        "balanced": cmp.balanced,
        "total": dict(cmp.total),
        "levels": levels,
        "parcels_given": cmp.parcels_given,
        "line_shares": shares,
        "floors": json.loads(json.dumps(cmp.floors)),
        "encroachments": {"before_count": cmp.encroachment_counts.get("before", 0),
                          "after_count": cmp.encroachment_counts.get("after", 0),
                          "new": [{"parcel_id": r["parcel_id"], "line_id": r["line_id"],
                                   "land_use_category": _text(r["land_use_category"]), "area_mu": float(r["area_mu"])}
                                  for r in cmp.encroachments_new.to_dict("records")]},
        "rules": json.loads(json.dumps(cmp.rules)),
    }


def _pad(text: str, width: int, left: bool = False) -> str:
    """`text` aligned in `width` terminal columns (a CJK character takes two); right-aligned unless `left`."""
    fill = " " * max(width - sum(2 if ord(ch) > 0x2E80 else 1 for ch in text), 0)
    return text + fill if left else fill + text


def _table(head: list[str], body: list[list[str]], left: Iterable[int] = (), indent: str = "  ") -> list[str]:
    """Rows with aligned columns (numbers right-aligned, the `left` columns left-aligned)."""
    left = set(left)
    widths = [max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in r[i]) for r in [head, *body]) for i in range(len(head))]
    return [indent + " ".join(_pad(c, w, i in left) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in [head, *body]]


def _ids(ids: list[str], lang: str) -> str:
    """Up to IDS_SHOWN ids, then how many in all."""
    from i18n.numbers import MISSING

    if not ids:
        return MISSING
    sep = "、" if lang == "zh" else ", "
    shown = sep.join(ids[:IDS_SHOWN])
    return shown if len(ids) <= IDS_SHOWN else t("lines_ids_more", lang).format(ids=shown, n=len(ids))


def code_labels(lang: str) -> dict[str, dict[str, str]]:
    """Display labels of the codes the comparison reports (levels, verdicts, statuses, change kinds, floor scopes,
    rule kinds), keys written out so that the translation scan (tests/test_i18n.py) can follow them."""
    return {
        "level": {"red": t("lines_level_red", lang), "blue": t("lines_level_blue", lang), "all": t("lines_level_all", lang)},
        "verdict": {"balanced": t("lines_verdict_balanced", lang), "unbalanced": t("lines_verdict_unbalanced", lang)},
        "status": {"pass": t("lines_status_pass", lang), "fail": t("lines_status_fail", lang),
                   "no_data": t("lines_status_no_data", lang)},
        "kind": {"removed": t("lines_kind_removed", lang), "added": t("lines_kind_added", lang)},
        "scope": {"per_line": t("lines_scope_per_line", lang), "district_in_lines": t("lines_scope_district_in_lines", lang),
                  "lines_total": t("lines_scope_lines_total", lang)},
        "rule": {"industrial_not_decreasing": t("lines_rule_industrial_not_decreasing", lang),
                 "max_category_share": t("lines_rule_max_category_share", lang),
                 "outside_constraint": t("lines_rule_outside_constraint", lang)},
        "version": {"before": t("lines_before", lang), "after": t("lines_after", lang)},
    }


def _level_label(level: str | None, lang: str) -> str:
    """A level's display name (一级（红线）…); the em dash for none."""
    from i18n.numbers import MISSING

    return MISSING if level is None else code_labels(lang)["level"].get(level, level)


def format_lines(doc: dict, lang: str = "zh") -> str:
    """The comparison as text (the `landpark lines` output): areas and ledger per level, changes, shares against the
    floors, new encroachments and level rules, columns aligned in terminal cells."""
    from i18n.numbers import MISSING, format_mu

    def mu(value: Any) -> str:
        """亩 with one decimal."""
        return format_mu(value if value is None else round(float(value), 1) + 0.0)  # + 0.0: no "-0.0"

    def yes(value: bool) -> str:
        """是 / 否."""
        return t("lines_yes" if value else "lines_no", lang)

    labels = code_labels(lang)
    out = [t("lines_header", lang).format(before=doc["before"]["label"], after=doc["after"]["label"],
                                          n_before=doc["before"]["lines"], n_after=doc["after"]["lines"]),
           t("lines_definition", lang).format(min=f"{doc['settings']['min_change_mu']:g}",
                                              tol=f"{doc['settings']['balance_tolerance_mu']:g}")]
    head = [t(f"lines_col_{k}", lang) for k in ("level", "before", "after", "net", "not_decreasing", "removed", "added",
                                                "from_stricter", "balance", "verdict")]
    body = [[_level_label(x["level"], lang), mu(x["area_before_mu"]), mu(x["area_after_mu"]), mu(x["net_mu"]),
             yes(x["not_decreasing"]), mu(x["removed_mu"]), mu(x["added_mu"]), mu(x["from_stricter_mu"]),
             mu(x["balance_mu"]), labels["verdict"][x["verdict"]]] for x in doc["levels"]]
    total = doc["total"]
    body.append([t("lines_total_row", lang), mu(total["area_before_mu"]), mu(total["area_after_mu"]), mu(total["net_mu"]),
                 yes(total["not_decreasing"]), "", "", "", "",
                 t("lines_verdict_balanced" if doc["balanced"] else "lines_verdict_unbalanced", lang)])
    out += ["", t("lines_levels", lang), *_table(head, body, left=(0,))]
    for x in doc["levels"]:
        if x["verdict"] == "unbalanced":
            out.append("  " + t("lines_shortfall", lang).format(level=_level_label(x["level"], lang),
                                                                removed=mu(x["removed_mu"]),
                                                                available=mu(x["added_mu"] + x["from_stricter_mu"]),
                                                                shortfall=mu(x["shortfall_mu"])))
        sl = x["slivers"]
        if sl["removed_count"] or sl["added_count"]:
            out.append("  " + t("lines_slivers", lang).format(level=_level_label(x["level"], lang),
                                                              n=sl["removed_count"] + sl["added_count"],
                                                              removed=mu(sl["removed_mu"]), added=mu(sl["added_mu"])))
    changes = [c for x in doc["levels"] for c in x["changes"]]
    out += ["", t("lines_changes", lang).format(n=len(changes))]
    if not changes:
        out.append("  " + t("lines_no_changes", lang))
    else:
        head = [t(f"lines_col_{k}", lang) for k in ("change", "kind", "level", "area", "other_levels", "before_lines",
                                                    "after_lines", "parcels", "units")]
        sep = "、" if lang == "zh" else ", "
        body = [[str(c["change_id"]), labels["kind"][c["kind"]], _level_label(c["level"], lang), mu(c["area_mu"]),
                 sep.join(f"{_level_label(k, lang)} {mu(v)}" for k, v in c["other_levels_mu"].items()) or MISSING,
                 _ids(c["before_line_ids"], lang), _ids(c["after_line_ids"], lang),
                 _ids(c["parcel_ids"], lang), _ids(c["unit_ids"], lang)] for c in changes]
        out += _table(head, body, left=(1, 2, 4, 5, 6, 7, 8))
    out += _shares_text(doc, lang)
    return "\n".join(out)


def _shares_text(doc: dict, lang: str) -> list[str]:
    """The line shares, floors, new encroachments and rules of `format_lines`."""
    from analysis.supply_mix import code_labels as supply_labels
    from i18n.numbers import MISSING, format_mu, format_ratio

    labels, categories = code_labels(lang), supply_labels(lang)["category"]
    out = ["", t("lines_shares", lang)]
    if not doc["parcels_given"]:
        out.append("  " + t("lines_no_parcels", lang))
    else:
        head = [t(f"lines_col_{k}", lang) for k in ("line", "name", "level_before", "level_after", "share_before", "share_after")]
        body = [[x["line_id"], x["name"] or MISSING, _level_label(x["level_before"], lang), _level_label(x["level_after"], lang),
                 format_ratio(x["share_before"]), format_ratio(x["share_after"])] for x in doc["line_shares"]]
        out += _table(head, body, left=(0, 1, 2, 3))
    out += ["", t("lines_floors", lang)]
    if not doc["floors"]:
        out.append("  " + t("lines_no_floors", lang))
    for f in doc["floors"]:
        out.append("  " + t("lines_floor_line", lang).format(name=f["name"], share=format_ratio(f["share"]),
                                                             scope=labels["scope"][f["scope"]],
                                                             level=_level_label(f["level"], lang)))
        label_width = max(len(v) for v in labels["version"].values()) * (2 if lang == "zh" else 1)
        for key in ("before", "after"):
            v = f[key]
            failing = ("、" if lang == "zh" else ", ").join(f"{x['line_id']} {format_ratio(x['share'])}" for x in v["failing"])
            out.append("    " + _pad(labels["version"][key], label_width, left=True) + "  " + _pad(format_ratio(v["value"]), 6)
                       + "  " + labels["status"][v["status"]]
                       + (("  " + t("lines_failing", lang).format(lines=failing)) if failing else ""))
        out.append("    " + t("lines_source", lang).format(source=f["source"]))
    enc = doc["encroachments"]
    if doc["parcels_given"]:
        out += ["", t("lines_encroachments", lang).format(before=enc["before_count"], after=enc["after_count"],
                                                          new=len(enc["new"]))]
    if enc["new"]:
        head = [t(f"lines_col_{k}", lang) for k in ("parcel", "line", "category", "area")]
        body = [[x["parcel_id"], x["line_id"], categories.get(x["land_use_category"] or "unknown", MISSING),
                 format_mu(x["area_mu"])] for x in enc["new"]]
        out += _table(head, body, left=(0, 1, 2))
    out += ["", t("lines_rules", lang)]
    if not doc["rules"]:
        out.append("  " + t("lines_no_rules", lang))
    for r in doc["rules"]:
        out.append("  " + t("lines_rule_line", lang).format(name=r["name"], level=_level_label(r["level"], lang),
                                                            status=labels["status"][r["status"]]))
        fmt = format_ratio if r["kind"] == "max_category_share" else format_mu
        out.append("    " + labels["rule"][r["kind"]].format(before=fmt(r["before"]), after=fmt(r["after"]),
                                                                      share=format_ratio(r["share"])))
        for item in r["items"]:
            value = format_ratio(item["value"]) if "value" in item else format_mu(item["area_mu"]) + " " + t("lines_mu", lang)
            out.append(f"    {item['line_id']}  {value}")
        out.append("    " + t("lines_source", lang).format(source=r["source"]))
    return out
