"""The one translation table for user-facing text (CLI reports, the app, exports).

Keys are English identifiers; `t(key, lang)` returns the Chinese (default) or English text.
Layer and field labels come from `layers.schema` so they are written once.
"""

from __future__ import annotations

from layers.schema import LAYERS

DEFAULT_LANG = "zh"

TEXT: dict[str, dict[str, str]] = {
    "app_title": {"zh": "Landpark 园区用地分析", "en": "Landpark land & park analysis"},
    "demo_banner": {"zh": "示范数据（虚构区县，仅供演示）", "en": "Demo data (a fictional district)"},
    "page_map": {"zh": "总览地图", "en": "Map"},
    "project": {"zh": "项目", "en": "Project"},
    "layers": {"zh": "图层", "en": "Layers"},
    "features": {"zh": "要素数", "en": "Features"},
    "no_layers": {"zh": "项目中还没有图层。", "en": "The project has no layers yet."},
    "legend": {"zh": "图例", "en": "Legend"},
    "language": {"zh": "语言", "en": "Language"},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_none": {"zh": "无底图（离线）", "en": "None (offline)"},
    "data_issues": {"zh": "数据问题", "en": "Data issues"},
    # validation report
    "report_source": {"zh": "数据源", "en": "Source"},
    "report_layer": {"zh": "图层", "en": "Layer"},
    "report_kind": {"zh": "图层类型", "en": "Layer kind"},
    "report_features": {"zh": "要素/行数", "en": "Features/rows"},
    "report_crs": {"zh": "坐标系", "en": "CRS"},
    "report_crs_guess": {"zh": "（推测，请核对）", "en": " (a guess: please check)"},
    "report_encoding": {"zh": "字符编码", "en": "Encoding"},
    "report_mapping": {"zh": "字段对应", "en": "Field mapping"},
    "report_unmapped": {"zh": "未识别字段", "en": "Unmapped columns"},
    "report_land_use": {"zh": "用地分类标准", "en": "Land-use standard"},
    "report_problems": {"zh": "问题", "en": "Problems"},
    "report_none": {"zh": "无", "en": "none"},
    "report_ok": {"zh": "可以导入", "en": "can be imported"},
    "report_blocked": {"zh": "不能导入：存在阻断性错误", "en": "cannot be imported: blocking errors"},
    "imported": {"zh": "已导入", "en": "Imported"},
    "severity_error": {"zh": "错误", "en": "error"},
    "severity_warning": {"zh": "警告", "en": "warning"},
    "severity_info": {"zh": "提示", "en": "info"},
    # supply status and levels
    "unsupplied": {"zh": "批而未供", "en": "Approved, not supplied"},
    "supplied": {"zh": "已供未建", "en": "Supplied, not built"},
    "built": {"zh": "已建成", "en": "Built"},
    "idle": {"zh": "闲置", "en": "Idle"},
    "red": {"zh": "一级（红线）", "en": "Level 1 (red)"},
    "blue": {"zh": "二级（蓝线）", "en": "Level 2 (blue)"},
    "urban_boundary": {"zh": "城镇开发边界", "en": "Urban development boundary"},
    "permanent_farmland": {"zh": "永久基本农田", "en": "Permanent farmland"},
    "ecological_redline": {"zh": "生态保护红线", "en": "Ecological red line"},
}

LAYER_EN = {
    "protection_lines": "Industrial protection lines", "parks": "Industrial parks", "micro_parks": "Micro-enterprise parks",
    "future_communities": "Future industrial communities", "parcels": "Parcels", "land_approvals": "Land approval batches",
    "enterprises": "Enterprises", "constraints": "Three zones, three lines", "roads": "Roads",
}


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    """Text for `key` in `lang`; an unknown key returns itself so a gap shows, never crashes."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry.get("en") or key


def layer_label(kind: str, lang: str = DEFAULT_LANG) -> str:
    """Display name of a layer kind."""
    if lang == "en":
        return LAYER_EN.get(kind, kind)
    spec = LAYERS.get(kind)
    return spec.label_zh if spec else kind


def field_label(kind: str, name: str, lang: str = DEFAULT_LANG) -> str:
    """Display name of a canonical field of a layer kind."""
    spec = LAYERS.get(kind)
    f = spec.get(name) if spec else None
    if lang == "en" or f is None or not f.label_zh:
        return name
    return f.label_zh
