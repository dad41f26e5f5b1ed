"""Text of the GB/T 4754-2017 industry codes (layers/industry_codes.py): levels, report reasons and columns, the
coverage line. Every key starts with `industry_`; registered in the one translation table at import."""

from __future__ import annotations

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    "industry_standard": {"zh": "GB/T 4754-2017《国民经济行业分类》",
                          "en": "GB/T 4754-2017 Industrial classification for national economic activities"},
    # table levels
    "industry_level_section": {"zh": "门类", "en": "Section"},
    "industry_level_division": {"zh": "大类", "en": "Division"},
    "industry_level_group": {"zh": "中类", "en": "Group"},
    "industry_level_class": {"zh": "小类", "en": "Class"},
    # describe()
    "industry_unlisted": {"zh": "（代码表未列出的细类）", "en": "(a finer code the table does not list)"},
    "industry_not_a_code": {"zh": "“{code}”不是国民经济行业分类代码", "en": "“{code}” is not a GB/T 4754-2017 code"},
    # the report of firms not coded
    "industry_report_title": {"zh": "未能赋行业代码的企业", "en": "Firms without an industry code"},
    "industry_reason_no_text": {"zh": "既无行业代码也无行业名称", "en": "neither an industry code nor an industry text"},
    "industry_reason_no_match": {"zh": "行业名称无法对应到行业分类", "en": "the industry text matches no class"},
    "industry_reason_ambiguous": {"zh": "行业名称对应多个大类，无法确定", "en": "the industry text spans several divisions"},
    "industry_reason_invalid_code": {"zh": "行业代码不是有效的国民经济行业分类代码",
                                     "en": "the industry code is not a GB/T 4754-2017 code"},
    "industry_reason_coarse": {"zh": "只能确定到门类，至少需要大类",
                               "en": "only a section is known; a division at least is required"},
    "industry_col_code": {"zh": "行业代码", "en": "Industry code"},
    "industry_col_text": {"zh": "行业", "en": "Industry"},
    "industry_col_level": {"zh": "代码层级", "en": "Code level"},
    "industry_col_source": {"zh": "代码来源", "en": "Code from"},
    "industry_col_reason": {"zh": "原因", "en": "Reason"},
    "industry_col_candidates": {"zh": "可能的代码或关键词", "en": "Candidate codes or keywords"},
    "industry_source_code": {"zh": "行业代码字段", "en": "the code column"},
    "industry_source_text": {"zh": "按行业名称推断", "en": "derived from the industry text"},
    "industry_coverage": {"zh": "共 {firms} 家企业，已赋行业代码 {coded} 家（{share}），其中细到中类或小类 {fine} 家",
                          "en": "{coded} of {firms} firms carry an industry code ({share}); {fine} of them to a group or class"},
}

register_section(__name__, TEXT)
