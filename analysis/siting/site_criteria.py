"""The soft criteria of the sites that passed the rules: the units each lies in, and every computable criterion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.industry_match import IndustryMatcher
from analysis.siting.constraints import RuleLimits
from analysis.siting.criteria import (
    Criterion,
    benchmark_ratio,
    compactness,
    fraction,
    line_score,
    road_access,
    size_fit,
    slope_score,
)
from analysis.siting.data import SitingData, reduce_sites
from analysis.siting.pool import Pool
from analysis.siting.request import SiteRequest
from analysis.units import UNIT_PRIORITY
from layers.settings import SitingSettings

__all__ = ["UNIT_PRIORITY", "SiteUnits", "site_criteria", "site_parks", "site_units"]


@dataclass
class SiteUnits:
    """For the passing sites: the units each lies in (rows for the output), and its own unit."""

    pieces: pd.DataFrame  # pos (index into the passing sites), unit, mu, share, kind
    rows: list[list[dict]]
    own: np.ndarray  # unit position or -1


def site_units(data: SitingData, cfg: SitingSettings, pool: Pool, ok: np.ndarray) -> SiteUnits:
    """Aggregate the parcels' unit pieces per (passing site, unit): shares, listed units, own unit."""
    n, units = len(ok), data.units
    rows: list[list[dict]] = [[] for _ in range(n)]
    own = np.full(n, -1)
    if len(units) == 0 or n == 0:
        return SiteUnits(pd.DataFrame(columns=["pos", "unit", "mu", "share", "kind"]), rows, own)
    pieces = data.unit_pieces(pool.positions)
    local = np.full(len(data.parcels), -1)
    local[pool.positions] = np.arange(len(pool.positions))
    pieces = pieces.assign(parcel=local[pieces["parcel"].to_numpy(dtype=int)])
    pos_of = np.full(len(pool.sites), -1)
    pos_of[ok] = np.arange(n)
    members = pd.DataFrame({"pos": pos_of[pool.sites.site_of_member], "parcel": pool.sites.members})
    members = members[members["pos"].to_numpy() >= 0]
    su = members.merge(pieces, on="parcel").groupby(["pos", "unit"], as_index=False)["mu"].sum()
    su["share"] = su["mu"].to_numpy() / pool.area_mu[ok][su["pos"].to_numpy()]
    su["kind"] = units["unit_kind"].to_numpy()[su["unit"].to_numpy()]
    listed = su[su["share"] >= cfg.unit_list_min_share].sort_values(["pos", "share"], ascending=[True, False])
    uid, uname = units["unit_id"].astype(str).to_numpy(), units["name"].astype(str).to_numpy()
    for pos, unit, kind, share in listed[["pos", "unit", "kind", "share"]].itertuples(index=False):
        rows[pos].append({"unit_id": uid[unit], "unit_kind": kind, "name": uname[unit], "share": round(float(share), 4)})
    held = su[su["share"] >= cfg.unit_min_share].copy()
    held["priority"] = [UNIT_PRIORITY.index(k) if k in UNIT_PRIORITY else len(UNIT_PRIORITY) for k in held["kind"]]
    held = held.sort_values(["pos", "priority", "share"], ascending=[True, True, False]).drop_duplicates("pos")
    own[held["pos"].to_numpy()] = held["unit"].to_numpy()
    return SiteUnits(su, rows, own)


def site_parks(data: SitingData, cfg: SitingSettings, placed: SiteUnits) -> np.ndarray:
    """Per passing site, the position (in `data.units`) of its park, the group `SiteRequest.per_park` spreads
    the candidates over: the `parks` unit holding the largest share of the site (at least unit_min_share), or,
    in a project without parks, the site's own unit; -1 when none."""
    units = data.units
    if len(units) == 0 or not (units["unit_kind"] == "parks").any():
        return placed.own.copy()
    out = np.full(len(placed.own), -1)
    su = placed.pieces
    parks = su[(su["kind"] == "parks").to_numpy() & (su["share"] >= cfg.unit_min_share).to_numpy()]
    best = parks.sort_values(["pos", "share"], ascending=[True, False]).drop_duplicates("pos")
    out[best["pos"].to_numpy(dtype=int)] = best["unit"].to_numpy(dtype=int)
    return out


def _industry_criterion(cfg: SitingSettings, request: SiteRequest, units: pd.DataFrame, su: pd.DataFrame, n: int,
                        notices: list[str]) -> Criterion | None:
    """Share of each site inside units whose leading industries match the request (None: dropped)."""
    industry = (request.industry or "").strip()
    if not industry:
        notices.append("no industry given: the industry_match criterion is dropped")
        return None
    if len(units) == 0 or "leading_industries" not in units:
        notices.append("no evaluation units with leading industries: the industry_match criterion is dropped")
        return None
    ind = cfg.industry
    matcher = IndustryMatcher([list(g) for g in ind.synonyms], suffixes=list(ind.suffixes),
                              min_contain_chars=ind.min_contain_chars)
    found = matcher.match_many(industry, units["leading_industries"].tolist())
    matched = np.asarray([m.matched for m in found], dtype=bool)
    hits = su[matched[su["unit"].to_numpy()]] if len(su) else su
    raw = np.zeros(n)
    detail = ["no unit with a matching leading industry"] * n
    if len(hits):
        # units of one kind do not overlap, so shares add within a kind; kinds nest, so take the best kind
        by_kind = hits.groupby(["pos", "kind"], as_index=False)["share"].sum()
        best = by_kind.sort_values("share", ascending=False).drop_duplicates("pos")
        raw[best["pos"].to_numpy()] = np.minimum(best["share"].to_numpy(), 1.0)
        names = units["name"].astype(str).to_numpy()
        top_unit = hits.sort_values("share", ascending=False).drop_duplicates("pos")
        for pos, unit in top_unit[["pos", "unit"]].itertuples(index=False):
            detail[pos] = f"{names[unit]}: {found[unit].describe()}"
    return Criterion("industry_match", raw, raw, "share", detail)


def site_criteria(data: SitingData, cfg: SitingSettings, request: SiteRequest, pool: Pool, ok: np.ndarray,
              placed: SiteUnits, limits: RuleLimits, notices: list[str]) -> dict[str, Criterion]:
    """Every criterion that can be computed, for the passing sites `ok`; notices say what was dropped."""
    out: dict[str, Criterion] = {}
    n = len(ok)
    if n == 0:
        return out
    offsets, mem, site_mu = pool.sites.offsets, pool.sites.members, pool.area_mu
    units, own = data.units, placed.own
    industry = _industry_criterion(cfg, request, units, placed.pieces, n, notices)
    if industry is not None:
        out["industry_match"] = industry

    has_own = own >= 0
    names = units["name"].astype(str).to_numpy() if len(units) else np.empty(0, dtype=object)
    own_name = [names[u] if u >= 0 else "" for u in own]

    def unit_values(column: str) -> np.ndarray:
        values = np.full(n, np.nan)
        if column in units:
            values[has_own] = pd.to_numeric(units[column], errors="coerce").to_numpy(dtype=float)[own[has_own]]
        return values

    def unit_text(values: np.ndarray, fmt: str) -> list[str]:
        return [format(v, fmt) if np.isfinite(v) else "no data" if nm else "not in a unit"
                for nm, v in zip(own_name, values)]

    indicator = cfg.performance_indicator
    bench = data.district.get(indicator)
    perf = unit_values(indicator)
    if not np.isfinite(perf).any():
        notices.append(f"no site lies in a unit with {indicator}: the unit_performance criterion is dropped")
    elif not (isinstance(bench, (int, float)) and np.isfinite(bench) and bench > 0):
        notices.append(f"district {indicator} is unavailable: the unit_performance criterion is dropped")
    else:
        text = [f"{nm}: {t} (district {bench:.3g})" if nm else t for nm, t in zip(own_name, unit_text(perf, ".3g"))]
        out["unit_performance"] = Criterion("unit_performance", perf, benchmark_ratio(
            perf, float(bench), cfg.performance_cap), "10k_yuan_per_mu", text)
    supply = unit_values("supply_ratio")
    if np.isfinite(supply).any():
        text = [f"{nm}: {t}" if nm else t for nm, t in zip(own_name, unit_text(supply, ".1%"))]
        out["unit_supply"] = Criterion("unit_supply", supply, fraction(supply, cfg.supply_ratio_direction),
                                       "ratio", text)
    else:
        notices.append("no site lies in a unit with a supply ratio: the unit_supply criterion is dropped")

    dist = data.parcel_road_distance(pool.positions)
    if dist is None:
        notices.append("no roads layer: the road_access criterion is dropped")
    else:
        per_class = {c: reduce_sites(dist[c].to_numpy(dtype=float)[mem], offsets, "min")[ok] for c in dist.columns}
        eff, norm, text = road_access(per_class, cfg.road_class_factors, cfg.road_class_factor_default,
                                      cfg.road_distance_max_m)
        out["road_access"] = Criterion("road_access", eff, norm, "m", text)

    out["size_fit"] = Criterion("size_fit", site_mu[ok], size_fit(site_mu[ok], limits.min_mu, limits.max_mu), "mu")
    site_planar = reduce_sites(pool.planar[mem], offsets, "sum")
    pp, pp_norm = compactness(site_planar[ok], pool.sites.perimeter[ok], cfg.compactness_ideal)
    out["compactness"] = Criterion("compactness", pp, pp_norm, "polsby_popper")
    if pool.slope is not None:
        s = pool.slope[ok]
        out["slope"] = Criterion("slope", s, slope_score(s, limits.max_slope_deg), "deg",
                                 ["" if np.isfinite(v) else "not covered by the DEM" for v in s])
    measures = pool.measures
    if measures["lines_m2"].notna().all():
        levels = cfg.line_level_scores
        share, score = line_score(measures["area_m2"].to_numpy()[ok], measures["red_m2"].to_numpy()[ok],
                                  measures["lines_m2"].to_numpy()[ok], levels["red"], levels["blue"])
        out["protection_line"] = Criterion("protection_line", share, score, "share")
    else:
        notices.append("no protection_lines layer: the protection_line criterion is dropped")
    return out
