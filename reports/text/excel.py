"""The Excel workbook's own text: print headers and footers, the firm sheet's extra columns and coded values,
the method sheet's setting names, and Chinese wording for problem codes the table does not name yet.

Keys start with `xlsx_`. `phrase(key, lang)` reads this section only (a missing key is a programming error
and raises), so the keys built from code values (setting names, land sources…) need no entry in the
translation test's list of key families.
"""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    # printing: header (left: the workbook's title; centre: the sheet) and footer (page numbers)
    "xlsx_print_title": {"zh": "{region} {year} 年度工业用地单元综合评价",
                         "en": "{region}: industrial land unit evaluation {year}"},
    "xlsx_footer": {"zh": "第 &P 页 共 &N 页", "en": "Page &P of &N"},
    # firm sheet: columns the shared column labels do not name
    "xlsx_col_list_label": {"zh": "评价名单", "en": "List"},
    "xlsx_col_list": {"zh": "评价名单", "en": "List"},
    "xlsx_col_sector": {"zh": "行业", "en": "Sector"},
    "xlsx_col_own_land_mu": {"zh": "名下工业用地（亩）", "en": "Own industrial land (mu)"},
    "xlsx_col_years_in_production": {"zh": "投产年数", "en": "Years in production"},
    "xlsx_col_score_base": {"zh": "调整前得分", "en": "Score before adjustments"},
    "xlsx_col_rank_of": {"zh": "名单内参评企业数", "en": "Firms ranked in the list"},
    "xlsx_col_adjustments": {"zh": "加减分与等级调整", "en": "Adjustments"},
    "xlsx_col_excluded_label": {"zh": "不参评原因", "en": "Excluded as"},
    "xlsx_col_above_scale": {"zh": "规上企业", "en": "Above scale"},
    # where a firm's land area comes from (analysis.enterprise land_source)
    "xlsx_src_table": {"zh": "企业表填报", "en": "enterprise table"},
    "xlsx_src_parcels": {"zh": "自有宗地", "en": "owned parcels"},
    "xlsx_src_parcels+leases": {"zh": "自有宗地+租赁", "en": "parcels + leases"},
    "xlsx_src_leases": {"zh": "租赁", "en": "leases"},
    "xlsx_src_none": {"zh": "无", "en": "none"},
    # class adjustments (analysis.methods.engine adjustments / class_override)
    "xlsx_adjust_veto": {"zh": "一票否决（等级上限）", "en": "veto (class cap)"},
    "xlsx_adjust_protection": {"zh": "保护（等级下限）", "en": "protection (class floor)"},
    "xlsx_adjust_points": {"zh": "加减分", "en": "points"},
    "xlsx_adjust_landlord_deduction": {"zh": "出租方扣分", "en": "landlord deduction"},
    "xlsx_adjust_follows_owner": {"zh": "随出租方分类", "en": "follows the landlord's class"},
    "xlsx_override_new_firm": {"zh": "新设企业", "en": "new firm"},
    "xlsx_override_follows": {"zh": "租用企业随出租方 {owner}：{change}", "en": "tenancy: follows {owner}: {change}"},
    # the method sheet: sections' items
    "xlsx_formula_source": {"zh": "Landpark 计算公式", "en": "Landpark analysis.explain.FORMULAS"},
    "xlsx_project_region": {"zh": "区县", "en": "District"},
    "xlsx_project_year": {"zh": "评价年度", "en": "Evaluation year"},
    "xlsx_project_evaluation_date": {"zh": "评价基准日", "en": "Evaluation date"},
    "xlsx_project_crs": {"zh": "坐标系", "en": "Coordinate reference system"},
    "xlsx_project_demo": {"zh": "示范数据", "en": "Demo data"},
    "xlsx_setting_min_industrial_share": {"zh": "工业用地占比下限（保护线）", "en": "Minimum industrial share (lines)"},
    "xlsx_setting_m0_max_share": {"zh": "M0占比上限", "en": "Maximum M0 share"},
    "xlsx_setting_member_min_share": {"zh": "企业计入单元的最小用地比例", "en": "Minimum share of a firm's land inside a unit"},
    "xlsx_setting_encroachment_categories": {"zh": "保护线内视为侵占的地类", "en": "Categories encroaching on a line"},
    "xlsx_setting_floor_ratio": {"zh": "供地率下限", "en": "Supply-ratio floor"},
    "xlsx_setting_window_years": {"zh": "供地率滚动年数", "en": "Supply-ratio window (years)"},
    "xlsx_setting_idle_after_days": {"zh": "逾期未动工认定天数", "en": "Days after the agreed start before overdue"},
    "xlsx_setting_low_far_threshold": {"zh": "低效用地容积率阈值", "en": "Low-efficiency FAR threshold"},
    "xlsx_setting_industrial_categories": {"zh": "计入工业用地的地类", "en": "Categories counted as industrial"},
    "xlsx_setting_include_warehouse": {"zh": "仓储用地计入工业用地", "en": "Warehouses count as industrial"},
    "xlsx_composite_score": {"zh": "综合得分", "en": "Score"},
    "xlsx_composite_cap": {"zh": "对标标准化封顶倍数", "en": "Cap of benchmark normalisation"},
    "xlsx_composite_grade": {"zh": "{grade} 级分数线（≥）", "en": "Grade {grade} from"},
    "xlsx_composite_step": {"zh": "敏感性分析权重变动幅度", "en": "Sensitivity step of the weights"},
    "xlsx_direction_benefit": {"zh": "越大越好", "en": "higher is better"},
    "xlsx_direction_cost": {"zh": "越小越好", "en": "lower is better"},
    "xlsx_method_name": {"zh": "评价办法", "en": "Method"},
    "xlsx_method_source": {"zh": "依据", "en": "Source"},
    "xlsx_method_when": {"zh": "适用条件", "en": "Applies when"},
    "xlsx_method_classes": {"zh": "分类规则", "en": "Class rule"},
    "xlsx_method_exclusion": {"zh": "不参评规则", "en": "Exclusion"},
    "xlsx_classes_percentile": {"zh": "按排名百分位分类", "en": "classes by rank percentile"},
    "xlsx_classes_score": {"zh": "按分数线分类", "en": "classes by score"},
    "xlsx_within_list": {"zh": "名单内排名", "en": "ranked within the list"},
    "xlsx_within_sector": {"zh": "分行业排名", "en": "ranked within the sector"},
    "xlsx_scoring_ratio": {"zh": "指标值 ÷ 基准值计分", "en": "scored as value ÷ benchmark"},
    "xlsx_scoring_minmax": {"zh": "极差标准化计分", "en": "scored min–max"},
    "xlsx_benchmarks_fixed": {"zh": "固定基准值", "en": "fixed benchmarks"},
    "xlsx_benchmarks_mean": {"zh": "组内平均值", "en": "group mean"},
    "xlsx_benchmarks_k_mean": {"zh": "组内平均值 × k", "en": "k × group mean"},
    "xlsx_benchmarks_k_previous_mean": {"zh": "上年度组内平均值 × k", "en": "k × previous year's group mean"},
    # expression words of a method file (and, or, not, true, false)
    "xlsx_word_and": {"zh": "且", "en": "and"},
    "xlsx_word_or": {"zh": "或", "en": "or"},
    "xlsx_word_not": {"zh": "非", "en": "not"},
}


def phrase(key: str, lang: str) -> str:
    """Text of one of this section's keys in `lang` (English when the language has none)."""
    entry = TEXT[key]
    return entry.get(lang) or entry["en"]


def has_phrase(key: str) -> bool:
    """True when this section has `key`."""
    return key in TEXT


register_section(__name__, TEXT)
