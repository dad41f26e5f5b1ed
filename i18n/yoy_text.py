"""Text of the year-on-year comparison (analysis/year_on_year.py): `landpark compare`, the `year_on_year` block of
`landpark score --year Y` and the half-year 效益报表. Merged into `i18n.TEXT`, the one translation table."""

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    "yoy_title": {"zh": "年度对比：{before} 年 → {after} 年", "en": "Year on year: {before} → {after}"},
    "yoy_tolerance": {"zh": "变化幅度在 {relative} 以内（比例指标 {points} 个百分点以内）视为持平。",
                      "en": "Changes within {relative} (ratios: within {points} percentage points) count as flat."},
    # firm class transitions
    "yoy_transitions": {"zh": "企业分类变化（行：{before} 年，列：{after} 年；单位：家）",
                        "en": "Firm class transitions (rows: {before}, columns: {after}; firms)"},
    "yoy_class": {"zh": "{c}类", "en": "Class {c}"},
    "yoy_state_unscored": {"zh": "未评价", "en": "Not scored"},
    "yoy_state_absent_from": {"zh": "上年无", "en": "Not in before"},
    "yoy_state_absent_to": {"zh": "本年无", "en": "Not in after"},
    "yoy_total": {"zh": "合计", "en": "Total"},
    "yoy_summary": {"zh": "两年均有分类的企业 {both} 家：升级 {up} 家，降级 {down} 家，不变 {same} 家；"
                          "新进入 {entered} 家，退出 {left} 家。",
                    "en": "{both} firms classed in both years: {up} up, {down} down, {same} unchanged; "
                          "{entered} entered, {left} left."},
    "yoy_downgraded": {"zh": "降级企业", "en": "Firms moved down"},
    "yoy_more": {"zh": "……另有 {n} 家", "en": "… and {n} more"},
    "yoy_none": {"zh": "无", "en": "none"},
    # indicator tables
    "yoy_district": {"zh": "区县整体", "en": "District"},
    "yoy_units": {"zh": "评价单元（变化 = {after} 年 − {before} 年）", "en": "Evaluation units (change = {after} − {before})"},
    "yoy_col_indicator": {"zh": "指标", "en": "Indicator"},
    "yoy_col_change": {"zh": "变化", "en": "Change"},
    "yoy_col_relative": {"zh": "变化率", "en": "Relative"},
    "yoy_col_trend": {"zh": "趋势", "en": "Trend"},
    "yoy_col_unit": {"zh": "单元", "en": "Unit"},
    "yoy_col_name": {"zh": "名称", "en": "Name"},
    "yoy_col_firm": {"zh": "企业", "en": "Firm"},
    "yoy_col_uscc": {"zh": "统一社会信用代码", "en": "Credit code"},
    "yoy_col_classes": {"zh": "分类", "en": "Class"},
    "yoy_year": {"zh": "{year} 年", "en": "{year}"},
    "yoy_points": {"zh": "个百分点", "en": " pp"},
    "yoy_dir_up": {"zh": "上升", "en": "up"},
    "yoy_dir_down": {"zh": "下降", "en": "down"},
    "yoy_dir_flat": {"zh": "持平", "en": "flat"},
    "yoy_assess_improved": {"zh": "向好", "en": "better"},
    "yoy_assess_worsened": {"zh": "变差", "en": "worse"},
    "yoy_no_units": {"zh": "两年均无评价单元。", "en": "No unit in either year."},
    "yoy_unit_new": {"zh": "（{after} 年新增单元）", "en": " (new in {after})"},
    "yoy_unit_gone": {"zh": "（{after} 年已无此单元）", "en": " (gone in {after})"},
    # indicator labels the scorecards' column table lacks (others come from reports.short_label)
    "yoy_ind_parcels_mu": {"zh": "宗地总面积", "en": "Parcel area"},
    "yoy_ind_rolling_supply_ratio": {"zh": "近五年滚动供地率", "en": "Rolling 5-year supply ratio"},
    "yoy_ind_firm_count": {"zh": "企业数", "en": "Firms"},
    "yoy_ind_idle_by_date_count": {"zh": "逾期未动工宗数", "en": "Overdue start, parcels"},
    "yoy_ind_revenue_per_mu": {"zh": "亩均营业收入", "en": "Revenue per mu"},
    "yoy_ind_value_added_per_energy": {"zh": "单位能耗增加值", "en": "Value added per tce"},
    "yoy_ind_value_added_per_emission": {"zh": "单位排放增加值", "en": "Value added per tonne emitted"},
    "yoy_ind_rd_ratio": {"zh": "R&D经费支出占比", "en": "R&D share of revenue"},
    "yoy_ind_tax_per_kwh": {"zh": "单位电耗税收", "en": "Tax per kWh"},
    "yoy_ind_tax_10k_yuan": {"zh": "税收", "en": "Tax"},
    "yoy_ind_value_added_10k_yuan": {"zh": "工业增加值", "en": "Value added"},
    "yoy_ind_output_10k_yuan": {"zh": "工业总产值", "en": "Output"},
    "yoy_ind_revenue_10k_yuan": {"zh": "营业收入", "en": "Revenue"},
    # half-year 效益报表
    "yoy_half_title": {"zh": "半年度效益报表（{year} 年；同比 = 与 {previous} 年同期相比；亩均按企业用地面积计，未年化）",
                       "en": "Half-year report ({year}; change against the same half of {previous}; per mu on the firms' land, "
                             "not annualised)"},
    "yoy_half_1": {"zh": "上半年", "en": "H1"},
    "yoy_half_2": {"zh": "下半年", "en": "H2"},
    "yoy_col_half": {"zh": "期间", "en": "Half"},
    "yoy_col_firms": {"zh": "企业数", "en": "Firms"},
    "yoy_col_tax": {"zh": "税收（万元）", "en": "Tax (10k yuan)"},
    "yoy_col_output": {"zh": "产值（万元）", "en": "Output (10k yuan)"},
    "yoy_col_revenue": {"zh": "营业收入（万元）", "en": "Revenue (10k yuan)"},
    "yoy_col_tax_per_mu": {"zh": "亩均税收", "en": "Tax per mu"},
    "yoy_col_output_per_mu": {"zh": "亩均产值", "en": "Output per mu"},
    "yoy_col_yoy": {"zh": "同比", "en": "vs last year"},
    "yoy_half_no_previous": {"zh": "{previous} 年同期无半年度数据，无法计算同比。",
                             "en": "No half-year data for {previous}: no change can be computed."},
}

register_section(__name__, TEXT)
