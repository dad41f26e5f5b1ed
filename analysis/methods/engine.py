"""Score, rank and class firms with a method file (docs/method-format.md).

Per firm: its list (the first whose condition holds), exclusions (no class, no rank), indicator values,
points per indicator (ratio to 基准值 or min–max), missing-value rules, plus/minus points, rank and class
within its list or sector, vetoes and protections, tenants following their landlord. Every step leaves
its trace in the table (`adjustments`, `reason_not_scored`, `class_override`) so a class can be explained.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.enterprise import EnterpriseEvaluation, _append_text, _checked_frame, _warn
from analysis.indicators import INDICATORS
from analysis.methods.expressions import Expression
from analysis.methods.firm_fields import assign_sectors, firm_fields
from analysis.methods.method_file import CLASSES, EvaluationList, Method
from layers.problems import Problem

LAYER = "enterprises"
_TIE_DECIMALS = 9
# Raw inputs copied into the result table, for tracing and unit sums.
INPUT_COLUMNS = ("tax_10k_yuan", "value_added_10k_yuan", "output_10k_yuan", "revenue_10k_yuan", "profit_10k_yuan",
                 "energy_tce", "emissions", "electricity_kwh", "rd_10k_yuan", "tech_investment_10k_yuan", "employees")
# Inputs without which a firm is not scored at all when its list's indicators use them (missing is never zero).
CORE_INPUTS = {"land_mu": "用地面积为零或缺失 (land area zero or missing)", "tax_10k_yuan": "实缴税金缺失 (tax missing)"}


def _bool(values: pd.Series) -> pd.Series:
    return values.fillna(False).astype(bool)


def _list_of(fields: pd.DataFrame, method: Method) -> pd.Series:
    """The name of the first list whose condition holds per firm (None: none holds)."""
    out = pd.Series(None, index=fields.index, dtype=object)
    for lst in method.lists:
        out = out.mask(out.isna() & _bool(lst.when.evaluate(fields)), lst.name)
    return out


def _exclusions(fields: pd.DataFrame, lists: pd.Series, method: Method) -> tuple[pd.Series, pd.Series]:
    """(reason, label) per firm of the first exclusion that applies ("" / None where none does)."""
    reason = pd.Series("", index=fields.index, dtype=object)
    label = pd.Series(None, index=fields.index, dtype=object)
    for ex in method.exclusions:
        hit = _bool(ex.when.evaluate(fields)) & (reason == "")
        if ex.lists is not None:
            hit &= lists.isin(ex.lists)
        reason = reason.mask(hit, ex.reason)
        label = label.mask(hit, ex.label)
    return reason, label


def _benchmark(values: pd.Series, lst: EvaluationList, j: int, previous: pd.DataFrame | None,
               warnings: list[Problem]) -> tuple[float, str]:
    """The 基准值 of indicator j of `lst` and where it came from."""
    name = lst.indicators[j]
    fixed = lst.benchmarks[j] if lst.benchmarks is not None else None
    if lst.benchmark == "fixed" and fixed is not None:
        return float(fixed), "fixed"
    if lst.benchmark in ("mean", "k_mean"):
        k = lst.k if lst.benchmark == "k_mean" else 1.0
        return (k * float(values.mean()) if len(values) else float("nan")), f"{k:g} × mean of the year"
    # k_previous_mean: k × the list's mean of the previous year, when that year's data exist
    if previous is not None and name in previous.columns:
        prior = pd.to_numeric(previous.loc[previous.get("list") == lst.name, name], errors="coerce").dropna()
        if len(prior):
            return lst.k * float(prior.mean()), f"{lst.k:g} × previous year's mean"
    warnings.append(Problem("warning", "previous_year_missing",
                            f"{lst.label} {name}: no previous year's data, so the 基准值 given in the method file is used",
                            layer=LAYER, field=name, value=fixed,
                            message_zh=f"{lst.label} {name}：没有上年数据，采用评价办法文件给定的基准值"))
    return (float(fixed) if fixed is not None else float("nan")), "fixed (previous year absent)"


def _points(v: pd.Series, have: pd.Series, lst: EvaluationList, j: int, bench: float) -> pd.Series:
    """Points of indicator j for every firm with a value (NaN elsewhere)."""
    weight = lst.weights[j]
    if lst.scoring == "minmax":
        lo, hi = v[have].min(), v[have].max()
        share = (v - lo) / (hi - lo) if hi > lo else pd.Series(1.0, index=v.index).where(v.notna())
        part = weight * (lst.minmax_floor + (100.0 - lst.minmax_floor) * share) / 100.0
    else:
        part = v / bench * weight
    if lst.cap > 0:
        part = part.clip(upper=lst.cap * weight)
    if lst.floor > 0:
        part = part.clip(lower=lst.floor * weight)
    return part


def missing_inputs(expression: Expression, fields: pd.DataFrame) -> pd.Series:
    """Per firm, the input to blame for a missing value: the first field (in the expression's order) that is
    missing, else the last one that is zero or negative (a denominator)."""
    order = sorted(expression.fields, key=lambda f: expression.text.find(f))
    blame = pd.Series(order[-1] if order else "", index=fields.index, dtype=object)
    for name in reversed(order):
        value = pd.to_numeric(fields[name], errors="coerce") if name in fields else pd.Series(np.nan, index=fields.index)
        blame = blame.mask(~(value > 0) & value.notna(), name)
    found = pd.Series(False, index=fields.index)
    for name in order:
        value = fields[name] if name in fields else pd.Series(np.nan, index=fields.index)
        hit = value.isna() & ~found
        blame = blame.mask(hit, name)
        found |= hit
    return blame


def _score_list(lst: EvaluationList, rows: pd.Series, values: pd.DataFrame, ids: pd.Series, table: pd.DataFrame,
                previous: pd.DataFrame | None, warnings: list[Problem],
                blame: Callable[[str], pd.Series]) -> dict[str, float]:
    """Fill the value, 基准值, weight and points columns of list `lst`'s scored firms; return the 基准值 used."""
    in_list = table["list"] == lst.name
    used: dict[str, float] = {}
    for j, name in enumerate(lst.indicators):
        v = values[name]
        have, lacking = rows & v.notna(), rows & v.isna()
        bench, origin = (float("nan"), "minmax") if lst.scoring == "minmax" else _benchmark(v[have], lst, j, previous, warnings)
        used[name] = bench
        table.loc[in_list, f"{name}_benchmark"] = bench
        table.loc[in_list, f"{name}_weight"] = lst.weights[j]
        if lst.scoring == "ratio" and not bench > 0:
            warnings.append(Problem("warning", "benchmark_unavailable",
                                    f"{lst.label} {name}: 基准值 ({origin}) is {bench}; the indicator scores 0 for the list",
                                    layer=LAYER, field=name, value=None if np.isnan(bench) else bench,
                                    message_zh=f"{lst.label} {name}：基准值（{origin}）为 {bench}；该指标在本名单中计 0 分"))
            table.loc[rows, f"{name}_part"] = 0.0
            continue
        part = _points(v, have, lst, j, bench)
        rule = lst.rule(name)
        fill = 0.0
        if rule == "group_mean_score" and lacking.any():
            fill = float(part[have].mean()) if have.any() else 0.0
            if not have.any():
                warnings.append(Problem("warning", "group_mean_unavailable",
                                        f"{lst.label} {name}: no scored firm has a value, so missing values score 0",
                                        layer=LAYER, field=name,
                                        message_zh=f"{lst.label} {name}：参评企业均无此项数据，缺失值计 0 分"))
        table.loc[rows, f"{name}_part"] = part.where(~lacking, fill)[rows]
        if lacking.any():
            how = "组内平均得分" if rule == "group_mean_score" else "0分"
            how_en = "the group's mean points" if rule == "group_mean_score" else "0 points"
            label = INDICATORS[name].label_zh if name in INDICATORS else name
            _warn(warnings, "missing_indicator_substituted", ids, lacking,
                  f"firm {{id}}: {name} missing, scored {how_en} ({fill:.4g}; rule {rule})", blame(name),
                  zh=f"企业 {{id}} 的{label}缺失，按{how}（{fill:.4g}）计分")
            table["substituted"] = _append_text(table["substituted"], lacking, name, ",")
    table.loc[rows, "score_base"] = table.loc[rows, [f"{i}_part" for i in lst.indicators]].sum(axis=1)
    return used


def _event_hits(fields: pd.DataFrame, events: pd.DataFrame | None, event: str, year: int | None) -> tuple[pd.Series, pd.Series]:
    """(has the event, points the event rows carry) per firm."""
    none = pd.Series(False, index=fields.index), pd.Series(np.nan, index=fields.index)
    if events is None or not len(events) or "event" not in events.columns:
        return none
    rows = events[events["event"].astype("string").str.strip() == event.strip()]
    if year is not None and "year" in rows.columns:
        rows = rows[pd.to_numeric(rows["year"], errors="coerce").isin([year]) | rows["year"].isna()]
    codes = rows["uscc"].astype("string").str.strip().str.upper()
    firm = fields["uscc"].astype("string").str.strip().str.upper()
    pts = pd.to_numeric(rows["points"], errors="coerce") if "points" in rows.columns else pd.Series(np.nan, index=rows.index)
    carried = firm.map(pts.groupby(codes).sum(min_count=1)).astype("float64")
    return firm.isin(set(codes.dropna())).fillna(False).astype(bool), carried


def _record(records: list[list[dict[str, Any]]], mask: pd.Series, entry: dict[str, Any],
            per_firm: pd.Series | None = None) -> None:
    for pos in np.flatnonzero(mask.to_numpy()):
        item = dict(entry)
        if per_firm is not None:
            item["points"] = float(per_firm.iloc[pos])
        records[pos].append(item)


def _adjust_points(method: Method, fields: pd.DataFrame, table: pd.DataFrame, scored: pd.Series,
                   events: pd.DataFrame | None, year: int | None, records: list[list[dict[str, Any]]]) -> pd.Series:
    """Plus/minus points per scored firm (capped per method), landlord deductions included."""
    plus = pd.Series(0.0, index=fields.index)
    minus = pd.Series(0.0, index=fields.index)
    for adj in method.adjustments:
        if adj.kind != "points":
            continue
        if adj.event is not None:
            hit, carried = _event_hits(fields, events, adj.event, year)
        else:
            hit, carried = _bool(adj.when.evaluate(fields)) if adj.when else pd.Series(False, index=fields.index), None
        hit &= scored
        if adj.lists is not None:
            hit &= table["list"].isin(adj.lists)
        if adj.points_from_event and carried is not None:
            pts = carried.fillna(0.0)
        else:
            pts = pd.Series(adj.points or 0.0, index=fields.index)
        pts = pts.where(hit, 0.0)
        plus += pts.clip(lower=0)
        minus += (-pts).clip(lower=0)
        _record(records, hit, {"type": "points", "source": f"{adj.source} {adj.event or ''}".strip()}, pts)
    if method.plus_cap is not None:
        plus = plus.clip(upper=method.plus_cap)
    if method.minus_cap is not None:
        minus = minus.clip(upper=method.minus_cap)
    total = plus - minus
    codes = fields["uscc"].astype("string").str.strip().str.upper()
    for i, d in enumerate(method.landlord_deductions):
        landlord = _bool(d.when.evaluate(fields)) & scored
        counted = _counted_tenants(fields, codes, d.tenant_when.evaluate(fields), table.attrs.get("tenancy"))
        lost = pd.Series([d.total(int(n)) for n in counted], index=fields.index).where(landlord, 0.0)
        mask = lost > 0
        total -= lost
        _record(records, mask, {"type": "landlord_deduction", "source": f"tenancy.landlord_deductions[{i + 1}]"}, -lost)
    return total


def _counted_tenants(fields: pd.DataFrame, codes: pd.Series, tenant_ok: pd.Series, tenancy: pd.DataFrame | None) -> pd.Series:
    """Per firm as landlord: its distinct tenants for which the deduction's tenant condition holds."""
    if tenancy is None or not len(tenancy) or "landlord_uscc" not in tenancy.columns:
        return pd.Series(0, index=fields.index)
    ok = set(codes[_bool(tenant_ok)].dropna())
    pairs = pd.DataFrame({"tenant": tenancy["tenant_uscc"].astype("string").str.strip().str.upper(),
                          "landlord": tenancy["landlord_uscc"].astype("string").str.strip().str.upper()}).dropna()
    pairs = pairs[pairs["tenant"].isin(ok)].drop_duplicates()
    return codes.map(pairs.groupby("landlord")["tenant"].nunique()).fillna(0).astype("int64")


def _classify(table: pd.DataFrame, rows: pd.Series, lst: EvaluationList) -> None:
    """Rank (ties share the better rank) and class the scored firms `rows` of one list, per sector if asked."""
    keys = table.loc[rows, "sector"] if lst.classes.within == "sector" else pd.Series("", index=table.index[rows])
    for key, idx in keys.groupby(keys, dropna=False).groups.items():
        score = table.loc[idx, "score"].astype("float64")
        rank = score.round(_TIE_DECIMALS).rank(method="min", ascending=False).astype("int64")
        cuts = lst.classes.cuts_for(key if lst.classes.within == "sector" else None)
        if lst.classes.method == "percentile":
            pos = rank.to_numpy(dtype="float64") / len(idx)
            labels = np.select([pos <= cuts[0], pos <= cuts[1], pos <= cuts[2]], ["A", "B", "C"], "D")
        else:
            s = score.to_numpy(dtype="float64")
            labels = np.select([s >= cuts[0], s >= cuts[1], s >= cuts[2]], ["A", "B", "C"], "D")
        table.loc[idx, "rank"] = rank
        table.loc[idx, "class"] = labels
        table.loc[idx, "rank_of"] = len(idx)


def _caps(method: Method, fields: pd.DataFrame, table: pd.DataFrame, events: pd.DataFrame | None, year: int | None,
          records: list[list[dict[str, Any]]]) -> None:
    """Protections (never worse than) first, then vetoes (never better than): a veto wins."""
    classed = table["class"].notna()
    order = {c: i for i, c in enumerate(CLASSES)}
    rank = table["class"].map(order)
    for kind in ("protection", "veto"):
        for adj in method.adjustments:
            if adj.kind != kind:
                continue
            hit = (_event_hits(fields, events, adj.event, year)[0] if adj.event is not None
                   else _bool(adj.when.evaluate(fields)) if adj.when is not None else pd.Series(False, index=fields.index))
            hit &= classed
            if adj.lists is not None:
                hit &= table["list"].isin(adj.lists)
            limit = order[adj.max_class or adj.min_class or "D"]
            change = hit & ((rank > limit) if kind == "protection" else (rank < limit))
            new = CLASSES[limit]
            if change.any():
                why = f"{adj.label or adj.event or adj.source}: "
                table.loc[change, "class_override"] = [f"{why}{old}→{new}" for old in table.loc[change, "class"].tolist()]
            table.loc[change, "class"] = new
            rank = table["class"].map(order)
            entry = {"type": kind, "cap": new, "source": f"{adj.source} {adj.label or adj.event or ''}".strip()}
            _record(records, hit, entry)


def _follow_owners(method: Method, fields: pd.DataFrame, table: pd.DataFrame, tenancy: pd.DataFrame | None,
                   records: list[list[dict[str, Any]]], warnings: list[Problem]) -> None:
    """Tenants for which the method's condition holds take their landlord's class (江山 2023)."""
    if method.tenant_follows_owner is None or tenancy is None or not len(tenancy) or "landlord_uscc" not in tenancy.columns:
        return
    codes = table["uscc"].astype("string").str.strip().str.upper()
    landlord_of = (tenancy.assign(t=tenancy["tenant_uscc"].astype("string").str.strip().str.upper(),
                                  l=tenancy["landlord_uscc"].astype("string").str.strip().str.upper())
                   .dropna(subset=["t", "l"]).drop_duplicates("t").set_index("t")["l"])
    class_of = pd.Series(table["class"].to_numpy(), index=codes.to_numpy())
    class_of = class_of[~class_of.index.duplicated()]
    follows = _bool(method.tenant_follows_owner.evaluate(fields)) & table["class"].notna() & codes.isin(landlord_of.index)
    landlord = codes.map(landlord_of)
    owner_class = landlord.map(class_of)
    for pos in np.flatnonzero(follows.to_numpy()):
        new, owner = owner_class.iloc[pos], landlord.iloc[pos]
        if new is None or pd.isna(new):
            warnings.append(Problem("warning", "owner_not_classed", f"企业 {codes.iloc[pos]}: its landlord {owner} has no class; "
                                    "it keeps its own", layer=LAYER, feature=str(codes.iloc[pos]), value=str(owner),
                                    message_zh=f"企业 {codes.iloc[pos]}：出租方 {owner} 没有分类；保留其自身分类"))
            continue
        old = table["class"].iloc[pos]
        table.iloc[pos, table.columns.get_loc("class")] = new
        table.iloc[pos, table.columns.get_loc("class_override")] = f"tenancy: follows {owner}: {old}→{new}"
        records[pos].append({"type": "follows_owner", "owner": str(owner), "cap": new, "source": "tenancy.tenant_follows_owner"})


def evaluate_firms(firms: pd.DataFrame, method: Method, *, evaluation_date: str | None = None,
                   events: pd.DataFrame | None = None, tenancy: pd.DataFrame | None = None,
                   parcel_owner_mu: pd.Series | None = None, owned_parcels: pd.DataFrame | None = None,
                   previous: pd.DataFrame | None = None, year: int | None = None) -> EnterpriseEvaluation:
    """Evaluate every firm of `firms` (the enterprise layer) with `method`; one table row per firm, in input order.

    `previous`: last year's result table (for k_previous_mean); `year`: the evaluation year events must carry
    (default: the method's year). Raises InputError on a table without credit codes or with duplicates.
    """
    frame, ids = _checked_frame(firms)
    year = method.year if year is None else year
    warnings: list[Problem] = []
    if evaluation_date is None and _uses_years(method) and "production_start_date" in frame.columns \
            and frame["production_start_date"].notna().any():
        warnings.append(Problem("warning", "new_firm_rule_skipped",
                                "no evaluation date given: rules on years in production (new firms) were not applied",
                                layer=LAYER, field="production_start_date",
                                message_zh="未给出评价基准日：按投产年数（新设企业）的规则未执行"))
    fields = firm_fields(frame, evaluation_date=evaluation_date, parcel_owner_mu=parcel_owner_mu, tenancy=tenancy,
                         owned_parcels=owned_parcels)
    used = list(dict.fromkeys(i for lst in method.lists for i in lst.indicators))
    shown = list(dict.fromkeys([*used, *(k for k in method.indicators if k not in used)]))
    values = pd.DataFrame({k: method.indicators[k].expression.evaluate(fields).astype("float64") for k in shown},
                          index=frame.index)
    lists = _list_of(fields, method)
    excluded, excluded_label = _exclusions(fields, lists, method)
    reasons = _reasons(fields, lists, excluded, values, method, ids, warnings)
    scored = reasons == ""

    labels = {lst.name: lst.label for lst in method.lists}
    name = frame["name"] if "name" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    numeric = [c for c in INPUT_COLUMNS if c in fields.columns]
    inputs = fields[numeric].apply(pd.to_numeric, errors="coerce")
    table = pd.concat([pd.DataFrame({"uscc": ids, "name": name, "group": lists, "list": lists,
                                     "list_label": lists.map(labels), "sector": assign_sectors(frame, method.sectors,
                                                                                                 method.sector_default),
                                     "land_mu": fields["land_mu"], "land_source": fields["land_source"],
                                     "own_land_mu": fields["own_land_mu"],
                                     "years_in_production": fields["years_in_production"]}), inputs, values], axis=1)
    table.attrs["tenancy"] = tenancy
    for ind in used:
        for suffix in ("benchmark", "weight", "part"):
            table[f"{ind}_{suffix}"] = np.nan
    for column in ("score_base", "score", "rank_of"):
        table[column] = np.nan
    table["rank"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    table["class"] = None
    table["class_override"] = None
    table["excluded_label"] = excluded_label
    table["substituted"] = pd.Series("", index=frame.index, dtype=object)
    _sector_gaps(table, scored, method, reasons, warnings, ids)
    scored = reasons == ""

    benchmarks: dict[str, dict[str, float]] = {}
    for lst in method.lists:
        rows = scored & (lists == lst.name)
        benchmarks[lst.name] = _score_list(lst, rows, values, ids, table, previous, warnings,
                                           lambda name: missing_inputs(method.indicators[name].expression, fields))
    records: list[list[dict[str, Any]]] = [[] for _ in range(len(frame))]
    table["score"] = table["score_base"] + _adjust_points(method, fields, table, scored, events, year, records).where(scored)
    for lst in method.lists:
        rows = scored & (lists == lst.name)
        if rows.any():
            _classify(table, rows, lst)
    _caps(method, fields, table, events, year, records)
    _follow_owners(method, fields, table, tenancy, records, warnings)

    table.attrs.pop("tenancy", None)
    table["adjustments"] = pd.Series(records, index=frame.index, dtype=object)
    table["scored"] = scored.astype(bool)
    table["reason_not_scored"] = reasons.where(~scored, None)
    table["substituted"] = table["substituted"].where(table["substituted"] != "", None)
    table["rank_of"] = table["rank_of"].astype("Int64")
    for column in ("group", "list", "list_label", "class", "class_override", "excluded_label", "sector"):
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    return EnterpriseEvaluation(table=table, benchmarks=benchmarks, warnings=warnings)


def _uses_years(method: Method) -> bool:
    conditions = [a.when for a in method.adjustments] + [e.when for e in method.exclusions] + [lst.when for lst in method.lists]
    return any(c is not None and "years_in_production" in c.fields for c in conditions)


def _reasons(fields: pd.DataFrame, lists: pd.Series, excluded: pd.Series, values: pd.DataFrame, method: Method,
             ids: pd.Series, warnings: list[Problem]) -> pd.Series:
    """Why each firm is not scored ("" when it is); one warning per firm and reason."""
    uses_scale = any("above_scale" in lst.when.fields for lst in method.lists)
    no_list = lists.isna()
    checks: list[tuple[pd.Series, str, str | pd.Series]] = []
    if uses_scale:
        unknown = no_list & fields["above_scale"].isna()
        checks.append((unknown, "规上/规下未知 (above_scale missing)", "above_scale"))
        no_list &= ~unknown
    checks.append((no_list, "不属于任何评价名单 (no list's condition holds)", "list"))
    checks.append((excluded != "", "", "exclusion"))
    for field_name, reason in CORE_INPUTS.items():
        needs = lists.map({lst.name: any(field_name in method.indicators[i].expression.fields for i in lst.indicators)
                           for lst in method.lists}).fillna(False).astype(bool)
        value = pd.to_numeric(fields[field_name], errors="coerce")
        missing = value.isna() | (~(value > 0) if field_name == "land_mu" else False)
        checks.append((needs & missing & lists.notna(), reason, field_name))
    for lst in method.lists:
        for ind in lst.indicators:
            if lst.rule(ind) == "exclude":
                checks.append(((lists == lst.name) & values[ind].isna(), f"{ind}缺失 ({ind} missing, rule exclude)",
                               missing_inputs(method.indicators[ind].expression, fields)))
    text = pd.Series("", index=fields.index, dtype=object)
    for mask, reason, field_name in checks:
        if isinstance(field_name, str) and field_name == "exclusion":
            for why in pd.unique(excluded[mask]):
                hit = mask & (excluded == why)
                text = _append_text(text, hit, why, "; ")
                _warn(warnings, "enterprise_excluded", ids, hit, f"企业 {{id}} 不参加评价: {why}", "exclusion")
            continue
        text = _append_text(text, mask, reason, "; ")
        _warn(warnings, "enterprise_not_scored", ids, mask, f"企业 {{id}} 未评价: {reason}", field_name,
              fields["land_mu"] if isinstance(field_name, str) and field_name == "land_mu" else None)
    return text


def _sector_gaps(table: pd.DataFrame, scored: pd.Series, method: Method, reasons: pd.Series, warnings: list[Problem],
                 ids: pd.Series) -> None:
    """Firms in a list classed within sectors but in no sector cannot be classed: said as their reason."""
    by_sector = {lst.name for lst in method.lists if lst.classes.within == "sector"}
    gap = scored & table["list"].isin(by_sector) & table["sector"].isna()
    if gap.any():
        reason = "行业未归入任何分行业 (no sector: add keywords or a sector_default to the method)"
        reasons.update(_append_text(reasons, gap, reason, "; "))
        _warn(warnings, "enterprise_not_scored", ids, gap, f"企业 {{id}} 未评价: {reason}", "industry")


def benchmarks_table(method: Method, benchmarks: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Per list and indicator: label, expression, unit, weight, configured and applied 基准值, missing rule."""
    rows = []
    for lst in method.lists:
        for j, name in enumerate(lst.indicators):
            ind = method.indicators[name]
            rows.append({"list": lst.name, "list_label": lst.label, "indicator": name, "label": ind.label,
                         "expression": ind.expression.text, "unit": ind.unit, "weight": lst.weights[j],
                         "scoring": lst.scoring, "benchmark_mode": lst.benchmark,
                         "benchmark_config": lst.benchmarks[j] if lst.benchmarks is not None else float("nan"),
                         "benchmark_applied": float(benchmarks.get(lst.name, {}).get(name, float("nan"))),
                         "missing_rule": lst.rule(name)})
    return pd.DataFrame(rows)
