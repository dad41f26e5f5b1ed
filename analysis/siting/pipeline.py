"""`run_siting`: candidate sites for a land request, legal, available and ranked, with reasons.

The run finds the available parcels, grows contiguous sites (`pool`), applies the hard rules
(counting what each removed), scores the survivors on the soft criteria (`site_criteria`) and
returns the top sites, each re-checked on its real (dissolved) geometry, with its score
breakdown and rule checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from analysis.inputs import EvaluationInputs
from analysis.siting.available import AVAILABILITY_REASONS, availability
from analysis.siting.chain import chain_criterion, clusters_settings, resolve_target, standard_land_conditions
from analysis.siting.constraints import RULES, RuleLimits, Zones, check_rules, first_failure, zone_measures
from analysis.siting.criteria import CRITERIA
from analysis.siting.data import SitingData
from analysis.siting.files import read_search_area
from analysis.siting.mcda import ahp_weights, normalise_weights, rank_desc, topsis
from analysis.siting.pool import Pool, grow_pool
from analysis.siting.request import SiteRequest
from analysis.siting.result import SitingResult
from analysis.siting.settings import siting_settings
from analysis.siting.site_criteria import site_criteria, site_parks, site_units
from layers.problems import InputError
from layers.project import Project
from layers.settings import SitingSettings
from layers.siting_chain_settings import DEFAULT_WEIGHT as CHAIN_DEFAULT_WEIGHT
from spatial.area import MU_M2, ellipsoidal_area_m2
from spatial.errors import UsageError

__all__ = ["run_siting"]


def _as_data(source: Project | SitingData | EvaluationInputs, progress: Callable[[str], None]) -> SitingData:
    if isinstance(source, SitingData):
        return source
    if isinstance(source, Project):
        return SitingData.from_project(source, progress=progress)
    if isinstance(source, EvaluationInputs):
        return SitingData.from_inputs(source)
    raise UsageError(f"run_siting needs a Project, SitingData or EvaluationInputs, got {type(source).__name__}")


def _weights(cfg: SitingSettings, request: SiteRequest) -> tuple[dict[str, float], dict[str, Any] | None]:
    """Criterion weights: toml, then AHP if enabled, then the request's overrides."""
    defaults = {"chain_fit": CHAIN_DEFAULT_WEIGHT}  # until the shipped [siting.weights] carries it
    weights = {name: float(cfg.weights.get(name, defaults.get(name, 0.0))) for name in CRITERIA}
    ahp_info = None
    ahp = cfg.ahp
    if ahp.enabled if request.use_ahp is None else request.use_ahp:
        try:
            result = ahp_weights([list(row) for row in ahp.matrix], cr_limit=ahp.cr_limit)
        except ValueError as exc:
            raise InputError(f"landpark.toml siting.ahp.matrix: {exc}") from None
        ahp_info = {"criteria": list(ahp.criteria), "weights": [round(float(w), 6) for w in result.weights],
                    "lambda_max": result.lambda_max, "consistency_index": result.consistency_index,
                    "consistency_ratio": result.consistency_ratio, "cr_limit": ahp.cr_limit,
                    "acceptable": result.acceptable, "forced": bool(request.force_ahp and not result.acceptable)}
        if not result.acceptable and not request.force_ahp:
            raise InputError(f"landpark.toml siting.ahp.matrix: consistency ratio CR = {result.consistency_ratio:.3f} "
                             f"exceeds {ahp.cr_limit} (Saaty); revise the pairwise judgements or force it")
        weights = {name: 0.0 for name in CRITERIA}
        weights.update({n: float(w) for n, w in zip(ahp.criteria, result.weights)})
    weights.update({k: float(v) for k, v in (request.weights or {}).items()})
    return weights, ahp_info


def _score_function(method: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Scores 0–100 from a normalised matrix and weights: weighted sum, or TOPSIS closeness × 100."""
    def score(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if matrix.shape[1] == 0:
            return np.zeros(matrix.shape[0])
        if method == "topsis":
            return 100.0 * topsis(matrix, weights, normalisation="none")
        return 100.0 * (matrix @ normalise_weights(weights))
    return score


Phases = tuple[int | None, ...]


def park_phases(per_park: int | None) -> Phases:
    """The shortlist's passes over the sites by score, as the most sites of one park each pass may hold in all
    (None: no limit): best per park first, then the rest (None); at most N per park (N); plain order (0)."""
    if per_park == 0:
        return (None,)
    if per_park is None:
        return (1, None)
    return (1,) if per_park == 1 else (1, int(per_park))


def _shortlist(data: SitingData, pool: Pool, ok: np.ndarray, order: np.ndarray, top: int, distinct: bool,
               limits: RuleLimits, groups: np.ndarray | None = None,
               phases: Phases = (None,)) -> tuple[list[tuple], dict[str, int]]:
    """The best `top` sites (sharing no parcel when `distinct`), each passing every rule on its dissolved geometry.

    The sites are scanned in `order` once per phase; a phase takes a site only while its group (`groups`,
    per passing site: its park) holds fewer chosen sites than the phase's limit (None: no limit), so
    `(1, None)` takes the best site of each park, then the rest by score; `(None,)` is plain score order.
    Sites are checked in batches; after a failure the scan resumes just after it, since sites
    skipped for sharing parcels with the failed one may now qualify. A site failing on its dissolved
    geometry is left out of later phases too.
    """
    sites = pool.sites
    geoms = data.parcels.geometry.to_numpy()[pool.positions]
    group = np.zeros(len(ok), dtype=int) if groups is None else np.asarray(groups)
    chosen: list[tuple] = []
    used = np.zeros(len(pool.positions), dtype=bool)
    rejected = np.zeros(len(order), dtype=bool)
    taken_site = np.zeros(len(order), dtype=bool)
    held: dict[int, int] = {}  # chosen sites per group
    failures = {name: 0 for name in RULES}
    present = {int(g) for g in np.unique(group)} if len(group) else set()
    for limit in phases:
        cursor = 0
        while len(chosen) < top and cursor < len(order):
            if limit is not None and all(held.get(g, 0) >= limit for g in present):
                break  # every park is full: the rest of this pass would take nothing
            batch: list[int] = []
            taken = used.copy()
            tentative = dict(held)
            while cursor < len(order) and len(batch) < top - len(chosen):
                g = int(group[order[cursor]])
                if not (rejected[cursor] or taken_site[cursor] or (limit is not None and tentative.get(g, 0) >= limit)):
                    members = sites.parcels_of(ok[order[cursor]])
                    if not (distinct and taken[members].any()):
                        taken[members] = True
                        tentative[g] = tentative.get(g, 0) + 1
                        batch.append(cursor)
                cursor += 1
            if not batch:
                break
            picked = [int(ok[order[c]]) for c in batch]
            exact = _exact_check(data, pool.zones, [geoms[sites.parcels_of(k)] for k in picked],
                                 None if pool.slope is None else pool.slope[picked], limits)
            for c, k, (geometry, area_mu, rules, failed) in zip(batch, picked, exact):
                if failed:
                    failures[failed[0]] += 1
                    rejected[c] = True
                    cursor = c + 1
                    break
                used[sites.parcels_of(k)] = True
                taken_site[c] = True
                g = int(group[order[c]])
                held[g] = held.get(g, 0) + 1
                chosen.append((int(order[c]), k, geometry, area_mu, rules))
    return chosen, failures


def arrange(scores: np.ndarray, groups: np.ndarray, phases: Phases) -> np.ndarray:
    """Positions of sites in the order the shortlist's phases take them, by `scores` (no rule or parcel checks):
    the order of the chosen sites under other weights, for the rank sensitivity."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    out: list[int] = []
    taken = np.zeros(len(order), dtype=bool)
    held: dict[int, int] = {}
    for limit in phases:
        for i in order:
            g = int(groups[i])
            if not taken[i] and (limit is None or held.get(g, 0) < limit):
                taken[i] = True
                held[g] = held.get(g, 0) + 1
                out.append(int(i))
    return np.asarray(out, dtype=int)


def run_siting(source: Project | SitingData | EvaluationInputs, request: SiteRequest, *,
               progress: Callable[[str], None] | None = None) -> SitingResult:
    """Candidate sites for `request`, best first, each with score breakdown and rule checks."""
    say = progress or (lambda _m: None)
    request.validate()
    data = _as_data(source, say)
    cfg = siting_settings(data.config)
    notices = list(data.notices)
    min_mu = float(request.area_mu)
    max_mu = float(request.max_area_mu) if request.max_area_mu is not None else min_mu * cfg.max_area_factor
    max_slope = float(request.max_slope_deg if request.max_slope_deg is not None else cfg.max_slope_deg)
    method = request.method or cfg.method
    top = int(request.top or cfg.top)
    phases = park_phases(request.per_park)
    weights, ahp_info = _weights(cfg, request)
    if request.cluster:  # an unknown cluster is refused before any work (RequestError naming the choices)
        resolve_target(request.industry_code, request.cluster, clusters_settings(data))
    within = request.within
    if isinstance(within, (str, Path)):
        within = read_search_area(within, data.crs)
    limits = RuleLimits(min_mu, max_mu, cfg.overlap_tolerance_m2, cfg.boundary_tolerance_m2,
                        max_slope, require_lines=not request.allow_outside_lines)
    resolved = {"area_mu": min_mu, "max_area_mu": max_mu, "industry": request.industry,
                "industry_code": request.industry_code, "cluster": request.cluster, "top": top, "method": method,
                "include_idle": request.include_idle, "include_low_efficiency": request.include_low_efficiency,
                "allow_outside_lines": request.allow_outside_lines, "max_slope_deg": max_slope,
                "per_park": request.per_park,
                "within": str(request.within) if isinstance(request.within, (str, Path)) else within is not None,
                "merge_gap_m": cfg.merge_gap_m, "overlap_tolerance_m2": limits.overlap_tolerance_m2,
                "boundary_tolerance_m2": limits.boundary_tolerance_m2}

    # 1. available land
    reason = availability(data.parcels, include_idle=request.include_idle,
                          include_low_efficiency=request.include_low_efficiency, idle_by_date=data.idle_by_date,
                          low_far=data.low_far, d_class_owners=data.d_class_owners)
    avail = np.flatnonzero(reason != None)  # noqa: E711
    summary: dict[str, Any] = {"available_parcels": int(len(avail)), "available_by_reason": {
        r: int((reason == r).sum()) for r in AVAILABILITY_REASONS if (reason == r).any()}, "rule_order": list(RULES)}
    if len(avail) == 0:
        notices.append("no available parcels for this request (idle or low-efficiency land can be included in the request)")
        return SitingResult(resolved, [], {r: 0 for r in RULES}, {**summary, "sites_generated": 0, "sites_passed": 0},
                            {"name": method, "weights": {}, "dropped": [], "ahp": ahp_info}, notices, data.crs)

    # 2. sites and hard rules; each removed site counts under the first rule it fails
    say(f"{len(avail)} available parcels; growing contiguous sites…")
    pool = grow_pool(data, cfg, avail, limits, within)
    first = first_failure(pool.checks)
    ok = np.flatnonzero(first == None)  # noqa: E711
    excluded = {name: int((first == name).sum()) for name in RULES}
    summary["rule_failures"] = {n: int((~c.passed).sum()) if c.applied else 0 for n, c in pool.checks.items()}
    summary.update({"sites_generated": len(pool.sites), "sites_passed": int(len(ok))})
    if pool.slope is None:
        notices.append("no DEM (rasters/dem.tif): the slope rule is not checked and the slope criterion is dropped")
    for name, check in pool.checks.items():
        quiet = name == "search_area" or (name == "slope" and pool.slope is None) or \
            (name == "protection_line" and request.allow_outside_lines)
        if check.note and not quiet:
            notices.append(f"{name} rule: {check.note}")

    # 3. soft criteria and scores of the sites that passed
    placed = site_units(data, cfg, pool, ok)
    criteria = site_criteria(data, cfg, request, pool, ok, placed, limits, notices)
    parks = site_parks(data, cfg, placed)
    chain = chain_criterion(data, cfg, request, pool, ok, parks, notices)
    if chain is not None:
        criteria["chain_fit"] = chain.criterion
    active = [name for name in CRITERIA if name in criteria and weights.get(name, 0.0) > 0]
    if not active and criteria:
        active = [name for name in CRITERIA if name in criteria]
        weights = {name: 1.0 for name in active}
        notices.append("every criterion that could be computed has weight 0: equal weights used")
    w = normalise_weights([weights[n] for n in active]) if active else np.zeros(0)
    matrix = np.column_stack([criteria[n].norm for n in active]) if active else np.zeros((len(ok), 0))
    score_of = _score_function(method)
    scores = score_of(matrix, w)
    order = np.argsort(-scores, kind="stable")

    # 4. shortlist (spread over parks unless per_park = 0), re-checked on the dissolved geometry
    say("checking the best sites on their dissolved geometry…")
    chosen, failures = _shortlist(data, pool, ok, order, top, cfg.distinct, limits, parks, phases)
    for name, count in failures.items():
        excluded[name] += count
    summary["sites_failed_on_dissolved_geometry"] = int(sum(failures.values()))
    summary["returned"] = len(chosen)

    picked = [c[0] for c in chosen]
    sensitivity = _sensitivity(matrix, w, picked, score_of, cfg.sensitivity_step, parks[picked], phases)
    ids_all = data.parcels["parcel_id"].astype(str).to_numpy() if "parcel_id" in data.parcels else \
        np.arange(len(data.parcels)).astype(str)
    standard = standard_land_conditions(data, request.industry_code, request.cluster)
    candidates = []
    for rank, (pos, k, geometry, area_mu, rules) in enumerate(chosen, start=1):
        members = avail[pool.sites.parcels_of(k)]
        ids = ids_all[members]
        facts = chain.fact(pos) if chain is not None else None
        if chain is not None and facts is not None:  # facts is None without a chain: the test only narrows `chain`
            chain.criterion.detail[pos] = facts["reason"]["en"]
        breakdown = {name: criteria[name].entry(pos, float(w[j])) for j, name in enumerate(active)}
        reasons = pd.Series(reason[members]).value_counts()
        candidates.append({
            "rank": rank, "site_id": _site_id(ids), "area_mu": round(area_mu, 4), "score": round(float(scores[pos]), 4),
            "parcel_ids": [str(i) for i in ids], "unit_ids": [u["unit_id"] for u in placed.rows[pos]],
            "units": placed.rows[pos], "park": _park(data, int(parks[pos])),
            "availability": {str(r): int(n) for r, n in reasons.items()},
            "criteria": breakdown, "rules": rules, "sensitivity": sensitivity[rank - 1], "chain": facts,
            "standard_land": {**standard, "units": dict(standard["units"]), "sources": dict(standard["sources"]),
                              "matched": dict(standard["matched"])},
            "geometry": geometry,
        })
    method_info = {"name": method, "weights": {n: round(float(x), 6) for n, x in zip(active, w)},
                   "dropped": [n for n in CRITERIA if n not in criteria] if len(ok) else [], "ahp": ahp_info,
                   "score": "TOPSIS closeness × 100" if method == "topsis" else "Σ weight × normalised × 100"}
    return SitingResult(resolved, candidates, excluded, summary, method_info, notices, data.crs)


def _park(data: SitingData, unit: int) -> dict[str, str] | None:
    """The park a candidate is counted under for `per_park` (unit id, kind and name), or None."""
    if unit < 0:
        return None
    row = data.units.iloc[unit]
    return {"unit_id": str(row["unit_id"]), "unit_kind": str(row["unit_kind"]), "name": str(row["name"])}


def _site_id(parcel_ids: np.ndarray) -> str:
    """Stable id from the sorted parcel ids, so the same site keeps its id across runs."""
    digest = hashlib.sha1("|".join(sorted(map(str, parcel_ids))).encode()).hexdigest()[:10]
    return f"S-{digest}"


def _exact_check(data: SitingData, zones: Zones, parts: list[np.ndarray], slope_mean: np.ndarray | None,
                 limits: RuleLimits) -> list[tuple[shapely.Geometry, float, dict[str, Any], list[str]]]:
    """Dissolve each site's parcels and check every rule on the real geometry (overlaps count once)."""
    geometry = np.asarray([shapely.union_all(p) for p in parts], dtype=object)
    area_m2 = ellipsoidal_area_m2(geometry, data.crs)
    planar = shapely.area(geometry)
    scale = np.divide(area_m2, planar, out=np.ones(len(planar)), where=planar > 0)
    measures = zone_measures(geometry, area_m2, scale, zones)
    checks = check_rules(measures, area_m2 / MU_M2, slope_mean, limits)
    out = []
    for i in range(len(geometry)):
        failed = [name for name in RULES if checks[name].applied and not checks[name].passed[i]]
        if geometry[i] is None or shapely.is_empty(geometry[i]):
            failed = failed or ["area"]
        out.append((geometry[i], float(area_m2[i] / MU_M2), {name: c.entry(i) for name, c in checks.items()}, failed))
    return out


def _sensitivity(matrix: np.ndarray, w: np.ndarray, picked: list[int], score_of: Callable, step: float,
                 groups: np.ndarray | None = None, phases: Phases = (None,)) -> list[dict]:
    """Best and worst rank of each returned site among the returned when each weight moves ±step (ranked
    as the shortlist orders them: by park first when the phases spread them, `arrange`)."""
    n = len(picked)
    if n == 0:
        return []
    best, worst = np.arange(1, n + 1), np.arange(1, n + 1)
    if matrix.shape[1] > 1 and step > 0:
        spread = groups is not None and phases != (None,)
        for j in range(matrix.shape[1]):
            for sign in (-1.0, 1.0):
                ws = w.copy()
                ws[j] *= 1.0 + sign * step
                moved = score_of(matrix, ws)[picked]
                if spread:
                    assert groups is not None
                    r = np.empty(n, dtype=int)
                    r[arrange(moved, groups, phases)] = np.arange(1, n + 1)
                else:
                    r = rank_desc(moved)
                best, worst = np.minimum(best, r), np.maximum(worst, r)
    return [{"rank_best": int(b), "rank_worst": int(x), "weight_step": step} for b, x in zip(best, worst)]
