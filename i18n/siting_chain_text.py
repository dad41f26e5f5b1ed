"""Text of siting by industry chain (the chain_fit criterion, its reasons, the 标准地 conditions of a candidate).

Every key starts with `siting_chain_` (or is the criterion label `siting_crit_chain_fit`); registered in the one
translation table at import (`i18n.register_section`). The Chinese edition names no code.
"""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    "siting_crit_chain_fit": {"zh": "产业链补链", "en": "Chain fit"},
    # chain stages ([clusters] segments' stage 上游 / 中游 / 下游)
    "siting_chain_stage_up": {"zh": "上游", "en": "upstream"},
    "siting_chain_stage_mid": {"zh": "中游", "en": "midstream"},
    "siting_chain_stage_down": {"zh": "下游", "en": "downstream"},
    # per-candidate reasons: the park's status for the cluster, then the nearest 链主
    "siting_chain_reason_missing_segment": {"zh": "{park}已有{cluster}企业，但缺少{segment}环节（补链）",
                                            "en": "{park} has {cluster} firms but lacks the {segment} segment (fills a gap)"},
    "siting_chain_reason_present_segment": {"zh": "{park}已有{cluster}的{segment}环节",
                                            "en": "{park} already has the {segment} segment of {cluster}"},
    "siting_chain_reason_cluster_present": {"zh": "{park}已有{cluster}企业", "en": "{park} has {cluster} firms"},
    "siting_chain_reason_cluster_absent": {"zh": "{park}尚无{cluster}企业", "en": "{park} has no {cluster} firm"},
    "siting_chain_reason_no_park": {"zh": "地块不在园区内", "en": "the site lies in no park"},
    "siting_chain_reason_leader": {"zh": "距链主企业{leader}约 {distance} 米",
                                   "en": "{distance} m from the chain leader {leader}"},
    "siting_chain_reason_no_leader": {"zh": "{cluster}未登记链主企业", "en": "no chain leader recorded for {cluster}"},
    # the 选址 page and the CLI text
    "siting_chain_code": {"zh": "行业代码（GB/T 4754）", "en": "Industry code (GB/T 4754)"},
    "siting_chain_code_placeholder": {"zh": "如 C34、C3441", "en": "e.g. C34, C3441"},
    "siting_chain_code_help": {"zh": "国民经济行业分类代码，门类字母加 2–4 位数字；用于补链加分和标准地控制指标。",
                               "en": "GB/T 4754-2017 code: the section letter and 2–4 digits; used for the chain "
                                     "bonus and the 标准地 control indicators."},
    "siting_chain_cluster": {"zh": "产业集群", "en": "Cluster"},
    "siting_chain_cluster_placeholder": {"zh": "不限", "en": "any"},
    "siting_chain_cluster_help": {"zh": "项目 [clusters] 中的产业集群；缺少所需环节的园区和靠近链主的地块得分更高。",
                                  "en": "A cluster of the project's [clusters]; sites in parks missing the requested "
                                        "segment and near its chain leader score higher."},
    "siting_chain_no_clusters": {"zh": "项目未配置产业集群（[clusters]）", "en": "The project has no [clusters]."},
    "siting_chain_col_reason": {"zh": "补链理由", "en": "Chain reason"},
    "siting_chain_heading": {"zh": "产业链", "en": "Industry chain"},
    "siting_chain_sl_heading": {"zh": "标准地控制指标", "en": "标准地 control indicators"},
    "siting_chain_sl_col_item": {"zh": "指标", "en": "Indicator"},
    "siting_chain_sl_col_value": {"zh": "数值", "en": "Value"},
    "siting_chain_sl_col_unit": {"zh": "单位", "en": "Unit"},
    "siting_chain_sl_col_source": {"zh": "依据", "en": "Source"},
    "siting_chain_sl_investment_intensity": {"zh": "固定资产投资强度", "en": "Fixed-asset investment intensity"},
    "siting_chain_sl_far_min": {"zh": "容积率下限", "en": "Floor-area ratio, minimum"},
    "siting_chain_sl_far_max": {"zh": "容积率上限", "en": "Floor-area ratio, maximum"},
    "siting_chain_sl_tax_per_mu": {"zh": "亩均税收", "en": "Tax per mu"},
    "siting_chain_sl_value_added_per_energy": {"zh": "单位能耗增加值", "en": "Value added per unit of energy"},
    "siting_chain_sl_value_added_per_emission": {"zh": "单位排放增加值", "en": "Value added per unit of emissions"},
    "siting_chain_sl_rd_ratio": {"zh": "研发经费投入强度", "en": "R&D intensity"},
    "siting_chain_sl_none": {"zh": "未设定", "en": "not set"},
    # notices of a run (the page translates the run's English notices with these)
    "siting_chain_n_no_clusters": {"zh": "项目未配置产业集群：不计产业链补链得分",
                                   "en": "no clusters in [clusters]: the chain_fit criterion is dropped"},
    "siting_chain_n_no_cluster_for_code": {"zh": "行业代码 {what} 不属于任何产业集群：不计产业链补链得分",
                                           "en": "industry code {what} lies in no cluster: the chain_fit criterion is dropped"},
    "siting_chain_request": {"zh": "行业代码：{code}；产业集群：{cluster}", "en": "Industry code: {code}; cluster: {cluster}"},
    "siting_chain_col_standard": {"zh": "标准地条件", "en": "标准地 conditions"},
    "siting_chain_sl_short": {"zh": "投资强度 {investment} 万元/亩；容积率 {far}；亩均税收 {tax} 万元/亩",
                              "en": "investment {investment} 万元/亩; FAR {far}; tax {tax} 万元/亩"},
    "siting_chain_sl_matched": {"zh": "适用条目：{entry}", "en": "Entry applied: {entry}"},
    "siting_chain_sl_unmatched": {"zh": "未找到适用的标准地条件（landpark.toml 的 [standard_land]）",
                                  "en": "No 标准地 conditions apply ([standard_land] in landpark.toml)"},
}

register_section(__name__, TEXT)
