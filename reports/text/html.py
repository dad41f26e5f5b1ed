"""Text of the HTML export (reports/html.py): summary, legend, tooltips, table hint; registered in `i18n.TEXT`."""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    "html_summary": {"zh": "概况", "en": "Summary"},
    "html_units_by_kind": {"zh": "评价单元", "en": "Evaluation units"},
    "html_grades": {"zh": "等级分布", "en": "Grades"},
    "html_district_figures": {"zh": "全区主要指标", "en": "Key district figures"},
    "html_district_note": {"zh": "全区指标为全区汇总值，不是所选单元的合计。",
                           "en": "District figures are totals over the whole district, not over the units shown."},
    "html_rolling_supply": {"zh": "近5年平均供地率", "en": "5-year supply ratio"},
    "html_below_floor": {"zh": "低于下限 {floor}", "en": "below the {floor} floor"},
    "html_meets_floor": {"zh": "达到下限 {floor}", "en": "meets the {floor} floor"},
    "html_map": {"zh": "地图", "en": "Map"},
    "html_table_hint": {"zh": "点击表头按该列排序（再点一次倒序）；点击一行在地图上定位并突出显示该单元，"
                              "点击地图上的单元则突出显示表中对应行。",
                        "en": "Click a column header to sort by it (again to reverse); click a row to zoom to the unit "
                              "on the map, click a unit on the map to highlight its row."},
    "html_legend_parcels": {"zh": "宗地（按供地状态）", "en": "Parcels (supply status)"},
    "html_legend_units": {"zh": "评价单元（边线按类型，填色按综合得分）",
                          "en": "Evaluation units (outline by kind, fill by score)"},
    "html_legend_firms": {"zh": "企业（按亩均评价类别）", "en": "Firms (per-mu class)"},
    "html_status_unknown": {"zh": "供地状态不详", "en": "Supply status unknown"},
    "html_class_firms": {"zh": "{c} 类", "en": "Class {c}"},
    "html_unclassified": {"zh": "未分类", "en": "Not classified"},
    "html_f_parcel_id": {"zh": "宗地编号", "en": "Parcel no."},
    "html_f_land_use": {"zh": "地类编码", "en": "Land use code"},
    "html_f_supply_status": {"zh": "供地状态", "en": "Supply status"},
    "html_f_name": {"zh": "名称", "en": "Name"},
    "html_f_industry": {"zh": "行业", "en": "Industry"},
    "html_f_class": {"zh": "亩均评价类别", "en": "Per-mu class"},
    "html_f_kind": {"zh": "类型", "en": "Kind"},
    "html_sort_hint": {"zh": "点击排序", "en": "Click to sort"},
    "html_scale_m": {"zh": "米", "en": "m"},
    "html_scale_km": {"zh": "千米", "en": "km"},
    "html_zoom_in": {"zh": "放大", "en": "Zoom in"},
    "html_zoom_out": {"zh": "缩小", "en": "Zoom out"},
    "html_units_selected": {"zh": "本文件仅含所选 {n} 个单元。", "en": "This file holds the {n} selected units only."},
}

register_section(__name__, TEXT)
