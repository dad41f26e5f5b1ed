"""Text of 标准地 (`landpark review`, the siting conditions, exports): every key starts with `stdland_`.

Registered in the one translation table at import (`i18n.register_section`); the Chinese edition names no code.
"""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    "stdland_title": {"zh": "标准地达产复核", "en": "Standard-land review after full production"},
    "stdland_header": {"zh": "标准地达产复核（复核日期：{as_of}；标准地 {n} 宗）",
                       "en": "Standard-land review (as of {as_of}; {n} standard-land parcels)"},
    "stdland_none": {"zh": "没有标准地宗地：宗地图层中没有标记为标准地的宗地。",
                     "en": "No standard-land parcels: no parcel of the parcel layer is marked as standard land."},
    "stdland_summary": {"zh": "达标 {met} 宗，不达标 {not_met} 宗，未到达产期 {not_due} 宗，无法判定 {undetermined} 宗",
                        "en": "{met} met, {not_met} not met, {not_due} not yet due, {undetermined} undetermined"},
    "stdland_tolerance": {"zh": "允许偏差：实际值不低于承诺值的（1 − {tolerance}）即视为达标",
                          "en": "Tolerance: a term is met when the actual figure is at least (1 − {tolerance}) of the "
                                "committed one"},
    "stdland_parcel_line": {"zh": "宗地 {parcel}　{firm}　约定达产日期 {due}", "en": "Parcel {parcel}  {firm}  due {due}"},
    "stdland_no_firm": {"zh": "（未关联企业）", "en": "(no linked firm)"},
    "stdland_term_text": {"zh": "{term} 承诺 {committed}、实际 {actual}、差距 {gap}{unit}",
                          "en": "{term} committed {committed}, actual {actual}, gap {gap}{unit}"},
    "stdland_failed": {"zh": "未达标项：{terms}", "en": "terms not met: {terms}"},
    "stdland_group": {"zh": "{verdict}（{n} 宗）", "en": "{verdict} ({n})"},
    "stdland_not_due_line": {"zh": "未到达产期 {n} 宗：约定达产日期 {first} 至 {last}",
                             "en": "{n} parcels not yet due: due dates {first} to {last}"},
    "stdland_pp": {"zh": "{value} 个百分点", "en": "{value} pp"},
    # verdicts
    "stdland_verdict_met": {"zh": "达标", "en": "met"},
    "stdland_verdict_not_met": {"zh": "不达标", "en": "not met"},
    "stdland_verdict_not_due": {"zh": "未到期", "en": "not yet due"},
    "stdland_verdict_undetermined": {"zh": "无法判定", "en": "undetermined"},
    # reasons a parcel past its date cannot be judged
    "stdland_reason_no_due_date": {"zh": "宗地没有约定达产日期", "en": "the parcel has no agreed date of full production"},
    "stdland_reason_no_firm": {"zh": "宗地未关联企业（无权利人或无法匹配企业）",
                               "en": "no firm is linked to the parcel (no owner, or the owner matches no firm)"},
    "stdland_reason_no_firm_data": {"zh": "关联企业在本年度企业数据中没有记录",
                                    "en": "the linked firm has no row in this year's firm data"},
    "stdland_reason_data_before_due": {"zh": "企业数据为 {year} 年，早于约定达产日期 {due}",
                                       "en": "the firm data are of {year}, before the due date {due}"},
    "stdland_reason_no_commitments": {"zh": "宗地没有填写任何承诺指标", "en": "the parcel carries no committed indicator"},
    "stdland_reason_missing_actuals": {"zh": "缺少实际数据：{terms}", "en": "actual figures missing: {terms}"},
    # the control indicators
    "stdland_term_investment_intensity": {"zh": "固定资产投资强度", "en": "Fixed-asset investment intensity"},
    "stdland_term_far_min": {"zh": "容积率（下限）", "en": "Floor-area ratio (minimum)"},
    "stdland_term_far_max": {"zh": "容积率（上限）", "en": "Floor-area ratio (maximum)"},
    "stdland_term_tax_per_mu": {"zh": "亩均税收", "en": "Tax per mu"},
    "stdland_term_value_added_per_energy": {"zh": "单位能耗工业增加值", "en": "Value added per unit of energy"},
    "stdland_term_value_added_per_emission": {"zh": "单位排放工业增加值", "en": "Value added per unit of emissions"},
    "stdland_term_rd_ratio": {"zh": "研发经费投入占比", "en": "R&D spending share of revenue"},
    # units
    "stdland_unit_per_mu": {"zh": "万元/亩", "en": "10k yuan/mu"},
    "stdland_unit_per_tce": {"zh": "万元/吨标煤", "en": "10k yuan/tce"},
    "stdland_unit_per_t": {"zh": "万元/吨", "en": "10k yuan/t"},
    # how a siting candidate's conditions were found
    "stdland_matched_code": {"zh": "按行业代码 {code}（{entry}）", "en": "by industry code {code} ({entry})"},
    "stdland_matched_cluster": {"zh": "按产业集群（{entry}）", "en": "by cluster ({entry})"},
    "stdland_matched_default": {"zh": "其他行业默认指标", "en": "the default for other industries"},
    "stdland_matched_none": {"zh": "未设置标准地控制指标", "en": "no standard-land conditions set"},
}

register_section(__name__, TEXT)
