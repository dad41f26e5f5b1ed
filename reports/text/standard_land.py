"""Text of the 标准地复核 page (ui/standard_land_page.py) and of the review's sheet, layer and section in the exports
(reports/excel.py, reports/gpkg.py, reports/html.py): keys `stdpage_…`.

Verdict, reason, term and unit names are the review's own (`stdland_…`, i18n/standard_land_text.py), so the page,
the exports and `landpark review` name things alike. The module registers itself on import (registering the same
section again, as ui/text/__init__.py may, is a no-op), so the report writers can use it without the app.
"""

from __future__ import annotations

import i18n.standard_land_text  # noqa: F401  (the review's own stdland_ labels, which the page and exports reuse)
from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    # ---- the page
    "stdpage_title": {"zh": "标准地复核", "en": "Standard-land review"},
    "stdpage_caption": {
        "zh": "按“标准地”出让的宗地，到约定达产日期后，将关联企业的实际数据与出让时承诺的控制指标逐项比较"
              "（与命令 landpark review 的结果相同）。复核日期为所选评价年度的评价日期：{as_of}。",
        "en": "Parcels sold as standard land: once their agreed date of full production has passed, the linked firm's "
              "actual figures are compared term by term with the indicators committed at sale (the same result as "
              "the landpark review command). Review date: the evaluation date of the chosen year, {as_of}."},
    "stdpage_none": {"zh": "项目中没有标准地宗地：宗地图层中没有标记为标准地的宗地（字段“标准地”）。",
                     "en": "The project has no standard-land parcels: no parcel is marked as standard land."},
    "stdpage_failed": {"zh": "标准地复核无法完成：{detail}", "en": "The standard-land review failed: {detail}"},
    "stdpage_tolerance": {"zh": "允许偏差 {tolerance}：实际值不低于承诺值的（1 − 允许偏差）即视为达标。",
                          "en": "Tolerance {tolerance}: a term is met when the actual figure reaches (1 − tolerance) "
                                "× the committed one."},
    "stdpage_metric_total": {"zh": "标准地", "en": "Standard-land parcels"},
    "stdpage_filter_verdict": {"zh": "复核结论", "en": "Verdict"},
    "stdpage_filter_search": {"zh": "查找宗地或企业", "en": "Find a parcel or firm"},
    "stdpage_filter_search_help": {"zh": "输入宗地编号、企业名称或统一社会信用代码的一部分。",
                                   "en": "Part of a parcel id, a firm's name or its credit code."},
    "stdpage_table": {"zh": "标准地复核清单（{n} 宗）", "en": "Standard-land parcels ({n})"},
    "stdpage_table_hint": {"zh": "点选一行查看该宗地各项指标；差距 = 实际值 − 承诺值。",
                           "en": "Select a row to see the parcel's terms; gap = actual − committed."},
    "stdpage_no_rows": {"zh": "没有符合筛选条件的宗地。", "en": "No parcel matches the filters."},
    "stdpage_map": {"zh": "标准地分布（按复核结论着色）", "en": "Standard-land parcels by verdict"},
    "stdpage_map_caption": {"zh": "地图只显示标准地宗地，按复核结论着色；选中的宗地以粗边框标出。",
                            "en": "The map shows the standard-land parcels only, coloured by verdict; the chosen "
                                  "parcel is outlined."},
    "stdpage_legend": {"zh": "复核结论", "en": "Verdict"},
    "stdpage_choose": {"zh": "查看宗地", "en": "Parcel"},
    "stdpage_chosen_parcel": {"zh": "所选宗地", "en": "Chosen parcel"},
    "stdpage_choose_none": {"zh": "（未选择）", "en": "(none)"},
    "stdpage_detail": {"zh": "宗地 {parcel}：{verdict}", "en": "Parcel {parcel}: {verdict}"},
    "stdpage_detail_line": {"zh": "企业：{firm}　约定达产日期：{due}　企业数据年度：{year}",
                            "en": "Firm: {firm}   due: {due}   firm data of: {year}"},
    "stdpage_not_due_note": {"zh": "尚未到约定达产日期，下表的实际值仅供了解进度，不作判定。",
                             "en": "Not yet due: the actual figures below show progress only and are not graded."},
    "stdpage_failed_count": {"zh": "未达标 {n} 项", "en": "{n} terms not met"},
    # ---- the columns (page table, Excel sheet, GeoPackage aliases, HTML table)
    "stdpage_col_parcel": {"zh": "宗地编号", "en": "Parcel"},
    "stdpage_col_verdict": {"zh": "复核结论", "en": "Verdict"},
    "stdpage_col_firm": {"zh": "企业名称", "en": "Firm"},
    "stdpage_col_uscc": {"zh": "统一社会信用代码", "en": "Credit code"},
    "stdpage_col_supply_date": {"zh": "供地日期", "en": "Supplied on"},
    "stdpage_col_due": {"zh": "约定达产日期", "en": "Due date"},
    "stdpage_col_data_year": {"zh": "企业数据年度", "en": "Firm data year"},
    "stdpage_col_failed": {"zh": "未达标项（承诺 / 实际 / 差距）", "en": "Terms not met (committed / actual / gap)"},
    "stdpage_col_reason": {"zh": "无法判定原因", "en": "Why undetermined"},
    "stdpage_col_missing": {"zh": "缺少实际数据的指标", "en": "Terms without actual figures"},
    "stdpage_col_term": {"zh": "指标", "en": "Term"},
    "stdpage_col_committed": {"zh": "承诺值", "en": "Committed"},
    "stdpage_col_actual": {"zh": "实际值", "en": "Actual"},
    "stdpage_col_gap": {"zh": "差距", "en": "Gap"},
    "stdpage_col_met": {"zh": "是否达标", "en": "Met"},
    "stdpage_col_unit": {"zh": "单位", "en": "Unit"},
    "stdpage_term_col": {"zh": "{term}·{what}", "en": "{term}: {what}"},
    "stdpage_yes": {"zh": "是", "en": "yes"},
    "stdpage_no": {"zh": "否", "en": "no"},
    # ---- exports
    "stdpage_sheet": {"zh": "标准地复核", "en": "Standard land"},
    "stdpage_layer": {"zh": "标准地复核", "en": "standard_land_review"},
    "stdpage_layer_title": {"zh": "标准地复核：标准地宗地的达产复核结论与差距",
                            "en": "Standard-land review: each standard-land parcel's verdict and gaps"},
    "stdpage_style": {"zh": "按复核结论着色（达标 / 不达标 / 未到期 / 无法判定）",
                      "en": "Coloured by verdict (met / not met / not yet due / undetermined)"},
    "stdpage_html_head": {"zh": "标准地达产复核", "en": "Standard-land review"},
    "stdpage_html_as_of": {"zh": "复核日期 {as_of}，标准地 {n} 宗。", "en": "Reviewed on {as_of}; {n} standard-land parcels."},
    "stdpage_html_not_met": {"zh": "不达标宗地（{n} 宗）", "en": "Parcels not meeting their commitments ({n})"},
    "stdpage_html_none_not_met": {"zh": "没有不达标的宗地。", "en": "No parcel falls short of its commitments."},
}

register_section(__name__, TEXT)
