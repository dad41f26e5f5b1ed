"""Targets and progress (`landpark targets`, the 目标进度 page, scorecards): every [targets] entry of landpark.toml
measured on one year's evaluation, with its gap and status.

Status (STATUSES): a target whose year is the evaluation year or earlier is `met` or `behind`; a future target with
a base year and value is `on_track` when the value has reached the straight line from the base value (base year)
to the target (target year) at the evaluation year, else `behind`; a future target without a base is compared with
the target itself (reached → on_track, else behind; `note` = "no_base"). A value that cannot be computed is
`no_data` with a reason, never 0. Gap = value − target (negative below the target).

Figures (docs: layers/targets_settings.py):
- firm figures (亩均税收 …) are pooled Σ numerator ÷ Σ denominator over the scope's firms with both (the formulas
  of analysis/members.py): the district's firms, a unit's members, a kind's members (each firm once); base 规上 =
  the firms whose enterprise-layer flag `above_scale` is true (the flag score.py's 规上 figures use), no_data when
  the layer has no such flag;
- land figures are the district's own (ev.district), a unit's, or Σ numerator ÷ Σ denominator over a kind's units;
- a cluster scope ("cluster:<name>") is measured over the cluster's firms (analysis/clusters.py firm_clusters): output,
  revenue and tax summed in 亿元, firms counted, or a firm figure pooled as above; no_data "cluster_pending" without
  [clusters], "cluster_missing" for a name [clusters] does not define;
- size checks list each unit of the kind outside its range and count the kind; line totals sum the protection
  lines' ellipsoidal 亩 by level (1 km² = 1,500 亩); the supply floors are analysis/supply_mix.py's verdicts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import i18n.targets_text  # noqa: F401  (registers the targets_ text)
from i18n import TEXT, layer_label, t
from layers.config import Config, config_from_dict
from layers.targets_settings import FIRM_INDICATORS, SizeCheck, TargetItem, TargetsSettings

STATUSES = ("met", "on_track", "behind", "no_data")
MU_PER_KM2 = 1500.0  # 1 km² = 1,500 亩 exactly (domain.md §0)
EPS = 1e-9           # relative tolerance of "reached": a value equal to its target up to float noise meets it
# Firm figures: numerator and denominator columns of the firm table (analysis/members.py OUTPUT_FIGURES + 产值).
FIRM_TERMS = {"tax_per_mu": ("tax_10k_yuan", "land_mu"), "value_added_per_mu": ("value_added_10k_yuan", "land_mu"),
              "output_per_mu": ("output_10k_yuan", "land_mu"), "labour_productivity": ("value_added_10k_yuan", "employees"),
              "profit_margin": ("profit_10k_yuan", "revenue_10k_yuan")}
# Land figures of a unit kind: Σ numerator ÷ Σ denominator over its units (columns of the unit table).
LAND_TERMS = {"industrial_share": ("industrial_land_mu", "area_mu"), "supply_ratio": ("supplied_mu", "approved_mu"),
              "built_ratio": ("built_mu", "supplied_mu"), "idle_ratio": ("idle_mu", "supplied_mu")}
# The unit each figure is measured in (a translation key suffix: targets_unit_<unit>).
INDICATOR_UNITS = {"tax_per_mu": "per_mu", "value_added_per_mu": "per_mu", "output_per_mu": "per_mu",
                   "labour_productivity": "per_person", "profit_margin": "ratio", "industrial_share": "ratio",
                   "supply_ratio": "ratio", "built_ratio": "ratio", "idle_ratio": "ratio",
                   # cluster figures (scope "cluster:<name>", analysis/clusters.py): sums in 亿元, and a firm count
                   "output": "100m_yuan", "revenue": "100m_yuan", "tax": "100m_yuan", "firms": "count"}
SCOPE_ORDER = ("district", "kind", "unit", "cluster")
FLOOR_STATUS = {"pass": "met", "fail": "behind", "no_data": "no_data", "incomplete": "no_data"}


@dataclass
class TargetResult:
    """One target measured: its value at the evaluation year, the target, gap, status and where it comes from."""

    name: str
    kind: str                 # "indicator", "size", "count", "line_total", "supply_floor", "unit_size"
    scope: str                # "district", "kind:<unit kind>", "unit:<unit id>", "cluster:<name>"
    scope_name: str | None    # the unit's name for a unit scope (None otherwise)
    indicator: str            # the indicator key, or the check's: units_outside, unit_count, line_km2, supply_share, area_mu
    unit: str                 # INDICATOR_UNITS value, or "count", "km2", "mu"
    year: int                 # the target year
    evaluated_year: int       # the year of the data measured
    value: float | None
    target: float | None
    direction: str
    status: str               # STATUSES
    base: str | None          # "all" / "above_scale" (firm figures), the floor's denominator, None for land checks
    source: str
    path: float | None = None         # the straight-line value at the evaluation year (future targets with a base)
    reason: str | None = None         # why no_data (a code, translated by targets_reason_<code>)
    note: str | None = None           # a remark on the status (e.g. "no_base")
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """value − target (None when either is missing)."""
        return None if self.value is None or self.target is None else self.value - self.target


# ---- status ---------------------------------------------------------------------------------------------------

def _reached(value: float, target: float, direction: str) -> bool:
    """Whether `value` is at `target` or beyond it in `direction` (float noise tolerated)."""
    slack = EPS * max(1.0, abs(target))
    return value >= target - slack if direction == ">=" else value <= target + slack


def judge(value: float | None, target: float, direction: str, target_year: int, year: int,
          base_year: int | None = None, base_value: float | None = None) -> tuple[str, float | None, str | None]:
    """(status, path, note) of `value` measured in `year` against `target` due in `target_year`: see the module text."""
    if value is None or not np.isfinite(value):
        return "no_data", None, None
    if year >= target_year:
        return ("met" if _reached(value, target, direction) else "behind"), None, None
    if base_year is None or base_value is None:
        return ("on_track" if _reached(value, target, direction) else "behind"), None, "no_base"
    share = min(max((year - base_year) / (target_year - base_year), 0.0), 1.0)
    path = base_value + (target - base_value) * share
    return ("on_track" if _reached(value, path, direction) else "behind"), path, None


# ---- figures of a scope -----------------------------------------------------------------------------------------

def _num(value: Any) -> float | None:
    """A finite float, or None (missing is never 0)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _positions(units: pd.DataFrame, scope: str) -> np.ndarray:
    """Row positions of the unit table a "kind:" or "unit:" scope covers."""
    what, _, key = scope.partition(":")
    column = "unit_kind" if what == "kind" else "unit_id"
    return np.flatnonzero(units[column].astype(str).to_numpy() == key)


def _scope_firms(ev, units: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The firm rows (evaluation firm table) of a scope: every firm, or the members of its units, each once."""
    if scope == "district":
        return ev.firms
    pos = _positions(units, scope)
    members = ev.members[ev.members["unit_pos"].isin(pos)] if len(ev.members) else ev.members
    ids = pd.Index(members["uscc"].astype(str).unique()) if len(members) else pd.Index([])
    return ev.firms.loc[ev.firms.index.intersection(ids)]


def firm_figure(firms: pd.DataFrame, indicator: str, base: str) -> tuple[float | None, int, str | None]:
    """(value, firms counted, reason) of a firm figure pooled over `firms` (base "above_scale": 规上 firms only)."""
    from analysis.members import above_scale_flags

    if base == "above_scale":
        if "above_scale" not in firms:
            return None, 0, "no_above_scale_flag"
        firms = firms[above_scale_flags(firms)]
        if not len(firms):
            return None, 0, "no_above_scale_firms"
    num_col, den_col = FIRM_TERMS[indicator]
    if num_col not in firms or den_col not in firms:
        return None, 0, "no_firm_data"
    num = pd.to_numeric(firms[num_col], errors="coerce").to_numpy(dtype=float)
    den = pd.to_numeric(firms[den_col], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    if not ok.any():
        return None, 0, "no_firm_data" if len(firms) else "no_firms"
    return float(num[ok].sum() / den[ok].sum()), int(ok.sum()), None


def land_figure(ev, units: pd.DataFrame, scope: str, indicator: str) -> tuple[float | None, str | None]:
    """(value, reason) of a land figure: the district's own, a unit's, or Σ ÷ Σ over a kind's units."""
    if scope == "district":
        value = _num(ev.district.get(indicator))
        return value, None if value is not None else "no_land_data"
    pos = _positions(units, scope)
    if scope.startswith("unit:"):
        value = _num(units.iloc[pos[0]].get(indicator)) if len(pos) else None
        return value, None if value is not None else "no_land_data"
    num_col, den_col = LAND_TERMS[indicator]
    rows = units.iloc[pos]
    num = pd.to_numeric(rows.get(num_col), errors="coerce").to_numpy(dtype=float)
    den = pd.to_numeric(rows.get(den_col), errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(num) & np.isfinite(den)
    if not ok.any() or den[ok].sum() <= 0:
        return None, "no_land_data"
    return float(num[ok].sum() / den[ok].sum()), None


def _scope_missing(units: pd.DataFrame, scope: str, clusters: dict[str, pd.Index] | None = None) -> str | None:
    """Why a scope has nothing to measure (no clusters defined, an unknown cluster, an absent kind or unit), else None."""
    if scope.startswith("cluster:"):
        if not clusters:
            return "cluster_pending"
        return None if scope.partition(":")[2] in clusters else "cluster_missing"
    if scope.startswith(("kind:", "unit:")) and not len(_positions(units, scope)):
        return "kind_missing" if scope.startswith("kind:") else "unit_missing"
    return None


def _scope_name(units: pd.DataFrame, scope: str) -> str | None:
    """The unit's name for a unit scope (None for other scopes or an unknown unit)."""
    if not scope.startswith("unit:"):
        return None
    pos = _positions(units, scope)
    return str(units.iloc[pos[0]]["name"]) if len(pos) and "name" in units else None


def _cluster_firms(enterprises: pd.DataFrame | None, clusters) -> dict[str, pd.Index] | None:
    """Each defined cluster's member firms (uscc), by analysis.clusters.firm_clusters; None without clusters or firms."""
    if clusters is None or not getattr(clusters, "items", ()) or enterprises is None:
        return None
    from analysis.clusters import firm_clusters

    rows = firm_clusters(enterprises, clusters)
    return {c.name: pd.Index(rows.loc[rows["cluster"] == c.name, "uscc"].astype(str).unique()) for c in clusters.items}


def _item_result(ev, units: pd.DataFrame, item: TargetItem, year: int,
                 clusters: dict[str, pd.Index] | None = None) -> TargetResult:
    """One [[targets.items]] entry measured (a cluster scope over the cluster's firms, `clusters`: name → uscc)."""
    value: float | None = None
    reason = _scope_missing(units, item.scope, clusters)
    detail: dict[str, Any] = {}
    if reason is None and item.scope.startswith("cluster:"):
        from analysis.clusters import cluster_value

        assert clusters is not None  # _scope_missing gives "cluster_pending" for a cluster scope without clusters
        ids = clusters[item.scope.partition(":")[2]]
        value, n, reason = cluster_value(ev.firms.loc[ev.firms.index.intersection(ids)], item.indicator, item.base)
        detail["n_firms"] = n
    elif reason is None and item.indicator in FIRM_INDICATORS:
        value, n, reason = firm_figure(_scope_firms(ev, units, item.scope), item.indicator, item.base)
        detail["n_firms"] = n
    elif reason is None:
        value, reason = land_figure(ev, units, item.scope, item.indicator)
    status, path, note = judge(value, item.value, item.direction, item.year, year, item.base_year, item.base_value)
    if item.base_year is not None:
        detail.update(base_year=item.base_year, base_value=item.base_value)
    return TargetResult(item.name, "indicator", item.scope, _scope_name(units, item.scope), item.indicator,
                        INDICATOR_UNITS[item.indicator], item.year, year, value, item.value, item.direction, status,
                        item.base, item.source, path, reason if value is None else None, note, detail)


# ---- plan checks --------------------------------------------------------------------------------------------------

def size_bounds(check: SizeCheck) -> tuple[float | None, float | None]:
    """The 亩 range each unit must fall in: min/max_mu intersected with target_km2 × (1 ± tolerance) × 1,500."""
    low, high = check.min_mu, check.max_mu
    if check.target_km2 is not None:
        tol = check.tolerance or 0.0  # SizeCheck.read defaults it to 0.1
        t_low, t_high = check.target_km2 * MU_PER_KM2 * (1 - tol), check.target_km2 * MU_PER_KM2 * (1 + tol)
        low = t_low if low is None else max(low, t_low)
        high = t_high if high is None else min(high, t_high)
    return low, high


def _size_results(units: pd.DataFrame, check: SizeCheck, year: int) -> list[TargetResult]:
    """A size check: the units of its kind outside the range (listed), and their count against min_count."""
    scope = f"kind:{check.kind}"
    rows = units.iloc[_positions(units, scope)]
    low, high = size_bounds(check)
    out = []
    if low is not None or high is not None:
        area = pd.to_numeric(rows.get("area_mu"), errors="coerce").to_numpy(dtype=float)
        known = np.isfinite(area)
        below = known & (area < low) if low is not None else np.zeros(len(rows), bool)
        above = known & (area > high) if high is not None else np.zeros(len(rows), bool)
        gap = np.where(below, area - (low or 0.0), np.where(above, area - (high or 0.0), 0.0))
        listed = [{"unit_id": str(r.unit_id), "name": str(r.name), "area_mu": _num(a), "area_km2": _num(a / MU_PER_KM2),
                   "gap_mu": _num(g) if k else None, "ok": bool(k and not (b or h)) if k else None}
                  for r, a, g, k, b, h in zip(rows.itertuples(index=False), area, gap, known, below, above)]
        value = float((below | above).sum()) if known.any() else None
        status, _, note = judge(value, 0.0, "<=", check.year, year)
        out.append(TargetResult(check.name, "size", indicator="units_outside", unit="count", value=value, target=0.0,
                                direction="<=", status=status, note=note,
                                reason=None if value is not None else ("kind_missing" if not len(rows) else "no_land_data"),
                                detail={"low_mu": low, "high_mu": high, "target_km2": check.target_km2,
                                        "tolerance": check.tolerance, "units": listed,
                                        "outside": [u["unit_id"] for u in listed if u["ok"] is False]},
                                scope=scope, scope_name=None, year=check.year, evaluated_year=year, base=None,
                                source=check.source))
    if check.min_count is not None:
        value = float(len(rows)) if len(rows) else None  # no unit of the kind: the layer is absent (unknown, not 0)
        status, _, note = judge(value, float(check.min_count), ">=", check.year, year)
        out.append(TargetResult(check.name, "count", indicator="unit_count", unit="count", value=value,
                                target=float(check.min_count), direction=">=", status=status, note=note,
                                reason=None if value is not None else "kind_missing",
                                scope=scope, scope_name=None, year=check.year, evaluated_year=year, base=None,
                                source=check.source))
    return out


def _line_areas(ev, units: pd.DataFrame, lines: pd.DataFrame | None) -> pd.DataFrame:
    """level and area_mu of each protection line: `lines` (a version of the layer) or the evaluation's units."""
    if lines is None:
        return units[units["unit_kind"].astype(str) == "protection_lines"]
    if "area_mu" in lines:
        return lines
    from spatial.area import area_mu

    return pd.DataFrame({"level": lines["level"].to_numpy(), "area_mu": area_mu(lines.geometry.to_numpy(), lines.crs)})


def _line_result(table: pd.DataFrame, check, year: int) -> TargetResult:
    """One [[targets.line_totals]] entry: the lines' km² of its level against the target."""
    area = pd.to_numeric(table.get("area_mu"), errors="coerce").to_numpy(dtype=float)
    level = table["level"].astype(str).to_numpy() if len(table) else np.array([], dtype=str)
    by_level = {lv: float(area[(level == lv) & np.isfinite(area)].sum() / MU_PER_KM2) for lv in sorted(set(level))}
    pick = np.isfinite(area) & ((level == check.level) if check.level != "all" else True)
    value = float(area[pick].sum() / MU_PER_KM2) if len(table) and np.isfinite(area).any() else None
    status, _, note = judge(value, check.target_km2, check.direction, check.year, year)
    return TargetResult(check.name, "line_total", "district", None, "line_km2", "km2", check.year, year, value,
                        check.target_km2, check.direction, status, None, check.source, None,
                        None if value is not None else "no_lines", note,
                        {"level": check.level, "by_level_km2": by_level, "lines": int(len(table)),
                         "lines_of_level": int(pick.sum()) if value is not None else 0})


def _floor_results(config: Config, supply_mix, year: int) -> list[TargetResult]:
    """The [supply_mix] floors per year up to `year`, as analysis/supply_mix.py judged them."""
    out = []
    floors = config.supply_mix.floors
    if supply_mix is None:
        return [TargetResult(f.name, "supply_floor", "district", None, "supply_share", "ratio", year, year, None, f.share,
                             ">=", "no_data", f.base, f.source, reason="no_supply_mix") for f in floors]
    rows = supply_mix.floors
    rows = rows[rows["year"].astype(int) <= year]
    for r in rows.itertuples(index=False):
        floor = floors[int(r.floor)]
        value = _num(r.value)
        reason = None if r.status in ("pass", "fail") else ("floor_incomplete" if r.status == "incomplete"
                                                            else "no_supplied_land")
        out.append(TargetResult(floor.name, "supply_floor", "district", None, "supply_share", "ratio", int(r.year), year,
                                value, float(r.target), ">=", FLOOR_STATUS[r.status], floor.base, floor.source,
                                reason=reason, detail={"counted_mu": _num(r.counted_mu), "industrial_mu": _num(r.industrial_mu),
                                                       "missing_mu": _num(r.missing_mu), "counts": list(floor.counts)}))
    return out


# ---- the whole list -----------------------------------------------------------------------------------------------

def _scope_rank(scope: str) -> int:
    """Position of a scope's group in SCOPE_ORDER (district first)."""
    return SCOPE_ORDER.index(scope.partition(":")[0]) if scope.partition(":")[0] in SCOPE_ORDER else len(SCOPE_ORDER)


def target_progress(ev, *, config: Config | Any, settings: TargetsSettings, year: int, units: pd.DataFrame | None = None,
                    supply_mix=None, lines: pd.DataFrame | None = None, clusters=None,
                    enterprises: pd.DataFrame | None = None) -> list[TargetResult]:
    """Every target and check of `settings` measured on the evaluation `ev` of `year`: indicator targets, size
    checks, line totals (of `lines` when given: a version of the protection lines), and the supply floors (of the
    analysis.supply_mix result `supply_mix`; no_data without it). Grouped by scope, district first, config order.
    Cluster targets use `clusters` ([clusters] settings, default the config's) over the firms of `enterprises`
    (the enterprise layer of the year: industry and code)."""
    cfg = config_from_dict(config)
    table = (ev.units if units is None else units).reset_index(drop=True)
    if clusters is None:
        from analysis.clusters import settings_of as clusters_of

        clusters = clusters_of(cfg)
    members = (_cluster_firms(enterprises, clusters)
               if any(item.scope.startswith("cluster:") for item in settings.items) else None)
    out = [_item_result(ev, table, item, year, members) for item in settings.items]
    for check in settings.sizes:
        out += _size_results(table, check, year)
    if settings.line_totals:
        areas = _line_areas(ev, table, lines)
        out += [_line_result(areas, check, year) for check in settings.line_totals]
    if settings.supply_floors:
        out += _floor_results(cfg, supply_mix, year)
    return sorted(out, key=lambda r: _scope_rank(r.scope))  # stable: config order within a scope group


def to_json(results: Sequence[TargetResult]) -> list[dict[str, Any]]:
    """The `landpark targets --json` list: {name, scope, value, target, gap, status, base, source} and the extras
    (kind, scope_name, indicator, unit, year, evaluated_year, direction, path, reason, note, detail)."""
    return [{"name": r.name, "scope": r.scope, "value": r.value, "target": r.target, "gap": r.gap, "status": r.status,
             "base": r.base, "source": r.source, "kind": r.kind, "scope_name": r.scope_name, "indicator": r.indicator,
             "unit": r.unit, "year": r.year, "evaluated_year": r.evaluated_year, "direction": r.direction,
             "path": r.path, "reason": r.reason, "note": r.note, "detail": r.detail} for r in results]


def unit_targets(results: Sequence[TargetResult], unit_id: str, unit_kind: str) -> list[TargetResult]:
    """The targets a unit's scorecard shows: its own, its kind's indicator targets, its kind's count, and its own
    line of its kind's size checks (as a "unit_size" result: its area against the range)."""
    out = []
    for r in results:
        if r.scope == f"unit:{unit_id}" or (r.scope == f"kind:{unit_kind}" and r.kind in ("indicator", "count")):
            out.append(r)
        elif r.scope == f"kind:{unit_kind}" and r.kind == "size":
            own = next((u for u in r.detail.get("units", []) if u["unit_id"] == str(unit_id)), None)
            if own is None:
                continue
            ok = own["ok"]
            status = "no_data" if ok is None else ("behind" if not ok else ("met" if r.evaluated_year >= r.year else "on_track"))
            target = r.detail["target_km2"] * MU_PER_KM2 if r.detail.get("target_km2") is not None else None
            out.append(dataclasses.replace(
                r, kind="unit_size", scope=f"unit:{unit_id}", scope_name=own["name"], indicator="area_mu", unit="mu",
                value=own["area_mu"], target=target, direction="range", status=status,
                reason=None if ok is not None else "no_land_data",
                detail={"low_mu": r.detail["low_mu"], "high_mu": r.detail["high_mu"], "gap_mu": own["gap_mu"]}))
    return out


# ---- one call for the CLI and the app ---------------------------------------------------------------------------

def settings_of(config: Config) -> TargetsSettings:
    """The [targets] settings of a Config (empty until layers/config.py reads the section)."""
    found = getattr(config, "targets", None)
    return found if isinstance(found, TargetsSettings) else TargetsSettings((), (), (), True)


def project_progress(project, *, year: int | None = None, method: str | None = None, inputs=None,
                     evaluation=None) -> list[TargetResult]:
    """The targets of a project measured on the firm data of `year` (default: the project's year) with the layers
    in force then (analysis.inputs.load_inputs), or on the `inputs`/`evaluation` given (the app's cached ones);
    the supply floors over the [supply_mix] years_shown years ending at that year."""
    from analysis.inputs import load_inputs
    from analysis.score import evaluate
    from analysis.supply_mix import supply_mix

    if evaluation is None:
        inputs = load_inputs(project, year=year)
        evaluation = evaluate(inputs, method=method)
    config = evaluation.config
    measured = int(year) if year is not None else config.project.year
    settings = settings_of(project.config)
    mix = None
    if settings.supply_floors and config.supply_mix.floors:
        parcels = inputs.parcels if inputs is not None else (
            project.read_layer("parcels") if "parcels" in project.layer_names() else None)
        if parcels is not None and len(parcels):
            years = list(range(measured - config.supply_mix.years_shown + 1, measured + 1))  # as shown_years
            mix = supply_mix(parcels, config, years=years)
    from analysis.clusters import settings_of as clusters_of

    enterprises = inputs.enterprises if inputs is not None else (
        project.read_layer("enterprises") if "enterprises" in project.layer_names() else None)
    return target_progress(evaluation, config=config, settings=settings, year=measured, supply_mix=mix,
                           clusters=clusters_of(project.config), enterprises=enterprises)


# ---- text ---------------------------------------------------------------------------------------------------------

def scope_label(scope: str, scope_name: str | None, lang: str) -> str:
    """A scope as a person reads it: 全区, the unit kind's name, the unit's name and id, the cluster's name."""
    what, _, key = scope.partition(":")
    if what == "district":
        return t("targets_scope_district", lang)
    if what == "kind":
        return t("targets_scope_kind", lang).format(kind=layer_label(key, lang))
    if what == "unit":
        return f"{scope_name}（{key}）" if scope_name and lang == "zh" else (f"{scope_name} ({key})" if scope_name else key)
    return t("targets_scope_cluster", lang).format(name=key)


def format_value(value: Any, unit: str, lang: str = "zh") -> str:
    """A target's value or target in its unit (ratios as percent, 万元 figures two decimals, areas in 亩 or km²)."""
    from i18n.numbers import MISSING, format_count, format_mu, format_per_mu, format_ratio

    if value is None:
        return MISSING
    if unit == "ratio":
        return format_ratio(value)
    if unit in ("per_mu", "per_person"):
        return format_per_mu(value)
    if unit == "count":
        return format_count(value)
    if unit == "100m_yuan":  # a cluster target in 亿元
        return f"{float(value):,.2f}"
    if unit == "km2":
        return f"{float(value):,.2f}"
    return format_mu(value)


def format_gap(value: Any, unit: str, lang: str = "zh") -> str:
    """A signed gap in the target's unit (percentage points for ratios)."""
    from i18n.numbers import MISSING

    if value is None:
        return MISSING
    if unit == "ratio":
        return t("targets_pp", lang).format(value=f"{float(value) * 100:+.1f}".replace("-", "−"))
    sign = "+" if float(value) > 0 else ("−" if float(value) < 0 else "±")
    return sign + format_value(abs(float(value)), unit, lang)


def unit_text(unit: str, lang: str = "zh") -> str:
    """The unit printed after a value ("万元/亩", "平方公里"; nothing for ratios, already in percent)."""
    key = f"targets_unit_{unit}"
    return t(key, lang) if key in TEXT else ""


def target_text(item: dict[str, Any], lang: str = "zh") -> str:
    """The target cell: "≥ 58.00 万元/亩", a size range "1,350.0–1,650.0 亩" (for a size check or one unit)."""
    if item["kind"] in ("size", "unit_size"):
        d = item["detail"]
        return f"{format_value(d.get('low_mu'), 'mu', lang)}–{format_value(d.get('high_mu'), 'mu', lang)} {unit_text('mu', lang)}"
    sign = "≥" if item["direction"] == ">=" else "≤"
    return f"{sign} {format_value(item['target'], item['unit'], lang)} {unit_text(item['unit'], lang)}".strip()


def value_text(item: dict[str, Any], lang: str = "zh") -> str:
    """The value cell: the figure in its unit; for a size check the number of units outside the range."""
    if item["kind"] == "size" and item["value"] is not None:
        return t("targets_size_value", lang).format(n=format_value(item["value"], "count", lang))
    return format_value(item["value"], item["unit"], lang)


def name_text(item: dict[str, Any], lang: str = "zh") -> str:
    """The name cell: the configured name, with 面积 / 数量 after it for the two rows of a size check."""
    suffix = {"size": "targets_kind_size", "count": "targets_kind_count"}.get(item["kind"])
    return item["name"] + (t(suffix, lang) if suffix else "")


def status_label(status: str, lang: str = "zh") -> str:
    """达成 / 进度正常 / 落后 / 无数据."""
    return t(f"targets_status_{status}", lang)


def base_label(base: str | None, lang: str = "zh") -> str:
    """The base of a target as a person reads it (规上 / 全部企业 / 新增建设用地 …; empty for land checks)."""
    if base is None:
        return ""
    key = f"targets_base_{base}" if f"targets_base_{base}" in TEXT else f"supply_mix_base_{base}"
    return t(key, lang) if key in TEXT else base


def level_label(level: str, lang: str = "zh") -> str:
    """A protection-line level (red / blue / all) as a person reads it; an unknown level as written."""
    key = f"targets_level_{level}"
    return t(key, lang) if key in TEXT else level


def _width(text: str) -> int:
    """Terminal columns of `text` (a CJK character takes two)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded to `width` terminal columns (right-aligned when `right`)."""
    fill = " " * max(width - _width(text), 0)
    return fill + text if right else text + fill


def detail_lines(item: dict[str, Any], lang: str = "zh") -> list[str]:
    """The lines under a target: the units outside a size range, the line areas by level, notes and reasons."""
    d, out = item.get("detail") or {}, []
    if item["kind"] == "size":
        low, high = d.get("low_mu"), d.get("high_mu")
        out.append(t("targets_size_rule", lang).format(low=format_value(low, "mu", lang), high=format_value(high, "mu", lang),
                                                       n=len(d.get("units", []))))
        if not d.get("outside"):
            out.append("  " + t("targets_page_all_within", lang))
        for u in d.get("units", []):
            if u["ok"] is False:
                out.append(t("targets_size_outside", lang).format(
                    name=u["name"], id=u["unit_id"], mu=format_value(u["area_mu"], "mu", lang),
                    km2=format_value(u["area_km2"], "km2", lang), gap=format_gap(u["gap_mu"], "mu", lang)))
    if item["kind"] == "line_total":
        parts = [f"{level_label(lv, lang)} {format_value(v, 'km2', lang)} {t('targets_unit_km2', lang)}"
                 for lv, v in d.get("by_level_km2", {}).items()]
        out.append(t("targets_line_levels", lang).format(level=level_label(d.get("level", "all"), lang),
                                                         levels=("；" if lang == "zh" else "; ").join(parts) or "—"))
    if item["kind"] == "indicator" and d.get("n_firms"):
        out.append(t("targets_n_firms", lang).format(n=d["n_firms"]))
    if item.get("path") is not None:
        out.append(t("targets_path_line", lang).format(
            path=format_value(item["path"], item["unit"], lang), year=item["evaluated_year"],
            base=format_value(d.get("base_value"), item["unit"], lang), base_year=d.get("base_year")))
    if item.get("note"):
        out.append(t(f"targets_note_{item['note']}", lang))
    if item.get("reason"):
        out.append(t(f"targets_reason_{item['reason']}", lang))
    return out


def format_targets(items: list[dict[str, Any]], lang: str = "zh") -> str:
    """`landpark targets` as text: per scope, a table of name, year, value, target, gap and status, each target's
    listed units, path or reason beneath it, then its source (columns aligned in terminal cells)."""
    if not items:
        return t("targets_none", lang)
    head = [t(f"targets_col_{k}", lang) for k in ("name", "year", "base", "value", "target", "gap", "status")]
    body = [[name_text(item, lang), str(item["year"]), base_label(item["base"], lang) or "—", value_text(item, lang),
             target_text(item, lang), format_gap(item["gap"], item["unit"], lang), status_label(item["status"], lang)]
            for item in items]
    widths = [max(_width(r[i]) for r in [head, *body]) for i in range(len(head))]
    right = {3, 5}
    row = lambda cells: "  ".join(_pad(c, w, i in right) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()  # noqa: E731
    evaluated = sorted({i["evaluated_year"] for i in items})
    lines = [t("targets_header", lang).format(year=("、" if lang == "zh" else ", ").join(map(str, evaluated)))]
    current = None
    for item, cells in zip(items, body):
        group = scope_label(item["scope"], item.get("scope_name"), lang)
        if group != current:
            lines += ["", group, "  " + row(head)]
            current = group
        lines.append("  " + row(cells))
        lines += ["      " + x for x in detail_lines(item, lang)]
        lines.append("      " + t("targets_source", lang).format(source=item["source"]))
    counts = {s: sum(1 for i in items if i["status"] == s) for s in STATUSES}
    lines += ["", t("targets_summary", lang).format(**counts)]
    return "\n".join(lines)
