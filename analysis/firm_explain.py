"""How one firm got its class: the list it was evaluated in and why, every term (value, 基准值, weight,
points), every adjustment, veto and protection, the exclusion reason if any, and its rank within its list."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.methods.method_file import Method
from layers.problems import UsageError


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _find(table: pd.DataFrame, uscc: str) -> pd.Series:
    codes = table["uscc"].astype("string").str.strip().str.upper()
    hit = table[codes == uscc.strip().upper()]
    if hit.empty:
        raise UsageError(f"no firm with credit code {uscc!r} in the enterprise layer ({len(table)} firms)")
    return hit.iloc[0]


def _why_list(method: Method, list_name: str | None) -> list[dict[str, Any]]:
    """The lists in order with their conditions, up to the one the firm is in (the earlier ones did not hold)."""
    out = []
    for lst in method.lists:
        out.append({"list": lst.name, "label": lst.label, "when": lst.when.text, "holds": lst.name == list_name})
        if lst.name == list_name:
            break
    return out


def explain_firm(ev: Any, uscc: str) -> dict[str, Any]:
    """The explanation of one firm's evaluation (`landpark explain DIR --firm USCC`, the app's firm panel)."""
    method: Method | None = ev.method
    if method is None:
        raise UsageError("this evaluation carries no method to explain")
    row = _find(ev.enterprises.table, uscc)
    list_name = row.get("list")
    terms = []
    if list_name is not None:
        lst = method.get_list(str(list_name))
        substituted = set(str(row.get("substituted") or "").split(","))
        for j, name in enumerate(lst.indicators):
            ind = method.indicators[name]
            terms.append({"indicator": name, "label": ind.label, "expression": ind.expression.text, "unit": ind.unit,
                          "value": _num(row.get(name)), "benchmark": _num(row.get(f"{name}_benchmark")),
                          "weight": lst.weights[j], "points": _num(row.get(f"{name}_part")),
                          "scoring": lst.scoring, "missing_rule": lst.rule(name) if name in substituted else None})
        classes = {"method": lst.classes.method, "within": lst.classes.within,
                   "cuts": list(lst.classes.cuts_for(row.get("sector") if lst.classes.within == "sector" else None))}
    else:
        classes = None
    rank = row.get("rank")
    return {
        "uscc": str(row["uscc"]), "name": row.get("name"),
        "method": method.summary(),
        "list": list_name, "list_label": row.get("list_label"), "why_list": _why_list(method, list_name),
        "sector": row.get("sector"), "land_mu": _num(row.get("land_mu")), "land_source": row.get("land_source"),
        "scored": bool(row.get("scored")), "reason_not_scored": row.get("reason_not_scored"),
        "excluded_label": row.get("excluded_label"),
        "terms": terms, "score_base": _num(row.get("score_base")),
        "adjustments": list(row.get("adjustments") or []), "score": _num(row.get("score")),
        "rank": None if rank is None or pd.isna(rank) else int(rank),
        "rank_of": None if pd.isna(row.get("rank_of")) else int(row.get("rank_of")),
        "class": row.get("class"), "class_override": row.get("class_override"), "classes": classes,
    }


def _fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}g}"


def format_firm(doc: dict[str, Any]) -> str:
    """The explanation as Chinese text for the terminal."""
    m = doc["method"]
    lines = [f"企业 {doc['name'] or ''} ({doc['uscc']})",
             f"评价办法: {m['title']} [{m['name']}]  来源: {m['source']}"]
    for point in m.get("open_points") or []:
        lines.append(f"  未定规则: {point}")
    for step in doc["why_list"]:
        lines.append(f"  名单 {step['label']} ({step['when']}): {'✔ 归入此名单' if step['holds'] else '✘ 不满足'}")
    if doc["list"] is None:
        lines.append("  不属于任何评价名单")
    if doc["sector"]:
        lines.append(f"  分行业: {doc['sector']}")
    lines.append(f"  用地面积: {_fmt(doc['land_mu'], 6)} 亩 (来源 {doc['land_source']})")
    if not doc["scored"]:
        label = f"（{doc['excluded_label']}类）" if doc["excluded_label"] else ""
        lines.append(f"  未评价{label}: {doc['reason_not_scored']}")
        return "\n".join(lines)
    lines.append("  指标 | 数值 | 基准值 | 权重 | 得分")
    for t in doc["terms"]:
        rule = f"  (缺失, 按 {t['missing_rule']})" if t["missing_rule"] else ""
        lines.append(f"  {t['label']} = {t['expression']} | {_fmt(t['value'])} {t['unit']} | {_fmt(t['benchmark'])} | "
                     f"{t['weight']:g} | {_fmt(t['points'])}{rule}")
    lines.append(f"  指标得分合计: {_fmt(doc['score_base'], 6)}")
    for a in doc["adjustments"]:
        what = f"{a['points']:+g} 分" if a.get("points") is not None else f"等级上限/下限 {a.get('cap')}"
        lines.append(f"  调整 [{a['type']}] {a.get('source', '')}: {what}")
    cls = doc["classes"] or {}
    scope = "分行业" if cls.get("within") == "sector" else "名单内"
    rule = "百分位" if cls.get("method") == "percentile" else "分数线"
    override = f"（{doc['class_override']}）" if doc["class_override"] else ""
    lines.append(f"  总分 {_fmt(doc['score'], 6)}，{scope}第 {doc['rank']} / {doc['rank_of']} 名（{rule} {cls.get('cuts')}）"
                 f"→ {doc['class']} 类{override}")
    return "\n".join(lines)
