"""Text of the 保护线版本 page (ui/lines_page.py): keys `linespage_…`.

The ledger's column names, level, verdict and status labels are the comparison's own (`lines_…`, i18n/lines_text.py),
so the page and `landpark lines` name things alike.
"""

from __future__ import annotations

import i18n.lines_text  # noqa: F401  (the comparison's own lines_ labels, which the page reuses)
import i18n.versions_text  # noqa: F401  (the version labels)
from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    "linespage_title": {"zh": "保护线版本", "en": "Protection lines across versions"},
    "linespage_caption": {"zh": "比较工业用地保护线的两个版本：各级别面积、调出与调入图斑、占补平衡、"
                                "各控制线工业用地占比、新增侵占与分级管控规则（与命令 landpark lines 的结果相同）。",
                          "en": "Two versions of the industrial protection lines compared: area by level, the pieces "
                                "removed and added, the balance, each line's industrial share, new encroachments and the "
                                "level rules (the same figures as the landpark lines command)."},
    "linespage_no_layer": {"zh": "项目中没有工业用地保护线图层。请在“数据管理”页导入工业用地保护线。",
                           "en": "The project has no protection-lines layer. Import one on the Data page."},
    "linespage_one_version": {
        "zh": "工业用地保护线只有一个版本（{label}），无法比较。导入新版本的方法：在“数据管理”页选择图层"
              "“工业用地保护线”，导入方式选“替换”，并填写“此版本生效日期”；或在命令行运行 "
              "landpark import 文件 --kind protection_lines --into 项目文件夹 --mode replace --valid-from 日期"
              "（日期格式 YYYY-MM-DD）。旧版本会保留，导入后即可在此比较两个版本。",
        "en": "The protection lines have one version only ({label}): there is nothing to compare. To add a version, "
              "import the new lines on the Data page with the layer “Industrial protection lines”, the mode “replace” "
              "and a date in “This version in force from”; or run landpark import FILE --kind protection_lines "
              "--into DIR --mode replace --valid-from YYYY-MM-DD. The earlier version is kept, and the two can then be "
              "compared here."},
    "linespage_from": {"zh": "原版本（较早）", "en": "Earlier version"},
    "linespage_to": {"zh": "现版本（较晚）", "en": "Later version"},
    "linespage_current": {"zh": "（当前）", "en": " (current)"},
    "linespage_same": {"zh": "请选择两个不同的版本。", "en": "Choose two different versions."},
    "linespage_reversed": {"zh": "所选“原版本”晚于“现版本”：下列结果为从较晚版本到较早版本的变化。",
                           "en": "The earlier version chosen is the later one: the figures below go from the later "
                                 "version back to the earlier one."},
    "linespage_failed": {"zh": "无法比较保护线版本：{detail}", "en": "The versions could not be compared: {detail}"},
    "linespage_metric_before": {"zh": "原版总面积（亩）", "en": "Area before (mu)"},
    "linespage_metric_after": {"zh": "现版总面积（亩）", "en": "Area after (mu)"},
    "linespage_metric_removed": {"zh": "调出合计（亩）", "en": "Removed (mu)"},
    "linespage_metric_added": {"zh": "调入合计（亩）", "en": "Added (mu)"},
    "linespage_total_ok": {"zh": "面积不减少：是（{before} 亩 → {after} 亩，净变化 {net} 亩）",
                           "en": "Area not smaller: yes ({before} mu → {after} mu, net {net} mu)"},
    "linespage_total_bad": {"zh": "面积不减少：否（{before} 亩 → {after} 亩，净减少 {loss} 亩）",
                            "en": "Area not smaller: no ({before} mu → {after} mu, {loss} mu less)"},
    "linespage_balance_ok": {"zh": "占补平衡：各级别均平衡", "en": "Balance: every level is balanced"},
    "linespage_balance_bad": {"zh": "占补平衡：不平衡（{levels}）", "en": "Balance: not balanced ({levels})"},
    "linespage_level_short": {"zh": "{level}缺口 {shortfall} 亩", "en": "{level}: {shortfall} mu short"},
    "linespage_col_shortfall": {"zh": "缺口（亩）", "en": "Shortfall (mu)"},
    "linespage_verdict_short": {"zh": "不平衡（缺口 {shortfall} 亩）", "en": "not balanced ({shortfall} mu short)"},
    "linespage_col_area_before": {"zh": "原面积（亩）", "en": "Before (mu)"},
    "linespage_col_area_after": {"zh": "现面积（亩）", "en": "After (mu)"},
    "linespage_col_net": {"zh": "净变化（亩）", "en": "Net (mu)"},
    "linespage_col_removed": {"zh": "调出（亩）", "en": "Removed (mu)"},
    "linespage_col_added": {"zh": "调入（亩）", "en": "Added (mu)"},
    "linespage_col_from_stricter": {"zh": "更严级别补足（亩）", "en": "From stricter (mu)"},
    "linespage_col_balance": {"zh": "平衡差额（亩）", "en": "Balance (mu)"},
    "linespage_col_parcel_count": {"zh": "涉及宗地数", "en": "Parcels touched"},
    "linespage_col_share_base": {"zh": "下限", "en": "Floor"},
    "linespage_col_scope": {"zh": "口径", "en": "Measure"},
    "linespage_col_applies": {"zh": "适用级别", "en": "Level"},
    "linespage_col_value_before": {"zh": "原值", "en": "Before"},
    "linespage_col_status_before": {"zh": "原状态", "en": "Status before"},
    "linespage_col_value_after": {"zh": "现值", "en": "After"},
    "linespage_col_status_after": {"zh": "现状态", "en": "Status after"},
    "linespage_col_failing": {"zh": "未达标的控制线", "en": "Lines below"},
    "linespage_col_source": {"zh": "依据", "en": "Source"},
    "linespage_col_check": {"zh": "核查结果", "en": "Check"},
    "linespage_col_status": {"zh": "状态", "en": "Status"},
    "linespage_col_items": {"zh": "超出的控制线", "en": "Lines over"},
    "linespage_col_name": {"zh": "名称", "en": "Name"},
    "linespage_col_area_before_line": {"zh": "原面积（亩）", "en": "Area before (mu)"},
    "linespage_col_area_after_line": {"zh": "现面积（亩）", "en": "Area after (mu)"},
    "linespage_ledger": {"zh": "各级别面积与占补平衡", "en": "Area and balance by level"},
    "linespage_changes_none": {"zh": "两版之间没有调出或调入的图斑。", "en": "Nothing was removed or added between the versions."},
    "linespage_shares": {"zh": "各控制线工业用地占比（原 / 现）", "en": "Industrial share per line (before / after)"},
    "linespage_floors": {"zh": "工业用地占比下限", "en": "Floors on the industrial share"},
    "linespage_rules": {"zh": "分级管控规则", "en": "Level rules"},
    "linespage_encroachments": {"zh": "新增侵占（一级线内非工业用地）", "en": "New encroachments (non-industrial land in red lines)"},
    "linespage_no_encroachments": {"zh": "没有新增侵占。", "en": "No new encroachment."},
    "linespage_map": {"zh": "前后对比图", "en": "Before and after"},
    "linespage_map_caption": {"zh": "虚线为原版控制线，填色为现版控制线（红色一级、蓝色二级）；橙色为调出图斑，绿色为调入图斑。"
                                    "图层可在右上角开关。",
                              "en": "Dashed: the earlier lines; filled: the later lines (red = level 1, blue = level 2); "
                                    "orange: pieces removed, green: pieces added. Layers can be switched at the top right."},
    "linespage_map_empty": {"zh": "两个版本都没有可绘制的控制线。", "en": "Neither version has lines to draw."},
    "linespage_view": {"zh": "地图范围", "en": "Map view"},
    "linespage_view_all": {"zh": "全部控制线", "en": "All lines"},
    "linespage_view_change": {"zh": "第 {id} 块：{kind} · {level} · {area} 亩", "en": "Piece {id}: {kind}, {level}, {area} mu"},
    "linespage_legend": {"zh": "图例", "en": "Legend"},
    "linespage_layer_before": {"zh": "原版控制线（{label}）", "en": "Lines before ({label})"},
    "linespage_layer_after": {"zh": "现版控制线（{label}）", "en": "Lines after ({label})"},
    "linespage_layer_removed": {"zh": "调出图斑（{n} 块）", "en": "Pieces removed ({n})"},
    "linespage_layer_added": {"zh": "调入图斑（{n} 块）", "en": "Pieces added ({n})"},
    "linespage_legend_before": {"zh": "原版控制线（虚线）", "en": "Lines before (dashed)"},
    "linespage_legend_red": {"zh": "现版一级（红线）", "en": "Red lines after"},
    "linespage_legend_blue": {"zh": "现版二级（蓝线）", "en": "Blue lines after"},
    "linespage_legend_removed": {"zh": "调出图斑", "en": "Removed"},
    "linespage_legend_added": {"zh": "调入图斑", "en": "Added"},
}

register_section(__name__, TEXT)
