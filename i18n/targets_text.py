"""Text of targets and progress (`landpark targets`, the 目标进度 page, scorecards): every key starts with `targets_`.

Registered in the one translation table at import (`i18n.register_section`); the Chinese edition names no code.
"""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    # page and CLI headings
    "targets_page_title": {"zh": "目标进度", "en": "Targets and progress"},
    "targets_header": {"zh": "目标进度（数据年度：{year}）", "en": "Targets and progress (data of {year})"},
    "targets_none": {"zh": "未设置目标：在 landpark.toml 的 [targets] 中添加规划目标（见其中的说明）。",
                     "en": "No targets set: add the plans' targets to [targets] in landpark.toml (its comments explain how)."},
    "targets_summary": {"zh": "合计：达成 {met} 项，进度正常 {on_track} 项，落后 {behind} 项，无数据 {no_data} 项",
                        "en": "In all: {met} met, {on_track} on track, {behind} behind, {no_data} without data"},
    "targets_source": {"zh": "依据：{source}", "en": "Source: {source}"},
    # table columns
    "targets_col_name": {"zh": "目标", "en": "Target"},
    "targets_col_scope": {"zh": "范围", "en": "Scope"},
    "targets_col_year": {"zh": "目标年", "en": "Year"},
    "targets_col_base": {"zh": "口径", "en": "Base"},
    "targets_col_value": {"zh": "现值", "en": "Value"},
    "targets_col_target": {"zh": "目标值", "en": "Target"},
    "targets_col_gap": {"zh": "差距", "en": "Gap"},
    "targets_col_status": {"zh": "状态", "en": "Status"},
    "targets_col_path": {"zh": "进度线", "en": "Path"},
    "targets_col_source": {"zh": "依据", "en": "Source"},
    "targets_col_unit": {"zh": "单元", "en": "Unit"},
    "targets_col_area_mu": {"zh": "面积（亩）", "en": "Area (mu)"},
    "targets_col_area_km2": {"zh": "面积（平方公里）", "en": "Area (km²)"},
    "targets_col_gap_mu": {"zh": "超出范围（亩）", "en": "Outside the range by (mu)"},
    "targets_col_ok": {"zh": "符合", "en": "Within"},
    # statuses
    "targets_status_met": {"zh": "达成", "en": "met"},
    "targets_status_on_track": {"zh": "进度正常", "en": "on track"},
    "targets_status_behind": {"zh": "落后", "en": "behind"},
    "targets_status_no_data": {"zh": "无数据", "en": "no data"},
    # scopes, bases, levels, units
    "targets_scope_district": {"zh": "全区", "en": "District"},
    "targets_scope_kind": {"zh": "各{kind}", "en": "{kind}"},
    "targets_scope_cluster": {"zh": "产业集群：{name}", "en": "Cluster: {name}"},
    "targets_base_all": {"zh": "全部企业", "en": "all firms"},
    "targets_base_above_scale": {"zh": "规上", "en": "above-scale"},
    "targets_level_all": {"zh": "红线和蓝线合计", "en": "red and blue lines together"},
    "targets_level_red": {"zh": "一级（红线）", "en": "level 1 (red)"},
    "targets_level_blue": {"zh": "二级（蓝线）", "en": "level 2 (blue)"},
    "targets_unit_per_mu": {"zh": "万元/亩", "en": "10k yuan/mu"},
    "targets_unit_per_person": {"zh": "万元/人", "en": "10k yuan/person"},
    "targets_unit_count": {"zh": "个", "en": "units"},
    "targets_unit_km2": {"zh": "平方公里", "en": "km²"},
    "targets_unit_mu": {"zh": "亩", "en": "mu"},
    "targets_unit_100m_yuan": {"zh": "亿元", "en": "100m yuan"},
    "targets_pp": {"zh": "{value} 个百分点", "en": "{value} pp"},
    "targets_kind_size": {"zh": "·单元面积", "en": " · unit size"},
    "targets_kind_count": {"zh": "·数量", "en": " · count"},
    "targets_size_value": {"zh": "{n} 个超出", "en": "{n} outside"},
    # lines under a target
    "targets_size_rule": {"zh": "每个单元应在 {low}–{high} 亩之间（共 {n} 个）；超出范围的：",
                          "en": "each unit should be {low}–{high} mu ({n} units); outside the range:"},
    "targets_size_outside": {"zh": "  {name}（{id}）：{mu} 亩（{km2} 平方公里），差 {gap} 亩",
                             "en": "  {name} ({id}): {mu} mu ({km2} km²), off by {gap} mu"},
    "targets_line_levels": {"zh": "计入：{level}；各级别面积：{levels}", "en": "Counted: {level}; by level: {levels}"},
    "targets_n_firms": {"zh": "计入企业 {n} 家", "en": "{n} firms counted"},
    "targets_path_line": {"zh": "进度线：{year} 年应达 {path}（自 {base_year} 年的 {base} 按直线推进）",
                          "en": "Path: {path} due in {year} (a straight line from {base} in {base_year})"},
    "targets_note_no_base": {"zh": "未设基期值：与最终目标直接比较", "en": "No base year: compared with the final target"},
    # why a target has no value
    "targets_reason_cluster_pending": {"zh": "无数据：产业集群尚未定义（待集群功能上线）",
                                       "en": "No data: clusters are not defined yet (they come with the cluster feature)"},
    "targets_reason_cluster_missing": {"zh": "无数据：产业集群设置中没有该集群",
                                       "en": "No data: [clusters] does not define this cluster"},
    "targets_reason_kind_missing": {"zh": "无数据：项目中没有该类单元图层",
                                    "en": "No data: the project has no units of this kind"},
    "targets_reason_unit_missing": {"zh": "无数据：项目中没有该单元", "en": "No data: the project has no such unit"},
    "targets_reason_no_above_scale_flag": {
        "zh": "无数据：企业表没有“是否规上”字段，无法只按规上企业计算（未用全部企业代替）",
        "en": "No data: the enterprise table has no above-scale flag, so a 规上-only figure cannot be computed "
              "(all firms were not used instead)"},
    "targets_reason_no_above_scale_firms": {"zh": "无数据：范围内没有规上企业",
                                            "en": "No data: no above-scale firm in this scope"},
    "targets_reason_no_firm_data": {"zh": "无数据：范围内企业缺少该指标所需数据",
                                    "en": "No data: the firms in this scope lack the figures this indicator needs"},
    "targets_reason_no_firms": {"zh": "无数据：范围内没有企业", "en": "No data: no firm in this scope"},
    "targets_reason_no_land_data": {"zh": "无数据：范围内没有宗地数据", "en": "No data: no parcel data in this scope"},
    "targets_reason_no_lines": {"zh": "无数据：项目中没有工业用地保护线", "en": "No data: the project has no protection lines"},
    "targets_reason_no_supply_mix": {"zh": "无数据：没有宗地数据，无法计算供地结构",
                                     "en": "No data: without parcels the supply mix cannot be computed"},
    "targets_reason_floor_incomplete": {"zh": "无法判定：部分供地缺少供地方式或用地类别",
                                        "en": "Not judged: some supplied land lacks its supply type or category"},
    "targets_reason_no_supplied_land": {"zh": "无数据：当年没有计入的供地", "en": "No data: no counted land supplied that year"},
    # the page
    "targets_page_year": {"zh": "数据年度", "en": "Data year"},
    "targets_page_year_help": {"zh": "按所选年度的企业数据和当年有效的图层计算",
                               "en": "Measured on that year's firm data and layers"},
    "targets_page_caption": {
        "zh": "目标来自 landpark.toml 的 [targets]（供地占比下限来自 [supply_mix]）。目标年已到：达成或落后；"
              "目标年未到且设有基期值：现值不低于基期到目标的直线进度线即为进度正常。",
        "en": "Targets come from [targets] in landpark.toml (the supply-share floors from [supply_mix]). A target whose year "
              "has come is met or behind; before its year, with a base, it is on track when the value reaches the straight "
              "line from the base to the target."},
    "targets_page_metrics_met": {"zh": "达成", "en": "Met"},
    "targets_page_metrics_on_track": {"zh": "进度正常", "en": "On track"},
    "targets_page_metrics_behind": {"zh": "落后", "en": "Behind"},
    "targets_page_metrics_no_data": {"zh": "无数据", "en": "No data"},
    "targets_page_indicators": {"zh": "指标目标", "en": "Indicator targets"},
    "targets_page_checks": {"zh": "规划核查", "en": "Plan checks"},
    "targets_page_floors": {"zh": "供地中工业用地占比（逐年）", "en": "Industrial share of supplied land, by year"},
    "targets_page_failed": {"zh": "无法计算目标进度", "en": "Targets could not be measured"},
    "targets_page_all_within": {"zh": "全部在范围内", "en": "All within the range"},
    "targets_page_units": {"zh": "各单元面积", "en": "Each unit's area"},
    "targets_page_size_rule": {"zh": "每个单元应在 {low}–{high} 亩之间；共 {n} 个，超出范围 {k} 个",
                               "en": "Each unit should be {low}–{high} mu; {n} units, {k} outside the range"},
}

register_section(__name__, TEXT)
