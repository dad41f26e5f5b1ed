"""Text of the exports' year-on-year and target sections (scorecards in PDF and Word, the Excel 同比 / 目标进度
sheets, the HTML page). Registered in `i18n.TEXT`; every key starts with `rtime_`."""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    # briefing (PDF / Word)
    "rtime_sec": {"zh": "同比变化与目标进度", "en": "Year on year and targets"},
    "rtime_yoy_head": {"zh": "区县整体同比（{before} 年 → {after} 年）", "en": "District year on year ({before} → {after})"},
    "rtime_transitions": {"zh": "企业分类变化（{before} 年 → {after} 年）：升级 {up} 家，降级 {down} 家，新进入 {entered} 家，"
                                "退出 {left} 家。",
                          "en": "Firm classes ({before} → {after}): {up} moved up, {down} moved down, {entered} entered, "
                                "{left} left."},
    "rtime_targets_head": {"zh": "目标进度（{year} 年数据）", "en": "Targets ({year} data)"},
    "rtime_unit_targets": {"zh": "相关目标", "en": "Targets"},
    "rtime_col_last": {"zh": "上年", "en": "{year}"},
    "rtime_col_change": {"zh": "同比", "en": "Change"},
    "rtime_change_line": {"zh": "同比（{before} 年 → {after} 年）：关键指标向好 {up} 项、变差 {down} 项、持平 {flat} 项{score}",
                          "en": "Year on year ({before} → {after}): key indicators {up} better, {down} worse, "
                                "{flat} flat{score}."},
    "rtime_change_score": {"zh": "；综合得分 {before} → {after}（{trend}）", "en": "; score {before} → {after} ({trend})"},
    "rtime_unit_new": {"zh": "同比：本单元为 {after} 年新增，无上年数据。",
                       "en": "Year on year: new in {after}, no figures for the year before."},
    "rtime_col_target": {"zh": "目标", "en": "Target"},
    "rtime_col_scope": {"zh": "范围", "en": "Scope"},
    "rtime_col_year": {"zh": "年度", "en": "Year"},
    "rtime_col_value": {"zh": "现状值", "en": "Value"},
    "rtime_col_target_value": {"zh": "目标值", "en": "Target value"},
    "rtime_col_requirement": {"zh": "要求", "en": "Requirement"},
    "rtime_col_gap": {"zh": "差距", "en": "Gap"},
    "rtime_col_status": {"zh": "状态", "en": "Status"},
    "rtime_col_base": {"zh": "口径", "en": "Base"},
    "rtime_col_source": {"zh": "依据", "en": "Source"},
    "rtime_col_unit_of": {"zh": "计量单位", "en": "Unit"},
    "rtime_col_before": {"zh": "上年值", "en": "Before"},
    "rtime_col_after": {"zh": "本年值", "en": "After"},
    "rtime_col_change_value": {"zh": "变化", "en": "Change"},
    "rtime_col_relative": {"zh": "变化率", "en": "Relative change"},
    "rtime_col_direction": {"zh": "方向", "en": "Direction"},
    "rtime_col_assessment": {"zh": "评价", "en": "Assessment"},
    "rtime_col_indicator": {"zh": "指标", "en": "Indicator"},
    "rtime_col_unit_id": {"zh": "单元编号", "en": "Unit id"},
    "rtime_col_unit_kind": {"zh": "单元类型", "en": "Unit kind"},
    "rtime_col_name": {"zh": "名称", "en": "Name"},
    "rtime_col_from": {"zh": "上年分类", "en": "Class before"},
    "rtime_col_to": {"zh": "本年分类", "en": "Class after"},
    "rtime_col_movement": {"zh": "变化", "en": "Movement"},
    "rtime_col_uscc": {"zh": "统一社会信用代码", "en": "Credit code"},
    "rtime_col_firm": {"zh": "企业名称", "en": "Firm"},
    "rtime_col_count": {"zh": "企业数（家）", "en": "Firms"},
    "rtime_district": {"zh": "全区", "en": "District"},
    "rtime_improved": {"zh": "向好", "en": "better"},
    "rtime_worsened": {"zh": "变差", "en": "worse"},
    "rtime_flat": {"zh": "持平", "en": "flat"},
    "rtime_move_up": {"zh": "升级", "en": "up"},
    "rtime_move_down": {"zh": "降级", "en": "down"},
    "rtime_move_same": {"zh": "不变", "en": "same"},
    "rtime_move_entered": {"zh": "新进入", "en": "entered"},
    "rtime_move_left": {"zh": "退出", "en": "left"},
    "rtime_move_other": {"zh": "其他", "en": "other"},
    "rtime_matrix_corner": {"zh": "上年＼本年", "en": "Before \\ after"},
    # Excel sheets
    "rtime_sheet_yoy": {"zh": "同比", "en": "Year on year"},
    "rtime_sheet_matrix": {"zh": "分类变化", "en": "Class transitions"},
    "rtime_sheet_firms": {"zh": "企业分类变化", "en": "Firm transitions"},
    "rtime_sheet_targets": {"zh": "目标进度", "en": "Targets"},
    # HTML
    "rtime_html_yoy": {"zh": "同比（{before} 年 → {after} 年）", "en": "Year on year ({before} → {after})"},
    "rtime_html_units_hint": {"zh": "各单元关键指标的同比变化（点击展开）", "en": "Key indicators of each unit (click to open)"},
}

register_section(__name__, TEXT)
