"""Member enterprises of each unit and the unit's per-mu output (亩均) over its members.

A firm is a member of a unit when at least `member_min_share` of its owned parcel area lies
inside the unit (owned: linked to it by analysis/land_links.py — link table, credit code or name);
a firm with no parcels is a member where its point lies.
tax_per_mu = Σ member tax ÷ Σ member land area (the land area used in the 亩均 evaluation).

Output figures (`OUTPUT_FIGURES`) are pooled ratios Σ numerator ÷ Σ denominator over the firms that have
both (a finite numerator and a denominator > 0), each figure over its own such firms:
  tax_per_mu          = Σ tax_10k_yuan ÷ Σ land_mu            (万元/亩)
  value_added_per_mu  = Σ value_added_10k_yuan ÷ Σ land_mu    (万元/亩)
  labour_productivity = Σ value_added_10k_yuan ÷ Σ employees  (万元/人, 全员劳动生产率)
  profit_margin       = Σ profit_10k_yuan ÷ Σ revenue_10k_yuan (利润率; null without profit data)
Land base: each firm's own 用地面积 `land_mu` from the enterprise evaluation (analysis/enterprise.py
`enterprise_land_mu`: declared land_area_mu, else linked parcels ± leases), whole and not clipped to the
unit — never the unit's industrial land. The district uses the same formulas over every firm.
The 规上-only twins (`above_scale_<figure>`, with `above_scale_n_firms`) apply the same formulas to the
firms whose enterprise-layer flag `above_scale` is true (not their evaluation group): no 规上 member →
n_firms 0 and null figures, never 0 (published targets such as 规上亩均税收 are 规上-only; methods §2.6).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.land_links import owner_key, owner_keys
from analysis.units import UnitOverlay
from layers.textsets import text_isin
from spatial.overlay import intersection_pairs

PER_MU = {"tax_per_mu": "tax_10k_yuan", "value_added_per_mu": "value_added_10k_yuan", "output_per_mu": "output_10k_yuan"}
# Output figures with a 规上-only twin: key → (numerator, denominator) columns of the firm table.
OUTPUT_FIGURES = {"tax_per_mu": ("tax_10k_yuan", "land_mu"), "value_added_per_mu": ("value_added_10k_yuan", "land_mu"),
                  "labour_productivity": ("value_added_10k_yuan", "employees"),
                  "profit_margin": ("profit_10k_yuan", "revenue_10k_yuan")}
ABOVE_SCALE = "above_scale_"  # prefix of the 规上-only columns: above_scale_tax_per_mu …, above_scale_n_firms


def unit_members(parcels: gpd.GeoDataFrame, units: gpd.GeoDataFrame, ov: UnitOverlay,
                 enterprises: pd.DataFrame, min_share: float) -> pd.DataFrame:
    """Rows (unit_pos, uscc, share_inside, basis) — one per membership."""
    owners = owner_key(parcels)
    piece_owner = owners[ov.parcel_pos]
    has_owner = pd.notna(piece_owner)
    pieces = pd.DataFrame({"unit_pos": ov.unit_pos[has_owner], "uscc": piece_owner[has_owner], "inside": ov.area_mu[has_owner]})
    owned_total = (pd.Series(parcels["area_mu"].to_numpy()).groupby(owner_keys(parcels)).sum() if len(parcels)
                   else pd.Series(dtype=float))
    inside = pieces.groupby(["unit_pos", "uscc"], as_index=False)["inside"].sum()
    inside["share_inside"] = inside["inside"] / inside["uscc"].map(owned_total).to_numpy()
    by_parcels = (inside[inside["share_inside"] >= min_share - 1e-12]
                  .assign(basis="parcels")[["unit_pos", "uscc", "share_inside", "basis"]])
    rows = [by_parcels]
    if isinstance(enterprises, gpd.GeoDataFrame) and len(enterprises):
        no_parcels = ~text_isin(enterprises["uscc"].astype("str"), owned_total.index)
        geoms = enterprises.geometry.to_numpy()
        usable = no_parcels & pd.notna(geoms)
        usable[usable] = ~gpd.GeoSeries(geoms[usable]).is_empty.to_numpy()
        if usable.any():
            pos = np.flatnonzero(usable)
            ei, ui = intersection_pairs(geoms[pos], units.geometry.to_numpy(), predicate="within")
            rows.append(pd.DataFrame({"unit_pos": ui, "uscc": enterprises["uscc"].astype(str).to_numpy()[pos[ei]],
                                      "share_inside": 1.0, "basis": "point"}))
    return pd.concat(rows, ignore_index=True)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as floats (NaN where absent or not a number)."""
    if name not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def above_scale_flags(firms: pd.DataFrame) -> np.ndarray:
    """Per row, True where the firm's enterprise-layer flag `above_scale` (规上) is true; unknown or absent → False.

    The flag itself, not the firm's evaluation group: a firm evaluated on another list keeps its 规上 status."""
    if "above_scale" not in firms:
        return np.zeros(len(firms), dtype=bool)
    flag = firms["above_scale"]
    try:
        return flag.astype("boolean").fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError):  # not a clean boolean column: only literal True counts
        return flag.map(lambda v: v is True or v is np.True_).to_numpy(dtype=bool)


def pooled_figures(frame: pd.DataFrame, groups: np.ndarray, n_groups: int,
                   rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Each of `OUTPUT_FIGURES` per group: Σ numerator ÷ Σ denominator over the rows (of `rows`, default all)
    with a finite numerator and a denominator > 0; NaN for a group without such a row (missing is never 0).

    `frame` holds the firm columns (land_mu, tax_10k_yuan, …) one row per firm (or membership), `groups` the
    group position (0 … n_groups-1) of each row."""
    keep = np.ones(len(frame), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    out = {}
    for key, (num_col, den_col) in OUTPUT_FIGURES.items():
        num, den = _column(frame, num_col), _column(frame, den_col)
        ok = keep & np.isfinite(num) & np.isfinite(den) & (den > 0)
        top = np.bincount(groups, weights=np.where(ok, num, 0.0), minlength=n_groups).astype(float)
        bottom = np.bincount(groups, weights=np.where(ok, den, 0.0), minlength=n_groups).astype(float)
        has = np.bincount(groups, weights=ok.astype(float), minlength=n_groups) > 0
        out[key] = np.divide(top, bottom, out=np.full(n_groups, np.nan), where=has & (bottom > 0))
    return out


def per_mu_output(members: pd.DataFrame, firms: pd.DataFrame, n_units: int) -> pd.DataFrame:
    """Σ member output ÷ Σ member land area per unit, member counts and class counts; the other
    `OUTPUT_FIGURES` (labour_productivity, profit_margin) and the 规上-only twins of all four
    (`above_scale_<figure>`, `above_scale_n_firms`), by the formulas and land base of the module docstring.

    `firms`: the enterprise evaluation table indexed by uscc, with land_mu, money columns and `class`
    (and the enterprise layer's `above_scale` flag beside them).
    """
    out = pd.DataFrame(index=range(n_units))
    joined = members.join(firms, on="uscc", how="left")
    land = joined["land_mu"].to_numpy(dtype=float)
    usable_land = np.isfinite(land) & (land > 0)
    out["member_count"] = np.bincount(members["unit_pos"], minlength=n_units)
    for key, column in PER_MU.items():
        value = (pd.to_numeric(joined.get(column), errors="coerce").to_numpy(dtype=float) if column in joined
                 else np.full(len(joined), np.nan))
        ok = usable_land & np.isfinite(value)
        num = np.bincount(joined["unit_pos"], weights=np.where(ok, value, 0.0), minlength=n_units)
        den = np.bincount(joined["unit_pos"], weights=np.where(ok, land, 0.0), minlength=n_units)
        out[key] = np.divide(num, den, out=np.full(n_units, np.nan), where=den > 0)
        if key == "tax_per_mu":
            # no member with usable tax and land: the sums are unknown (null), not 0
            out["member_tax_10k_yuan"] = np.where(den > 0, num, np.nan)
            out["member_land_mu"] = np.where(den > 0, den, np.nan)
    classes = joined.get("class", pd.Series(index=joined.index, dtype=object)).to_numpy()
    for c in ("A", "B", "C", "D"):
        out[f"class_{c}"] = np.bincount(joined["unit_pos"], weights=(classes == c).astype(float), minlength=n_units).astype(int)
    pos = joined["unit_pos"].to_numpy(dtype=np.int64)
    for key, values in pooled_figures(joined, pos, n_units).items():
        if key not in out:  # tax_per_mu and value_added_per_mu: computed above, by the same formula
            out[key] = values
    above = above_scale_flags(joined)
    out[f"{ABOVE_SCALE}n_firms"] = np.bincount(pos, weights=above.astype(float), minlength=n_units).astype(int)
    for key, values in pooled_figures(joined, pos, n_units, above).items():
        out[f"{ABOVE_SCALE}{key}"] = values
    return out


def low_efficiency_mu(parcels: gpd.GeoDataFrame, ov: UnitOverlay, members: pd.DataFrame, firms: pd.DataFrame,
                      low_far: np.ndarray, n_units: int) -> np.ndarray:
    """Land of D-class members plus built industrial parcels below the FAR threshold, counted once per parcel."""
    classes = firms.get("class", pd.Series(dtype=object))
    d_firms = pd.Index(firms.index[classes == "D"])
    owners = owner_key(parcels)
    piece_owner = pd.Index(owners[ov.parcel_pos])
    member_keys = pd.MultiIndex.from_arrays([members["unit_pos"].to_numpy(), members["uscc"].astype(str).to_numpy()])
    piece_keys = pd.MultiIndex.from_arrays([ov.unit_pos, piece_owner.astype(object)])
    owner_is_d = piece_owner.isin(d_firms)
    piece_member = piece_keys.isin(member_keys)
    flagged = (owner_is_d & piece_member) | low_far[ov.parcel_pos]
    # astype: bincount of no pieces (a project without parcels) returns integers
    total = np.bincount(ov.unit_pos, weights=np.where(flagged, ov.area_mu, 0.0), minlength=n_units).astype(float)
    point_d = members[(members["basis"] == "point") & members["uscc"].isin(d_firms)]
    if len(point_d):
        land = point_d["uscc"].map(firms["land_mu"]).fillna(0.0).to_numpy(dtype=float)
        total += np.bincount(point_d["unit_pos"], weights=land, minlength=n_units)
    return total


def unit_ids_by_firm(members: pd.DataFrame, unit_ids: np.ndarray, firms: pd.Index | None = None) -> pd.Series:
    """Per firm (credit code) of the membership rows, the sorted distinct ids of its units; only `firms` when
    given. Built with one sort and one split, not a Python call per firm (a district has thousands)."""
    rows = members if firms is None else members[members["uscc"].isin(firms)]
    pairs = pd.DataFrame({"uscc": rows["uscc"].astype(str).to_numpy(),
                          "unit_id": np.asarray(unit_ids, dtype=object)[rows["unit_pos"].to_numpy(dtype=np.int64)]})
    pairs = pairs.drop_duplicates().sort_values(["uscc", "unit_id"], kind="stable")
    keys, ids = pairs["uscc"].to_numpy(dtype=object), pairs["unit_id"].to_numpy(dtype=object)
    if not len(keys):
        return pd.Series([], index=pd.Index([], dtype=object, name="uscc"), dtype=object, name="unit_id")
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    lists = [part.tolist() for part in np.split(ids, starts[1:])]
    return pd.Series(lists, index=pd.Index(keys[starts], name="uscc"), dtype=object, name="unit_id")
