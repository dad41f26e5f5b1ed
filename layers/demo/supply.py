"""Land supply of the demo: approval batches 2019-2025, supply status and dates, buildings per parcel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from layers.demo.blocks import Blocks
from layers.demo.frames import iso_dates
from layers.demo.parcels import Parcels
from layers.demo.plan import Plan
from layers.demo.randomness import draw, lattice_noise, random_dates, stage_rng

EVALUATION_DATE = np.datetime64("2025-12-31")
_FAR = {  # median floor-area ratio and log-sd of built parcels, coverage range
    "industrial": (1.35, 0.35, 0.30, 0.60), "m0": (3.4, 0.12, 0.30, 0.45), "warehouse": (1.1, 0.25, 0.40, 0.60),
    "residential": (2.2, 0.2, 0.18, 0.30), "commercial": (2.6, 0.35, 0.30, 0.50), "public": (1.2, 0.3, 0.20, 0.40),
    "micro": (2.2, 0.15, 0.40, 0.55),
}
# 供地方式 of supplied parcels by category; industrial land since 2017 also goes out on flexible terms
# (鄞州 plan: 弹性年期 (10 年) 出让, 先租后让 [C, seed]). Shares are the demo's own [U].
_SUPPLY_TYPES = {"public": {"划拨": 0.85, "出让": 0.15}, "industrial_new": {"出让": 0.70, "弹性年期出让": 0.18,
                 "先租后让": 0.08, "租赁": 0.04}, "industrial_old": {"出让": 0.97, "划拨": 0.03}}
_FLEXIBLE_FROM = np.datetime64("2017-01-01")
_LEASES_SETTLED = 0.85  # share of leases ended before the evaluation date that were granted or renewed [U]
_TERM_YEARS = {"弹性年期出让": ([10, 20, 30], [0.5, 0.35, 0.15]), "先租后让": ([3, 5], [0.4, 0.6]),
               "租赁": ([5, 10], [0.6, 0.4])}
_UNSUPPLIED_BY_YEAR = {2019: 0.05, 2020: 0.07, 2021: 0.10, 2022: 0.16, 2023: 0.25, 2024: 0.42, 2025: 0.75}


@dataclass
class Supply:
    """Per parcel: approval batch, status, dates and buildings; per batch: id and approval date."""

    batch: np.ndarray  # batch index or -1 (approved before 2019)
    block_batch: np.ndarray  # batch index of each block or -1
    batch_ids: np.ndarray
    batch_dates: np.ndarray
    status: np.ndarray
    supply_date: np.ndarray  # datetime64[D], NaT when unsupplied
    agreed_start: np.ndarray
    floor_m2: np.ndarray
    footprint_m2: np.ndarray


def _batches(seed: int, plan: Plan, blocks: Blocks, new_share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Approval batches 2019-2025: the outer blocks (plus noise) up to `new_share` of the built-up area,
    grouped by 1.6 km cells. Returns the batch of each block (-1: approved earlier), batch ids and dates."""
    rng = stage_rng(seed, "batches")
    xy = shapely.get_coordinates(shapely.centroid(blocks.geoms))
    area = shapely.area(blocks.geoms)
    reach = np.hypot(*(xy - plan.town_centre).T)
    weight = reach / reach.max() + 0.35 * lattice_noise(seed + 11, xy[:, 0], xy[:, 1], 1200.0)
    weight[(blocks.category == "green") | (blocks.micro >= 0) | (blocks.community >= 0)] = -np.inf
    order = np.argsort(-weight, kind="stable")
    chosen = order[np.cumsum(area[order]) <= new_share * area[blocks.category != "green"].sum()]
    cells, cell_of = np.unique(np.floor(xy[chosen] / 1600.0).astype(int), axis=0, return_inverse=True)
    # years by cumulative approved area, so each year approves a steady share of the new land
    cell_area = np.bincount(cell_of.ravel(), weights=area[chosen], minlength=len(cells))
    shuffle = rng.permutation(len(cells))
    done = np.empty(len(cells))
    done[shuffle] = (np.cumsum(cell_area[shuffle]) - cell_area[shuffle] / 2) / cell_area.sum()
    years = 2019 + np.searchsorted(np.cumsum([0.12, 0.13, 0.15, 0.16, 0.16, 0.15, 0.13]), done)
    first = np.array([f"{y}-01-05" for y in years], dtype="datetime64[D]")
    span = np.where(years < 2025, 349, 319)  # to 20 Dec, or 20 Nov in the evaluation year
    dates = first + rng.integers(0, span).astype("timedelta64[D]")
    by_date = np.lexsort((cells[:, 1], cells[:, 0], dates))  # number batches in date order
    label = np.empty(len(cells), int)
    label[by_date] = np.arange(len(cells))
    dates, years = dates[by_date], years[by_date]
    seq = np.arange(len(years)) - np.searchsorted(years, years) + 1
    block_batch = np.full(len(blocks.geoms), -1)
    block_batch[chosen] = label[cell_of.ravel()]
    return block_batch, np.array([f"PC{y}{k:02d}" for y, k in zip(years, seq)], dtype=object), dates


def build_supply(seed: int, plan: Plan, blocks: Blocks, parcels: Parcels, new_share: float = 0.36) -> Supply:
    """Supply status, dates and buildings per parcel: old land is built, new batches supply and build with age."""
    rng = stage_rng(seed, "supply")
    of_block, batch_ids, dates = _batches(seed, plan, blocks, new_share)
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    unsupplied_by_year = np.array([_UNSUPPLIED_BY_YEAR[y] for y in range(2019, 2026)])
    n = len(parcels.geoms)
    batch = of_block[parcels.block]
    new = batch >= 0
    approved = np.where(new, dates[np.maximum(batch, 0)], np.datetime64("NaT", "D"))
    supply = np.where(new, approved + rng.integers(45, 900, n).astype("timedelta64[D]"),
                      random_dates(rng, "1998-03-01", "2018-12-31", n))
    p_unsupplied = np.where(new, unsupplied_by_year[years[np.maximum(batch, 0)] - 2019], 0.0)
    unsupplied = (rng.random(n) < p_unsupplied) | (supply > EVALUATION_DATE)
    agreed = supply + rng.integers(90, 300, n).astype("timedelta64[D]")
    years_since_start = (EVALUATION_DATE - agreed).astype(float) / 365.25
    p_built = np.where(years_since_start > 0, np.clip(0.05 + 0.33 * years_since_start, 0.05, 0.9), 0.03)
    p_built = np.where(new, p_built, 0.945)
    built = rng.random(n) < p_built
    idle = ~built & (years_since_start > 1.0) & (rng.random(n) < 0.6)
    status = np.where(built, "built", np.where(idle, "idle", "supplied")).astype(object)
    status[unsupplied] = "unsupplied"
    supply = np.where(unsupplied, np.datetime64("NaT", "D"), supply)
    agreed = np.where(unsupplied, np.datetime64("NaT", "D"), agreed)

    area_p = shapely.area(parcels.geoms)
    cat = np.where(blocks.micro[parcels.block] >= 0, "micro", parcels.category)
    med = np.array([_FAR[c][0] for c in cat])
    far = med * np.exp(np.array([_FAR[c][1] for c in cat]) * rng.standard_normal(n))
    cover = rng.uniform([_FAR[c][2] for c in cat], [_FAR[c][3] for c in cat])
    far = np.clip(far, 0.35, 6.0)
    is_built = status == "built"
    floor = np.where(is_built, np.round(far * area_p, 1), 0.0)
    footprint = np.where(is_built, np.round(np.minimum(cover, far) * area_p, 1), 0.0)
    return Supply(batch, of_block, batch_ids, dates, status, supply, agreed, floor, footprint)


def _add_years(start: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The last day of a term of whole `years` from `start` (a 3-year lease from 2023-03-15 ends on 2026-03-14)."""
    month_start = start.astype("datetime64[M]")
    months = np.asarray(years * 12).astype(int).astype("timedelta64[M]")
    return (month_start + months).astype("datetime64[D]") + (start - month_start.astype("datetime64[D]")) \
        - np.timedelta64(1, "D")


def supply_type_columns(seed: int, category: np.ndarray, supply_date: np.ndarray) -> dict[str, object]:
    """供地方式 and, for flexible terms, term and start/end dates of each supplied parcel (None when unsupplied).

    Drawn from a generator of its own, so adding these columns leaves every other demo value as it was."""
    rng = stage_rng(seed, "supply_types")
    n = len(category)
    supplied = ~np.isnat(supply_date)
    kind = np.where(category == "public", "public",
                    np.where(category == "industrial",
                             np.where(supply_date >= _FLEXIBLE_FROM, "industrial_new", "industrial_old"), "other"))
    types = np.full(n, "出让", dtype=object)
    for key, table in _SUPPLY_TYPES.items():
        at = kind == key
        types[at] = draw(rng, table, int(at.sum()))
    types[~supplied] = None
    term = np.full(n, np.nan)
    for key, (years, p) in _TERM_YEARS.items():
        at = types == key
        term[at] = rng.choice(years, int(at.sum()), p=p)
    flexible = np.isfinite(term)
    start = np.where(flexible, supply_date, np.datetime64("NaT", "D"))
    end = np.where(flexible, _add_years(start, np.where(flexible, term, 0)), np.datetime64("NaT", "D"))
    # Most leases that ended before the evaluation date were dealt with: 先租后让 granted (出让, no lease
    # term left), 租赁 renewed for one more term; the rest are ended leases the bureau has still to act on.
    ended = flexible & (end < EVALUATION_DATE) & (rng.random(n) < _LEASES_SETTLED)
    granted = ended & (types == "先租后让")
    renewed = ended & (types == "租赁")
    types[granted] = "出让"
    term[granted] = np.nan
    start = np.where(granted, np.datetime64("NaT", "D"), np.where(renewed, end + np.timedelta64(1, "D"), start))
    end = np.where(granted, np.datetime64("NaT", "D"), end)
    end[renewed] = _add_years(start[renewed], term[renewed])
    return {"supply_type": types, "lease_term_years": term,
            "lease_start_date": iso_dates(start), "lease_end_date": iso_dates(end)}
