"""The pool of one request: contiguous sites grown from the available parcels, measured and checked on every hard rule."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from analysis.siting.available import Sites, grow_sites
from analysis.siting.constraints import ADDITIVE_RULES, RuleCheck, RuleLimits, Zones, check_rules, zone_measures
from analysis.siting.data import SitingData, reduce_sites
from layers.settings import SitingSettings
from spatial.area import MU_M2

__all__ = ["Pool", "grow_pool"]


@dataclass
class Pool:
    """Every grown site of one request: members, aggregated measures and rule checks."""

    positions: np.ndarray  # parcel positions of the available parcels (the sites' members index these)
    sites: Sites
    area_mu: np.ndarray
    measures: pd.DataFrame
    slope: np.ndarray | None
    planar: np.ndarray  # per available parcel
    zones: Zones
    checks: dict[str, RuleCheck]


def grow_pool(data: SitingData, cfg: SitingSettings, positions: np.ndarray, limits: RuleLimits,
               within: shapely.Geometry | None) -> Pool:
    """Measure the available parcels, grow contiguous sites from them and check every hard rule."""
    sub = data.parcels.iloc[positions]
    geoms = sub.geometry.to_numpy()
    area_mu = sub["area_mu"].to_numpy(dtype=float)
    zones = data.zones()
    measures = data.parcel_measures(positions)
    if within is not None:
        search = Zones.from_layers(None, None, within)
        measures["search_m2"] = zone_measures(geoms, area_mu * MU_M2, sub["_scale"].to_numpy(dtype=float),
                                              search)["search_m2"].to_numpy()
        zones = copy.copy(zones)
        zones.search, zones.present = search.search, {**zones.present, "search_m2": True}
    # a parcel failing a rule that sums over parcels can only make a site fail: growth skips it
    parcel_checks = check_rules(measures, area_mu, None, limits)
    eligible = np.ones(len(positions), dtype=bool)
    for name in ADDITIVE_RULES:
        if parcel_checks[name].applied:
            eligible &= parcel_checks[name].passed
    planar = shapely.area(geoms)
    sites = grow_sites(data.graph(positions, cfg.merge_gap_m, cfg.snap_m), area_mu, planar,
                       shapely.length(geoms), eligible, min_mu=limits.min_mu, max_mu=limits.max_mu,
                       max_seeds_per_component=cfg.max_seeds_per_component,
                       seed_skip_coverage=cfg.seed_skip_coverage,
                       order_key=shapely.get_coordinates(shapely.centroid(geoms))[:, 0])
    mem, offsets = sites.members, sites.offsets
    site_mu = reduce_sites(area_mu[mem], offsets, "sum")
    site_measures = pd.DataFrame({c: reduce_sites(measures[c].to_numpy(dtype=float)[mem], offsets, "sum")
                                  for c in measures.columns})
    slope = None
    per_parcel = data.parcel_slope(positions)
    if per_parcel is not None:  # coverage-weighted sums compose over disjoint parcels
        total = reduce_sites(per_parcel["sum"].to_numpy(dtype=float)[mem], offsets, "sum")
        weight = reduce_sites(per_parcel["weight"].to_numpy(dtype=float)[mem], offsets, "sum")
        slope = np.divide(total, weight, out=np.full(len(total), np.nan), where=weight > 0)
    checks = check_rules(site_measures, site_mu, slope, limits)
    return Pool(positions, sites, site_mu, site_measures, slope, planar, zones, checks)

