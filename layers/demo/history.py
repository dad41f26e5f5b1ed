"""Earlier years of the demo's firm data: the same firms in 2023 and 2024, a few that have left since, and
the 2025 half-year (上半年) rows of the 规上 firms.

Everything is derived from the 2025 rows, which stay as generated: going back one year divides a firm's
flows by its growth factor of the later year, firms not yet producing (or not yet holding land) are left
out, and a handful of extra firms that closed before 2025 are added with codes of their own. The numbers
below are choices of the demo generator, not bureau settings.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.demo.catalogue import GENERAL_INDUSTRIES, INDUSTRY_CODES
from layers.demo.credit_codes import random_usccs
from layers.demo.enterprises import _names
from layers.demo.randomness import random_dates, stage_rng

__all__ = ["FLOW_COLUMNS", "LEAVERS", "build_firm_history", "firm_history_summary", "with_firm_history"]

# Yearly growth of a firm's flows (revenue, output, value added, tax, energy …): the district trend plus a
# lasting firm effect plus a yearly shock, clipped (at most +60 % or −30 % in a year). 8 % rather than a
# national 5–6 %: about 880 firms enter in 2025 with little tax on their land yet, and with 8 % the district's
# all-firm 亩均税收 still rises into 2025 (23.4 → 24.8 → 25.0 万元/亩; 规上 35.4 → 37.1 → 38.8).
GROWTH_TREND = 0.08
GROWTH_FIRM_SD = 0.06
GROWTH_YEAR_SD = 0.05
GROWTH_CLIP = (-0.30, 0.60)
# Energy and electricity grow a little slower than output (energy intensity falls about 3 % a year).
ENERGY_INTENSITY_FALL = 0.03
# Head counts are sticky: employees follow the growth factor to this power.
EMPLOYEE_ELASTICITY = 0.3
# Firms that left before 2025 (rows in the earlier years only), tenants of idle industrial parcels.
LEAVERS = 12
LEAVER_LAND_MU = (3.0, 15.0)      # leased land, 亩
LEAVER_TAX_PER_MU = 7.0           # median 亩均税收 of the leavers, 万元/亩 (weak performers)
LEAVER_TAX_RATE = 0.06            # tax ÷ revenue
# 规上 statistics filled for a firm that was 规上 in an earlier year but not in 2025 (the 2025 row has none).
FILL_MARGIN, FILL_RD_SHARE, FILL_EMISSION_VA = 0.06, 0.028, 4900.0
# The half-year (上半年) rows: about half the year's flows, ± a few per cent.
HALF_SHARE, HALF_SHARE_SD, HALF_COLUMN_SD = 0.5, 0.03, 0.02
ABOVE_SCALE_REVENUE = 2000.0      # 规上: main business revenue of 20 million yuan (as layers/demo/figures.py)

# Flow columns and the rounding of the 2025 rows (layers/demo/figures.py, enterprises.py).
FLOW_COLUMNS = {"tax_10k_yuan": 2, "value_added_10k_yuan": 1, "output_10k_yuan": 1, "revenue_10k_yuan": 1,
                "profit_10k_yuan": 1, "rd_10k_yuan": 1, "tech_investment_10k_yuan": 1}
ENERGY_COLUMNS = {"energy_tce": 1, "electricity_kwh": -2, "emissions": 3}
ABOVE_ONLY = ("profit_10k_yuan", "rd_10k_yuan", "tech_investment_10k_yuan", "emissions")


def build_firm_history(seed: int, firms_2025: pd.DataFrame, years: tuple[int, ...] = (2023, 2024), *,
                       parcels: pd.DataFrame) -> gpd.GeoDataFrame:
    """Firm rows of the earlier `years` plus the 上半年 rows of 2025 and 2024, with the columns of `firms_2025`
    and `half`.

    `parcels` (the current parcel layer) gives each landholding firm its first supply date and the idle
    industrial parcels the leavers rented. Full-year rows have `half` None, half-year rows "1".
    """
    rng = stage_rng(seed, "firm_history")
    base = firms_2025.reset_index(drop=True)
    base_year = int(pd.to_numeric(base["year"]).max())
    years = tuple(sorted((int(y) for y in years if int(y) < base_year), reverse=True))
    firm_effect = rng.normal(0.0, GROWTH_FIRM_SD, len(base))
    leavers = _leavers(rng, base, parcels, base_year)
    since = _present_from(base, parcels)

    frames, current = [], base
    for year in years:  # backwards: 2024 from 2025, then 2023 from 2024
        growth = np.clip(GROWTH_TREND + firm_effect + rng.normal(0.0, GROWTH_YEAR_SD, len(base)), *GROWTH_CLIP)
        current = _scaled(current, 1.0 / (1.0 + growth))
        present = since < np.datetime64(f"{year}-01-01")  # started in or after `year`: absent
        frames.append(current[present].assign(year=year))
    for year in years:  # the leavers' figures are those of the year before base_year, taken back by the trend
        steps = base_year - 1 - year
        frames.append(_scaled(leavers, np.full(len(leavers), (1.0 + GROWTH_TREND) ** -steps), steps).assign(year=year))
    frames = sorted(frames, key=lambda f: int(f["year"].iloc[0]))
    frames.append(_half_year(rng, base, base_year))
    previous = [f for f in frames if int(f["year"].iloc[0]) == base_year - 1 and "half" not in f]
    if previous:  # the same half of the year before, so the half-year report has its 同比 (a stage of its own)
        rows = pd.concat(previous, ignore_index=True)
        frames.append(_half_year(stage_rng(seed, "firm_history_previous_half"), rows, base_year - 1))

    out = pd.concat([f.assign(half=None) if "half" not in f else f for f in frames], ignore_index=True)
    out["year"] = out["year"].astype("int64")
    out["half"] = out["half"].astype(object)
    columns = [c for c in base.columns if c != "geometry"] + ["half", "geometry"]
    crs = getattr(firms_2025, "crs", None) or getattr(parcels, "crs", None)
    return gpd.GeoDataFrame(out.reindex(columns=columns), geometry="geometry", crs=crs)


def _present_from(base: pd.DataFrame, parcels: pd.DataFrame) -> np.ndarray:
    """Per 2025 firm, the day from which it is present (datetime64[D]): its production start, else the first
    supply date of the parcels it owns (a firm still building holds land), else always (NaT → earliest)."""
    start = pd.to_datetime(base["production_start_date"], errors="coerce").to_numpy().astype("datetime64[D]")
    owned = pd.DataFrame({"uscc": parcels["owner_uscc"],
                          "supplied": pd.to_datetime(parcels["supply_date"], errors="coerce")}).dropna()
    first = owned.groupby("uscc")["supplied"].min()
    land = base["uscc"].map(first).to_numpy().astype("datetime64[D]")
    since = np.where(np.isnat(start), land, start)
    return np.where(np.isnat(since), np.datetime64("1900-01-01", "D"), since)


def _scaled(rows: pd.DataFrame, factor: np.ndarray, steps: int = 1) -> pd.DataFrame:
    """`rows` taken `steps` years back: every flow multiplied by `factor` (energy a little less, as its intensity
    falls by ENERGY_INTENSITY_FALL a year; head counts much less), rounded as
    the 2025 rows are; 规上 recomputed from revenue, with the 规上-only statistics blanked or filled to match."""
    out = rows.copy()
    for column, digits in FLOW_COLUMNS.items():
        out[column] = np.round(rows[column].to_numpy(dtype=float) * factor, digits)
    energy = factor * (1.0 + ENERGY_INTENSITY_FALL) ** steps
    for column, digits in ENERGY_COLUMNS.items():
        out[column] = np.round(rows[column].to_numpy(dtype=float) * energy, digits)
    out["employees"] = np.maximum(np.round(rows["employees"].to_numpy(dtype=float) * factor**EMPLOYEE_ELASTICITY), 3.0)
    revenue = out["revenue_10k_yuan"].to_numpy(dtype=float)
    above = revenue >= ABOVE_SCALE_REVENUE
    out["above_scale"] = above
    for column in ABOVE_ONLY:
        out.loc[~above, column] = np.nan
    grew_into = above & out["profit_10k_yuan"].isna().to_numpy()  # 规上 now, not in the later year
    va = out["value_added_10k_yuan"].to_numpy(dtype=float)
    out.loc[grew_into, "profit_10k_yuan"] = np.round(revenue[grew_into] * FILL_MARGIN, 1)
    out.loc[grew_into, "rd_10k_yuan"] = np.round(revenue[grew_into] * FILL_RD_SHARE, 1)
    out.loc[grew_into, "tech_investment_10k_yuan"] = 0.0
    out.loc[grew_into, "emissions"] = np.round(va[grew_into] / FILL_EMISSION_VA, 3)
    return out


def _half_year(rng: np.random.Generator, base: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """上半年 rows of `base_year` for the 规上 firms producing before July: about half of each flow."""
    start = pd.to_datetime(base["production_start_date"], errors="coerce")
    keep = base["above_scale"].to_numpy(dtype=bool) & (start < pd.Timestamp(f"{base_year}-07-01")).to_numpy()
    rows = base[keep].copy()
    share = np.clip(rng.normal(HALF_SHARE, HALF_SHARE_SD, len(rows)), 0.4, 0.6)
    for column, digits in {**FLOW_COLUMNS, **ENERGY_COLUMNS}.items():
        noise = 1.0 + rng.normal(0.0, HALF_COLUMN_SD, len(rows))
        rows[column] = np.round(rows[column].to_numpy(dtype=float) * share * noise, digits)
    return rows.assign(year=base_year, half="1")


def _leavers(rng: np.random.Generator, base: pd.DataFrame, parcels: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """LEAVERS firms of the year before `base_year`: tenants of idle industrial parcels, gone by `base_year`."""
    idle = parcels[parcels["land_use_category"].isin(["industrial", "m0"]).to_numpy()
                   & (parcels["supply_status"] == "idle").to_numpy()]
    n = min(LEAVERS, len(idle))
    site = idle.iloc[np.sort(rng.choice(len(idle), n, replace=False))]
    land = np.round(rng.uniform(*LEAVER_LAND_MU, n), 2)
    tax = land * LEAVER_TAX_PER_MU * np.exp(0.5 * rng.standard_normal(n))
    revenue = np.round(tax / LEAVER_TAX_RATE, 1)
    above = revenue >= ABOVE_SCALE_REVENUE
    value_added = np.round(revenue * rng.uniform(0.22, 0.34, n), 1)
    start = random_dates(rng, "2008-01-01", f"{base_year - 4}-12-31", n)
    industry = rng.choice(GENERAL_INDUSTRIES, n).astype(object)
    codes = random_usccs(rng, n, np.asarray(start - np.timedelta64(400, "D") < np.datetime64("2015-10-01")))
    names = _names(rng, industry, np.zeros(n, bool))
    while (clash := np.isin(codes, base["uscc"].to_numpy())).any():  # practically never
        codes[clash] = random_usccs(rng, int(clash.sum()), np.zeros(int(clash.sum()), bool))
    while (clash := np.isin(names, base["name"].to_numpy())).any():
        names[clash] = _names(rng, industry[clash], np.zeros(int(clash.sum()), bool))
    rows = pd.DataFrame({
        "uscc": codes, "name": names, "industry": industry, "year": base_year - 1, "above_scale": above,
        "tax_10k_yuan": np.round(tax, 2), "value_added_10k_yuan": value_added,
        "output_10k_yuan": np.round(revenue * rng.uniform(0.95, 1.08, n), 1), "revenue_10k_yuan": revenue,
        "energy_tce": np.round(value_added / (2.7 * np.exp(0.5 * rng.standard_normal(n))), 1),
        "emissions": np.where(above, np.round(value_added / FILL_EMISSION_VA, 3), np.nan),
        "electricity_kwh": np.round(tax * 1e4 / (0.235 * np.exp(0.45 * rng.standard_normal(n))), -2),
        "rd_10k_yuan": np.where(above, np.round(revenue * FILL_RD_SHARE, 1), np.nan),
        "employees": np.maximum(np.round(value_added / (18.0 * np.exp(0.4 * rng.standard_normal(n)))), 3.0),
        "listed": False, "land_area_mu": land, "leased_in_mu": land, "leased_out_mu": np.nan,
        "production_start_date": np.datetime_as_string(start, unit="D").astype(object),
        "industry_code": pd.Series(industry).map(INDUSTRY_CODES).to_numpy(),
        "profit_10k_yuan": np.where(above, np.round(revenue * FILL_MARGIN, 1), np.nan),
        "tech_investment_10k_yuan": np.where(above, 0.0, np.nan), "utility": False,
        "geometry": shapely.point_on_surface(np.asarray(site.geometry.values)),
    })
    return rows.reindex(columns=base.columns)


def with_firm_history(seed: int, firms_2025: gpd.GeoDataFrame, parcels: pd.DataFrame,
                      years: tuple[int, ...] = (2023, 2024)) -> gpd.GeoDataFrame:
    """The whole enterprise layer of the demo: the 2025 rows first and unchanged (`half` None), then the
    history of `build_firm_history`."""
    history = build_firm_history(seed, firms_2025, years, parcels=parcels)
    both = pd.concat([firms_2025.assign(half=None), history], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=firms_2025.crs)


def firm_history_summary(history: pd.DataFrame, firms_2025: pd.DataFrame) -> dict:
    """Counts for reports and tests: firms per year, half-year rows, the firms that left before the 2025 data
    and how many 2025 firms were absent from the earliest year."""
    full = history[history["half"].isna()]
    codes = set(firms_2025["uscc"])
    per_year = {int(y): int(n) for y, n in full.groupby("year").size().items()}
    per_year[int(pd.to_numeric(firms_2025["year"]).max())] = len(firms_2025)
    first = full.loc[full["year"] == full["year"].min(), "uscc"]
    return {"firms_per_year": dict(sorted(per_year.items())),
            "half_year_rows": int(history["half"].notna().sum()),
            "left": sorted(set(full["uscc"]) - codes),
            "arrived_since_first_year": len(codes - set(first))}
