"""Text of the export scope (reports/scope.py), the pseudonyms of --redact (reports/redact.py) and the field
dictionary of the JSON `meta` block; registered in the one translation table at import."""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    # pseudonyms and the placeholder for firms outside the selection
    "scope_firm_prefix": {"zh": "企业", "en": "Firm"},
    "scope_owner_prefix": {"zh": "权利人", "en": "Owner"},
    "scope_outside_firm": {"zh": "〔选区外企业〕", "en": "[firm outside the selection]"},
    # the project's redaction key
    "scope_secret_readonly": {
        "zh": "无法在项目文件夹 {folder} 中创建脱敏密钥文件 {name}（文件夹只读或无写权限）：请在可写的项目副本上导出，"
              "或不使用脱敏选项",
        "en": "cannot create the redaction key file {name} in the project folder {folder} (the folder is read-only "
              "or not writable): export from a writable copy of the project, or without --redact"},
    "scope_secret_bad": {
        "zh": "脱敏密钥文件 {path} 已损坏（应为 64 位十六进制字符）：删除后重新导出会生成新密钥，但已导出文件中的代号将随之改变",
        "en": "the redaction key file {path} is damaged (64 hexadecimal characters expected): delete it to create a new "
              "key, which changes the pseudonyms of every later export"},
    "scope_secret_no_project": {
        "zh": "脱敏需要项目文件夹（用于保存本项目的脱敏密钥），当前数据没有项目文件夹",
        "en": "redaction needs the project folder (it keeps the project's redaction key); these inputs have none"},
    "scope_secret_database": {
        "zh": "数据库项目的脱敏密钥保存在数据库中：请从项目（数据库地址）导出，而不是从本机缓存文件夹导出",
        "en": "a database project keeps its redaction key in the database: export from the project (its PostgreSQL URL), "
              "not from its local cache folder"},
    # the app's export section
    "scope_aggregates_note": {
        "zh": "您的角色只能导出汇总结果：导出文件只含评价单元和全区的汇总指标，不含企业名单、企业指标和宗地权利人",
        "en": "Your role may export aggregates only: the file holds unit and district figures, with no firm list, "
              "firm figures or parcel owners"},
    "scope_redact_toggle": {"zh": "企业名称和信用代码脱敏", "en": "Pseudonymise firm names and credit codes"},
    "scope_redact_help": {
        "zh": "企业名称、统一社会信用代码和宗地权利人替换为本项目固定的代号（如 企业-7F3A2C91），包括问题说明中的文字；"
              "代号由项目文件夹中的密钥生成，无法由代码反推",
        "en": "Firm names, credit codes and parcel owners are replaced by this project's fixed pseudonyms (e.g. "
              "Firm-7F3A2C91), also inside issue texts; the pseudonyms come from a key kept in the project folder, so "
              "codes cannot be recovered by trying them"},
    "scope_redacted_note": {"zh": "已脱敏", "en": "pseudonymised"},
    # units of the JSON field dictionary (meta.fields)
    "scope_unit_ratio": {"zh": "比值（0–1，×100 即百分比）", "en": "ratio (0–1; ×100 = %)"},
    "scope_unit_far": {"zh": "比值（建筑面积 ÷ 用地面积）", "en": "ratio (floor area ÷ land area)"},
    "scope_unit_score": {"zh": "分（0–100）", "en": "points (0–100)"},
    "scope_unit_rank": {"zh": "名次（1 为最好）", "en": "rank (1 = best)"},
    "scope_unit_count": {"zh": "个", "en": "count"},
    "scope_unit_bool": {"zh": "是/否", "en": "true/false"},
    # meanings of JSON fields without a column label elsewhere
    "scope_field_not_scored_codes": {"zh": "未评价原因代码", "en": "Codes of why the unit is not scored"},
    "scope_field_class_counts": {"zh": "成员企业各类数量（A/B/C/D）", "en": "Member firms per class (A/B/C/D)"},
    "scope_field_above_scale": {"zh": "仅规上企业的亩均指标", "en": "Per-mu figures over above-scale firms only"},
    "scope_field_score_breakdown": {"zh": "综合得分构成（各指标的值、基准、标准化值与权重）",
                                    "en": "Composite score breakdown (each indicator's value, benchmark, normalised "
                                          "value and weight)"},
    "scope_field_list": {"zh": "评价名单", "en": "Evaluation list"},
    "scope_field_list_label": {"zh": "评价名单名称", "en": "Evaluation list label"},
    "scope_field_sector": {"zh": "行业", "en": "Sector"},
    "scope_field_rank_of": {"zh": "同名单参评企业数", "en": "Firms ranked in the list"},
    "scope_field_excluded_label": {"zh": "不参评原因", "en": "Why excluded"},
    "scope_field_adjustments": {"zh": "加减分与分类调整", "en": "Point and class adjustments"},
    "scope_field_unit_ids": {"zh": "所属评价单元编号", "en": "Units the firm is a member of"},
    "scope_field_region": {"zh": "地区", "en": "Region"},
    "scope_field_year": {"zh": "年度", "en": "Year"},
    "scope_field_parcels_mu": {"zh": "宗地总面积（亩）", "en": "All parcels (mu)"},
    "scope_field_rolling_supply_ratio": {"zh": "近5年平均供地率", "en": "5-year supply ratio"},
    "scope_field_supply_floor": {"zh": "供地率下限", "en": "Supply ratio floor"},
    "scope_field_cohort_ratio": {"zh": "当年批次供地率", "en": "Supply ratio of the year's approvals"},
    "scope_field_rolling_ratio": {"zh": "滚动5年供地率", "en": "Rolling 5-year supply ratio"},
    "scope_field_floor": {"zh": "供地率下限", "en": "Supply ratio floor"},
    "scope_field_below_floor": {"zh": "低于下限", "en": "Below the floor"},
    "scope_field_encroachment_area_mu": {"zh": "单元内非工业用地面积（亩）", "en": "Non-industrial area inside the unit (mu)"},
    "scope_field_land_use": {"zh": "地类编码", "en": "Land-use code"},
    "scope_field_land_use_category": {"zh": "用地类别", "en": "Land-use category"},
}

register_section(__name__, TEXT)
