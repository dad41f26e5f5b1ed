"""`landpark explain`: every indicator of one unit with its formula, inputs and weights,
so a number on a scorecard can be checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.composite import breakdown
from analysis.score import Evaluation
from layers.problems import InputError

FORMULAS = {
    "area_mu": ("单元面积", "ellipsoidal area (CGCS2000) ÷ (10000/15 m²)"),
    "industrial_land_mu": ("工业用地面积",
                           "Σ clipped area of parcels whose land_use_category is in [land_use] industrial_categories"),
    "industrial_share": ("工业用地占比", "industrial_land_mu ÷ area_mu"),
    "m0_share": ("M0占比", "m0_mu ÷ industrial_land_mu"),
    "approved_mu": ("已批面积", "supplied_mu + unsupplied_mu"),
    "supplied_mu": ("已供面积", "Σ clipped area of parcels with supply_status supplied, built or idle"),
    "unsupplied_mu": ("批而未供面积", "Σ clipped area of parcels with supply_status unsupplied"),
    "supply_ratio": ("供地率", "supplied_mu ÷ approved_mu"),
    "built_ratio": ("土地建成率", "built_mu ÷ supplied_mu (TD/T 1029)"),
    "idle_mu": ("闲置土地面积", "Σ clipped area of parcels with supply_status idle"),
    "idle_ratio": ("土地闲置率", "idle_mu ÷ supplied_mu (TD/T 1029)"),
    "idle_by_date_mu": ("逾期未动工面积",
                        "Σ clipped area of supplied parcels whose agreed_start_date is ≥ [supply] idle_after_days "
                        "before the evaluation date"),
    "far_industrial": ("工业用地综合容积率", "Σ floor_area_m2 × clipped share ÷ Σ clipped land m², built industrial parcels"),
    "building_coverage": ("工业用地建筑系数", "Σ footprint_m2 × clipped share ÷ Σ clipped land m², built industrial parcels"),
    "tax_per_mu": ("亩均税收", "Σ member tax_10k_yuan ÷ Σ member land_mu"),
    "value_added_per_mu": ("亩均增加值", "Σ member value_added_10k_yuan ÷ Σ member land_mu"),
    "output_per_mu": ("亩均产值", "Σ member output_10k_yuan ÷ Σ member land_mu"),
    "low_efficiency_mu": ("低效用地面积",
                          "clipped land of D-class members' parcels ∪ built industrial parcels with FAR < [intensity] "
                          "low_far_threshold"),
}


def explain_unit(ev: Evaluation, unit_id: str) -> dict:
    """A JSON-able explanation of one unit's every indicator and its composite score."""
    match = np.flatnonzero(ev.units["unit_id"].astype(str).to_numpy() == str(unit_id))
    if len(match) == 0:
        raise InputError(f"unit {unit_id!r} not found; units are ids of protection_lines, parks, micro_parks, future_communities")
    pos = int(match[0])
    row = ev.units.iloc[pos]
    indicators = []
    for key, (label, formula) in FORMULAS.items():
        indicators.append({"indicator": key, "label": label, "formula": formula, "value": _f(row.get(key))})
    inputs = {k: _f(row.get(k)) for k in ("parcel_count", "built_mu", "m0_mu", "member_count", "member_tax_10k_yuan",
                                          "member_land_mu", "low_far_mu", "encroachment_mu", "encroachment_count")}
    mem = ev.members[ev.members["unit_pos"] == pos].join(ev.firms, on="uscc", how="left")
    member_rows = [{"uscc": r["uscc"], "name": r.get("name"), "basis": r["basis"], "share_inside": _f(r["share_inside"]),
                    "land_mu": _f(r.get("land_mu")), "tax_10k_yuan": _f(r.get("tax_10k_yuan")),
                    "value_added_10k_yuan": _f(r.get("value_added_10k_yuan")), "class": r.get("class")}
                   for _, r in mem.iterrows()]
    bench: dict[str, float | None] = {k: ev.district.get(k) for k in ev.spec.indicators}
    return {
        "unit_id": str(row["unit_id"]), "unit_kind": row["unit_kind"], "name": row["name"],
        "indicators": indicators, "inputs": inputs, "members": member_rows,
        "composite": {"score": _f(row["score"]), "rank": _f(row["rank"]),
                      "grade": row["grade"] if isinstance(row["grade"], str) else None,
                      "reason_not_scored": row.get("reason_not_scored") if isinstance(row.get("reason_not_scored"), str)
                      else None,
                      "not_scored_codes": str(row["not_scored_codes"]).split(",")
                      if isinstance(row.get("not_scored_codes"), str) else [],
                      "score_coverage": _f(row.get("score_coverage")),
                      "rank_range_weights_pm": [_f(row["rank_best"]), _f(row["rank_worst"])],
                      "formula": "score = 100 × Σ wᵢ·nᵢ ÷ Σ wᵢ over indicators with data",
                      "breakdown": breakdown(row, ev.norm.iloc[pos], bench, ev.spec),
                      "grade_thresholds": list(ev.spec.grade_thresholds), "cap": ev.spec.cap},
        "encroachments": ev.encroachments[ev.encroachments["unit_id"] == row["unit_id"]].to_dict("records"),
    }


def format_explanation(doc: dict) -> str:
    """The explanation as text to read and check by hand."""
    lines = [f"{doc['name']} ({doc['unit_id']}, {doc['unit_kind']})", ""]
    for item in doc["indicators"]:
        value = "—" if item["value"] is None else f"{item['value']:.4f}"
        lines.append(f"{item['label']} {item['indicator']} = {value}\n    {item['formula']}")
    lines.append("\n输入 inputs:")
    lines += [f"    {k} = {v}" for k, v in doc["inputs"].items()]
    lines.append(f"\n成员企业 members ({len(doc['members'])}):")
    for m in doc["members"]:
        lines.append(f"    {m['uscc']} {m['name'] or ''} basis={m['basis']} share={m['share_inside']:.3f} "
                     f"land={m['land_mu']} tax={m['tax_10k_yuan']} VA={m['value_added_10k_yuan']} class={m['class']}")
    c = doc["composite"]
    lines.append(f"\n综合得分 score = {c['score']} rank = {c['rank']} grade = {c['grade']} "
                 f"(rank with weights ±10 %: {c['rank_range_weights_pm'][0]}–{c['rank_range_weights_pm'][1]})")
    if c.get("reason_not_scored"):
        lines.append(f"    未评价 not scored: {c['reason_not_scored']}")
    lines.append(f"    {c['formula']}; cap = {c['cap']}; grade thresholds A/B/C ≥ {c['grade_thresholds']}")
    for b in c["breakdown"]:
        lines.append(f"    {b['indicator']}: value={b['value']} benchmark={b['benchmark']} "
                     f"({b['normalisation']}, {b['direction']}) "
                     f"n={b['normalised']} w={b['weight']} contribution={b['contribution']}")
    if doc["encroachments"]:
        lines.append("\n红线内非工业用地 encroachments:")
        lines += [f"    {e['parcel_id']} {e['land_use']} {e['land_use_category']} {e['area_mu']:.3f} 亩"
                  for e in doc["encroachments"]]
    return "\n".join(lines)


def _f(v):
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return f if np.isfinite(f) else None
