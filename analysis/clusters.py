"""Industry clusters and chains (产业图谱): which firms belong to which cluster and chain segment, the clusters'
output, tax, firms and land for the district and per unit, each unit's concentration on its declared leading
industries, the segments a unit lacks, the 链主 on the map, the cluster-by-area rule, and progress against the
[targets] items of scope "cluster:<name>" (`landpark clusters`, the 产业图谱 page, exports).

Membership (`firm_clusters`): a firm's GB/T 4754 code matches a cluster code by prefix (a 门类 letter covers its
大类 range); a firm whose code is missing, or coarser than a cluster code (大类 38 against 中类 C385: undecided), is
matched by the cluster's keywords in its industry text. A firm may belong to several clusters (the plans' clusters
overlap); district totals of "all clusters" count each firm once. Segments: the first segment whose codes match the
firm's code, else (code missing or too coarse) the first whose keywords are in its industry text, else none.

Figures: sums over the member firms of the evaluation year's firm table (output_10k_yuan, tax_10k_yuan, land_mu:
the firm's own 用地面积 of the 亩均 evaluation), null when no firm has the figure (missing is never 0). A unit's
firms are its members (analysis/members.py); a cluster's share in a unit = its member output ÷ all member output.
Concentration: each term of the unit's `leading_industries` (split as analysis.industry_match does) selects the
members (a) in a cluster whose name contains the term, is contained in it, or lists it as a keyword, (b) whose code
starts with the term when the term is a code, (c) whose industry text contains the term or is contained in it;
concentration = Σ output of the members selected by any term ÷ Σ output of all members.
The cluster-by-area rule runs over the units of `area_layer`: a cluster is developed in an area when its share of
the area's member output is at least `present_min_share` (or it has `present_min_firms` member firms there).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

import i18n.clusters_text  # noqa: F401  (registers the clusters_ text)
from analysis.members import unit_ids_by_firm
from i18n import layer_label, t
from layers.clusters_settings import STAGES, Cluster, ClustersSettings
from layers.textsets import text_isin

__all__ = ["firm_clusters", "firm_codes", "normalise_code", "cluster_figures", "ClusterResult", "to_json",
           "format_clusters", "format_number", "format_share", "status_label", "stage_label", "unit_label", "ok_label",
           "project_clusters", "settings_of", "cluster_value", "firm_layer", "export_tables",
           "leader_candidates", "cluster_present",
           "CLUSTER_INDICATORS"]

# GB/T 4754-2017 门类 → its range of 大类 numbers (the standard's table of sections).
SECTION_RANGES = {"A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52), "G": (53, 60),
                  "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72), "M": (73, 75),
                  "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97)}
_CODE = re.compile(r"^([A-T])?(\d{2,4})$")
# Cluster targets of [targets] (scope "cluster:<name>"): sums over the cluster's firms; money in 亿元 as plans write.
CLUSTER_INDICATORS = {"output": "output_10k_yuan", "revenue": "revenue_10k_yuan", "tax": "tax_10k_yuan", "firms": None}
YI = 10_000.0  # 1 亿元 = 10,000 万元
FIGURES = {"output": "output_10k_yuan", "tax": "tax_10k_yuan", "land": "land_mu", "revenue": "revenue_10k_yuan"}


# ---- codes --------------------------------------------------------------------------------------------------------

def normalise_code(value: Any) -> str | None:
    """A GB/T 4754 code as compared here: its digits ("C3670" → "3670", "36" → "36"), a lone 门类 letter ("C"),
    or None when the text is not a code."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = re.sub(r"[\s.]", "", str(value)).upper()
    if len(text) == 1 and text in SECTION_RANGES:
        return text
    m = _CODE.match(text)
    return m.group(2) if m else None


def firm_codes(firms: pd.DataFrame) -> pd.Series:
    """Each firm's code, normalised (None where missing): from layers.industry_codes.assign_codes when that module
    exists (code column, else derived from the industry text), else the `industry_code` column as given."""
    try:
        from layers.industry_codes import assign_codes  # the colleague's GB/T 4754 table (issue 16, item 1)
    except ImportError:
        raw = firms["industry_code"] if "industry_code" in firms else pd.Series(None, index=firms.index, dtype=object)
    else:
        raw, _report = assign_codes(firms)
    values = _Distinct.of(np.asarray(raw, dtype=object), missing=None)
    normalised = np.array([normalise_code(v) for v in values.values], dtype=object)
    return pd.Series(normalised[values.of_firm], index=firms.index, dtype=object)


@dataclass(frozen=True)
class _Distinct:
    """A column of firm values as its distinct values and each firm's position among them, so the membership rules
    run once per distinct value (a district's thousands of firms share a few hundred codes and industry texts)."""

    values: np.ndarray  # distinct values, object dtype, in order of first appearance
    of_firm: np.ndarray  # per firm, the position of its value in `values`

    @classmethod
    def of(cls, column: Any, *, missing: Any = "") -> _Distinct:
        """`column`'s values factorised; a missing value counts as `missing` ("" for text, None to keep it)."""
        series = pd.Series(np.asarray(column, dtype=object), dtype=object)
        blank = series.isna().to_numpy()
        text = series.where(~blank, "").astype(str).to_numpy(dtype=object)
        of_firm, distinct = pd.factorize(text)
        values = np.asarray(distinct, dtype=object)
        if missing != "":
            holds_missing = np.zeros(len(values), dtype=bool)
            holds_missing[of_firm[blank]] = True
            values = values.copy()
            values[holds_missing] = missing
        return cls(values, of_firm)

    def code_hits(self, cluster_codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(matched, undecided) per firm code against a list of codes: matched by prefix (or 门类 range); undecided
        when the firm's code is missing or a proper prefix of one of them (too coarse to tell)."""
        hit, undecided = _distinct_code_hits(self.values, cluster_codes)
        return hit[self.of_firm], undecided[self.of_firm]

    def keyword_hits(self, keywords: Sequence[str]) -> np.ndarray:
        """Per firm, whether its industry text contains any of `keywords`."""
        words = pd.Series(self.values, dtype=object)
        hit = np.zeros(len(words), dtype=bool)
        for word in keywords:
            hit |= words.str.contains(word, regex=False).to_numpy()
        return hit[self.of_firm]


def _distinct_code_hits(distinct: np.ndarray, cluster_codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """`_Distinct.code_hits` of distinct code strings ("" for a missing code)."""
    s = pd.Series(distinct, dtype=object)
    hit = np.zeros(len(s), dtype=bool)
    coarse = (s == "").to_numpy().copy()
    two = pd.to_numeric(s.str[:2], errors="coerce").to_numpy(dtype=float)
    for raw in cluster_codes:
        code = normalise_code(raw)
        if code is None:
            continue
        if code in SECTION_RANGES:
            low, high = SECTION_RANGES[code]
            hit |= (two >= low) & (two <= high)
            continue
        hit |= s.str.startswith(code).to_numpy()
        coarse |= s.isin([code[:k] for k in range(2, len(code))]).to_numpy()  # the firm's code is a proper prefix
    return hit, coarse & ~hit


def _segments_of(cluster: Cluster, codes: _Distinct, text: _Distinct, missing_code: np.ndarray) -> np.ndarray:
    """Each firm's segment name in `cluster` (None where none fits): the first segment matching its code; for a firm
    whose code is missing (`missing_code`) or too coarse for some segment's codes, the first segment whose keywords
    are in its text."""
    out = np.full(len(codes.of_firm), None, dtype=object)
    undecided = missing_code.copy()
    for seg in cluster.segments:
        hit, coarse = codes.code_hits(seg.codes)
        out[(out == None) & hit] = seg.name  # noqa: E711  (element-wise on an object array)
        undecided |= coarse
    undecided &= out == None  # noqa: E711
    for seg in cluster.segments:
        if seg.keywords:
            out[(out == None) & undecided & text.keyword_hits(seg.keywords)] = seg.name  # noqa: E711
    return out


def firm_clusters(firms: pd.DataFrame, settings: ClustersSettings, codes: pd.Series | None = None) -> pd.DataFrame:
    """One row per firm and cluster it belongs to: uscc, cluster, segment (None when no segment fits), matched_by
    ("code" or "keyword") — by the rules of the module docstring. `codes`: the firms' normalised codes (by uscc)
    when the caller has them already (`firm_codes`), else worked out here."""
    columns = ["uscc", "cluster", "segment", "matched_by"]
    if not settings.items or not len(firms):
        return pd.DataFrame(columns=columns)
    firms = firms.drop_duplicates("uscc")
    if codes is None:
        code_values = firm_codes(firms).to_numpy(dtype=object)
    else:
        code_values = codes.reindex(firms["uscc"].astype(str)).to_numpy(dtype=object)
    missing_code = pd.Series(code_values, dtype=object).isna().to_numpy()
    by_code = _Distinct.of(code_values)
    text = _Distinct.of(firms["industry"] if "industry" in firms else np.full(len(firms), ""))
    uscc = firms["uscc"].astype(str).to_numpy()
    parts = []
    for cluster in settings.items:
        hit, undecided = by_code.code_hits(cluster.codes)
        by_word = undecided & text.keyword_hits(cluster.keywords) if cluster.keywords else np.zeros(len(firms), bool)
        member = hit | by_word
        if not member.any():
            continue
        segment = (_segments_of(cluster, by_code, text, missing_code)[member] if cluster.segments
                   else np.full(member.sum(), None))
        parts.append(pd.DataFrame({"uscc": uscc[member], "cluster": cluster.name, "segment": segment,
                                   "matched_by": np.where(hit[member], "code", "keyword")}))
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    out["segment"] = out["segment"].astype(object).where(out["segment"].notna(), None)  # None, never NaN
    return out


# ---- figures ------------------------------------------------------------------------------------------------------

def _sum(values: pd.Series) -> float | None:
    """Σ of the finite values, None when there is none (missing is never 0)."""
    v = pd.to_numeric(values, errors="coerce")
    return float(v.sum()) if v.notna().any() else None


def cluster_value(firms: pd.DataFrame, indicator: str, base: str = "all") -> tuple[float | None, int, str | None]:
    """(value, firms counted, reason) of a cluster target's indicator over the cluster's firm rows: output /
    revenue / tax summed in 亿元, firms counted, or a pooled firm figure (analysis.targets.firm_figure)."""
    from analysis.members import above_scale_flags
    from analysis.targets import firm_figure

    if indicator not in CLUSTER_INDICATORS:
        return firm_figure(firms, indicator, base)
    if base == "above_scale":
        if "above_scale" not in firms:
            return None, 0, "no_above_scale_flag"
        firms = firms[above_scale_flags(firms)]
    if not len(firms):
        return None, 0, "no_firms"
    if indicator == "firms":
        return float(len(firms)), len(firms), None
    column = CLUSTER_INDICATORS[indicator]
    values = pd.to_numeric(firms[column], errors="coerce") if column in firms else pd.Series(dtype=float)
    if not values.notna().any():
        return None, 0, "no_firm_data"
    return float(values.sum()) / YI, int(values.notna().sum()), None


def cluster_present(share: np.ndarray, firms: np.ndarray, settings: ClustersSettings) -> np.ndarray:
    """Whether an area develops a cluster, per (area, cluster) row: the cluster's share of the area's member output is
    at least `present_min_share`, or (when `present_min_firms` is set) it has that many member firms there."""
    present = np.nan_to_num(np.asarray(share, dtype=float), nan=0.0) >= settings.present_min_share - 1e-12
    if settings.present_min_firms is not None:
        present |= np.asarray(firms) >= settings.present_min_firms
    return present


@dataclass
class ClusterResult:
    """The clusters measured on one year: memberships, district and unit tables, segments, checks and targets."""

    year: int | None
    settings: ClustersSettings
    memberships: pd.DataFrame      # uscc, cluster, segment, matched_by
    firms: pd.DataFrame            # per member firm (uscc index): name, industry, code, figures, lon, lat, unit_ids
    district: pd.DataFrame         # per cluster: firms, output, tax, land, revenue, output_share
    totals: dict[str, Any]         # the district's firms and output, all clusters' (each firm once) and their share
    units: pd.DataFrame            # per unit: unit_id, unit_kind, name, leading_industries, firms, output, concentration
    unit_clusters: pd.DataFrame    # per unit and cluster: firms, output, tax, land, share, present, segments missing
    leaders: pd.DataFrame          # per 链主: uscc, cluster, segment, note, name, found, lon, lat, unit_ids
    checks: dict[str, Any]         # the cluster-by-area rule over area_layer
    targets: list[dict[str, Any]] = field(default_factory=list)  # [targets] items of cluster scope, measured


def _firm_table(ev, inputs, memberships: pd.DataFrame) -> pd.DataFrame:
    """The member firms with their name, industry, code, figures and WGS84 location (firm point, else the centroid
    of its linked parcels), indexed by uscc."""
    import geopandas as gpd

    ids = pd.Index(memberships["uscc"].astype(str).unique())
    ents = inputs.enterprises.drop_duplicates("uscc").set_index(inputs.enterprises.drop_duplicates("uscc")["uscc"].astype(str))
    ents = ents.reindex(ids)
    out = pd.DataFrame(index=ids)
    out["name"] = ents.get("name")
    out["industry"] = ents.get("industry")
    out["industry_code"] = ents.get("industry_code")
    for col in (*FIGURES.values(), "above_scale", "employees", "value_added_10k_yuan", "profit_10k_yuan"):
        if col in ev.firms:
            out[col] = ev.firms[col].reindex(ids).to_numpy()
    lon = np.full(len(ids), np.nan)
    lat = np.full(len(ids), np.nan)
    crs = getattr(inputs, "crs", None) or getattr(inputs.enterprises, "crs", None)
    if isinstance(inputs.enterprises, gpd.GeoDataFrame) and crs is not None:
        geoms = gpd.GeoSeries(ents.geometry.to_numpy() if "geometry" in ents else [None] * len(ids), crs=crs)
        parcels = getattr(inputs, "parcels", None)
        need = (geoms.isna() | geoms.is_empty).to_numpy()
        if need.any() and parcels is not None and "firm_uscc" in parcels and len(parcels):
            owner = parcels["firm_uscc"].astype("string")
            owned = gpd.GeoDataFrame({"uscc": owner}, geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
            owned = owned[owner.isin(ids[need]).fillna(False).to_numpy(dtype=bool)]
            cents = owned.dissolve(by="uscc").centroid if len(owned) else gpd.GeoSeries([], crs=parcels.crs)
            fill = pd.Series(cents.to_numpy(), index=cents.index.astype(str)).reindex(ids[need]).to_numpy()
            geoms = geoms.copy()
            geoms.iloc[np.flatnonzero(need)] = fill
        ok = (geoms.notna() & ~geoms.is_empty).to_numpy()
        if ok.any():
            pts = geoms[ok].to_crs(4326)
            lon[ok], lat[ok] = pts.x.to_numpy(), pts.y.to_numpy()
    out["lon"], out["lat"] = lon, lat
    return out


def _term_firms(term: str, settings: ClustersSettings, memberships: pd.DataFrame, codes: pd.Series,
                industry: pd.Series) -> pd.Index:
    """The firms (uscc) one leading-industry term selects: by cluster name or keyword, by code, by industry text."""
    names = [c.name for c in settings.items if c.name in term or term in c.name or term in c.keywords]
    chosen = set(memberships.loc[memberships["cluster"].isin(names), "uscc"].astype(str))
    code = normalise_code(term)
    if code is not None and code not in SECTION_RANGES:
        chosen |= set(codes.index[codes.fillna("").str.startswith(code)])
    text = industry.fillna("").astype(str)
    within = {u: bool(u) and u in term for u in text.unique()}  # the firm's text is part of the term (few distinct texts)
    by_text = text.str.contains(term, regex=False) | text.map(within).astype(bool)
    chosen |= set(text.index[by_text.to_numpy()])
    return pd.Index(sorted(chosen))


def _concentration(ev, inputs, settings: ClustersSettings, memberships: pd.DataFrame, member_frame: pd.DataFrame,
                   codes: pd.Series) -> tuple[np.ndarray, list[list[str]]]:
    """Per unit, the share of member output in its declared leading industries (NaN without terms or output), and
    the terms that selected no member."""
    from analysis.industry_match import split_industries

    units = ev.units.reset_index(drop=True)
    n = len(units)
    terms = [split_industries(v) for v in units.get("leading_industries", pd.Series([None] * n))]
    ents = inputs.enterprises.drop_duplicates("uscc")
    ents = ents.set_index(ents["uscc"].astype(str))
    codes = codes.reindex(ents.index)
    industry = ents["industry"] if "industry" in ents else pd.Series("", index=ents.index)
    output = member_frame["output"].to_numpy(dtype=float)
    has = np.isfinite(output)
    selected = np.zeros(len(member_frame), dtype=bool)
    unmatched: list[list[str]] = [[] for _ in range(n)]
    pos = member_frame["unit_pos"].to_numpy()
    uscc = member_frame["uscc"].astype(str)
    for term in sorted({x for ts in terms for x in ts}):
        units_with = np.array([term in ts for ts in terms])
        firms = _term_firms(term, settings, memberships, codes, industry)
        hit = units_with[pos] & text_isin(uscc, firms)
        selected |= hit
        for u in np.flatnonzero(units_with & (np.bincount(pos[hit], minlength=n) == 0)):
            unmatched[u].append(term)
    top = np.bincount(pos, weights=np.where(selected & has, output, 0.0), minlength=n)
    bottom = np.bincount(pos, weights=np.where(has, output, 0.0), minlength=n)
    has_terms = np.array([bool(ts) for ts in terms])
    conc = np.divide(top, bottom, out=np.full(n, np.nan), where=(bottom > 0) & has_terms)
    return conc, unmatched


def _leaders(leaders: pd.DataFrame | None, settings: ClustersSettings, inputs, firms: pd.DataFrame,
             member_frame: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The 链主 table with each firm's name, whether it is in the firm data, its location and its units."""
    columns = ["uscc", "cluster", "segment", "note", "name", "found", "cluster_known", "lon", "lat", "unit_ids"]
    if leaders is None or not len(leaders):
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({"uscc": leaders["uscc"].astype(str).to_numpy(), "cluster": leaders["cluster"].astype(str).to_numpy()})
    for col in ("segment", "note"):
        values = leaders[col].astype(object) if col in leaders else pd.Series(None, index=leaders.index, dtype=object)
        out[col] = [v if isinstance(v, str) and v.strip() else None for v in values]  # blank / NaN → None
    known = set(inputs.enterprises["uscc"].astype(str))
    out["found"] = text_isin(out["uscc"], known)
    out["cluster_known"] = out["cluster"].isin([c.name for c in settings.items])
    names = inputs.enterprises.drop_duplicates("uscc").set_index(inputs.enterprises.drop_duplicates("uscc")["uscc"].astype(str))
    out["name"] = names["name"].reindex(out["uscc"]).to_numpy() if "name" in names else None
    out["lon"] = firms["lon"].reindex(out["uscc"]).to_numpy() if len(firms) else np.nan
    out["lat"] = firms["lat"].reindex(out["uscc"]).to_numpy() if len(firms) else np.nan
    where = unit_ids_by_firm(member_frame, units["unit_id"].astype(str).to_numpy(), pd.Index(out["uscc"]))
    out["unit_ids"] = [list(where.get(u, [])) for u in out["uscc"]]
    return out[columns]


def _targets(settings_targets, result_firms: pd.DataFrame, memberships: pd.DataFrame, year: int | None) -> list[dict]:
    """The [targets] items of scope "cluster:<name>" measured on the cluster's firms (status by analysis.targets.judge)."""
    from analysis.targets import judge

    out = []
    for item in getattr(settings_targets, "items", ()) or ():
        if not item.scope.startswith("cluster:"):
            continue
        name = item.scope.partition(":")[2]
        ids = memberships.loc[memberships["cluster"] == name, "uscc"].astype(str).unique()
        rows = result_firms.loc[result_firms.index.intersection(pd.Index(ids))]
        value, n, reason = cluster_value(rows, item.indicator, item.base) if len(ids) else (None, 0, "cluster_missing")
        status, path, note = judge(value, item.value, item.direction, item.year, year if year is not None else item.year,
                                   item.base_year, item.base_value)
        progress = value / item.value if value is not None and item.value else None
        out.append({"name": item.name, "cluster": name, "indicator": item.indicator, "value": value, "target": item.value,
                    "unit": "100m_yuan" if item.indicator in ("output", "revenue", "tax") else
                    ("count" if item.indicator == "firms" else item.indicator),
                    "year": item.year, "direction": item.direction, "status": status, "progress": progress, "path": path,
                    "note": note, "reason": reason if value is None else None, "n_firms": n, "source": item.source})
    return out


def cluster_figures(ev, inputs, settings: ClustersSettings, *, leaders: pd.DataFrame | None = None,
                    targets=None, year: int | None = None) -> ClusterResult:
    """The clusters of `settings` measured on the evaluation `ev` of `inputs` (analysis.inputs.load_inputs): see the
    module docstring. `leaders` is the chain_leaders layer (uscc, cluster, segment, note), `targets` the
    [targets] settings whose cluster-scope items are measured."""
    if "uscc" not in inputs.enterprises:  # no enterprise layer: no firm, every figure missing
        inputs = SimpleNamespace(**{**vars(inputs), "enterprises": pd.DataFrame(
            {c: pd.Series(dtype=object) for c in ("uscc", "name", "industry", "industry_code")})})
    unique = inputs.enterprises.drop_duplicates("uscc")
    codes = pd.Series(firm_codes(unique).to_numpy(dtype=object), index=unique["uscc"].astype(str).to_numpy())
    memberships = firm_clusters(inputs.enterprises, settings, codes)
    firms = _firm_table(ev, inputs, memberships)
    all_output = pd.to_numeric(ev.firms.get("output_10k_yuan"), errors="coerce")
    joined = memberships.join(firms[[c for c in FIGURES.values() if c in firms]], on="uscc")
    names = [c.name for c in settings.items]
    grouped = joined.groupby("cluster", sort=False)
    district = pd.DataFrame(index=pd.Index(names, name="cluster"))
    district["firms"] = grouped["uscc"].nunique().reindex(names).fillna(0).astype(int)
    for key, col in FIGURES.items():
        district[key] = (grouped[col].sum(min_count=1).reindex(names) if col in joined
                         else pd.Series(np.nan, index=names))
    total = _sum(all_output)
    district["output_share"] = district["output"] / total if total else np.nan
    clustered = firms.index
    clustered_output = _sum(firms["output_10k_yuan"]) if "output_10k_yuan" in firms and len(firms) else None
    totals = {"firms": int(len(ev.firms)), "output": total, "clustered_firms": int(len(clustered)),
              "clustered_output": clustered_output,
              "clustered_share": clustered_output / total if clustered_output is not None and total else None,
              "combined_share_min": settings.combined_share_min}
    totals["combined_ok"] = (None if totals["clustered_share"] is None or settings.combined_share_min is None
                             else bool(totals["clustered_share"] >= settings.combined_share_min - 1e-12))

    units = ev.units.reset_index(drop=True)
    n = len(units)
    members = (ev.members[["unit_pos", "uscc"]].drop_duplicates() if len(ev.members)
               else pd.DataFrame({"unit_pos": pd.Series(dtype=np.int64), "uscc": pd.Series(dtype=object)}))
    members = members.assign(uscc=members["uscc"].astype(str))
    member_frame = members.assign(output=pd.to_numeric(ev.firms["output_10k_yuan"], errors="coerce")
                                  .reindex(members["uscc"]).to_numpy())
    pos = member_frame["unit_pos"].to_numpy(dtype=np.int64)
    out_m = member_frame["output"].to_numpy(dtype=float)
    unit_output = np.bincount(pos, weights=np.nan_to_num(out_m), minlength=n)
    unit_has_output = np.bincount(pos, weights=np.isfinite(out_m).astype(float), minlength=n) > 0
    conc, unmatched = _concentration(ev, inputs, settings, memberships, member_frame, codes)
    unit_table = pd.DataFrame({"unit_id": units["unit_id"].astype(str), "unit_kind": units["unit_kind"].astype(str),
                               "name": units["name"], "leading_industries": units.get("leading_industries"),
                               "firms": np.bincount(pos, minlength=n).astype(int),
                               "output": np.where(unit_has_output, unit_output, np.nan), "concentration": conc,
                               "unmatched_terms": unmatched})

    uc = members.merge(memberships[["uscc", "cluster", "segment"]], on="uscc")
    uc = uc.join(firms[[c for c in FIGURES.values() if c in firms]], on="uscc")
    g = uc.groupby(["unit_pos", "cluster"], sort=False)
    unit_clusters = g["uscc"].nunique().rename("firms").to_frame()
    for key, col in FIGURES.items():
        if col in uc:
            unit_clusters[key] = g[col].sum(min_count=1)
    unit_clusters = unit_clusters.reset_index()
    up = unit_clusters["unit_pos"].to_numpy(dtype=np.int64)
    denominator = np.where(unit_has_output, unit_output, np.nan)[up]
    unit_clusters["share"] = np.divide(unit_clusters["output"].to_numpy(dtype=float), denominator,
                                       out=np.full(len(up), np.nan), where=np.isfinite(denominator) & (denominator > 0))
    unit_clusters["present"] = cluster_present(unit_clusters["share"].to_numpy(dtype=float),
                                               unit_clusters["firms"].to_numpy(), settings)
    seg_sets = uc.dropna(subset=["segment"]).groupby(["unit_pos", "cluster"])["segment"].agg(lambda s: set(s))
    by_cluster = {c.name: c for c in settings.items}
    keys = list(zip(unit_clusters["unit_pos"], unit_clusters["cluster"]))
    unit_clusters["segments_present"] = [
        [s.name for s in by_cluster[c].segments if s.name in seg_sets.get((p, c), set())] for p, c in keys]
    unit_clusters["segments_missing"] = [
        [s.name for s in by_cluster[c].segments if s.name not in seg_sets.get((p, c), set())] for p, c in keys]
    unit_clusters.insert(1, "unit_id", units["unit_id"].astype(str).to_numpy()[up])
    order = {name: i for i, name in enumerate(names)}
    unit_clusters = unit_clusters.sort_values(["unit_pos", "cluster"], key=lambda s: s.map(order) if s.name == "cluster" else s,
                                              kind="stable").reset_index(drop=True)
    firms["unit_ids"] = firms.index.map(unit_ids_by_firm(members, units["unit_id"].astype(str).to_numpy())).to_list() \
        if len(firms) else []

    checks = _checks(settings, unit_table, unit_clusters, names)
    result_leaders = _leaders(leaders, settings, inputs, firms, member_frame, units)
    measured_year = year if year is not None else getattr(inputs, "year", None)
    target_rows = _targets(targets, firms, memberships, measured_year)
    return ClusterResult(measured_year, settings, memberships, firms, district.reset_index(), totals, unit_table,
                         unit_clusters, result_leaders, checks, target_rows)


def _checks(settings: ClustersSettings, unit_table: pd.DataFrame, unit_clusters: pd.DataFrame,
            names: list[str]) -> dict[str, Any]:
    """The cluster-by-area rule over the units of `area_layer`: areas per cluster and clusters per area, each in range."""
    areas = unit_table[unit_table["unit_kind"] == settings.area_layer]
    lo_c, hi_c = settings.rule_clusters_per_area
    lo_a, hi_a = settings.rule_areas_per_cluster
    here = unit_clusters[unit_clusters["present"] & unit_clusters["unit_id"].isin(areas["unit_id"])]
    per_cluster = here.groupby("cluster")["unit_id"].agg(list)
    per_area = here.groupby("unit_id")["cluster"].agg(list)
    found = bool(len(areas))
    cluster_rows = [{"cluster": c, "areas": per_cluster.get(c, []), "n": len(per_cluster.get(c, [])),
                     "ok": (lo_a <= len(per_cluster.get(c, [])) <= hi_a) if found else None} for c in names]
    area_rows = [{"unit_id": r.unit_id, "name": r.name, "clusters": per_area.get(r.unit_id, []),
                  "n": len(per_area.get(r.unit_id, [])),
                  "ok": lo_c <= len(per_area.get(r.unit_id, [])) <= hi_c} for r in areas.itertuples(index=False)]
    return {"area_layer": settings.area_layer, "area_layer_found": found,
            "rule_areas_per_cluster": [lo_a, hi_a], "rule_clusters_per_area": [lo_c, hi_c], "source": settings.rule_source,
            "present_min_share": settings.present_min_share, "present_min_firms": settings.present_min_firms,
            "clusters": cluster_rows, "areas": area_rows,
            "clusters_failing": sum(1 for r in cluster_rows if r["ok"] is False),
            "areas_failing": sum(1 for r in area_rows if r["ok"] is False)}


# ---- the CLI / app entry -------------------------------------------------------------------------------------------

def settings_of(config) -> ClustersSettings:
    """The [clusters] settings of a Config (empty until layers/config.py reads the section)."""
    found = getattr(config, "clusters", None)
    return found if isinstance(found, ClustersSettings) else ClustersSettings((), None)


def project_clusters(project, *, year: int | None = None, method: str | None = None, inputs=None, evaluation=None,
                     settings: ClustersSettings | None = None) -> ClusterResult:
    """The clusters of a project measured on the firm data of `year` (default: the project's year), or on the
    `inputs`/`evaluation` given (the app's cached ones); 链主 from the chain_leaders layer when the project has one."""
    from analysis.inputs import load_inputs
    from analysis.score import evaluate

    if evaluation is None or inputs is None:
        inputs = load_inputs(project, year=year)
        evaluation = evaluate(inputs, method=method)
    leaders = project.read_layer("chain_leaders") if "chain_leaders" in project.layer_names() else None
    chosen = settings if settings is not None else settings_of(project.config)
    return cluster_figures(evaluation, inputs, chosen, leaders=leaders, targets=getattr(project.config, "targets", None),
                           year=int(year) if year is not None else getattr(inputs, "year", None))


# ---- JSON and text -------------------------------------------------------------------------------------------------

def _num(value: Any) -> float | None:
    """A finite float or None."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def to_json(result: ClusterResult) -> dict[str, Any]:
    """`landpark clusters --json`: per cluster its codes, firms, output, tax, land (sums; output and tax in 万元, land in
    亩), target and progress, segments, 链主, and per unit the cluster's figures and share; per unit its concentration
    on its leading industries; the cluster-by-area checks; the clusters' combined share."""
    s = result.settings
    uc = result.unit_clusters
    units = result.units.set_index("unit_id")
    memberships = result.memberships
    clusters = []
    for row in result.district.itertuples(index=False):
        cluster = s.cluster(row.cluster)
        assert cluster is not None  # result.district has one row per cluster of result.settings.items
        own = memberships[memberships["cluster"] == row.cluster]
        seg_rows = []
        for seg in cluster.segments:
            ids = own.loc[own["segment"] == seg.name, "uscc"].astype(str)
            seg_rows.append({"stage": seg.stage, "name": seg.name, "codes": list(seg.codes), "firms": int(ids.nunique()),
                             "output": _sum(result.firms["output_10k_yuan"].reindex(ids)) if len(ids) else None})
        unassigned = own["segment"].isna().sum() if cluster.segments else 0
        targets = [x for x in result.targets if x["cluster"] == row.cluster]
        main = next((x for x in targets if x["indicator"] in ("output", "revenue")), targets[0] if targets else None)
        here = uc[uc["cluster"] == row.cluster]
        clusters.append({
            "name": row.cluster, "codes": list(cluster.codes), "keywords": list(cluster.keywords), "source": cluster.source,
            "firms": int(row.firms), "output": _num(row.output), "tax": _num(row.tax), "land": _num(row.land),
            "revenue": _num(row.revenue), "output_share": _num(row.output_share),
            "matched_by": {k: int(v) for k, v in own["matched_by"].value_counts().items()},
            "target": main, "progress": main["progress"] if main else None, "targets": targets,
            "segments": seg_rows, "firms_without_segment": int(unassigned),
            "leaders": [{k: (_num(v) if k in ("lon", "lat") else v) for k, v in r.items()}
                        for r in result.leaders[result.leaders["cluster"] == row.cluster].to_dict("records")],
            "units": [{"unit_id": r.unit_id, "name": units.at[r.unit_id, "name"], "unit_kind": units.at[r.unit_id, "unit_kind"],
                       "firms": int(r.firms), "output": _num(r.output), "tax": _num(r.tax), "land": _num(r.land),
                       "share": _num(r.share), "present": bool(r.present), "segments_present": list(r.segments_present),
                       "segments_missing": list(r.segments_missing)} for r in here.itertuples(index=False)],
        })
    unit_rows = []
    for r in result.units.itertuples(index=False):
        mine = uc[uc["unit_id"] == r.unit_id]
        unit_rows.append({"unit_id": r.unit_id, "name": r.name, "unit_kind": r.unit_kind,
                          "leading_industries": None if pd.isna(r.leading_industries) else str(r.leading_industries),
                          "firms": int(r.firms), "output": _num(r.output), "concentration": _num(r.concentration),
                          "unmatched_terms": list(r.unmatched_terms),
                          "cluster_shares": {c: _num(v) for c, v in zip(mine["cluster"], mine["share"])},
                          "clusters_present": mine.loc[mine["present"], "cluster"].tolist()})
    return {"year": result.year, "preset": s.preset, "area_layer": s.area_layer,
            "units_of_measure": {"output": "万元", "tax": "万元", "land": "亩", "revenue": "万元", "target": "亿元"},
            "district": {k: (_num(v) if isinstance(v, float) else v) for k, v in result.totals.items()},
            "clusters": clusters, "units": unit_rows, "checks": result.checks,
            "leaders": [{k: (_num(v) if k in ("lon", "lat") else v) for k, v in r.items()}
                        for r in result.leaders.to_dict("records")]}


def format_number(value: Any, digits: int = 1) -> str:
    """A number with thousands separators, or the missing mark."""
    from i18n.numbers import MISSING

    v = _num(value)
    return MISSING if v is None else f"{v:,.{digits}f}"


def format_share(value: Any) -> str:
    """A share as percent (one decimal), or the missing mark."""
    from i18n.numbers import MISSING

    v = _num(value)
    return MISSING if v is None else f"{v * 100:.1f}%"


def _join(items: Sequence[str], lang: str) -> str:
    """A list as text (、 in Chinese), or — when empty."""
    return ("、" if lang == "zh" else ", ").join(items) if items else "—"


def status_label(status: str | None, lang: str = "zh") -> str:
    """A target status (analysis.targets STATUSES) as a person reads it; — for none."""
    if status is None:
        return "—"
    return t("clusters_status_met" if status == "met" else "clusters_status_on_track" if status == "on_track"
             else "clusters_status_behind" if status == "behind" else "clusters_status_no_data", lang)


def stage_label(stage: str, lang: str = "zh") -> str:
    """A chain stage (上游 / 中游 / 下游) in the reader's language."""
    return t("clusters_stage_0" if stage == STAGES[0] else "clusters_stage_1" if stage == STAGES[1]
             else "clusters_stage_2", lang)


def unit_label(unit: str, lang: str = "zh") -> str:
    """The unit of a cluster target's value (亿元 or 家); empty for a firm figure (its unit is in its name)."""
    if unit not in ("100m_yuan", "count"):
        return ""
    return t("clusters_unit_100m_yuan" if unit == "100m_yuan" else "clusters_unit_count", lang)


def ok_label(flag: bool | None, lang: str = "zh") -> str:
    """符合 / 不符合 / 未检查 for a check's verdict."""
    return t("clusters_ok_none" if flag is None else "clusters_ok_true" if flag else "clusters_ok_false", lang)


def format_clusters(doc: dict[str, Any], lang: str = "zh") -> str:
    """`landpark clusters` as text: per cluster its totals, target and progress, segments and 链主, the units where
    it is developed with their missing segments; then each area's clusters and concentration, and the 3–5 checks."""
    num, pct = format_number, format_share
    if not doc["clusters"]:
        return t("clusters_none", lang)
    d = doc["district"]
    lines = [t("clusters_header", lang).format(year=doc["year"], n=len(doc["clusters"])),
             t("clusters_district", lang).format(firms=d["firms"], output=num(d["output"]), cfirms=d["clustered_firms"],
                                                 coutput=num(d["clustered_output"]), share=pct(d["clustered_share"]))]
    if d.get("combined_share_min") is not None:
        lines.append("  " + t("clusters_combined_floor", lang).format(
            floor=pct(d["combined_share_min"]), verdict=ok_label(d["combined_ok"], lang)))
    for c in doc["clusters"]:
        lines += ["", t("clusters_cluster_line", lang).format(
            name=c["name"], firms=c["firms"], output=num(c["output"]), tax=num(c["tax"]), land=num(c["land"]),
            share=pct(c["output_share"]))]
        lines.append("  " + t("clusters_codes_line", lang).format(codes=_join(c["codes"], lang),
                                                                  keywords=_join(c["keywords"], lang)))
        for x in c["targets"]:
            lines.append("  " + t("clusters_target_line", lang).format(
                name=x["name"], value=num(x["value"], 2), target=num(x["target"], 2),
                unit=unit_label(x["unit"], lang),
                progress=pct(x["progress"]), status=status_label(x["status"], lang)))
        for seg in c["segments"]:
            lines.append("  " + t("clusters_segment_line", lang).format(
                stage=stage_label(seg["stage"], lang), name=seg["name"], firms=seg["firms"],
                output=num(seg["output"])))
        for ld in c["leaders"]:
            lines.append("  " + t("clusters_leader_line", lang).format(
                name=ld["name"] if isinstance(ld["name"], str) else ld["uscc"], segment=ld["segment"] or "—",
                units=_join(ld["unit_ids"], lang)) + ("" if ld["found"] else t("clusters_leader_missing", lang)))
        shown = sorted((u for u in c["units"] if u["present"]), key=lambda u: -(u["share"] or 0))
        for u in shown:
            miss = t("clusters_missing_segments", lang).format(segments=_join(u["segments_missing"], lang)) \
                if u["segments_missing"] else ""
            lines.append("    " + t("clusters_unit_line", lang).format(
                name=u["name"], id=u["unit_id"], firms=u["firms"], output=num(u["output"]), share=pct(u["share"])) + miss)
    ck = doc.get("checks") or {"clusters": [], "areas": []}  # a scoped export carries no other area's check
    lines += ["", t("clusters_units_header", lang)]
    for u in doc["units"]:
        if not u["leading_industries"] and not u["clusters_present"]:
            continue
        lines.append("  " + t("clusters_unit_conc", lang).format(
            name=u["name"], id=u["unit_id"], leading=u["leading_industries"] or "—", conc=pct(u["concentration"]),
            clusters=_join(u["clusters_present"], lang)))
    lines += ["", t("clusters_rule_header", lang).format(
        layer=layer_label(ck["area_layer"], lang),
        lo_a=ck["rule_areas_per_cluster"][0], hi_a=ck["rule_areas_per_cluster"][1], lo_c=ck["rule_clusters_per_area"][0],
        hi_c=ck["rule_clusters_per_area"][1], share=pct(ck["present_min_share"]))]
    if not ck["area_layer_found"]:
        lines.append("  " + t("clusters_rule_no_layer", lang))
    for r in ck["clusters"]:
        lines.append("  " + t("clusters_rule_cluster", lang).format(
            name=r["cluster"], n=r["n"], areas=_join(r["areas"], lang), verdict=ok_label(r["ok"], lang)))
    for r in ck["areas"]:
        lines.append("  " + t("clusters_rule_area", lang).format(
            name=r["name"], id=r["unit_id"], n=r["n"], clusters=_join(r["clusters"], lang),
            verdict=ok_label(r["ok"], lang)))
    lines.append("  " + t("clusters_source", lang).format(source=ck["source"]))
    return "\n".join(lines)



# ---- exports -------------------------------------------------------------------------------------------------------

def firm_layer(result: ClusterResult) -> Any:
    """The clusters' located firms as points (EPSG:4326), one row per firm and cluster: uscc, name, cluster, segment,
    stage, leader (链主 of that cluster), output, tax, land — for a map layer or a GeoPackage export."""
    import geopandas as gpd

    rows = result.memberships.copy()
    stage = {(c.name, s.name): s.stage for c in result.settings.items for s in c.segments}
    rows["stage"] = [stage.get((c, s)) for c, s in zip(rows["cluster"], rows["segment"])]
    leaders = set(zip(result.leaders["uscc"].astype(str), result.leaders["cluster"].astype(str)))
    rows["leader"] = [(str(u), c) in leaders for u, c in zip(rows["uscc"], rows["cluster"])]
    firms = result.firms.reindex(rows["uscc"].astype(str))
    for key, col in (("name", "name"), ("output", "output_10k_yuan"), ("tax", "tax_10k_yuan"), ("land", "land_mu")):
        rows[key] = firms[col].to_numpy() if col in firms else None
    lon, lat = firms["lon"].to_numpy(dtype=float), firms["lat"].to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    return gpd.GeoDataFrame(rows[ok].reset_index(drop=True), geometry=gpd.points_from_xy(lon[ok], lat[ok]), crs=4326)


def export_tables(doc: dict[str, Any], lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The `to_json` document as tables with translated headers (sheet title → table), for the Excel and other
    exports: the clusters, the units' cluster shares and missing segments, the units' concentration, the rule."""
    clusters = pd.DataFrame({
        t("clusters_col_name", lang): [c["name"] for c in doc["clusters"]],
        t("clusters_col_code", lang): [_join(c["codes"], lang) for c in doc["clusters"]],
        t("clusters_col_firms", lang): [c["firms"] for c in doc["clusters"]],
        t("clusters_col_output", lang): [c["output"] for c in doc["clusters"]],
        t("clusters_col_tax", lang): [c["tax"] for c in doc["clusters"]],
        t("clusters_col_land", lang): [c["land"] for c in doc["clusters"]],
        t("clusters_col_share", lang): [c["output_share"] for c in doc["clusters"]],
        t("clusters_col_target", lang): [None if not c["target"] else c["target"]["target"] for c in doc["clusters"]],
        t("clusters_col_progress", lang): [c["progress"] for c in doc["clusters"]],
        t("clusters_col_status", lang): [status_label(c["target"]["status"] if c["target"] else None, lang)
                                         for c in doc["clusters"]]})
    shares = pd.DataFrame([{
        t("clusters_col_name", lang): c["name"], t("clusters_col_unit", lang): u["name"],
        t("clusters_col_id", lang): u["unit_id"],
        t("clusters_col_firms", lang): u["firms"], t("clusters_col_output", lang): u["output"],
        t("clusters_col_unit_share", lang): u["share"],
        t("clusters_col_present", lang): t("clusters_yes", lang) if u["present"] else t("clusters_no", lang),
        t("clusters_col_segments_missing", lang): _join(u["segments_missing"], lang) if u["segments_missing"] else ""}
        for c in doc["clusters"] for u in c["units"]])
    concentration = pd.DataFrame([{
        t("clusters_col_unit", lang): u["name"], t("clusters_col_id", lang): u["unit_id"],
        t("clusters_col_leading", lang): u["leading_industries"],
        t("clusters_col_concentration", lang): u["concentration"],
        t("clusters_col_present", lang): _join(u["clusters_present"], lang)} for u in doc["units"] if u["leading_industries"]])
    ck = doc.get("checks") or {"clusters": [], "areas": []}  # a scoped export carries no other area's check
    rule = pd.DataFrame([*({t("clusters_col_name", lang): r["cluster"], t("clusters_col_n", lang): r["n"],
                            t("clusters_col_areas", lang): _join(r["areas"], lang),
                            t("clusters_col_verdict", lang): ok_label(r["ok"], lang)} for r in ck["clusters"]),
                         *({t("clusters_col_name", lang): r["name"], t("clusters_col_n", lang): r["n"],
                            t("clusters_col_areas", lang): _join(r["clusters"], lang),
                            t("clusters_col_verdict", lang): ok_label(r["ok"], lang)} for r in ck["areas"])])
    return {t("clusters_sheet_clusters", lang): clusters, t("clusters_sheet_units", lang): shares,
            t("clusters_sheet_concentration", lang): concentration, t("clusters_sheet_rule", lang): rule}


def leader_candidates(enterprises: pd.DataFrame, settings: ClustersSettings, per_segment: int = 1) -> pd.DataFrame:
    """The largest firms by output of each cluster segment (of each cluster without segments), as rows of the
    chain_leaders layer (uscc, cluster, segment, note): a starting list for a bureau's 链主 table, and the demo's."""
    rows = firm_clusters(enterprises, settings)
    if not len(rows) or "output_10k_yuan" not in enterprises:
        return pd.DataFrame(columns=["uscc", "cluster", "segment", "note"])
    output = pd.to_numeric(enterprises.drop_duplicates("uscc").set_index("uscc")["output_10k_yuan"], errors="coerce")
    rows = rows.assign(output=output.reindex(rows["uscc"]).to_numpy(), key=rows["segment"].fillna(""))
    segmented = {c.name for c in settings.items if c.segments}
    rows = rows[rows["output"].notna() & ~(rows["cluster"].isin(segmented) & rows["segment"].isna())]  # a segment's firms
    rows = rows.sort_values("output", ascending=False, kind="stable")
    top = rows.groupby(["cluster", "key"], sort=False).head(per_segment)
    order = {c.name: i for i, c in enumerate(settings.items)}
    top = top.assign(order=top["cluster"].map(order)).sort_values(["order", "key"], kind="stable")
    return pd.DataFrame({"uscc": top["uscc"].astype(str).to_numpy(), "cluster": top["cluster"].to_numpy(),
                         "segment": [v if isinstance(v, str) else None for v in top["segment"]],
                         "note": "产值最大（示例）"})
