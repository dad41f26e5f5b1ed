"""Siting knows the chains: the chain_fit criterion and the 标准地 conditions of a request naming a code or cluster.

A request names a GB/T 4754-2017 code (any level: C, C34, C344, C3441) and/or a cluster of the project's [clusters].
Codes match by prefix either way (C34 covers C3441; C3441 lies in C34). The target: the named cluster, else every
cluster whose codes match the code; its requested segments: the cluster's segments whose codes match the code.
Per site (its park: `site_parks`), for each target cluster:
  park part   `missing_segment` — the cluster is present in the park but none of the park's member firms is in a
              requested segment (by code, or by firm_clusters' segment); `cluster_present` — the cluster is there
              (with the segment, or no segment requested); else absent. Present: the [clusters] rule (its member
              firms' share of the park's member output ≥ present_min_share, or present_min_firms firms);
  leader part 1 − min(d ÷ leader_distance_max_m, 1), d = distance from the site to the cluster's nearest 链主
              (its own point in the chain_leaders layer, else its firm's point, else its linked parcels);
  chain_fit = (1 − leader_share) × park score + leader_share × leader part; the best target cluster counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from analysis.siting.criteria import Criterion, distance_decay
from analysis.siting.request import RequestError
from analysis.siting.result import STANDARD_LAND_KEYS
from i18n import t
from layers.siting_chain_settings import SitingChain

__all__ = ["CHAIN_STATUSES", "STANDARD_LAND_KEYS", "ChainScores", "ChainTarget", "chain_criterion", "chain_settings",
           "clusters_settings", "codes_match", "normalise_code", "resolve_target", "standard_land_conditions"]

CHAIN_STATUSES = ("missing_segment", "cluster_present", "cluster_absent", "no_park")


def canonical_code(code: Any) -> str | None:
    """A GB/T 4754-2017 code as letter + digits ("36" and "c36" → "C36"), None when it is not one
    (`layers.standard_land_settings.normalise_code` decides)."""
    from layers.standard_land_settings import normalise_code as parse

    parsed = parse(code)
    return None if parsed is None else parsed[0] + parsed[1]


def normalise_code(code: str | None) -> str | None:
    """The requested code, canonical (C34), None when blank; a RequestError when it is not a GB/T 4754-2017 code."""
    if code is None or not str(code).strip():
        return None
    out = canonical_code(code)
    if out is None:
        raise RequestError(f"industry code {code!r} is not a GB/T 4754-2017 code (门类 letter A–T and/or 2–4 digits: "
                           "C, C34, 34, C344, C3441)")
    return out


def codes_match(a: Any, b: Any) -> bool:
    """Two codes of any level match when one is a prefix of the other once canonical (C34 and 3441)."""
    a, b = canonical_code(a), canonical_code(b)
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


@dataclass(frozen=True)
class ChainTarget:
    """The clusters a request concerns and, per cluster, the requested segments (empty: no segment requested)."""

    code: str | None
    cluster: str | None
    clusters: tuple[Any, ...]            # layers.clusters_settings.Cluster
    segments: tuple[tuple[Any, ...], ...]  # per cluster, its requested Segment objects


def resolve_target(code: str | None, cluster: str | None, settings: Any) -> ChainTarget:
    """The target clusters and segments of a request; an unknown cluster name is a RequestError naming the choices."""
    code = normalise_code(code)
    items = tuple(getattr(settings, "items", ()) or ())
    if cluster:
        chosen = tuple(c for c in items if c.name == cluster)
        if not chosen:
            names = "、".join(c.name for c in items) or "none configured in [clusters]"
            raise RequestError(f"unknown cluster {cluster!r}; choose from {names}")
    elif code:
        chosen = tuple(c for c in items if any(codes_match(code, k) for k in c.codes)
                       or any(codes_match(code, k) for s in c.segments for k in s.codes))
    else:
        chosen = ()
    segments = tuple(tuple(s for s in c.segments if code and any(codes_match(code, k) for k in s.codes)) for c in chosen)
    return ChainTarget(code, cluster or None, chosen, segments)


def clusters_settings(data: Any) -> Any:
    """The [clusters] settings siting uses: SitingData.clusters when set (tests, the app), else the project's config."""
    if getattr(data, "clusters", None) is not None:
        return data.clusters
    return getattr(_config(data.config), "clusters", None)


def chain_settings(data: Any, cfg: Any) -> SitingChain:
    """[siting.chain] of the siting settings once wired there (`SitingSettings.chain`), else the shipped defaults."""
    if getattr(data, "chain", None) is not None:
        return data.chain
    return getattr(cfg, "chain", None) or SitingChain()


def _config(config: Any) -> Any:
    """A loaded Config, or a partial dict read over the shipped defaults (None when it cannot be read)."""
    if isinstance(config, dict):
        from layers.config import config_from_dict
        return config_from_dict(config)
    return config


def _segment_label(segments: tuple[Any, ...], lang: str) -> str:
    """The requested segments as text: stage and name (上游·汽车零部件), joined."""
    sep = "、" if lang == "zh" else ", "
    stages = {"上游": t("siting_chain_stage_up", lang), "中游": t("siting_chain_stage_mid", lang),
              "下游": t("siting_chain_stage_down", lang)}
    return sep.join(f"{stages.get(s.stage, s.stage)}·{s.name}" for s in segments)


def _firm_table(data: Any, settings: Any) -> pd.DataFrame:
    """Per firm and cluster it belongs to (`analysis.clusters.firm_clusters`): uscc, cluster, segment (or None),
    its canonical code ("" when none) and output (万元, 0 when missing)."""
    from analysis.clusters import firm_clusters

    firms = data.firms if data.firms is not None else pd.DataFrame({"uscc": []})
    if len(firms) == 0:
        return pd.DataFrame({"uscc": [], "cluster": [], "segment": [], "code": [], "output": []})
    fc = pd.DataFrame(firm_clusters(pd.DataFrame(firms), settings))
    fc = pd.DataFrame({"uscc": fc["uscc"].astype(str).to_numpy(), "cluster": fc["cluster"].astype(str).to_numpy(),
                       "segment": fc["segment"].to_numpy() if "segment" in fc else None})
    one = firms.assign(uscc=firms["uscc"].astype(str)).drop_duplicates("uscc").set_index("uscc")
    raw = one["industry_code"] if "industry_code" in one else pd.Series(None, index=one.index, dtype=object)
    canon = {c: canonical_code(c) or "" for c in pd.unique(raw.dropna())}
    fc["code"] = fc["uscc"].map(raw.map(canon)).fillna("").to_numpy()
    output = pd.to_numeric(one["output_10k_yuan"], errors="coerce") if "output_10k_yuan" in one else \
        pd.Series(np.nan, index=one.index)
    fc["output"] = fc["uscc"].map(output.fillna(0.0).clip(lower=0.0)).fillna(0.0).to_numpy(dtype=float)
    return fc


def _units_with_cluster(held: pd.DataFrame, unit_output: pd.Series, settings: Any) -> np.ndarray:
    """The units where a cluster counts as present (the [clusters] rule of analysis/clusters.py): its member firms make
    at least `present_min_share` of the unit's member output, or number `present_min_firms` when that is set; a unit
    without output figures holds the cluster with any member firm."""
    if len(held) == 0:
        return np.empty(0, dtype=int)
    per_unit = held.groupby("unit").agg(n=("uscc", "nunique"), output=("output", "sum"))
    total = unit_output.reindex(per_unit.index).fillna(0.0).to_numpy(dtype=float)
    min_firms = getattr(settings, "present_min_firms", None)
    if min_firms:
        keep = per_unit["n"].to_numpy() >= min_firms
    else:
        share = np.divide(per_unit["output"].to_numpy(dtype=float), total, out=np.zeros(len(total)), where=total > 0)
        keep = np.where(total > 0, share >= float(getattr(settings, "present_min_share", 0.0)) - 1e-12,
                        per_unit["n"].to_numpy() >= 1)
    return per_unit.index.to_numpy(dtype=int)[keep]


def _leader_geometries(data: Any, cluster: str) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """The 链主 of `cluster`, located: own geometry, else the firm's point, else its linked parcels' union."""
    leaders = data.chain_leaders
    if leaders is None or len(leaders) == 0:
        return np.empty(0, dtype=object), []
    rows = leaders[leaders["cluster"].astype(str) == cluster]
    own = rows.geometry.to_numpy() if hasattr(rows, "geometry") else np.full(len(rows), None)
    firms = data.firms if data.firms is not None else pd.DataFrame({"uscc": []})
    firm_geom = (pd.Series(firms.geometry.to_numpy(), index=firms["uscc"].astype(str)).groupby(level=0).first()
                 if hasattr(firms, "geometry") and len(firms) else pd.Series(dtype=object))
    names = (firms.drop_duplicates("uscc").set_index(firms.drop_duplicates("uscc")["uscc"].astype(str))["name"]
             if "name" in firms else pd.Series(dtype=object))
    parcel_owner = data.parcels["firm_uscc"].astype("string") if "firm_uscc" in data.parcels else None
    geoms, labels = [], []
    for uscc, geom in zip(rows["uscc"].astype(str), own):
        if geom is None or shapely.is_empty(geom):
            geom = firm_geom.get(uscc)
        if (geom is None or shapely.is_empty(geom)) and parcel_owner is not None:
            mine = data.parcels.geometry.to_numpy()[(parcel_owner == uscc).fillna(False).to_numpy(dtype=bool)]
            geom = shapely.union_all(mine) if len(mine) else None
        if geom is not None and not shapely.is_empty(geom):
            name = names.get(uscc)
            geoms.append(geom)
            labels.append((uscc, str(name) if isinstance(name, str) and name else uscc))
    return np.asarray(geoms, dtype=object), labels


def _site_leader_distance(data: Any, pool: Any, ok: np.ndarray, leaders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index of the nearest leader) per passing site: the least over its parcels (NaN, −1 without leaders)."""
    n = len(ok)
    if len(leaders) == 0 or n == 0:
        return np.full(n, np.nan), np.full(n, -1)
    parcels = data.parcels.geometry.to_numpy()[pool.positions]
    tree = shapely.STRtree(leaders)
    (src, idx), dist = tree.query_nearest(parcels, return_distance=True, all_matches=False)
    d_parcel, i_parcel = np.full(len(parcels), np.inf), np.full(len(parcels), -1)
    d_parcel[src], i_parcel[src] = dist, idx
    site_pos = np.full(len(pool.sites), -1)
    site_pos[ok] = np.arange(n)
    frame = pd.DataFrame({"pos": site_pos[pool.sites.site_of_member], "d": d_parcel[pool.sites.members],
                          "leader": i_parcel[pool.sites.members]})
    frame = frame[frame["pos"].to_numpy() >= 0].sort_values(["pos", "d"]).drop_duplicates("pos")
    distance, nearest = np.full(n, np.nan), np.full(n, -1)
    distance[frame["pos"].to_numpy()] = np.where(np.isfinite(frame["d"]), frame["d"], np.nan)
    nearest[frame["pos"].to_numpy()] = frame["leader"].to_numpy()
    return distance, nearest


@dataclass
class ChainScores:
    """chain_fit per passing site, and what each site's score rests on (its best target cluster), for the reasons."""

    criterion: Criterion
    cluster: list[Any]          # per target cluster: the Cluster
    segments: list[tuple]       # per target cluster: its requested segments
    status: list[np.ndarray]    # per target cluster: CHAIN_STATUSES per site
    park_score: list[np.ndarray]
    leader_score: list[np.ndarray]
    distance: list[np.ndarray]
    nearest: list[np.ndarray]
    labels: list[list[tuple[str, str]]]
    best: np.ndarray            # per site: index of the target cluster that counts
    park_names: list[str | None]  # per site: its park's name

    def fact(self, pos: int) -> dict[str, Any]:
        """The chain facts of passing site `pos`: cluster, segments, park status, nearest 链主, points and reason."""
        j = int(self.best[pos])
        cluster, segments, status = self.cluster[j], self.segments[j], str(self.status[j][pos])
        leader = None
        if self.nearest[j][pos] >= 0:
            uscc, name = self.labels[j][int(self.nearest[j][pos])]
            leader = {"uscc": uscc, "name": name, "distance_m": round(float(self.distance[j][pos]), 1)}
        park = self.park_names[pos]
        return {"cluster": cluster.name, "segments": [s.name for s in segments], "stages": [s.stage for s in segments],
                "park": park, "status": status, "park_points": round(float(self.park_score[j][pos]), 6),
                "leader": leader, "leader_points": round(float(self.leader_score[j][pos]), 6),
                "score": round(float(self.criterion.norm[pos]), 6),
                "reason": {lang: chain_reason(status, park, cluster.name, segments, leader, lang) for lang in ("zh", "en")}}


def chain_criterion(data: Any, cfg: Any, request: Any, pool: Any, ok: np.ndarray, parks: np.ndarray,
                    notices: list[str]) -> ChainScores | None:
    """chain_fit per passing site (`parks`: each site's park position, -1 none); None when the request names no chain
    or it cannot be scored (a notice says why)."""
    n = len(ok)
    if not (request.industry_code or request.cluster):
        return None
    settings = clusters_settings(data)
    if settings is None or not getattr(settings, "items", ()):
        notices.append("no clusters in [clusters]: the chain_fit criterion is dropped")
        return None
    target = resolve_target(request.industry_code, request.cluster, settings)
    if not target.clusters:
        notices.append(f"industry code {target.code} lies in no cluster of [clusters]: the chain_fit criterion is dropped")
        return None
    chain = chain_settings(data, cfg)
    firms = _firm_table(data, settings)
    members = data.members if data.members is not None else pd.DataFrame({"unit_pos": [], "uscc": []})
    members = pd.DataFrame({"unit": members["unit_pos"].to_numpy(dtype=int), "uscc": members["uscc"].astype(str).to_numpy()})
    output = firms.drop_duplicates("uscc").set_index("uscc")["output"]
    unit_output = members.assign(output=members["uscc"].map(output).fillna(0.0)).groupby("unit")["output"].sum()
    unit_names = data.units["name"].astype(str).to_numpy() if len(data.units) else np.empty(0, dtype=object)
    parks = np.asarray(parks, dtype=int)
    has_park = parks >= 0
    out = ChainScores(Criterion("chain_fit", np.zeros(n), np.zeros(n), "score"), [], [], [], [], [], [], [], [],
                      np.zeros(n, dtype=int), [str(unit_names[p]) if p >= 0 else None for p in parks])
    totals = []
    for cluster, segments in zip(target.clusters, target.segments):
        mine = firms[firms["cluster"].to_numpy() == cluster.name]
        seg_codes = [k for s in segments for k in s.codes]
        seg_names = {s.name for s in segments}
        # a firm is in a segment when its own code lies inside one of the segment's (a coarser firm code is undecided)
        canon_seg = [canonical_code(k) for k in seg_codes]
        code_hit = {c: any(k and c.startswith(k) for k in canon_seg) for c in pd.unique(mine["code"]) if c}
        in_segment = mine["code"].map(code_hit).fillna(False).to_numpy(dtype=bool) | mine["segment"].isin(seg_names).to_numpy()
        held = members.merge(mine.assign(seg=in_segment)[["uscc", "seg", "output"]].drop_duplicates("uscc"), on="uscc")
        present = np.isin(parks, _units_with_cluster(held, unit_output, settings)) & has_park
        covered = np.isin(parks, held.loc[held["seg"].to_numpy(dtype=bool), "unit"].to_numpy()) & has_park
        status = np.where(~has_park, "no_park", np.where(~present, "cluster_absent", np.where(
            covered | (len(segments) == 0), "cluster_present", "missing_segment")))
        park_score = np.select([status == "missing_segment", status == "cluster_present"],
                               [chain.missing_segment_score, chain.cluster_present_score], 0.0)
        geoms, labels = _leader_geometries(data, cluster.name)
        distance, nearest = _site_leader_distance(data, pool, ok, geoms)
        leader_score = np.where(np.isfinite(distance), distance_decay(np.nan_to_num(distance, nan=np.inf),
                                                                      chain.leader_distance_max_m), 0.0)
        totals.append((1.0 - chain.leader_share) * park_score + chain.leader_share * leader_score)
        for field_, value in (("cluster", cluster), ("segments", segments), ("status", status), ("park_score", park_score),
                              ("leader_score", leader_score), ("distance", distance), ("nearest", nearest),
                              ("labels", labels)):
            getattr(out, field_).append(value)
    stacked = np.column_stack(totals)
    out.best = np.argmax(stacked, axis=1)
    score = stacked[np.arange(n), out.best]
    out.criterion = Criterion("chain_fit", score, score, "score")
    return out


def chain_reason(status: str, park: str | None, cluster: str, segments: tuple[Any, ...], leader: dict | None,
                 lang: str) -> str:
    """Why a site scores what it does on chain_fit, in one language: the park's status and the nearest 链主."""
    seg = _segment_label(segments, lang)
    texts = {"missing_segment": t("siting_chain_reason_missing_segment", lang),
             "present_segment": t("siting_chain_reason_present_segment", lang),
             "cluster_present": t("siting_chain_reason_cluster_present", lang),
             "cluster_absent": t("siting_chain_reason_cluster_absent", lang),
             "no_park": t("siting_chain_reason_no_park", lang)}
    # one segment asked for and held: name it; several (a code spanning the chain): the park holds some of them,
    # so only the cluster's presence is said
    key = "present_segment" if status == "cluster_present" and len(segments) == 1 else status
    parts = [texts[key].format(park=park or "", cluster=cluster, segment=seg)]
    if leader is None:
        parts.append(t("siting_chain_reason_no_leader", lang).format(cluster=cluster))
    else:
        parts.append(t("siting_chain_reason_leader", lang).format(leader=leader["name"],
                                                                  distance=f"{leader['distance_m']:,.0f}"))
    return ("；" if lang == "zh" else "; ").join(parts)


def standard_land_conditions(data: Any, code: str | None, cluster: str | None) -> dict[str, Any]:
    """The 标准地 control indicators a parcel would carry for the request (`analysis.standard_land.conditions_for`):
    the seven keys, each a number or None (none configured), with `units`, `sources` and `matched` beside them."""
    from analysis.standard_land import conditions_for, settings_of

    settings = data.standard_land if getattr(data, "standard_land", None) is not None else settings_of(_config(data.config))
    found = dict(conditions_for(normalise_code(code), cluster or None, settings) or {})
    out: dict[str, Any] = {}
    for key in STANDARD_LAND_KEYS:
        value = found.get(key)
        out[key] = float(value) if isinstance(value, (int, float)) and np.isfinite(value) else None
    out["units"] = {k: (found.get("units") or {}).get(k) for k in STANDARD_LAND_KEYS}
    out["sources"] = {k: (found.get("sources") or {}).get(k) for k in STANDARD_LAND_KEYS}
    out["matched"] = dict(found.get("matched") or {})
    return out
