"""Text of the layer-version list (`landpark versions`, the 数据 page's 版本 table)."""

from i18n import register_section

TEXT = {
    "versions_header": {"zh": "图层版本（{project}）", "en": "Layer versions ({project})"},
    "versions_col_layer": {"zh": "图层", "en": "Layer"},
    "versions_col_version": {"zh": "版本", "en": "Version"},
    "versions_col_valid_from": {"zh": "生效日期", "en": "In force from"},
    "versions_col_imported_at": {"zh": "导入时间", "en": "Imported at"},
    "versions_col_features": {"zh": "要素数", "en": "Features"},
    "versions_col_mode": {"zh": "导入方式", "en": "Mode"},
    "versions_col_source": {"zh": "来源", "en": "Source"},
    "versions_current": {"zh": "（当前）", "en": " (current)"},
    "versions_since_always": {"zh": "一直有效", "en": "always"},
    "versions_unknown": {"zh": "未记录", "en": "not recorded"},
    "versions_none": {"zh": "项目中还没有图层", "en": "The project has no layers yet"},
    "versions_mode_replace": {"zh": "替换", "en": "replace"},
    "versions_mode_append": {"zh": "追加", "en": "append"},
    "versions_label_dated": {"zh": "第 {version} 版（{date} 起）", "en": "version {version} (from {date})"},
    "versions_label_undated": {"zh": "第 {version} 版", "en": "version {version}"},
}

register_section(__name__, TEXT)
