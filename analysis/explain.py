"""`landpark explain`: every indicator of one unit with its formula, inputs and weights,
so a number on a scorecard can be checked by hand.

Formulas are written in English (`FORMULAS`, also the Excel method sheet's) and in Chinese
(`FORMULAS_ZH`); `explain_unit(…, lang=)` and `format_explanation(…, lang=)` pick one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.composite import breakdown
from analysis.score import Evaluation
from i18n import layer_label, t
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

# The same formulas in Chinese ("在单元内的面积" = the parcel's area clipped to the unit). The bracketed names are
# the landpark.toml settings the formula reads, as written in the file.
FORMULAS_ZH = {
    "area_mu": "椭球面积（CGCS2000）÷ 666.67 m²（1 亩 = 10000/15 m²）",
    "industrial_land_mu": "地类归入 [land_use] industrial_categories 的宗地在单元内的面积之和",
    "industrial_share": "工业用地面积 ÷ 单元面积",
    "m0_share": "M0 用地面积 ÷ 工业用地面积",
    "approved_mu": "已供面积 + 批而未供面积",
    "supplied_mu": "供地状态为已供未建、已建成或闲置的宗地在单元内的面积之和",
    "unsupplied_mu": "供地状态为批而未供的宗地在单元内的面积之和",
    "supply_ratio": "已供面积 ÷ 已批面积",
    "built_ratio": "已建成面积 ÷ 已供面积（TD/T 1029）",
    "idle_mu": "供地状态为闲置的宗地在单元内的面积之和",
    "idle_ratio": "闲置土地面积 ÷ 已供面积（TD/T 1029）",
    "idle_by_date_mu": "已供未建宗地中，约定开工日期早于评价基准日 [supply] idle_after_days 天及以上者，在单元内的面积之和",
    "far_industrial": "Σ（建筑面积 × 在单元内的面积比例）÷ Σ 单元内用地面积（m²），限已建成的工业宗地",
    "building_coverage": "Σ（建筑基底面积 × 在单元内的面积比例）÷ Σ 单元内用地面积（m²），限已建成的工业宗地",
    "tax_per_mu": "Σ 成员企业税收（万元）÷ Σ 成员企业用地面积（亩）",
    "value_added_per_mu": "Σ 成员企业增加值（万元）÷ Σ 成员企业用地面积（亩）",
    "output_per_mu": "Σ 成员企业产值（万元）÷ Σ 成员企业用地面积（亩）",
    "low_efficiency_mu": "D 类成员企业宗地在单元内的用地 ∪ 容积率低于 [intensity] low_far_threshold 的已建成工业宗地",
}
COMPOSITE_FORMULA = {"en": "score = 100 × Σ wᵢ·nᵢ ÷ Σ wᵢ over indicators with data",
                     "zh": "综合得分 = 100 × Σ wᵢ·nᵢ ÷ Σ wᵢ（wᵢ 为权重，nᵢ 为标准化值，只计有数据的指标）"}
INPUT_KEYS = ("parcel_count", "built_mu", "m0_mu", "member_count", "member_tax_10k_yuan", "member_land_mu", "low_far_mu",
              "encroachment_mu", "encroachment_count")


def formula(indicator: str, lang: str = "zh") -> str:
    """The formula of a unit indicator in `lang` (Chinese for zh, English otherwise)."""
    return FORMULAS_ZH[indicator] if lang == "zh" else FORMULAS[indicator][1]


def explain_unit(ev: Evaluation, unit_id: str, lang: str = "zh") -> dict:
    """A JSON-able explanation of one unit's every indicator and its composite score; formulas in `lang`."""
    match = np.flatnonzero(ev.units["unit_id"].astype(str).to_numpy() == str(unit_id))
    if len(match) == 0:
        raise InputError(f"unit {unit_id!r} not found; units are ids of protection_lines, parks, micro_parks, future_communities",
                         zh=f"没有单元 {unit_id!r}；单元编号为工业用地保护线、产业园区、小微产业创新园、未来工业社区的编号")
    pos = int(match[0])
    row = ev.units.iloc[pos]
    indicators = []
    for key, (label, _) in FORMULAS.items():
        indicators.append({"indicator": key, "label": label, "formula": formula(key, lang), "value": _f(row.get(key))})
    inputs = {k: _f(row.get(k)) for k in INPUT_KEYS}
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
                      "formula": COMPOSITE_FORMULA["zh" if lang == "zh" else "en"],
                      "breakdown": breakdown(row, ev.norm.iloc[pos], bench, ev.spec),
                      "grade_thresholds": list(ev.spec.grade_thresholds), "cap": ev.spec.cap},
        "encroachments": ev.encroachments[ev.encroachments["unit_id"] == row["unit_id"]].to_dict("records"),
    }


def format_explanation(doc: dict, lang: str = "zh") -> str:
    """The explanation as text to read and check by hand (labels in `lang`)."""
    if lang != "zh":
        return _format_en(doc)
    lines = [f"{doc['name']}（{doc['unit_id']}，{layer_label(doc['unit_kind'], 'zh')}）", ""]
    for item in doc["indicators"]:
        value = "—" if item["value"] is None else f"{item['value']:.4f}"
        lines.append(f"{item['label']} {item['indicator']} = {value}\n    {item['formula']}")
    lines.append("\n输入：")
    lines += [f"    {_label(k)} {k} = {_shown(v)}" for k, v in doc["inputs"].items()]
    lines.append(f"\n成员企业（{len(doc['members'])} 家）：")
    for m in doc["members"]:
        lines.append(f"    {m['uscc']} {m['name'] or ''} 归属依据={t('basis_' + str(m['basis']), 'zh')} "
                     f"单元内比例={m['share_inside']:.3f} 用地={_shown(m['land_mu'])} 亩 税收={_shown(m['tax_10k_yuan'])} 万元 "
                     f"增加值={_shown(m['value_added_10k_yuan'])} 万元 分类={m['class'] or '—'}")
    c = doc["composite"]
    best, worst = c["rank_range_weights_pm"]
    lines.append(f"\n综合得分 = {_shown(c['score'])}  同类排名 = {_shown(c['rank'])}  等级 = {c['grade'] or '—'}"
                 f"（权重各变动 ±10% 时排名 {_shown(best)}–{_shown(worst)}）")
    if c.get("reason_not_scored"):
        lines.append(f"    未评价：{c['reason_not_scored']}")
    lines.append(f"    {c['formula']}；封顶 {c['cap']} 倍；等级阈值 A/B/C ≥ {c['grade_thresholds']}")
    for b in c["breakdown"]:
        label = FORMULAS[b["indicator"]][0] if b["indicator"] in FORMULAS else b["indicator"]
        lines.append(f"    {label} {b['indicator']}：取值={_shown(b['value'])} 基准={_shown(b['benchmark'])}"
                     f"（{t('exp_norm_' + b['normalisation'], 'zh').format(cap=c['cap'])}，{t('exp_' + b['direction'], 'zh')}）"
                     f" 标准化值={_shown(b['normalised'])} 权重={_shown(b['weight'])} 得分贡献={_shown(b['contribution'])}")
    if doc["encroachments"]:
        lines.append("\n红线内非工业用地：")
        lines += [f"    {e['parcel_id']} {e['land_use']} {_category(e['land_use_category'])} {e['area_mu']:.3f} 亩"
                  for e in doc["encroachments"]]
    return "\n".join(lines)


def _format_en(doc: dict) -> str:
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


def _label(key: str) -> str:
    """The Chinese name of an input of `explain_unit` ("" when the table has none)."""
    from i18n import TEXT

    return t(f"col_{key}", "zh") if f"col_{key}" in TEXT else ""


def _category(category: object) -> str:
    from layers.landuse import category_label

    return category_label(category, "zh")


def _shown(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:,.1f}"
    return str(v)


def _f(v):
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return f if np.isfinite(f) else None
