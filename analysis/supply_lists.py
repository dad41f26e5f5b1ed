"""批而未供 and idle land: the parcels behind the district's supply figures, each with where it lies.

Three lists, disjoint by construction (a parcel has one supply status):
  unsupplied    status 批而未供 (approved, not supplied); with the years since its batch was approved;
  idle          status 闲置, as recorded by the bureau;
  idle_by_date  status 已供未建 but not started a full `[supply] idle_after_days` after the agreed start
                date (闲置土地处置办法 art. 2): the `idle_by_date` flag of `analysis.units.parcel_flags`.
Each row names the evaluation unit holding the parcel (the most specific kind holding at least
`[units] member_min_share` of it, as for enterprise members) and every unit that holds that share,
and the parcel's owner (credit code and name, as the parcels layer records them).

`filter_lists` and `sort_lists` are the 供地分析 page's filters and orders, as plain functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.units import UNIT_PRIORITY, overlay_units
from layers.config import Config, config_from_dict

__all__ = ["CATEGORY_COLOURS", "LIST_CATEGORIES", "SORT_ORDERS", "UNIT_PRIORITY", "evaluation_date", "filter_lists",
           "land_lists", "list_summary", "sort_lists"]

LIST_CATEGORIES = ("unsupplied", "idle", "idle_by_date")
# The colour of each list on the page's map and in the exported selection's QGIS style.
CATEGORY_COLOURS = {"unsupplied": "#f0a202", "idle": "#d7263d", "idle_by_date": "#7b2cbf"}
LIST_COLUMNS = ["parcel_id", "category", "supply_status", "land_use", "area_mu", "approval_id", "approved_date",
                "years_since_approval", "supply_date", "agreed_start_date", "days_since_agreed_start",
                "unit_id", "unit_name", "unit_kind", "units", "owner_uscc", "owner_name"]
OWNER_COLUMNS = ("owner_uscc", "owner_name")
# Orders of the list: (column, ascending) keys applied in turn, the parcel id breaking ties.
SORT_ORDERS: dict[str, tuple[tuple[str, bool], ...]] = {
    "category": (("category_rank", True), ("area_mu", False)),
    "area_desc": (("area_mu", False),),
    "area_asc": (("area_mu", True),),
    "parcel_id": (),
    "years_desc": (("years_since_approval", False), ("area_mu", False)),
    "days_desc": (("days_since_agreed_start", False), ("area_mu", False)),
}


def evaluation_date(config: Config | Mapping[str, Any]) -> pd.Timestamp:
    """The evaluation date of `[project]` (validated; the shipped default when a partial dict lacks it)."""
    return pd.Timestamp(config_from_dict(config).project.evaluation_date)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce")


def _iso(dates: pd.Series) -> np.ndarray:
    return dates.dt.strftime("%Y-%m-%d").astype(object).where(dates.notna(), None).to_numpy()


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    """`column` as objects (None where missing, or for every row when the layer lacks it)."""
    if column not in frame:
        return np.full(len(frame), None, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), None).to_numpy()


def land_lists(parcels: gpd.GeoDataFrame, units: gpd.GeoDataFrame, flags: pd.DataFrame,
               approvals: pd.DataFrame | None, config: Config | Mapping[str, Any]) -> gpd.GeoDataFrame:
    """Every parcel of the three lists, largest first within each category, geometry in the parcels' CRS.

    `parcels` are prepared (area_mu, _scale; `analysis.inputs.prepare_parcels`), `units` stacked
    (`analysis.inputs.stack_units`), `flags` = `parcel_flags(parcels, config)` aligned with `parcels`.
    Dates are ISO strings (None when missing); `years_since_approval` is given for 批而未供 only,
    `days_since_agreed_start` for parcels with an agreed start date on or before the evaluation date.
    """
    parcels = parcels.reset_index(drop=True)
    status = parcels["supply_status"].astype("string").fillna("").to_numpy(dtype=object)
    late = flags["idle_by_date"].to_numpy(dtype=bool)
    category = np.full(len(parcels), None, dtype=object)
    category[status == "unsupplied"] = "unsupplied"
    category[status == "idle"] = "idle"
    category[(category == None) & late] = "idle_by_date"  # noqa: E711 (element-wise)
    pos = np.flatnonzero(category != None)  # noqa: E711
    listed = parcels.iloc[pos]
    when = evaluation_date(config)

    approved = pd.Series(pd.NaT, index=listed.index, dtype="datetime64[ns]")
    if approvals is not None and len(approvals) and "approval_id" in listed and "approval_id" in approvals:
        by_id = pd.Series(pd.to_datetime(approvals["approved_date"], errors="coerce").to_numpy(),
                          index=approvals["approval_id"].astype(str).to_numpy())
        by_id = by_id[~by_id.index.duplicated()]
        approved = listed["approval_id"].astype("string").map(by_id)
        approved = pd.to_datetime(approved, errors="coerce")
    start = _dates(listed, "agreed_start_date")
    cat = category[pos]
    years = ((when - approved).dt.days / 365.25).to_numpy(dtype=float)
    years = np.where(cat == "unsupplied", years, np.nan)
    days = (when - start).dt.days.to_numpy(dtype=float)
    days = np.where(np.isfinite(days) & (days >= 0), days, np.nan)

    unit = _units_of(listed, units, config_from_dict(config).units.member_min_share)
    out = gpd.GeoDataFrame({
        "parcel_id": listed["parcel_id"].astype(str).to_numpy() if "parcel_id" in listed else pos.astype(str),
        "category": cat,
        "supply_status": status[pos],
        "land_use": listed["land_use"].astype(object).where(listed["land_use"].notna(), None).to_numpy()
        if "land_use" in listed else None,
        "area_mu": listed["area_mu"].to_numpy(dtype=float),
        "approval_id": listed["approval_id"].astype(object).where(listed["approval_id"].notna(), None).to_numpy()
        if "approval_id" in listed else None,
        "approved_date": _iso(approved),
        "years_since_approval": years,
        "supply_date": _iso(_dates(listed, "supply_date")),
        "agreed_start_date": _iso(start),
        "days_since_agreed_start": days,
        **unit,
        **{c: _text(listed, c) for c in OWNER_COLUMNS},
    }, geometry=listed.geometry.to_numpy(), crs=parcels.crs)
    order = np.lexsort((-out["area_mu"].to_numpy(), [LIST_CATEGORIES.index(c) for c in out["category"]]))
    return out.iloc[order].reset_index(drop=True)


def _units_of(listed: gpd.GeoDataFrame, units: gpd.GeoDataFrame, min_share: float) -> dict[str, np.ndarray]:
    """For each listed parcel: its own unit (id, name, kind) and the names of every unit holding ≥ min_share."""
    n = len(listed)
    unit_id = np.full(n, None, dtype=object)
    unit_name = np.full(n, None, dtype=object)
    unit_kind = np.full(n, None, dtype=object)
    names = np.full(n, "", dtype=object)
    if n and units is not None and len(units):
        ov = overlay_units(listed, units.reset_index(drop=True))
        held = pd.DataFrame({"parcel": ov.parcel_pos, "unit": ov.unit_pos, "share": ov.share})
        held = held[held["share"].to_numpy() >= min_share]
        if len(held):
            kinds = units["unit_kind"].astype(str).to_numpy()
            held["priority"] = [UNIT_PRIORITY.index(k) if k in UNIT_PRIORITY else len(UNIT_PRIORITY)
                                for k in kinds[held["unit"].to_numpy()]]
            held = held.sort_values(["parcel", "priority", "share"], ascending=[True, True, False])
            uname = units["name"].astype(str).to_numpy()
            held["name"] = uname[held["unit"].to_numpy()]
            joined = held.groupby("parcel")["name"].agg("、".join)
            names[joined.index.to_numpy()] = joined.to_numpy()
            own = held.drop_duplicates("parcel")
            p, u = own["parcel"].to_numpy(), own["unit"].to_numpy()
            unit_id[p] = units["unit_id"].astype(str).to_numpy()[u]
            unit_name[p] = uname[u]
            unit_kind[p] = kinds[u]
    return {"unit_id": unit_id, "unit_name": unit_name, "unit_kind": unit_kind, "units": names}


def list_summary(lists: pd.DataFrame) -> pd.DataFrame:
    """Count and area (亩) of each category of `land_lists`, in LIST_CATEGORIES order (zeros included)."""
    grouped = lists.groupby("category")["area_mu"].agg(["count", "sum"]).reindex(list(LIST_CATEGORIES))
    return pd.DataFrame({"category": list(LIST_CATEGORIES), "count": grouped["count"].fillna(0).astype(int).to_numpy(),
                         "area_mu": grouped["sum"].fillna(0.0).to_numpy(dtype=float)})


def filter_lists(lists: pd.DataFrame, categories: Iterable[str] = LIST_CATEGORIES, *, unit: str | None = None,
                 min_mu: float = 0.0) -> pd.DataFrame:
    """The rows of `land_lists` in `categories`, of at least `min_mu` 亩 and, with `unit`, held by the unit of that
    name (any unit holding the parcel's share, as the `units` column names them); order kept, index reset."""
    keep = lists["category"].isin(list(categories)).to_numpy() & (lists["area_mu"].to_numpy(dtype=float) >= min_mu)
    if unit is not None:
        keep &= np.array([unit in str(names).split("、") for names in lists["units"].fillna("")], dtype=bool)
    return lists[keep].reset_index(drop=True)


def sort_lists(lists: pd.DataFrame, order: str = "category") -> pd.DataFrame:
    """`lists` in one of SORT_ORDERS (missing values last, the parcel id breaking ties); index reset."""
    if order not in SORT_ORDERS:
        raise ValueError(f"unknown order {order!r}; expected one of {', '.join(SORT_ORDERS)}")
    keys = SORT_ORDERS[order]
    rank = {c: i for i, c in enumerate(LIST_CATEGORIES)}
    ranked = lists.assign(category_rank=lists["category"].map(rank).fillna(len(LIST_CATEGORIES)).to_numpy(dtype=int))
    columns = [c for c, _ in keys] + ["parcel_id"]
    ascending = [a for _, a in keys] + [True]
    ranked = ranked.sort_values(columns, ascending=ascending, na_position="last", kind="mergesort")
    return ranked.drop(columns="category_rank").reset_index(drop=True)
