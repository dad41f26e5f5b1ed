"""`landpark score`: every evaluation unit's indicators, composite score, rank and grade.

One function, `evaluate(inputs)`, runs the whole chain; the CLI, the app and the exports
only call it and read its `Evaluation`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.compliance import encroachments, line_compliance
from analysis.composite import (
    CompositeSpec,
    breakdown,
    coverage,
    grades,
    normalise,
    not_scored_codes,
    ranks,
    reason_text,
    scores,
    sensitivity,
)
from analysis.enterprise import EnterpriseEvaluation, evaluate_enterprises
from analysis.inputs import EvaluationInputs, link_inputs
from analysis.land_links import FIRM_COLUMN, LinkReport
from analysis.members import (
    ABOVE_SCALE,
    OUTPUT_FIGURES,
    PER_MU,
    above_scale_flags,
    low_efficiency_mu,
    per_mu_output,
    pooled_figures,
    unit_ids_by_firm,
    unit_members,
)
from analysis.methods.method_file import Method
from analysis.supply import AreaPairs, batch_supply, cohort_supply
from analysis.units import SUPPLIED_STATUSES, UnitOverlay, land_indicators, overlay_units, parcel_flags, status_mask
from layers.config import Config, config_from_dict
from layers.problems import Problem
from spatial.area import MU_M2

# Raw enterprise columns copied beside the evaluation table by _firm_table: money, and the firm's own 规上 flag
# `above_scale` (the enterprise layer's, not its evaluation group), which the 规上-only figures select on.
MONEY_COLUMNS = ["tax_10k_yuan", "value_added_10k_yuan", "output_10k_yuan", "revenue_10k_yuan", "profit_10k_yuan",
                 "above_scale"]


@dataclass
class Evaluation:
    """Result of one evaluation run: per-unit table, members, firms, district figures, warnings."""

    units: pd.DataFrame
    members: pd.DataFrame
    enterprises: EnterpriseEvaluation
    firms: pd.DataFrame
    district: dict[str, Any]
    cohorts: pd.DataFrame
    batches: pd.DataFrame
    encroachments: pd.DataFrame
    parcel_flags: pd.DataFrame
    norm: pd.DataFrame
    spec: CompositeSpec
    config: Config
    warnings: list[dict] = field(default_factory=list)
    links: LinkReport = field(default_factory=LinkReport)  # firm ↔ parcel linking (analysis/land_links.py)
    method: Method | None = None  # the 亩均 method the firms were scored with
    layer_versions: dict[str, int] = field(default_factory=dict)  # layer → version read (a run as of a date)
    year_on_year: Any = None  # analysis.year_on_year.YearOnYear against the year before (set by the front doors)
    targets: Any = None  # analysis.targets results for the evaluated year (set by the front doors)
    standard_land_review: Any = None  # analysis.standard_land.Review of the 标准地 parcels (set by the front doors)
    clusters: Any = None  # analysis.clusters document (产业图谱) of the evaluated year (set by the front doors)


def resolve_method(method: Method | str | None, config: Config, root: Any = None) -> Method:
    """The 亩均 method to use: `method` (a Method, preset name or file), else landpark.toml's [enterprise] method,
    else the inline [enterprise] section read as a method."""
    from analysis.methods import load_method, method_from_settings

    if isinstance(method, Method):
        return method
    base = Path(root) if root is not None else None
    name = method or config.enterprise.method
    if name:
        return load_method(name, base=base)
    return method_from_settings(config.enterprise, region=config.project.region, year=config.project.year)


def evaluate(inputs: EvaluationInputs, *, weights: list[float] | None = None,
             progress: Callable[[str], None] | None = None, method: Method | str | None = None,
             overlay: Callable[[Any, Any], UnitOverlay] | None = None, area_pairs: AreaPairs | None = None) -> Evaluation:
    """Compute every unit's indicators and composite score from the project's layers, firms scored with
    `method` (see resolve_method). `overlay` and `area_pairs` replace the two geometric overlays (parcels with
    units, analysis.units.overlay_units; parcels with approval batches, analysis.supply.batch_supply), e.g. by
    the same pieces computed on a dask cluster (analysis.partitioned)."""
    say = progress or (lambda _m: None)
    config = config_from_dict(inputs.config)
    if inputs.links is None or FIRM_COLUMN not in inputs.parcels:  # hand-built inputs: link here
        inputs = link_inputs(inputs)
    links = inputs.links if inputs.links is not None else LinkReport()
    units, parcels = inputs.units.reset_index(drop=True), inputs.parcels.reset_index(drop=True)
    n = len(units)
    for column in ("level", "leading_industries", "min_industrial_share"):  # absent without unit layers
        if column not in units:
            units[column] = pd.Series([None] * n, index=units.index, dtype=object)
    say(f"overlaying {len(parcels)} parcels with {n} units…")
    has_batches = inputs.approvals is not None and len(inputs.approvals)
    with ThreadPoolExecutor(1, thread_name_prefix="landpark-overlays") as background:
        # The two overlays (GEOS work, which releases the GIL) run beside the firms' evaluation (pandas and Python),
        # so the evaluation costs about the longer of the two, not their sum. Neither reads what the other writes.
        # `overlay` / `area_pairs`: the same pieces computed elsewhere (dask).
        ov_soon = background.submit(overlay or overlay_units, parcels, units)
        batches_soon = background.submit(lambda: batch_supply(inputs.approvals, parcels, area_pairs=area_pairs)
                                         if has_batches else pd.DataFrame())

        say(f"evaluating {len(inputs.enterprises)} enterprises…")
        # land owned per firm: parcels linked to it (link table, credit code or name; analysis/land_links.py)
        owner_mu = (parcels.groupby(parcels[FIRM_COLUMN].astype("string"))["area_mu"].sum()
                    if FIRM_COLUMN in parcels and len(parcels) else None)
        chosen = resolve_method(method, config, inputs.root)
        owned = (pd.DataFrame(parcels.drop(columns="geometry")).reindex(columns=[FIRM_COLUMN, "supply_status", "supply_date"])
                 .rename(columns={FIRM_COLUMN: "firm_uscc"}) if len(parcels) else None)
        ent_eval = evaluate_enterprises(pd.DataFrame(inputs.enterprises.drop(columns="geometry", errors="ignore")),
                                        config.enterprise, parcel_owner_mu=owner_mu,
                                        evaluation_date=config.project.evaluation_date.isoformat(), method=chosen,
                                        events=inputs.events, tenancy=inputs.tenancy, owned_parcels=owned,
                                        year=config.project.year)
        firms = _firm_table(ent_eval, inputs.enterprises)
        flags = parcel_flags(parcels, config)
        district = district_figures(parcels, firms, flags, config)
        # The units' figures need the units overlay only: they are computed while the approvals overlay (queued
        # after it) still runs.
        ov = ov_soon.result()
        table, members, enc, norm, spec = _unit_table(parcels, units, ov, flags, firms, district, inputs, config,
                                                      weights)
        batches = batches_soon.result()

    cohorts = cohort_supply(batches, config) if len(batches) else pd.DataFrame()
    if len(cohorts):
        district["rolling_supply_ratio"] = float(cohorts["rolling_ratio"].iloc[-1])
        district["supply_floor"] = config.supply.floor_ratio

    # the link errors first: "no firm linked to any parcel" explains every null 亩均 below it
    warnings = [p.to_dict() for p in inputs.notes] + [p.to_dict() for p in links.problems()]
    warnings += [_issue_dict(r) for r in inputs.data_issues.to_dict("records")] + [p.to_dict() for p in ent_eval.warnings]
    warnings += _unit_warnings(table, norm, spec)
    return Evaluation(table, members, ent_eval, firms, district, cohorts, batches, enc, flags, norm, spec, config, warnings,
                      links, chosen, dict(inputs.versions))


def _unit_table(parcels: pd.DataFrame, units: pd.DataFrame, ov: Any, flags: pd.DataFrame, firms: pd.DataFrame,
                district: dict[str, Any], inputs: EvaluationInputs, config: Any,
                weights: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, CompositeSpec]:
    """Every unit's indicators, members, encroachments, normalised values and score: (table, members, encroachments,
    normalised, spec), from the units overlay `ov` and the firms' table."""
    n = len(units)
    land = land_indicators(parcels, units, ov, flags)

    members = unit_members(parcels, units, ov, inputs.enterprises, config.units.member_min_share)
    output = per_mu_output(members, firms, n)
    low_eff = low_efficiency_mu(parcels, ov, members, firms, flags["low_far"].to_numpy(), n)

    # reindex: a project without unit layers has none of the optional unit columns (the CLI refuses to score it)
    table = pd.concat([units.reindex(columns=["unit_id", "unit_kind", "name", "level", "leading_industries"]), land,
                       output, line_compliance(units, land, config)], axis=1)
    no_parcels = table["parcel_count"].to_numpy() == 0
    # without parcels or members there is no land to call low-efficiency: unknown, not 0
    table["low_efficiency_mu"] = np.where(no_parcels & (table["member_count"].to_numpy() == 0), np.nan, low_eff)
    enc = encroachments(units, parcels, ov, config)
    enc_sum = enc.groupby("unit_id")["area_mu"].agg(["sum", "count"]) if len(enc) else pd.DataFrame(columns=["sum", "count"])
    table["encroachment_mu"] = table["unit_id"].map(enc_sum["sum"]).fillna(0.0).to_numpy(dtype=float)
    table["encroachment_count"] = table["unit_id"].map(enc_sum["count"]).fillna(0).to_numpy(dtype=float)
    table.loc[no_parcels, ["encroachment_mu", "encroachment_count"]] = np.nan

    spec = CompositeSpec.from_config(config)
    if weights is not None:
        spec = spec.with_weights(weights)
    bench: dict[str, float | None] = {k: district.get(k) for k in spec.indicators}  # None: no district figure
    norm = normalise(table, table["unit_kind"], bench, spec)
    table["score"] = scores(norm, spec.weights)
    table["rank"] = ranks(table["score"], table["unit_kind"])
    table["grade"] = grades(table["score"], spec.grade_thresholds)
    table = pd.concat([table, sensitivity(norm, table["unit_kind"], spec)], axis=1)
    set_not_scored(table, norm, spec.weights)
    return table, members, enc, norm, spec


def set_not_scored(table: pd.DataFrame, norm: pd.DataFrame, weights) -> None:
    """Write `score_coverage`, `not_scored_codes` (comma list) and `reason_not_scored` (中文 (English)) into `table`."""
    table["score_coverage"] = coverage(norm, weights).to_numpy()
    codes = not_scored_codes(table, norm, weights)
    table["not_scored_codes"] = pd.Series([",".join(c) or None for c in codes], index=table.index, dtype=object)
    table["reason_not_scored"] = pd.Series([reason_text(c) for c in codes], index=table.index, dtype=object)


def _firm_table(ent_eval: EnterpriseEvaluation, enterprises: pd.DataFrame) -> pd.DataFrame:
    """Evaluation table indexed by credit code, with the raw money columns beside it."""
    table = ent_eval.table.copy()
    table["uscc"] = table["uscc"].astype(str)
    raw = pd.DataFrame(enterprises.drop(columns="geometry", errors="ignore"))
    raw["uscc"] = raw["uscc"].astype(str)
    extra = [c for c in MONEY_COLUMNS if c in raw.columns and c not in table.columns]
    if extra:
        table = table.merge(raw[["uscc", *extra]].drop_duplicates("uscc"), on="uscc", how="left")
    return table.drop_duplicates("uscc").set_index("uscc")


def district_figures(parcels: pd.DataFrame, firms: pd.DataFrame, flags: pd.DataFrame,
                     config: Config | Mapping[str, Any]) -> dict[str, Any]:
    """District totals and the benchmarks the composite score compares units against."""
    project = config_from_dict(config).project
    out: dict[str, Any] = {"region": project.region, "year": project.year}
    land = firms["land_mu"].to_numpy(dtype=float)
    for key, column in PER_MU.items():
        if column in firms:
            v = pd.to_numeric(firms[column], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(v) & np.isfinite(land) & (land > 0)
            out[key] = float(v[ok].sum() / land[ok].sum()) if ok.any() else None
    out.update(district_output_figures(firms))
    a = parcels["area_mu"].to_numpy(dtype=float)
    supplied = a[status_mask(parcels, *SUPPLIED_STATUSES)].sum()
    approved = supplied + a[status_mask(parcels, "unsupplied")].sum()
    out["parcels_mu"] = float(a.sum())
    out["industrial_land_mu"] = float(a[parcels["is_industrial"].to_numpy()].sum())
    out["supplied_mu"], out["approved_mu"] = float(supplied), float(approved)
    out["unsupplied_mu"] = float(approved - supplied)
    out["supply_ratio"] = float(supplied / approved) if approved > 0 else None
    built = status_mask(parcels, "built")
    out["built_ratio"] = float(a[built].sum() / supplied) if supplied > 0 else None
    out["idle_ratio"] = float(a[status_mask(parcels, "idle")].sum() / supplied) if supplied > 0 else None
    out["industrial_share"] = out["industrial_land_mu"] / out["parcels_mu"] if out["parcels_mu"] > 0 else None
    built_ind = parcels["is_industrial"].to_numpy() & built
    floor = (pd.to_numeric(parcels.get("floor_area_m2"), errors="coerce").to_numpy(dtype=float) if "floor_area_m2" in parcels
             else np.full(len(a), np.nan))
    ok = built_ind & np.isfinite(floor)
    out["far_industrial"] = float(floor[ok].sum() / (a[ok].sum() * MU_M2)) if ok.any() else None
    out["idle_by_date_count"] = int(flags["idle_by_date"].sum())
    out["low_far_mu"] = float(a[flags["low_far"].to_numpy()].sum())
    return out


def district_output_figures(firms: pd.DataFrame) -> dict[str, Any]:
    """The district's labour_productivity and profit_margin over every firm, and the 规上-only twins of all
    `OUTPUT_FIGURES` (`above_scale_<figure>`, `above_scale_n_firms`) over the firms whose enterprise-layer
    `above_scale` flag is true — the formulas and land base (each firm's own land_mu) of analysis/members.py,
    so a 规上 target (e.g. 规上亩均税收) is compared with a 规上 figure (docs/methods.md §2.6)."""
    groups = np.zeros(len(firms), dtype=np.int64)
    above = above_scale_flags(firms)
    out: dict[str, Any] = {k: _number(v[0]) for k, v in pooled_figures(firms, groups, 1).items() if k not in PER_MU}
    out[f"{ABOVE_SCALE}n_firms"] = int(above.sum())
    out.update({f"{ABOVE_SCALE}{k}": _number(v[0]) for k, v in pooled_figures(firms, groups, 1, above).items()})
    return out


def _number(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _issue_dict(row: dict) -> dict:
    return {k: ("" if v is None or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()}


def _unit_warnings(table: pd.DataFrame, norm: pd.DataFrame, spec: CompositeSpec) -> list[dict]:
    """Name units left unscored (and why), and units whose score leaves out an indicator for lack of data."""
    out = []
    missing = norm.isna()
    for pos in np.flatnonzero(missing.any(axis=1).to_numpy()):
        names = [c for c in spec.indicators if missing.iloc[pos][c]]
        row = table.iloc[pos]
        codes = row.get("not_scored_codes")
        if isinstance(codes, str) and codes:
            out.append(Problem("warning", "unit_not_scored",
                               f"not scored: {reason_text(codes.split(','), 'en')}; no score, rank or grade",
                               layer=str(row["unit_kind"]), feature=str(row["unit_id"]),
                               message_zh=f"未评价：{reason_text(codes.split(','), 'zh')}；无得分、排名和等级").to_dict())
            continue
        out.append(Problem("warning", "indicator_missing",
                           f"score leaves out {', '.join(names)} (no data in this unit); the other weights are rescaled",
                           layer=str(row["unit_kind"]), feature=str(row["unit_id"]),
                           message_zh=f"综合得分未计入 {'、'.join(_label_zh(n) for n in names)}（本单元无数据）；"
                                      "其余指标的权重按比例放大").to_dict())
    return out


def _label_zh(name: str) -> str:
    """An indicator's Chinese column label (its name when the table has none)."""
    from i18n import TEXT, t

    return t(f"col_{name}", "zh") if f"col_{name}" in TEXT else name


UNIT_KEYS = ["unit_id", "unit_kind", "name", "level", "leading_industries", "area_mu", "industrial_land_mu",
             "industrial_share", "m0_mu", "m0_share", "min_industrial_share", "industrial_share_ok", "m0_share_ok",
             "approved_mu", "supplied_mu", "unsupplied_mu", "built_mu", "supply_ratio", "built_ratio", "idle_mu",
             "idle_ratio", "idle_by_date_mu", "idle_by_date_count", "far_industrial", "building_coverage",
             "low_far_mu", "tax_per_mu", "value_added_per_mu", "output_per_mu", "labour_productivity", "profit_margin",
             "member_count",
             "member_tax_10k_yuan", "member_land_mu", "low_efficiency_mu", "encroachment_mu", "encroachment_count",
             "parcel_count", "score", "rank", "grade", "rank_best", "rank_worst", "score_coverage", "reason_not_scored"]


SCHEMA_VERSION = "1.1"  # of the score document: 1.1 added `meta` and the firms' `unit_ids`
ENTERPRISE_KEYS = ["uscc", "name", "group", "list", "list_label", "sector", "land_mu", "land_source", "score", "rank",
                   "rank_of", "class", "excluded_label", "scored", "reason_not_scored"]


def to_json(ev: Evaluation, *, units_requested: list[str] | None = None, redacted: bool = False,
            digits: int | None = None) -> dict[str, Any]:
    """The `score --json` document (docs/methods.md §3.3: ratios as fractions, areas in mu, money in 万元) with its
    `meta` block; `digits` rounds every float (exported files), None keeps full precision (stdout)."""
    units = []
    for pos, row in ev.units.reset_index(drop=True).iterrows():
        d = {k: _clean(row.get(k)) for k in UNIT_KEYS}
        d["not_scored_codes"] = str(row["not_scored_codes"]).split(",") if isinstance(row.get("not_scored_codes"), str) else []
        d["class_counts"] = {c: int(row[f"class_{c}"]) for c in "ABCD"}
        d["above_scale"] = above_scale_json(row)
        d["score_breakdown"] = breakdown(row, ev.norm.iloc[pos], {k: ev.district.get(k) for k in ev.spec.indicators}, ev.spec)
        units.append(d)
    ent_table = ev.enterprises.table
    memberships = firm_unit_ids(ev)
    keys = [k for k in ENTERPRISE_KEYS if k in ent_table.columns]
    columns = [_clean_column(ent_table[k]) for k in keys]
    codes = ent_table["uscc"].to_numpy() if "uscc" in ent_table else np.full(len(ent_table), None)
    adjustments = ent_table["adjustments"].to_numpy() if "adjustments" in ent_table else np.full(len(ent_table), None)
    rows = zip(*columns) if columns else [()] * len(ent_table)
    enterprises = [{**dict(zip(keys, values)), "unit_ids": memberships.get(str(code), []),
                    "adjustments": [{k: _clean(v) for k, v in a.items()} for a in (adjusted or [])]}
                   for values, code, adjusted in zip(rows, codes, adjustments)]
    document = {
        "meta": json_meta(ev, units_requested=units_requested, redacted=redacted, digits=digits),
        "units": units,
        "enterprises": enterprises,
        "district": {**{k: _clean(v) for k, v in ev.district.items() if not str(k).startswith(ABOVE_SCALE)},
                     "above_scale": above_scale_json(ev.district)},
        "supply_cohorts": [{k: _clean(v) for k, v in r.items()} for r in ev.cohorts.to_dict("records")],
        "encroachments": [{k: _clean(v) for k, v in r.items()} for r in ev.encroachments.to_dict("records")],
        "method": {"composite": {"indicators": list(ev.spec.indicators), "weights": list(ev.spec.weights),
                                 "directions": list(ev.spec.directions), "normalisations": list(ev.spec.normalisations),
                                 "cap": ev.spec.cap, "grade_thresholds": list(ev.spec.grade_thresholds),
                                 "benchmarks": {k: _clean(ev.district.get(k)) for k in ev.spec.indicators}},
                   "enterprise": ev.method.summary() if ev.method is not None else None,
                   "enterprise_benchmarks": ev.enterprises.benchmarks},
        "links": ev.links.to_dict(),
        "warnings": ev.warnings,
        **time_blocks(ev, scoped=units_requested is not None or redacted, digits=digits),
    }
    if digits is not None:
        document = {k: (v if k == "meta" else round_floats(v, digits)) for k, v in document.items()}
    return document


def time_blocks(ev: Evaluation, *, scoped: bool, digits: int | None) -> dict[str, Any]:
    """The `year_on_year` (against the year before) and `targets` blocks, when the front door set them. A scoped or
    pseudonymised document keeps the year-on-year figures of its own units, the district and the transition
    counts only: no firm is listed (the lists name firms of every unit, under their real codes)."""
    out: dict[str, Any] = {}
    if ev.year_on_year is not None:
        from analysis.year_on_year import JSON_FIRM_INDICATORS
        from analysis.year_on_year import to_json as yoy_json

        block = yoy_json(ev.year_on_year, digits=digits, firm_indicators=() if scoped else JSON_FIRM_INDICATORS)
        if scoped:
            kept = set(ev.units["unit_id"].astype(str))
            block["firms"] = []
            block["transitions"] = {k: v for k, v in block["transitions"].items() if k != "lists"}
            block["units"] = [u for u in block["units"] if str(u.get("unit_id")) in kept]
            if block.get("half_year"):
                block["half_year"]["units"] = [u for u in block["half_year"]["units"] if str(u.get("unit_id")) in kept]
        out["year_on_year"] = block
    if ev.targets is not None:
        from analysis.targets import to_json as targets_json

        items = targets_json(ev.targets)
        if scoped:
            kept = set(ev.units["unit_id"].astype(str))
            items = [i for i in items if not str(i.get("scope", "")).startswith("unit:")
                     or str(i["scope"]).split(":", 1)[1] in kept]
            for item in items:  # a kind's check lists every unit of the kind: keep the verdict, not the others' figures
                if str(item.get("scope", "")).startswith("kind:"):
                    item["detail"] = None
        out["targets"] = items
    if ev.clusters is not None:
        out["clusters"] = _scoped_clusters(ev.clusters, set(ev.units["unit_id"].astype(str))) if scoped else ev.clusters
    return {k: _no_nan(v) for k, v in out.items()}


def _no_nan(value: Any) -> Any:
    """`value` (JSON-like) with every non-finite float as null: JSON has no NaN, and missing is null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(v) for v in value]
    return value


def _scoped_clusters(document: dict[str, Any], kept: set[str]) -> dict[str, Any]:
    """The 产业图谱 document of a scoped or pseudonymised export: district and cluster totals, the kept units' rows;
    no 链主 (they name firms) and no other unit's figures or check rows."""
    out = {k: v for k, v in document.items() if k not in ("leaders", "units", "checks")}
    out["units"] = [u for u in document.get("units", []) if str(u.get("unit_id")) in kept]
    out["clusters"] = [{**{k: v for k, v in c.items() if k not in ("leaders", "units")},
                        "units": [u for u in c.get("units", []) if str(u.get("unit_id")) in kept]}
                       for c in document.get("clusters", [])]
    return out


def firm_unit_ids(ev: Evaluation) -> dict[str, list[str]]:
    """Credit code → the ids of the units the firm is a member of (from ev.members), each list sorted."""
    if not len(ev.members) or not len(ev.units):
        return {}
    return unit_ids_by_firm(ev.members, ev.units["unit_id"].astype(str).to_numpy()).to_dict()


def round_floats(value: Any, digits: int) -> Any:
    """`value` (JSON-like) with every float rounded to `digits` decimals; ints, bools and text unchanged."""
    if isinstance(value, float):
        return round(value, digits) if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(v, digits) for v in value]
    return value


def software_version() -> str:
    """The installed landpark version, or "source" when running from a source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("landpark")
    except PackageNotFoundError:
        return "source"


def json_meta(ev: Evaluation, *, units_requested: list[str] | None = None, redacted: bool = False,
              digits: int | None = None) -> dict[str, Any]:
    """The `meta` block of the score document: schema version, when and by what it was made, CRS, evaluation date
    and year, the methods and their sources, the units asked for, whether firms are pseudonymised, the float
    precision and the field dictionary (each field's unit and meaning in Chinese and English)."""
    import datetime as dt

    project = ev.config.project
    method = ev.method
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "software": {"name": "landpark", "version": software_version()},
        "region": project.region,
        "crs": project.crs,
        "evaluation_date": project.evaluation_date.isoformat(),
        "year": project.year,
        "layer_versions": dict(ev.layer_versions) or None,  # layer → version, when scored as of a date
        "method": {
            "composite": {"name": "composite", "source": "landpark.toml [composite]"},
            "enterprise": ({"name": method.name, "title": method.title, "source": method.source, "url": method.url,
                            "file": method.path or None} if method is not None
                           else {"name": "inline", "source": ev.config.enterprise.source}),
        },
        "units_requested": list(units_requested) if units_requested else None,
        "redacted": bool(redacted),
        "float_digits": digits,
        "conventions": {"ratio": "fraction 0–1 (×100 = %)", "area": "亩 (mu = 10000/15 m², ellipsoidal)",
                        "money": "万元 (10,000 yuan)", "missing": "null (never 0)"},
        "fields": field_dictionary(ev),
    }


_UNIT_OF_KIND = {"per_mu": "万元/亩", "mu": "亩", "money": "万元", "ratio": "ratio", "far": "ratio", "score": "points",
                 "bool": "boolean", "text": ""}
# fields whose name does not tell their number kind: (kind, unit)
_FIELD_OVERRIDES = {"floor": ("ratio", "ratio"), "supply_floor": ("ratio", "ratio"), "below_floor": ("bool", "boolean"),
                    "rank_of": ("int", "count"), "year": ("int", "year"), "member_count": ("int", "count")}


def field_dictionary(ev: Evaluation) -> dict[str, dict[str, dict[str, str]]]:
    """Per table of the document, each field's number kind, unit and meaning (zh, en), from the one translation
    table's column labels and number kinds."""
    district = [k for k in ev.district if not str(k).startswith(ABOVE_SCALE)] + ["above_scale"]
    return {
        "units": {k: _field(k) for k in [*UNIT_KEYS, "not_scored_codes", "class_counts", "above_scale", "score_breakdown"]},
        "enterprises": {k: _field(k) for k in [*ENTERPRISE_KEYS, "unit_ids", "adjustments"]},
        "district": {k: _field(k) for k in district},
        "supply_cohorts": {k: _field(k) for k in ev.cohorts.columns},
        "encroachments": {k: _field("encroachment_area_mu" if k == "area_mu" else k, k) for k in ev.encroachments.columns},
    }


def _field(name: str, column: str | None = None) -> dict[str, str]:
    """One field's entry: kind (as i18n.numbers formats it), unit and meaning in both languages."""
    import reports.text.scope  # noqa: F401  (registers the field texts)
    from analysis.indicators import INDICATORS
    from i18n import TEXT, t
    from i18n.numbers import column_kind

    column = column or name
    kind = column_kind(column)
    if column in _FIELD_OVERRIDES:
        kind, unit = _FIELD_OVERRIDES[column]
    elif column in ("rank", "rank_best", "rank_worst"):
        unit = "rank"
    elif kind == "int":
        unit = "count"
    elif column in INDICATORS and INDICATORS[column].unit:
        unit = INDICATORS[column].unit
    elif column.endswith("labour_productivity"):
        unit = "万元/人"
    else:
        unit = _UNIT_OF_KIND.get(kind, "")
    labels = {}
    for lang in ("zh", "en"):
        if f"scope_field_{name}" in TEXT:  # the field texts of reports/text/scope.py
            text = TEXT[f"scope_field_{name}"][lang]
        elif f"col_{name}" in TEXT:
            text = t(f"col_{name}", lang)
        elif column in INDICATORS and lang == "zh":
            text = INDICATORS[column].label_zh
        else:
            text = column.replace("_", " ")
        labels[lang] = text.split("（")[0].split(" (")[0].strip()
    return {"kind": kind, "unit": unit, "zh": labels["zh"], "en": labels["en"]}


def above_scale_json(figures: Mapping[str, Any] | pd.Series) -> dict[str, Any]:
    """The 规上-only figures of a unit row or the district as the `above_scale` object of `score --json`: the same
    keys as the all-firm figures (tax_per_mu, value_added_per_mu, labour_productivity, profit_margin) plus n_firms."""
    out = {k: _clean(figures.get(f"{ABOVE_SCALE}{k}")) for k in OUTPUT_FIGURES}
    n = _clean(figures.get(f"{ABOVE_SCALE}n_firms"))
    out["n_firms"] = int(n) if n is not None else 0
    return out


def _clean_column(column: pd.Series) -> list[Any]:
    """`_clean` of every value of a column; numpy float, integer and bool columns converted whole, not per value."""
    values = column.to_numpy()
    if values.dtype.kind == "f":
        out = values.astype(object)
        out[~np.isfinite(values)] = None
        return out.tolist()
    if values.dtype.kind in "iub":
        return values.tolist()
    return [_clean(v) for v in values]


def _clean(v):
    """JSON-safe scalars: NaN/NA → None, numpy → Python."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v
