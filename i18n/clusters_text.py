"""Text of industry clusters and chains (`landpark clusters`, the 产业图谱 page): every key starts with `clusters_`.

Registered in the one translation table at import (`i18n.register_section`); the Chinese edition names no code.
"""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    # CLI
    "clusters_none": {"zh": "未设置产业集群：在 landpark.toml 的 [clusters] 中选用预设或列出本区的产业集群（见其中的说明）。",
                      "en": "No clusters set: name a preset or list the district's clusters in [clusters] of landpark.toml "
                            "(its comments explain how)."},
    "clusters_header": {"zh": "产业图谱（数据年度：{year}；产业集群 {n} 个）",
                        "en": "Industry clusters (data of {year}; {n} clusters)"},
    "clusters_district": {"zh": ("全区：企业 {firms} 家，产值 {output} 万元；"
                                 "集群内企业 {cfirms} 家，产值 {coutput} 万元，占 {share}"),
                          "en": "District: {firms} firms, output {output} (10k yuan); in the clusters {cfirms} firms, output "
                                "{coutput}, {share} of it"},
    "clusters_combined_floor": {"zh": "集群产值占比下限 {floor}：{verdict}",
                                "en": "Floor on the clusters' share {floor}: {verdict}"},
    "clusters_cluster_line": {"zh": ("【{name}】企业 {firms} 家，产值 {output} 万元，"
                                     "税收 {tax} 万元，用地 {land} 亩，占全区产值 {share}"),
                              "en": "[{name}] {firms} firms, output {output}, tax {tax} (10k yuan), land {land} mu, "
                                    "{share} of the district's output"},
    "clusters_codes_line": {"zh": "行业代码：{codes}；关键词：{keywords}", "en": "Codes: {codes}; keywords: {keywords}"},
    "clusters_target_line": {"zh": "目标 {name}：现值 {value} {unit}，目标 {target} {unit}，完成 {progress}，{status}",
                             "en": "Target {name}: {value} {unit} of {target} {unit}, {progress} done, {status}"},
    "clusters_unit_100m_yuan": {"zh": "亿元", "en": "100m yuan"},
    "clusters_unit_count": {"zh": "家", "en": "firms"},
    "clusters_status_met": {"zh": "达成", "en": "met"},
    "clusters_status_on_track": {"zh": "进度正常", "en": "on track"},
    "clusters_status_behind": {"zh": "落后", "en": "behind"},
    "clusters_status_no_data": {"zh": "无数据", "en": "no data"},
    "clusters_stage_0": {"zh": "上游", "en": "upstream"},
    "clusters_stage_1": {"zh": "中游", "en": "midstream"},
    "clusters_stage_2": {"zh": "下游", "en": "downstream"},
    "clusters_segment_line": {"zh": "{stage}·{name}：企业 {firms} 家，产值 {output} 万元",
                              "en": "{stage} · {name}: {firms} firms, output {output}"},
    "clusters_leader_line": {"zh": "链主：{name}（环节：{segment}；所在单元：{units}）",
                             "en": "Chain leader: {name} (segment: {segment}; in: {units})"},
    "clusters_leader_missing": {"zh": "（企业表中无此企业）", "en": " (not in the enterprise table)"},
    "clusters_unit_line": {"zh": "{name}（{id}）：企业 {firms} 家，产值 {output} 万元，占单元产值 {share}",
                           "en": "{name} ({id}): {firms} firms, output {output}, {share} of the unit's output"},
    "clusters_missing_segments": {"zh": "；缺失环节：{segments}", "en": "; missing segments: {segments}"},
    "clusters_units_header": {"zh": "各单元主导产业集中度（主导产业企业产值 ÷ 单元全部企业产值）与培育的集群",
                              "en": "Concentration on the declared leading industries (their members' output ÷ all members' "
                                    "output) and the clusters developed, per unit"},
    "clusters_unit_conc": {"zh": "{name}（{id}）：主导产业 {leading}，集中度 {conc}；培育集群：{clusters}",
                           "en": "{name} ({id}): leading {leading}, concentration {conc}; clusters developed: {clusters}"},
    "clusters_rule_header": {"zh": "集群布局规则（按{layer}）：每个集群布局 {lo_a}–{hi_a} 个，每个单元重点发展 {lo_c}–{hi_c} 个"
                                   "（集群产值占单元产值 ≥ {share} 视为培育）",
                             "en": "Cluster layout rule (over {layer}): each cluster in {lo_a}–{hi_a} areas, each area "
                                   "{lo_c}–{hi_c} clusters (developed = the cluster makes ≥ {share} of the area's output)"},
    "clusters_rule_no_layer": {"zh": "项目中没有该类单元，无法检查。",
                               "en": "The project has no units of this kind: not checked."},
    "clusters_rule_cluster": {"zh": "{name}：{n} 个（{areas}）——{verdict}", "en": "{name}: {n} areas ({areas}) — {verdict}"},
    "clusters_rule_area": {"zh": "{name}（{id}）：{n} 个集群（{clusters}）——{verdict}",
                           "en": "{name} ({id}): {n} clusters ({clusters}) — {verdict}"},
    "clusters_source": {"zh": "依据：{source}", "en": "Source: {source}"},
    "clusters_ok_true": {"zh": "符合", "en": "within"},
    "clusters_ok_false": {"zh": "不符合", "en": "outside"},
    "clusters_ok_none": {"zh": "未检查", "en": "not checked"},
    # app page
    "clusters_page_title": {"zh": "产业图谱", "en": "Industry clusters"},
    "clusters_page_intro": {"zh": ("产业集群按行业代码（GB/T 4754-2017）前缀或行业关键词认定；"
                                   "集群与代码的对应关系为本项目自定，见产业集群设置。"),
                            "en": "Firms join a cluster by GB/T 4754-2017 code prefix or by keywords in their industry text; "
                                  "the cluster-to-code mapping is the project's own, in the [clusters] settings."},
    "clusters_page_cluster": {"zh": "产业集群", "en": "Cluster"},
    "clusters_page_overview": {"zh": "集群总览", "en": "Clusters at a glance"},
    "clusters_page_tree": {"zh": "集群 → 环节 → 企业", "en": "Cluster → segment → firms"},
    "clusters_page_no_segment": {"zh": "未分环节", "en": "No segment"},
    "clusters_page_units": {"zh": "各单元的集群份额与主导产业集中度", "en": "Cluster shares and concentration per unit"},
    "clusters_page_missing": {"zh": "已培育该集群的单元中缺失的环节", "en": "Segments missing where the cluster is developed"},
    "clusters_page_none_missing": {"zh": "已培育该集群的单元均有各环节企业。",
                                   "en": "Every area developing the cluster has all segments."},
    "clusters_page_rule": {"zh": "集群布局规则（3–5 规则）", "en": "Cluster layout rule (3–5)"},
    "clusters_page_map": {"zh": "集群企业分布（按环节着色，★ 为链主）",
                          "en": "The cluster's firms (coloured by segment, ★ chain leader)"},
    "clusters_page_no_points": {"zh": "该集群企业均无位置。", "en": "None of the cluster's firms has a location."},
    "clusters_page_targets": {"zh": "集群目标", "en": "Cluster targets"},
    "clusters_page_firms_more": {"zh": "（仅列产值最高的 {n} 家）", "en": " (the {n} largest by output)"},
    "clusters_col_name": {"zh": "名称", "en": "Name"},
    "clusters_col_unit": {"zh": "单元", "en": "Unit"},
    "clusters_col_id": {"zh": "单元编号", "en": "Unit ID"},
    "clusters_col_kind": {"zh": "单元类型", "en": "Kind"},
    "clusters_col_firms": {"zh": "企业数", "en": "Firms"},
    "clusters_col_output": {"zh": "产值（万元）", "en": "Output (10k yuan)"},
    "clusters_col_tax": {"zh": "税收（万元）", "en": "Tax (10k yuan)"},
    "clusters_col_land": {"zh": "用地（亩）", "en": "Land (mu)"},
    "clusters_col_share": {"zh": "占全区产值", "en": "Share of district output"},
    "clusters_col_unit_share": {"zh": "占单元产值", "en": "Share of unit output"},
    "clusters_col_target": {"zh": "目标", "en": "Target"},
    "clusters_col_progress": {"zh": "完成度", "en": "Progress"},
    "clusters_col_status": {"zh": "状态", "en": "Status"},
    "clusters_col_leading": {"zh": "主导产业", "en": "Leading industries"},
    "clusters_col_concentration": {"zh": "主导产业集中度", "en": "Concentration"},
    "clusters_col_present": {"zh": "培育集群", "en": "Clusters developed"},
    "clusters_col_segments_missing": {"zh": "缺失环节", "en": "Missing segments"},
    "clusters_col_n": {"zh": "个数", "en": "Count"},
    "clusters_col_areas": {"zh": "布局单元", "en": "Areas"},
    "clusters_col_clusters": {"zh": "集群", "en": "Clusters"},
    "clusters_col_verdict": {"zh": "是否符合", "en": "Within the rule"},
    "clusters_col_segment": {"zh": "环节", "en": "Segment"},
    "clusters_col_uscc": {"zh": "统一社会信用代码", "en": "Credit code"},
    "clusters_col_industry": {"zh": "行业", "en": "Industry"},
    "clusters_col_code": {"zh": "行业代码", "en": "Code"},
    "clusters_col_leader": {"zh": "链主", "en": "Chain leader"},
    "clusters_col_matched": {"zh": "认定方式", "en": "Matched by"},
    "clusters_matched_code": {"zh": "行业代码", "en": "code"},
    "clusters_matched_keyword": {"zh": "行业关键词", "en": "keyword"},
    "clusters_sheet_clusters": {"zh": "产业集群", "en": "Clusters"},
    "clusters_sheet_units": {"zh": "集群单元分布", "en": "Clusters by unit"},
    "clusters_sheet_concentration": {"zh": "主导产业集中度", "en": "Concentration"},
    "clusters_sheet_rule": {"zh": "集群布局规则", "en": "Cluster layout rule"},
    "clusters_yes": {"zh": "是", "en": "yes"},
    "clusters_no": {"zh": "否", "en": "no"},
}

register_section(__name__, TEXT)
