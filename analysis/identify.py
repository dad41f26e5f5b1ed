"""Identify and search: what a person asks of any feature on the map.

A parcel: 宗地号, land-use code and name, area in 亩, owner, supply status with its dates, the firms linked to
it and the units it lies in (with the share inside). A firm: its class, list, land and units. One search
across units (name or id), firms (name or credit code) and 宗地号. No Streamlit: the CLI can reach it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from analysis.land_links import FIRM_COLUMN
from layers.landuse_names import land_use_name
from spatial.transform import reprojected_bounds, transformer

SEARCH_KINDS = ("unit", "firm", "parcel")


def _value(v: Any) -> Any:
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _firms(ev: Any) -> pd.DataFrame:
    """The evaluation's firm table with the credit code as a column (it is the index there)."""
    firms = ev.firms
    return firms if "uscc" in firms.columns else firms.rename_axis("uscc").reset_index()


def _units_of(geometry: Any, inputs: Any) -> list[dict[str, Any]]:
    """The evaluation units a geometry lies in, with the share of its area inside each (points: 1)."""
    units = inputs.units
    if geometry is None or not len(units):
        return []
    geoms = units.geometry.to_numpy()
    hits = shapely.STRtree(geoms).query(geometry, predicate="intersects")
    out = []
    area = shapely.area(geometry)
    for i in hits:
        share = 1.0 if area == 0 else float(shapely.area(shapely.intersection(geometry, geoms[i])) / area)
        if share > 0 or area == 0:
            out.append({"unit_id": str(units["unit_id"].iloc[i]), "unit_kind": str(units["unit_kind"].iloc[i]),
                        "name": str(units["name"].iloc[i]), "share_inside": round(share, 4)})
    return sorted(out, key=lambda u: -u["share_inside"])


def parcel_at(inputs: Any, lon: float, lat: float, *, gcj02: bool = False) -> str | None:
    """The 宗地号 of the parcel containing the map point (lon, lat), or None: a click on a unit also names the parcel
    under it, so parcels inside parks and protection lines stay identifiable. `gcj02`: the point is on AMap tiles."""
    parcels = inputs.parcels
    if not len(parcels) or "parcel_id" not in parcels:
        return None
    if gcj02:
        from spatial.gcj02 import gcj02_to_wgs84

        x, y = gcj02_to_wgs84(lon, lat)
        lon, lat = float(np.asarray(x).ravel()[0]), float(np.asarray(y).ravel()[0])
    x, y = transformer(4326, parcels.crs).transform(lon, lat)  # built once per CRS, not per click
    point = shapely.Point(x, y)
    hits = parcels.sindex.query(point, predicate="intersects")  # the frame keeps its index: built once per project
    return None if len(hits) == 0 else str(parcels["parcel_id"].iloc[int(np.min(hits))])


def parcel_card(inputs: Any, ev: Any, parcel_id: str) -> dict[str, Any] | None:
    """Everything known about one parcel, or None when no parcel has that id."""
    parcels = inputs.parcels
    if "parcel_id" not in parcels or not len(parcels):
        return None
    rows = parcels[parcels["parcel_id"].astype(str) == str(parcel_id)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    firm_code = _value(row.get(FIRM_COLUMN))
    firms = []
    if firm_code is not None and ev is not None and len(ev.firms):
        table = _firms(ev)
        match = table[table["uscc"].astype(str) == str(firm_code)]
        for _, f in match.iterrows():
            firms.append({"uscc": str(f["uscc"]), "name": _value(f.get("name")), "class": _value(f.get("class")),
                          "group": _value(f.get("group"))})
    code = _value(row.get("land_use"))
    return {
        "parcel_id": str(row["parcel_id"]), "land_use": code, "land_use_name": land_use_name(code),
        "land_use_category": _value(row.get("land_use_category")), "area_mu": _value(row.get("area_mu")),
        "owner_name": _value(row.get("owner_name")), "owner_uscc": _value(row.get("owner_uscc")),
        "supply_status": _value(row.get("supply_status")), "supply_date": _value(row.get("supply_date")),
        "agreed_start_date": _value(row.get("agreed_start_date")), "approval_id": _value(row.get("approval_id")),
        "floor_area_m2": _value(row.get("floor_area_m2")), "firms": firms, "duplicates": int(len(rows) - 1),
        "units": _units_of(row.geometry, inputs),
    }


def firm_card(inputs: Any, ev: Any, uscc: str) -> dict[str, Any] | None:
    """A firm as the map's identify shows it: name, class, list, land and the units it is a member of."""
    if ev is None or not len(ev.firms):
        return None
    table = _firms(ev)
    match = table[table["uscc"].astype(str).str.upper() == str(uscc).strip().upper()]
    if match.empty:
        return None
    f = match.iloc[0]
    units = []
    if len(ev.members):
        mine = ev.members[ev.members["uscc"].astype(str) == str(f["uscc"])]
        for _, m in mine.iterrows():
            u = ev.units.iloc[int(m["unit_pos"])]
            units.append({"unit_id": str(u["unit_id"]), "unit_kind": str(u["unit_kind"]), "name": str(u["name"]),
                          "share_inside": _value(m.get("share_inside"))})
    parcels = inputs.parcels
    owned = parcels[parcels[FIRM_COLUMN].astype(str) == str(f["uscc"])] if FIRM_COLUMN in parcels else parcels.iloc[:0]
    industry = f.get("industry")
    if industry is None and "industry" in inputs.enterprises:
        own = inputs.enterprises[inputs.enterprises["uscc"].astype(str) == str(f["uscc"])]
        industry = own["industry"].iloc[0] if len(own) else None
    return {"uscc": str(f["uscc"]), "name": _value(f.get("name")), "industry": _value(industry),
            "class": _value(f.get("class")), "group": _value(f.get("group")), "score": _value(f.get("score")),
            "land_mu": _value(f.get("land_mu")), "parcels": owned["parcel_id"].astype(str).tolist()[:50],
            "units": units}


@dataclass(frozen=True)
class Hit:
    """One search result: its map key ("parks|YQ01", "parcels|P0001", "enterprises|9133…"), kind, label."""

    key: str
    kind: str
    label: str


def search(inputs: Any, ev: Any, text: str, *, limit: int = 20) -> list[Hit]:
    """Units by name or id, firms by name or credit code, parcels by 宗地号: exact matches first, then
    those starting with the text, then containing it; at most `limit`."""
    needle = str(text).strip().upper()
    if not needle:
        return []
    ranked: list[tuple[int, int, Hit]] = []

    def add(keys: pd.Series, labels: pd.Series, texts: list[pd.Series], kind: str, order: int) -> None:
        score = pd.Series(9, index=keys.index)
        for t in texts:
            t = t.astype("string").str.upper().fillna("")
            score = score.where(~t.str.contains(needle, regex=False), score.clip(upper=2))
            score = score.where(~t.str.startswith(needle), score.clip(upper=1))
            score = score.where(t != needle, 0)
        found = score[score < 9].sort_values(kind="stable")
        for i in found.index[:limit]:
            ranked.append((int(found[i]), order, Hit(str(keys[i]), kind, str(labels[i]))))

    units = inputs.units
    if len(units):
        add(units["unit_kind"].astype(str) + "|" + units["unit_id"].astype(str),
            units["name"].astype(str) + "（" + units["unit_id"].astype(str) + "）", [units["name"], units["unit_id"]],
            "unit", 0)
    firms = inputs.enterprises
    if len(firms) and "uscc" in firms:
        names = firms["name"] if "name" in firms else firms["uscc"]
        add("enterprises|" + firms["uscc"].astype(str), names.astype(str) + "（" + firms["uscc"].astype(str) + "）",
            [names, firms["uscc"]], "firm", 1)
    parcels = inputs.parcels
    if len(parcels) and "parcel_id" in parcels:
        add("parcels|" + parcels["parcel_id"].astype(str), "宗地 " + parcels["parcel_id"].astype(str),
            [parcels["parcel_id"]], "parcel", 2)
    ranked.sort(key=lambda r: (r[0], r[1]))
    seen: set[str] = set()
    out = []
    for _, _, hit in ranked:
        if hit.key not in seen:
            seen.add(hit.key)
            out.append(hit)
    return out[:limit]


def bounds_of(inputs: Any, key: str) -> tuple[float, float, float, float] | None:
    """Lon/lat bounds (EPSG:4326) of the feature a map key names, for zooming; None when it has no geometry."""
    kind, _, ident = key.partition("|")
    if kind == "parcels":
        frame, column = inputs.parcels, "parcel_id"
    elif kind == "enterprises":
        frame, column = inputs.enterprises, "uscc"
    else:
        frame, column = inputs.units[inputs.units["unit_kind"].astype(str) == kind], "unit_id"
    if not hasattr(frame, "geometry") or column not in frame or not len(frame):
        return None
    rows = frame[frame[column].astype(str) == ident]
    if rows.empty or rows.geometry.isna().all():
        return None
    b = (reprojected_bounds(rows.geometry.to_numpy(), frame.crs, 4326) if frame.crs is not None
         else tuple(rows.geometry.total_bounds))
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3])) if np.isfinite(b).all() else None
