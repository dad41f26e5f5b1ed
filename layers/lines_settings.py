"""[lines]: how two versions of the protection lines are compared (analysis/line_versions.py).

Floors on the industrial share (per line, of the district's industrial land inside lines, of the lines'
total area), the 占补平衡 rule (additions of at least equal area and of the same or a stricter level; red =
一级 is stricter than blue = 二级), the sliver size, and the rules checked on lines of one level (blue-line
rules). Floors and rules are a plan's: none by default; `DEMO_TOML` gives Guangzhou's floors as the example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from layers.settings import Reader

__all__ = ["LEVEL_ORDER", "FLOOR_SCOPES", "FLOOR_LEVELS", "RULE_KINDS", "SHARE_BASES", "LinesFloor", "LinesRule",
           "LinesSettings", "DEFAULT_TOML", "DEMO_TOML"]

# Protection-line levels, strictest first (layers.schema.LINE_LEVELS): red = 一级 / 保护红线, blue = 二级 / 保护蓝线.
# An addition balances a removal of its own level or of any level after it in this order.
LEVEL_ORDER = ("red", "blue")
# What a floor's share is of: each line's industrial share; the district's industrial land inside the lines ÷
# all of the district's industrial land; the industrial land inside the lines ÷ the lines' total area.
FLOOR_SCOPES = ("per_line", "district_in_lines", "lines_total")
FLOOR_LEVELS = (*LEVEL_ORDER, "all")
# Rules checked on the lines of one level (the blue-line rules of a plan):
#   industrial_not_decreasing: industrial land inside the level's lines does not fall between the versions;
#   max_category_share: each line's area of `categories` ÷ its area is at most `share`;
#   outside_constraint: the level's lines do not overlap constraints of `constraint_kind`.
RULE_KINDS = ("industrial_not_decreasing", "max_category_share", "outside_constraint")
# The denominator of a line's industrial share: its ellipsoidal area (as the unit indicator industrial_share),
# or the area of the parcels inside it (land not parcelled, such as roads, left out).
SHARE_BASES = ("line_area", "parcels")
_T = TypeVar("_T")


@dataclass(frozen=True)
class LinesFloor:
    """One floor on an industrial share of the protection lines, of one level or all, with its source."""

    name: str
    share: float
    scope: str   # one of FLOOR_SCOPES
    level: str   # one of FLOOR_LEVELS
    source: str

    @classmethod
    def read(cls, r: Reader) -> LinesFloor:
        """One [[lines.floors]] table, checked."""
        return cls(r.text("name"), r.number("share", 0, 1), r.text("scope", FLOOR_SCOPES), r.text("level", FLOOR_LEVELS),
                   r.text("source"))


@dataclass(frozen=True)
class LinesRule:
    """One rule on the lines of one level (e.g. blue = 二级): its kind, parameters and source."""

    name: str
    kind: str    # one of RULE_KINDS
    level: str   # one of FLOOR_LEVELS
    source: str
    categories: tuple[str, ...] = ()    # max_category_share: the land-use categories counted
    share: float | None = None          # max_category_share: the cap
    constraint_kind: str | None = None  # outside_constraint: a constraints layer kind (layers.schema.CONSTRAINT_KINDS)

    @classmethod
    def read(cls, r: Reader) -> LinesRule:
        """One [[lines.rules]] table, checked; the parameters its kind needs are required, others refused."""
        from layers.schema import CONSTRAINT_KINDS, LAND_USE_CATEGORIES

        name, kind = r.text("name"), r.text("kind", RULE_KINDS)
        level, source = r.text("level", FLOOR_LEVELS), r.text("source")
        if kind == "max_category_share":
            return cls(name, kind, level, source, r.texts("categories", LAND_USE_CATEGORIES, nonempty=True),
                       r.number("share", 0, 1))
        if kind == "outside_constraint":
            return cls(name, kind, level, source, constraint_kind=r.text("constraint_kind", CONSTRAINT_KINDS))
        return cls(name, kind, level, source)


@dataclass(frozen=True)
class LinesSettings:
    """[lines]: sliver size, balance tolerance, share denominator, floors and level rules of the line comparison."""

    min_change_mu: float          # removed/added pieces smaller than this are slivers (counted apart, not in the ledger)
    balance_tolerance_mu: float   # shortfalls and area losses up to this are within tolerance
    share_base: str               # one of SHARE_BASES
    floors: tuple[LinesFloor, ...] = ()
    rules: tuple[LinesRule, ...] = ()

    @classmethod
    def read(cls, r: Reader) -> LinesSettings:
        """The [lines] table, checked (the caller calls `r.finish()`)."""
        floors = r.tables("floors", LinesFloor.read)
        rules = r.tables("rules", LinesRule.read)
        return cls(r.number("min_change_mu", 0), r.number("balance_tolerance_mu", 0), r.text("share_base", SHARE_BASES),
                   floors, rules)




# The section for layers/landpark.default.toml: no floor and no rule (they are a plan's), commented examples.
DEFAULT_TOML = """\
[lines]
# Two versions of the protection lines compared (`landpark lines`): area by level (red = 一级 / 保护红线,
# blue = 二级 / 保护蓝线), what left and what entered, the 占补平衡 ledger, industrial shares then and now,
# new encroachments and the rules below. Areas are ellipsoidal 亩.
# Removed or added pieces smaller than this are slivers of redrawing (counted apart, never in the ledger) [U: local choice].
min_change_mu = 0.1
# A balance shortfall or an area loss up to this many 亩 is within tolerance [U: local choice; survey rounding].
balance_tolerance_mu = 0.1
# A line's industrial share is its industrial land ÷ "line_area" (its ellipsoidal area, as the unit indicator
# industrial_share: 区块工业用地占比) or ÷ "parcels" (the parcel area inside it, roads left out).
share_base = "line_area"
# 占补平衡: a removal is balanced by additions of at least equal area and of the same or a stricter level
# (red is stricter than blue): "总体规模不减少" (深圳光明区工业区块线细则 2019 [C]); 工业用地 "改一补一，确保占补平衡"
# (浙江 2021 [C-2nd]). A red line turned blue on the same ground is a red removal and a blue addition.
#
# Floors on industrial shares (none by default: a floor is a plan's). scope = "per_line" (each line),
# "district_in_lines" (industrial land inside the lines ÷ all the district's industrial land) or "lines_total"
# (industrial land inside the lines ÷ the lines' area); level = "red", "blue" or "all". Examples:
#
# [[lines.floors]]
# name = "广州：单个工业产业区块工业用地占比不低于 65%"
# share = 0.65
# scope = "per_line"
# level = "all"
# source = "广州市工业产业区块优化方案（2025 公示）[C]"
#
# [[lines.floors]]
# name = "深圳：区内区块线内工业用地不低于区块线总面积的 60%"
# share = 0.60
# scope = "lines_total"
# level = "all"
# source = "深圳市工业区块线管理办法（2018）[C]"
#
# Rules on the lines of one level (none by default). kind = "industrial_not_decreasing" (industrial land inside the
# level's lines does not fall), "max_category_share" (categories = [...], share = cap per line) or
# "outside_constraint" (constraint_kind = a constraints kind). Examples for blue (二级) lines:
#
# [[lines.rules]]
# name = "二级线稳定工业用地总规模"
# kind = "industrial_not_decreasing"
# level = "blue"
# source = "深圳市工业区块线管理办法（2018）：二级线为过渡线，一定时期内稳定工业用地总规模 [C]"
#
# [[lines.rules]]
# name = "生态控制线内土地不得划入二级线"
# kind = "outside_constraint"
# level = "blue"
# constraint_kind = "ecological_redline"
# source = "深圳市工业区块线管理办法（2018）：基本生态控制线内用地不得划入二级线 [C]（以生态保护红线图层代替）"
"""

# The demo's section (appended to its landpark.toml): Guangzhou's two floors and the two Shenzhen blue-line rules.
DEMO_TOML = """\
# The demo's protection-line floors and blue-line rules ([lines] above explains the keys).
[[lines.floors]]
name = "广州：单个工业产业区块工业用地占比不低于 65%"
share = 0.65
scope = "per_line"
level = "all"
source = "广州市工业产业区块优化方案（2025 公示）：单个工业产业区块工业用地占比不低于65% [C]"

[[lines.floors]]
name = "广州：区块内工业用地占全区工业用地比例不少于 80%"
share = 0.80
scope = "district_in_lines"
level = "all"
source = "广州市工业产业区块优化方案（2025 公示）：区块内工业用地面积占全区工业用地面积比例不少于80% [C]"

[[lines.rules]]
name = "二级线稳定工业用地总规模"
kind = "industrial_not_decreasing"
level = "blue"
source = "深圳市工业区块线管理办法（2018）：二级线为过渡线，一定时期内稳定工业用地总规模 [C]"

[[lines.rules]]
name = "生态控制线内土地不得划入二级线"
kind = "outside_constraint"
level = "blue"
constraint_kind = "ecological_redline"
source = "深圳市工业区块线管理办法（2018）：基本生态控制线内用地不得划入二级线 [C]（以生态保护红线图层代替）"
"""
