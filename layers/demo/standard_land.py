"""The demo's 标准地: industrial parcels sold since 2018 carry commitments, and their firms a fixed-asset investment.

Zhejiang sells all new industrial land as 标准地 (鄞州 seed: "确保全域新增工业用地'标准地'制度覆盖100%";
../shared/domain.md §1.6), so every demo industrial parcel supplied by sale (出让, 弹性年期出让, 先租后让 — not
租赁) on or after 2018-01-01 is marked `standard_land` and carries the conditions of its owner's industry from
the demo's [standard_land] settings (layers/standard_land_settings.py DEMO_TOML), with an agreed 达产 date 2–3
years after supply. The owners get `fixed_investment_10k_yuan` (固定资产投资（累计）) around their committed
investment intensity × their land, so some parcels meet that term and some fall short of it.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd

from layers.demo.randomness import stage_rng
from layers.settings import Reader
from layers.standard_land_settings import DEFAULT_TOML, DEMO_TOML, TERMS, StandardLandSettings

__all__ = ["SINCE", "SOLD_TYPES", "SHORT_SHARE", "demo_settings", "add_commitments", "investment_column"]

SINCE = "2018-01-01"  # Zhejiang's 标准地 practice applies to land sold from 2018 on (the demo's reading of §1.6)
SOLD_TYPES = ("出让", "弹性年期出让", "先租后让")  # sold land; 租赁 (lease only) is not sold with conditions
# Share of 标准地 owners whose investment falls short of their committed intensity (the demo's choice [U: demo]).
SHORT_SHARE = 0.15
_INVESTMENT_NAME = "fixed_investment_10k_yuan"


def demo_settings() -> StandardLandSettings:
    """The demo's [standard_land] settings, read from the default and demo toml text as a project would read them."""
    table = tomllib.loads(DEFAULT_TOML + DEMO_TOML)["standard_land"]
    reader = Reader(table, "standard_land", "demo")
    settings = StandardLandSettings.read(reader)
    reader.finish()
    return settings


def _standard_mask(parcels: pd.DataFrame) -> np.ndarray:
    """The parcels the demo sells as 标准地: industrial, sold (SOLD_TYPES), supplied on or after SINCE."""
    supplied = pd.to_datetime(parcels["supply_date"], errors="coerce")
    sold = parcels["supply_type"].isin(SOLD_TYPES) if "supply_type" in parcels.columns else True
    return ((parcels["land_use_category"] == "industrial") & sold & (supplied >= pd.Timestamp(SINCE))).to_numpy()


def _firm_codes(parcels: pd.DataFrame, firms: pd.DataFrame) -> pd.Series:
    """Each parcel's owner's industry code (the firm's latest row), None without an owner or a code."""
    latest = firms.sort_values("year", kind="stable") if "year" in firms.columns else firms
    code_of = latest.drop_duplicates("uscc", keep="last").set_index("uscc")["industry_code"]
    return parcels["owner_uscc"].map(code_of).astype(object)


def add_commitments(seed: int, parcels: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """A copy of the demo parcels with 标准地 marked and the committed_* fields and production_due_date filled from
    the demo's conditions by the owner's industry code (the default entry where the code is not listed)."""
    from analysis.standard_land import conditions_for

    settings = demo_settings()
    rng = stage_rng(seed, "standard_land")
    out = parcels.copy()
    mask = _standard_mask(out)
    out["standard_land"] = mask
    codes = _firm_codes(out.loc[mask], firms)
    table = {code: conditions_for(code, None, settings) for code in pd.unique(codes.fillna(""))}
    for key, field in TERMS.items():
        out[field] = np.nan
        out.loc[mask, field] = codes.fillna("").map(lambda c, k=key: table[c][k]).astype("float64").to_numpy()
    supplied = pd.to_datetime(out.loc[mask, "supply_date"], errors="coerce")
    months = rng.integers(24, 37, int(mask.sum()))  # 达产 2–3 years after supply
    due = [(s + pd.DateOffset(months=int(m))).date().isoformat() if pd.notna(s) else None for s, m in zip(supplied, months)]
    out["production_due_date"] = None
    out.loc[mask, "production_due_date"] = pd.Series(due, index=out.index[mask], dtype=object)
    return out


def investment_column(seed: int, parcels: pd.DataFrame, firms: pd.DataFrame) -> pd.Series:
    """The firms' new `fixed_investment_10k_yuan` column (aligned with `firms`): for owners of 标准地 parcels, their
    committed intensity (the largest over their 标准地 parcels) × their land in 亩 × a factor — 1.05–1.6 for most,
    0.6–0.95 for a SHORT_SHARE of them (so that term is missed); null for every other firm (no data)."""
    from spatial.area import MU_M2

    rng = stage_rng(seed, "standard_land_investment")
    standard = parcels.loc[parcels["standard_land"].fillna(False).astype(bool)]
    committed = standard.groupby("owner_uscc")[TERMS["investment_intensity"]].max()
    area_mu = (parcels.geometry.area / MU_M2).groupby(parcels["owner_uscc"]).sum()
    owners = committed.index.to_numpy()
    short = rng.random(len(owners)) < SHORT_SHARE
    factor = np.where(short, rng.uniform(0.6, 0.95, len(owners)), rng.uniform(1.05, 1.6, len(owners)))
    declared = (pd.to_numeric(firms["land_area_mu"], errors="coerce") if "land_area_mu" in firms.columns
                else pd.Series(np.nan, index=firms.index))
    land = declared.where(declared > 0, firms["uscc"].map(area_mu))  # as the evaluation reads a firm's land
    per_owner = pd.Series(committed.to_numpy() * factor, index=owners)
    value = (firms["uscc"].map(per_owner) * land).round(1)
    return value.rename(_INVESTMENT_NAME)

